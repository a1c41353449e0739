"""Qt Designer plugin for :class:`PVImage`, found through the ``pydm.widget`` entry point."""
from pydm.widgets.qtplugin_base import qtplugin_factory
from pydm.widgets.qtplugin_extensions import RulesExtension

from .pvimage import PVImage

__all__ = ["PVImagePlugin"]


class PVImagePlugin(qtplugin_factory(PVImage, extensions=[RulesExtension],
                                     **PVImage._qt_designer_)):
    """Designer entry for PVImage: widget box group, icon, tooltip and help text."""

    def toolTip(self) -> str:
        return "Image from a waveform PV: server-rendered charts, areaDetector cameras"

    def whatsThis(self) -> str:
        return PVImage.__doc__ or ""
