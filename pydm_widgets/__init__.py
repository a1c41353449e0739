"""PyDM widgets of pvchart: PVImage (image waveforms and NTNDArrays), MacroDefaults and
ChartExportButton."""
from .pvimage import PVImage

__all__ = ["PVImage"]
