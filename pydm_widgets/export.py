"""ChartExportButton: saves the data behind the chart IOC's picture as a CSV file.

Reads ``<chartPrefix>sources`` and, per trace, ``T<n>:times``, ``T<n>:values`` and
``T<n>:severity`` once, when clicked (nothing is monitored meanwhile), and writes one row per
sample: trace, source, ISO time, epoch seconds, value, severity
(:mod:`iocs.chart.csvexport`, which pvchart-web's CSV shares). Channel Access only.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import List, Optional

from qtpy.QtCore import Property
from qtpy.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

from iocs.chart.csvexport import DATA_FIELDS, Series, export_csv, series, trace_sources

logger = logging.getLogger(__name__)

__all__ = ["ChartExportButton", "export_csv", "read_chart_data"]


def read_chart_data(prefix: str, timeout: float = 5.0) -> List[Series]:
    """(trace number, source, times, values, severities) of each trace, read now over CA."""
    import epics
    prefix = prefix[5:] if prefix.startswith("ca://") else prefix
    sources = epics.caget(prefix + "sources", as_string=True, timeout=timeout,
                          use_monitor=False)
    if sources is None:
        raise ConnectionError(f"{prefix}sources does not answer")
    out = []
    for n, source in trace_sources(sources):
        arrays = [epics.caget(f"{prefix}T{n}:{field}", timeout=timeout, use_monitor=False)
                  for field in DATA_FIELDS]
        if any(a is None for a in arrays):
            raise ConnectionError(f"{prefix}T{n}: data does not answer")
        out.append(series(n, source, *arrays))
    return out


class ChartExportButton(QPushButton):
    """A button that saves the chart IOC's plotted data (set ``chartPrefix``) as CSV."""

    _qt_designer_ = {"group": "PyDM Input Widgets", "is_container": False}

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__("Save data (CSV)...", parent)
        self._prefix = ""
        self.clicked.connect(self._ask_and_save)

    def readChartPrefix(self) -> str:
        return self._prefix

    def setChartPrefix(self, value: str) -> None:
        self._prefix = str(value or "")

    chartPrefix = Property(str, readChartPrefix, setChartPrefix)

    def save(self, path: str) -> int:
        """Read the data now and write it to ``path``; returns the samples written."""
        return export_csv(Path(path), read_chart_data(self._prefix))

    def _ask_and_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save chart data", "chart.csv",
                                              "CSV files (*.csv)")
        if not path:
            return
        try:
            rows = self.save(path)
        except (OSError, ConnectionError) as ex:
            QMessageBox.warning(self, "Save chart data", f"Could not save: {ex}")
            return
        logger.info("saved %d samples to %s", rows, path)
