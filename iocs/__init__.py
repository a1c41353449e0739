"""pvchart: caproto soft IOCs and PyDM widgets for beamline control rooms."""

__version__ = "0.2.0"
