"""PyDM widgets of pvchart."""
