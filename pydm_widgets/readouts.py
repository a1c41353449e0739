"""TraceReadouts: a table of the chart IOC's statistics, a row per configured source.

Under ``chartPrefix`` (``BEAMLINE:chart:``) it watches ``sources``, ``cursor`` and, for each
trace n, ``T<n>:label``, ``T<n>:color``, ``T<n>:cursorValue``, ``T<n>:min``, ``T<n>:max``,
``T<n>:mean`` and ``T<n>:count``: one row per source in ``sources``, named by its label
(else the source), marked with its colour, with its value at the cursor (the column headed by
the cursor's time) and its minimum, maximum and mean over the visible range. A value the IOC
has not (no cursor, no samples in the range) shows as an en dash; a chart with no sources shows
one row saying so, and a chart IOC that does not answer one row saying that. It only reads.
"""
from __future__ import annotations

import math
import time
from typing import Any, List, Optional

from qtpy.QtCore import Property, QSize, Qt
from qtpy.QtGui import QColor, QPixmap
from qtpy.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iocs.common.names import MAX_SOURCES

from .channels import PrefixChannels

__all__ = ["TraceReadouts", "format_value", "COLUMNS", "STATS"]

#: The statistics shown, by column after the trace's name.
STATS = ("cursorValue", "min", "max", "mean")
COLUMNS = ("Trace", "At cursor", "Min", "Max", "Mean")
TRACE_FIELDS = ("label", "color", *STATS, "count")
NONE = "\u2013"


