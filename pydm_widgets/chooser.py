"""ChartChooser: a menu of charts that switches the display it sits in to another chart.

A chart display takes its chart by a macro (``C=vacuum``); the chooser lists the charts of a
control room (``charts``, from a macro such as ``CHARTS=chart,vacuum,rf``) with the one on
show (``chart``, ``${C}``) selected. Choosing another loads the same display file again with
that one macro changed, the way PyDM itself opens a related display in the same window:

* in PyDM's main window (``pydm chart.ui``, ``pvchart-display``), through the window's
  ``open``: the new display replaces the old one, whose channels close, and PyDM's *Back* and
  *Forward* go between the charts seen;
* elsewhere (a display shown on its own, or placed in a layout), the new display takes the
  old one's place and size, and the old one closes.

Only the operator's choice switches: filling the menu, or setting ``chart``, never does, and
the chooser writes no PV.
"""
from __future__ import annotations

import logging
import re
from typing import List, Optional

from pydm import Display
from pydm.display import ScreenTarget, load_file
from pydm.utilities import is_qt_designer
from pydm.utilities.connection import close_widget_connections
from qtpy.QtCore import Property, Qt, Signal
from qtpy.QtWidgets import QComboBox, QWidget

logger = logging.getLogger(__name__)

__all__ = ["ChartChooser", "chart_names", "switched_macros"]

#: Displays that took another's place outside a PyDM main window (kept from Python's GC).
_REPLACEMENTS: List[QWidget] = []


def chart_names(text: str, current: str = "") -> List[str]:
    """The chart names listed in ``text`` (separated by commas, semicolons or spaces; each
    once, in order), with ``current`` first if the list lacks it.

    Examples
    --------
    >>> chart_names("chart,vacuum, rf")
    ['chart', 'vacuum', 'rf']
    >>> chart_names("chart", current="vacuum")
    ['vacuum', 'chart']
    """
    names = [n for n in re.split(r"[,;\s]+", text or "") if n and "${" not in n]
    current = current if current and "${" not in current else ""
    if current and current not in names:
        names.insert(0, current)
    return list(dict.fromkeys(names))


def switched_macros(macros: dict, name: str, chart: str) -> dict:
    """A copy of ``macros`` with macro ``name`` set to ``chart``."""
    return dict(macros or {}, **{name: chart})


def _parent_display(widget: QWidget) -> Optional[Display]:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, Display):
        parent = parent.parentWidget()
    return parent


class ChartChooser(QComboBox):
    """A menu of charts (``charts``) that reloads its display for the one chosen.

    Parameters
    ----------
    parent : QWidget, optional
        The widget this one belongs to.

    Examples
    --------
    In a .ui file: ``charts`` = ``${CHARTS}``, ``chart`` = ``${C}`` (``macroName`` ``C``).
    In code:

    >>> chooser = ChartChooser()                                # doctest: +SKIP
    >>> chooser.charts, chooser.chart = "chart,vacuum,rf", "chart"   # doctest: +SKIP
    >>> chooser.switch_to("vacuum")     # what choosing "vacuum" does  # doctest: +SKIP
    """

    _qt_designer_ = {"group": "PyDM Input Widgets", "is_container": False}

    #: Emitted with the chart chosen, once its display is loaded.
    chartChosen = Signal(str)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._charts = ""
        self._chart = ""
        self._macro = "C"
        self.setToolTip("Show another chart in this window")
        self.activated.connect(self._chosen)            # the operator's choices only

    # ---- Designer properties --------------------------------------------------------------
    def readCharts(self) -> str:
        return self._charts

    def setCharts(self, value: str) -> None:
        self._charts = str(value or "")
        self._fill()

    #: The charts to choose from: ``chart,vacuum,rf`` (commas, semicolons or spaces).
    charts = Property(str, readCharts, setCharts)

    def readChart(self) -> str:
        return self._chart

    def setChart(self, value: str) -> None:
        self._chart = str(value or "")
        self._fill()

    #: The chart on show (selected in the menu).
    chart = Property(str, readChart, setChart)

    def readMacroName(self) -> str:
        return self._macro

    def setMacroName(self, value: str) -> None:
        self._macro = str(value or "C")

    #: The display macro that names the chart (default ``C``).
    macroName = Property(str, readMacroName, setMacroName)

    def _fill(self) -> None:
        names = chart_names(self._charts, self._chart)
        self.blockSignals(True)
        try:
            self.clear()
            self.addItems(names)
            if self._chart in names:
                self.setCurrentIndex(names.index(self._chart))
        finally:
            self.blockSignals(False)
        self.setEnabled(len(names) > 1 or is_qt_designer())

    # ---- switching ------------------------------------------------------------------------
    def _chosen(self, index: int) -> None:
        chart = self.itemText(index)
        if chart and chart != self._chart:
            self.switch_to(chart)

    def switch_to(self, chart: str) -> Optional[QWidget]:
        """Load this chooser's display again with ``macroName`` = ``chart``, in its place.

        Parameters
        ----------
        chart : str
            The chart to show (``vacuum``: the display then shows ``<P>vacuum:``).

        Returns
        -------
        QWidget or None
            The new display; None when this chooser is in no display loaded from a file.
        """
        display = _parent_display(self)
        filename = display.loaded_file() if display is not None else None
        if display is None or not filename:
            logger.error("chart chooser: not in a display loaded from a file")
            return None
        macros = switched_macros(display.macros(), self._macro, chart)
        window = QWidget.window(display)          # a child named "window" may shadow it
        showing = getattr(window, "display_widget", None)
        open_file = getattr(window, "open", None)
        if callable(showing) and showing() is display and callable(open_file):
            new = open_file(filename, macros=macros)        # PyDM's main window: history
        else:
            new = _replace(display, load_file(filename, macros=macros,
                                              target=ScreenTarget.HOME))
        logger.info("chart chooser: %s=%s", self._macro, chart)
        self.chartChosen.emit(chart)
        return new


def _replace(old: Display, new: Display) -> Display:
    """Put ``new`` where ``old`` is (its parent's layout, or its place on the screen) and
    close ``old`` with its channels."""
    parent = old.parentWidget()
    layout = parent.layout() if parent is not None else None
    if parent is not None and layout is not None and \
            layout.replaceWidget(old, new) is not None:
        new.show()
    else:
        new.setGeometry(old.geometry())
        new.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)   # closed: gone, and forgotten
        _REPLACEMENTS.append(new)
        new.destroyed.connect(lambda *_: _forget(new))
        if old.isVisible():
            new.show()
    close_widget_connections(old)
    old.hide()
    old.deleteLater()
    return new


def _forget(display: QWidget) -> None:
    if display in _REPLACEMENTS:
        _REPLACEMENTS.remove(display)
