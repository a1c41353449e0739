"""The chart's time range, shared by every console: ``window`` (the span), ``end`` (the right
edge, POSIX seconds), ``live`` (the right edge follows the present) and ``cursor``.

Pure: every method takes the present time it should use. ``end`` and its text form
``endText`` (local time ``YYYY-MM-DD HH:MM:SS``) are the same setting: writing either turns
live off. Paging back or forward moves the range by half a span; forward onto the present
turns live on again.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Tuple

__all__ = ["TimeRange", "parse_local_time", "format_local_time", "TEXT_FORMAT"]

#: The text form of ``end``: local time, to the second.
TEXT_FORMAT = "%Y-%m-%d %H:%M:%S"
_ACCEPTED = (TEXT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
             "%Y-%m-%d")


def parse_local_time(text: str) -> float:
    """POSIX seconds of a local time ``YYYY-MM-DD HH:MM:SS`` (``HH:MM``, a ``T`` between
    date and time, or the date alone are accepted too), or ValueError saying what to type."""
    text = " ".join(text.strip().split())
    for fmt in _ACCEPTED:
        try:
            return time.mktime(time.strptime(text, fmt))
        except (ValueError, OverflowError):
            continue
    raise ValueError(f"{text!r} is not a local time YYYY-MM-DD HH:MM:SS")


def format_local_time(stamp: float) -> str:
    """``stamp`` (POSIX s) as local time ``YYYY-MM-DD HH:MM:SS``."""
    return time.strftime(TEXT_FORMAT, time.localtime(stamp))


@dataclass
class TimeRange:
    """Which stretch of time the chart shows."""

    window: float = 60.0
    live: bool = True
    end: float = 0.0            #: the right edge while not live (POSIX s)
    cursor: float = 0.0         #: POSIX s; 0: no cursor

    def right(self, now: float) -> float:
        """The right edge at ``now``."""
        return now if self.live else self.end

    def edges(self, now: float) -> Tuple[float, float]:
        """(left, right) edges at ``now`` (POSIX s)."""
        right = self.right(now)
        return right - self.window, right

    def check_end(self, end: float, now: float) -> float:
        """``end`` if the chart can show a range ending there, else ValueError."""
        if not math.isfinite(end) or end <= self.window:
            raise ValueError(f"end {end:g} is not a time (POSIX seconds)")
        if end > now + self.window:
            raise ValueError(f"end {format_local_time(end)} lies more than a window in the "
                             "future; set live On to follow the present")
        return end

    def hold(self, end: float, now: float) -> None:
        """Show the range ending at ``end`` (live off)."""
        self.end = self.check_end(end, now)
        self.live = False

    def follow(self, live: bool, now: float) -> None:
        """Live on (follow the present) or off (hold the range shown at ``now``)."""
        if not live and self.live:
            self.end = now
        self.live = live

    def page(self, halves: int, now: float) -> None:
        """Move by ``halves`` half spans (negative: back); reaching the present goes live."""
        end = self.right(now) + halves * self.window / 2.0
        if end >= now:
            self.live = True
            return
        self.end = end
        self.live = False

    def key(self, now: float) -> tuple:
        """What of the range changes the data shown (live ranges slide: only their span)."""
        return ("live", self.window) if self.live else ("held", self.window, self.end)
