"""The PyDM display files of pvchart (``chart.ui`` and the screens it opens), installed as
the resource package ``iocs.displays``; :mod:`iocs.common.resources` finds them."""