def format_value(value: Any, precision: int = 4) -> str:
    """``value`` as a readout: fixed-point with ``precision`` decimals in 0.001..1e6,
    scientific outside it, an en dash for NaN, infinity or no value.

    Examples
    --------
    >>> format_value(1.23456), format_value(1.2e-8), format_value(float("nan")) == NONE
    ('1.2346', '1.200e-08', True)
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return NONE
    if not math.isfinite(number):
        return NONE
    precision = max(0, min(int(precision), 12))
    if number == 0 or 1e-3 <= abs(number) < 1e6:
        return f"{number:.{precision}f}"
    return f"{number:.{max(precision - 1, 0)}e}"


def _text(item: Optional[QTableWidgetItem]) -> str:
    return item.text() if item is not None else ""


def _sources(text: Any) -> List[str]:
    return [s for s in str(text or "").split(",") if s.strip()]


class TraceReadouts(QWidget):
    """The statistics of each trace of a chart IOC (set ``chartPrefix``); see the module.

    It holds its table (``table``) rather than being one, so a .ui file's table settings
    (uic sets a table's column count from the file) cannot reshape it.

    Parameters
    ----------
    parent : QWidget, optional
        The widget this one belongs to.
    """

    _qt_designer_ = {"group": "PyDM Display Widgets", "is_container": False}

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._prefix = ""
        suffixes = ["sources", "cursor"] + [f"T{n}:{f}" for n in range(1, MAX_SOURCES + 1)
                                            for f in TRACE_FIELDS]
        self.pvs = PrefixChannels(self, suffixes)
        self.pvs.changed.connect(self._changed)
        self.table = table = QTableWidget(0, len(COLUMNS), self)
        table.setHorizontalHeaderLabels(COLUMNS)
        rows, header = table.verticalHeader(), table.horizontalHeader()
        assert rows is not None and header is not None
        rows.setVisible(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(table)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.refresh()

    # ---- Designer property ----------------------------------------------------------------
    def readChartPrefix(self) -> str:
        return self._prefix

    def setChartPrefix(self, value: str) -> None:
        self._prefix = str(value or "")
        self.pvs.set_prefix(self._prefix)
        self.refresh()

    #: Where the chart's PVs are: ``BEAMLINE:chart:`` (``ca://`` unless given).
    chartPrefix = Property(str, readChartPrefix, setChartPrefix)

    def channels(self):
        """The channels watched (PyDM closes and reopens them with the display)."""
        return self.pvs.channels()

    # ---- what is shown --------------------------------------------------------------------
    def row_texts(self) -> List[List[str]]:
        """The table's text, row by row (what an operator reads)."""
        t = self.table
        return [[_text(t.item(r, c)) for c in range(t.columnCount())]
                for r in range(t.rowCount())]

    def header_texts(self) -> List[str]:
        """The column headings (the cursor's column names the cursor's time)."""
        return [_text(self.table.horizontalHeaderItem(c))
                for c in range(self.table.columnCount())]

    def settled(self) -> bool:
        """Whether every row shows what the IOC has (the sources and their statistics)."""
        sources = self.pvs.value("sources")
        if sources is None:
            return False
        return all(self.pvs.value(f"T{n}:{stat}") is not None
                   for n in range(1, len(_sources(sources)[:MAX_SOURCES]) + 1)
                   for stat in (*STATS, "label"))

    def _changed(self, key: str) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Show the values known now."""
        sources = _sources(self.pvs.value("sources"))[:MAX_SOURCES]
        if not self.pvs.connected.get("sources"):
            self._message("chart IOC not connected" if self._prefix else "no chart")
        elif self.pvs.value("sources") is None:
            self._message("reading the sources")
        elif not sources:
            self._message("no sources configured")
        else:
            self.table.clearSpans()
            self.table.setRowCount(len(sources))
            for row, source in enumerate(sources):
                self._trace_row(row, source)
        self._head_cursor_column()
        self.updateGeometry()

    def _head_cursor_column(self) -> None:
        cursor = self.pvs.value("cursor")
        text = COLUMNS[1]
        if isinstance(cursor, (int, float)) and cursor > 0:
            text = "At " + time.strftime("%H:%M:%S", time.localtime(cursor))
        item = self.table.horizontalHeaderItem(1)
        if item is not None and item.text() != text:
            item.setText(text)
            item.setToolTip("value at the cursor" if text == COLUMNS[1] else time.strftime(
                "cursor at %Y-%m-%d %H:%M:%S", time.localtime(cursor)))

    def _message(self, text: str) -> None:
        t = self.table
        t.clearSpans()
        t.setRowCount(1)
        item = QTableWidgetItem(text)
        item.setForeground(QColor("gray"))
        t.setItem(0, 0, item)
        for column in range(1, t.columnCount()):
            t.setItem(0, column, QTableWidgetItem(""))
        t.setSpan(0, 0, 1, t.columnCount())

    def _trace_row(self, row: int, source: str) -> None:
        t = f"T{row + 1}:"
        label = str(self.pvs.value(t + "label") or "").strip()
        name = QTableWidgetItem(label or source)
        name.setToolTip(f"{source} (T{row + 1}); {self._count(t)} samples in the range")
        color = QColor(str(self.pvs.value(t + "color") or ""))
        if color.isValid():
            swatch = QPixmap(10, 10)
            swatch.fill(color)
            name.setData(Qt.ItemDataRole.DecorationRole, swatch)
        self.table.setItem(row, 0, name)
        for column, stat in enumerate(STATS, start=1):
            text = format_value(self.pvs.value(t + stat), self.pvs.precision.get(t + stat, 4))
            item = QTableWidgetItem(text)
            item.setTextAlignment(int(Qt.AlignmentFlag.AlignRight |
                                      Qt.AlignmentFlag.AlignVCenter))
            self.table.setItem(row, column, item)

    def _count(self, t: str) -> str:
        count = self.pvs.value(t + "count")
        return str(int(count)) if count is not None else "unknown"

    def sizeHint(self) -> QSize:
        """As tall as the table's header and rows, no taller."""
        t = self.table
        header, rows = t.horizontalHeader(), t.verticalHeader()
        line = t.fontMetrics().height() + 8
        height = 2 * t.frameWidth() + max(header.sizeHint().height() if header else 0, line)
        height += t.rowCount() * max(rows.defaultSectionSize() if rows else 0, line)
        return QSize(t.sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.table.minimumSizeHint().width(), self.sizeHint().height())
