"""TimeEdit: a PyDM line edit for a local time ``YYYY-MM-DD HH:MM:SS`` (the chart's
``endText``) that refuses what is no time, saying why on screen, instead of writing it.

It accepts what the chart IOC accepts (:func:`iocs.chart.timerange.parse_local_time`:
``HH:MM`` or a date alone too, a ``T`` between date and time) and writes the time in its full
form; anything else stays in the field, marked, with the reason in a tooltip shown at once,
and nothing is written. The IOC still checks the rest (a time more than a window ahead).
"""
from __future__ import annotations

import logging
from typing import Optional

from pydm.widgets.line_edit import PyDMLineEdit
from qtpy.QtCore import QSize
from qtpy.QtWidgets import QSizePolicy, QToolTip, QWidget

from iocs.chart.timerange import format_local_time, parse_local_time

logger = logging.getLogger(__name__)

__all__ = ["TimeEdit"]

WIDEST = "0000-00-00 00:00:00"
HINT = "Local time YYYY-MM-DD HH:MM:SS; press Enter to show the span ending then"


class TimeEdit(PyDMLineEdit):
    """A :class:`~pydm.widgets.line_edit.PyDMLineEdit` that writes only local times.

    Parameters
    ----------
    parent : QWidget, optional
        The widget this one belongs to.
    init_channel : str, optional
        The channel, e.g. ``ca://BEAMLINE:chart:endText``.
    """

    _qt_designer_ = {"group": "PyDM Input Widgets", "is_container": False}

    def __init__(self, parent: Optional[QWidget] = None, init_channel: Optional[str] = None):
        super().__init__(parent, init_channel=init_channel)
        self.error = ""
        self.setToolTip(HINT)
        self.setPlaceholderText("YYYY-MM-DD HH:MM:SS")
        self.textEdited.connect(lambda _text: self._accept())     # a new try: unmarked
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def minimumSizeHint(self) -> QSize:
        """Wide enough for a whole time."""
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self.fontMetrics().horizontalAdvance(WIDEST) + 16),
                     hint.height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.minimumSizeHint().width()), hint.height())

    def send_value(self) -> None:
        """Write the text if it is a local time (in its full form); else say why not."""
        try:
            stamp = parse_local_time(self.text())
        except ValueError as ex:
            self._refuse(str(ex))
            return
        self._accept()
        self.setText(format_local_time(stamp))
        super().send_value()

    def _refuse(self, message: str) -> None:
        self.error = message
        self.setToolTip(f"Not written: {message}")
        self.setStyleSheet("TimeEdit { border: 2px solid #e00000; }")
        QToolTip.showText(self.mapToGlobal(self.rect().bottomLeft()), f"Not written: {message}",
                          self)
        logger.info("%s: %s", self.channel, message)

    def _accept(self) -> None:
        if self.error:
            self.error = ""
            self.setToolTip(HINT)
            self.setStyleSheet("")
