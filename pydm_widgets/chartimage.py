"""ChartImage: a PVImage of a chart IOC's picture on which a click sets the chart's cursor.

The chart IOC draws its time axis between two pixel columns of the image and publishes them,
``plotLeft`` and ``plotRight``, with the range they show: the right edge ``plotEnd`` (POSIX s;
from an older IOC that does not serve it: ``t1``, the time of the last frame, when ``live`` is
On, else ``end``) and the span ``window``. Time is linear in between, so a click at column x of the
frame sets ``cursor`` to ``end - window + (x - plotLeft) / (plotRight - plotLeft) * window``.
A click outside the time axis, in XY ``mode``, or while those PVs are unknown sets nothing;
*Clear cursor* in the context menu writes 0 (no cursor). Only a click writes: a display that
is never clicked (a screenshot) never does.
"""
from __future__ import annotations

import logging
from typing import Optional

from qtpy.QtCore import Property
from qtpy.QtWidgets import QMenu, QWidget

from .channels import PrefixChannels
from .pvimage import PVImage
from .source import address

logger = logging.getLogger(__name__)

__all__ = ["ChartImage", "column_time", "TIME_PVS"]

#: The chart IOC's PVs the mapping from columns to time needs.
TIME_PVS = ("plotLeft", "plotRight", "plotEnd", "end", "t1", "window", "live", "mode",
            "cursor")


def column_time(x: float, left: float, right: float, end: float, window: float
                ) -> Optional[float]:
    """The time (POSIX s) at image column ``x`` when columns ``left``..``right`` show
    ``end - window``..``end``; None outside them or when they make no axis.

    Examples
    --------
    >>> column_time(300, 100, 500, 1000.0, 60.0)
    970.0
    >>> column_time(50, 100, 500, 1000.0, 60.0) is None
    True
    """
    if not right > left or window <= 0 or not left <= x <= right:
        return None
    return end - window + (x - left) / (right - left) * window


class ChartImage(PVImage):
    """The chart IOC's picture (a :class:`~pydm_widgets.pvimage.PVImage`) whose clicks set
    the chart's ``cursor``; set ``chartPrefix`` (``BEAMLINE:chart:``) besides the image.

    Parameters
    ----------
    parent : QWidget, optional
        The widget this one belongs to.
    init_channel : str, optional
        The image channel, as for PVImage.
    """

    _qt_designer_ = {"group": "PyDM Display Widgets", "is_container": False}

    def __init__(self, parent: Optional[QWidget] = None, init_channel: Optional[str] = None):
        self._chart_prefix = ""
        super().__init__(parent, init_channel)
        self.time_pvs = PrefixChannels(self, TIME_PVS, writable=["cursor"])
        self.imageClicked.connect(self._clicked)

    def readChartPrefix(self) -> str:
        return self._chart_prefix

    def setChartPrefix(self, value: str) -> None:
        self._chart_prefix = str(value or "")
        self.time_pvs.set_prefix(self._chart_prefix)

    #: Where the chart's PVs are: ``BEAMLINE:chart:`` (``ca://`` unless given).
    chartPrefix = Property(str, readChartPrefix, setChartPrefix)

    def channels(self):
        return (super().channels() or []) + self.time_pvs.channels()

    def settled(self) -> bool:
        """Whether a frame is on show (a capture waits for it, not for the time PVs)."""
        return self.frames_shown > 0

    def time_at(self, x: float) -> Optional[float]:
        """The time (POSIX s) at column ``x`` of the frame on show, or None (see the module).

        Parameters
        ----------
        x : float
            A column of the frame, in its pixels from its left edge.
        """
        pvs = self.time_pvs
        left, right, window = (pvs.value(k) for k in ("plotLeft", "plotRight", "window"))
        mode = pvs.value("mode")
        mode_name = mode if isinstance(mode, str) else dict(
            enumerate(pvs.enum_strings.get("mode", ()))).get(mode, "")
        if None in (left, right, window) or mode_name != "Time":
            return None
        end = pvs.value("plotEnd")
        if end is None:
            live = pvs.value("live")
            live_on = live == "On" or (not isinstance(live, str) and live == 1)
            end = pvs.value("t1") if live_on else pvs.value("end")
        if end is None:
            return None
        return column_time(x, float(left), float(right), float(end), float(window))

    def set_cursor_at(self, x: float, y: float = 0.0) -> bool:
        """Set the chart's cursor to the time at column ``x`` of the frame; False (nothing
        written) outside the time axis or while the mapping is unknown."""
        when = self.time_at(x)
        if when is None:
            return False
        logger.info("%s cursor: %.3f", address(self._chart_prefix), when)
        return self.time_pvs.put("cursor", round(when, 3))

    def _clicked(self, x: float, y: float) -> None:
        self.set_cursor_at(x, y)

    def clear_cursor(self) -> bool:
        """Remove the chart's cursor (``cursor`` = 0)."""
        return self.time_pvs.put("cursor", 0.0)

    def widget_ctx_menu(self) -> QMenu:
        menu = super().widget_ctx_menu()
        action = menu.addAction("Clear cursor", self.clear_cursor)
        if action is not None:
            action.setEnabled(bool(self.time_pvs.value("cursor")))
        return menu
