"""The chart's time axis: ticks and labels, relative to now (live) or in local date/time.

The plotted x of a time trace is always ``t - end`` (seconds before the right edge), so the
data transform is the same whether the chart follows the present or looks back. Live, the
ticks count back from now in a unit that suits the span (s, min, h or days); looking back,
they fall on round local times (:func:`absolute_ticks`) and read as a clock time, or a date
where a day starts, from one minute up to 31 days.
"""
from __future__ import annotations

import datetime as dt
import math
import time
from typing import List, Optional, Sequence, Tuple

from matplotlib.ticker import Formatter, Locator

__all__ = ["relative_unit", "relative_step", "absolute_step", "absolute_ticks",
           "absolute_label", "axis_label", "RelativeTicks", "AbsoluteTicks", "TimeLabels"]

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
#: Candidate steps between ticks (s), in increasing order.
STEPS = (1.0, 2.0, 5.0, 10.0, 15.0, 30.0, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE,
         15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY,
         2 * DAY, 7 * DAY, 14 * DAY)
#: Unit of a live axis by span: (longest span, name, seconds).
UNITS = ((180.0, "s", 1.0), (3 * HOUR, "min", MINUTE), (3 * DAY, "h", HOUR),
         (math.inf, "days", DAY))


def relative_unit(window: float) -> Tuple[str, float]:
    """The unit a live axis of ``window`` seconds counts in: ``(name, seconds)``."""
    for span, name, seconds in UNITS:
        if window <= span:
            return name, seconds
    raise AssertionError("unreachable")


def _pick(candidates: Sequence[float], span: float, max_ticks: int) -> float:
    for step in candidates:
        if span / step <= max_ticks:
            return step
    return candidates[-1] * math.ceil(span / max_ticks / candidates[-1])


def relative_step(window: float, max_ticks: int) -> float:
    """Seconds between ticks of a live axis: round numbers of its unit."""
    _, unit = relative_unit(window)
    candidates = [s * unit for s in (1, 2, 5, 10, 15, 20, 30, 60, 120)]
    return _pick(candidates, window, max(max_ticks, 2))


def absolute_step(window: float, max_ticks: int) -> float:
    """Seconds between ticks of a look-back axis (from :data:`STEPS`)."""
    return _pick(STEPS, window, max(max_ticks, 2))


def _utcoffset(t: float) -> float:
    off = dt.datetime.fromtimestamp(t).astimezone().utcoffset()
    return off.total_seconds() if off is not None else 0.0


def absolute_ticks(t0: float, t1: float, step: float) -> List[float]:
    """POSIX times in ``[t0, t1]`` at round local times ``step`` apart.

    Steps under an hour fall on multiples of the step in local time; hour steps on the
    wall-clock hours of each local day, day steps on local midnights (two-day steps on even
    days of the epoch's count, weeks on Mondays), across summer-time changes too.
    """
    if step < HOUR:
        off = _utcoffset(t0)
        first = math.ceil((t0 + off) / step) * step - off
        n = math.floor((t1 - first) / step + 1e-9) + 1
        return [first + k * step for k in range(max(n, 0))]
    days = round(step / DAY)
    hours = range(0, 24, round(step / HOUR)) if step < DAY else range(1)
    day = dt.date.fromtimestamp(t0)
    out = set()
    while dt.datetime.combine(day, dt.time()).timestamp() <= t1:
        if step < DAY or (day.weekday() == 0 if days == 7 else day.toordinal() % days == 0):
            for hour in hours:
                t = dt.datetime.combine(day, dt.time(hour)).timestamp()
                if t0 <= t <= t1:
                    out.add(t)
        day += dt.timedelta(days=1)
    return sorted(out)


def absolute_label(t: float, step: float) -> str:
    """A tick's text: ``HH:MM:SS`` / ``HH:MM`` by the step, ``DD Mon`` at a local midnight."""
    when = time.localtime(t)
    if step >= DAY or (when.tm_hour == 0 and when.tm_min == 0 and when.tm_sec == 0
                       and step >= MINUTE):
        return time.strftime("%d %b", when)
    return time.strftime("%H:%M:%S" if step < MINUTE else "%H:%M", when)


def axis_label(end: float, window: float, live: bool) -> str:
    """The x axis label: the unit of a live axis; the dates (and zone) of a look-back one."""
    if live:
        return f"time relative to now ({relative_unit(window)[0]})"
    first, last = time.localtime(end - window), time.localtime(end)
    zone = time.strftime("%Z", last)
    day0, day1 = time.strftime("%Y-%m-%d", first), time.strftime("%Y-%m-%d", last)
    return f"{zone} {day0}" if day0 == day1 else f"{zone} {day0} .. {day1}"


class RelativeTicks(Locator):
    """Ticks of a live axis (x = seconds before ``end``)."""

    def __init__(self, window: float, max_ticks: int) -> None:
        self.step = relative_step(window, max_ticks)

    def __call__(self) -> List[float]:
        vmin, vmax = self.axis.get_view_interval() if self.axis else (0.0, 1.0)
        return self.tick_values(vmin, vmax)

    def tick_values(self, vmin: float, vmax: float) -> List[float]:
        first = math.ceil(vmin / self.step - 1e-9)
        last = math.floor(vmax / self.step + 1e-9)
        return [k * self.step for k in range(first, last + 1)]


class AbsoluteTicks(Locator):
    """Ticks of a look-back axis at round local times (x = seconds before ``origin``)."""

    def __init__(self, origin: float, window: float, max_ticks: int) -> None:
        self.origin = origin
        self.step = absolute_step(window, max_ticks)

    def __call__(self) -> List[float]:
        vmin, vmax = self.axis.get_view_interval() if self.axis else (0.0, 1.0)
        return self.tick_values(vmin, vmax)

    def tick_values(self, vmin: float, vmax: float) -> List[float]:
        return [t - self.origin for t in absolute_ticks(self.origin + vmin,
                                                        self.origin + vmax, self.step)]


class TimeLabels(Formatter):
    """Tick labels: in the live unit, or local date/time when ``origin`` is given."""

    def __init__(self, window: float, origin: Optional[float] = None,
                 step: float = 1.0) -> None:
        self.unit = relative_unit(window)[1]
        self.origin = origin
        self.step = step

    def __call__(self, x: float, pos: Optional[int] = None) -> str:
        if self.origin is None:
            value = x / self.unit
            return str(round(value)) if abs(value - round(value)) < 1e-6 \
                else f"{value:g}"
        return absolute_label(self.origin + x, self.step)
