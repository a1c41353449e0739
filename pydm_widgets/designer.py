"""Qt Designer plugins of pvchart's widgets, found through the ``pydm.widget`` entry points."""
from pydm.widgets.qtplugin_base import qtplugin_factory
from pydm.widgets.qtplugin_extensions import RulesExtension

from .chartimage import ChartImage
from .chooser import ChartChooser
from .export import ChartExportButton
from .macros import MacroDefaults
from .positions import PositionSummary
from .pvimage import PVImage
from .readouts import TraceReadouts
from .timeedit import TimeEdit

__all__ = ["PVImagePlugin", "ChartImagePlugin", "MacroDefaultsPlugin",
           "ChartExportButtonPlugin", "ChartChooserPlugin", "TraceReadoutsPlugin",
           "PositionSummaryPlugin", "TimeEditPlugin"]


class PVImagePlugin(qtplugin_factory(PVImage, extensions=[RulesExtension],  # type: ignore[misc]
                                     **PVImage._qt_designer_)):
    """Designer entry for PVImage: widget box group, icon, tooltip and help text."""

    def toolTip(self) -> str:
        return "Image from a waveform PV or an NTNDArray: server-rendered charts, cameras"

    def whatsThis(self) -> str:
        return PVImage.__doc__ or ""


ChartImagePlugin = qtplugin_factory(ChartImage, extensions=[RulesExtension],
                                    **ChartImage._qt_designer_)
MacroDefaultsPlugin = qtplugin_factory(MacroDefaults, **MacroDefaults._qt_designer_)
ChartExportButtonPlugin = qtplugin_factory(ChartExportButton,
                                           **ChartExportButton._qt_designer_)
ChartChooserPlugin = qtplugin_factory(ChartChooser, **ChartChooser._qt_designer_)
TraceReadoutsPlugin = qtplugin_factory(TraceReadouts, **TraceReadouts._qt_designer_)
PositionSummaryPlugin = qtplugin_factory(PositionSummary, **PositionSummary._qt_designer_)
TimeEditPlugin = qtplugin_factory(TimeEdit, extensions=[RulesExtension],
                                  **TimeEdit._qt_designer_)
