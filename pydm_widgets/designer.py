"""Qt Designer plugins of pvchart's widgets, found through the ``pydm.widget`` entry points."""
from pydm.widgets.qtplugin_base import qtplugin_factory
from pydm.widgets.qtplugin_extensions import RulesExtension

from .export import ChartExportButton
from .macros import MacroDefaults
from .pvimage import PVImage

__all__ = ["PVImagePlugin", "MacroDefaultsPlugin", "ChartExportButtonPlugin"]


class PVImagePlugin(qtplugin_factory(PVImage, extensions=[RulesExtension],  # type: ignore[misc]
                                     **PVImage._qt_designer_)):
    """Designer entry for PVImage: widget box group, icon, tooltip and help text."""

    def toolTip(self) -> str:
        return "Image from a waveform PV or an NTNDArray: server-rendered charts, cameras"

    def whatsThis(self) -> str:
        return PVImage.__doc__ or ""


MacroDefaultsPlugin = qtplugin_factory(MacroDefaults, **MacroDefaults._qt_designer_)
ChartExportButtonPlugin = qtplugin_factory(ChartExportButton,
                                           **ChartExportButton._qt_designer_)
