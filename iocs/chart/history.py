"""Pure per-source time series: bounded ring buffers over a time window.

A gap (a source disconnected) is stored as a NaN sample, so any line drawn through the data
breaks there.
"""
from __future__ import annotations

import math
from typing import Dict, Iterable, Optional, Tuple

import numpy as np

__all__ = ["TimeSeries", "History"]


class TimeSeries:
    """Samples ``(t, y)`` of one source, oldest first, at most ``capacity`` of them."""

    def __init__(self, capacity: int = 200_000) -> None:
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self._t = np.empty(capacity * 2, dtype=np.float64)
        self._y = np.empty(capacity * 2, dtype=np.float64)
        self._start = 0
        self._end = 0
        self.version = 0        #: increases on every change

    def __len__(self) -> int:
        return self._end - self._start

    def append(self, t: float, y: float) -> None:
        """Add a sample; out-of-order times are clamped to the last one."""
        if self._end == len(self._t):
            # Slide the live part to the front; amortised O(1) per sample.
            n = len(self)
            self._t[:n] = self._t[self._start:self._end]
            self._y[:n] = self._y[self._start:self._end]
            self._start, self._end = 0, n
        if len(self) and t < self._t[self._end - 1]:
            t = self._t[self._end - 1]
        self._t[self._end] = t
        self._y[self._end] = y
        self._end += 1
        if len(self) > self.capacity:
            self._start += 1
        self.version += 1

    def gap(self, t: float) -> None:
        """Mark a break (disconnection) at time ``t``."""
        if len(self) and math.isnan(self._y[self._end - 1]):
            return
        self.append(t, math.nan)

    def trim(self, before: float) -> None:
        """Forget samples older than ``before``, keeping one to draw the line in from."""
        i = int(np.searchsorted(self._t[self._start:self._end], before, side="left"))
        drop = max(i - 1, 0)
        if drop:
            self._start += drop
            self.version += 1

    def clear(self) -> None:
        self._start = self._end = 0
        self.version += 1

    def arrays(self, since: float = -math.inf) -> Tuple[np.ndarray, np.ndarray]:
        """Copies of the times and values from just before ``since`` on."""
        t = self._t[self._start:self._end]
        i = max(int(np.searchsorted(t, since, side="left")) - 1, 0)
        return t[i:].copy(), self._y[self._start + i:self._end].copy()

    @property
    def last(self) -> Optional[Tuple[float, float]]:
        if not len(self):
            return None
        return float(self._t[self._end - 1]), float(self._y[self._end - 1])


class History:
    """Time series of several named sources over a window of ``window`` seconds."""

    def __init__(self, sources: Iterable[str] = (), window: float = 60.0,
                 capacity: int = 200_000) -> None:
        self.window = window
        self.capacity = capacity
        self.series: Dict[str, TimeSeries] = {}
        self.set_sources(sources)

    def set_sources(self, sources: Iterable[str]) -> None:
        """Keep the series of sources that stay, start empty ones for new sources."""
        self.series = {name: self.series.get(name) or TimeSeries(self.capacity)
                       for name in sources}

    def add(self, source: str, t: float, y: float) -> None:
        series = self.series.get(source)
        if series is not None:
            series.append(t, y)

    def gap(self, source: str, t: float) -> None:
        series = self.series.get(source)
        if series is not None:
            series.gap(t)

    def trim(self, now: float) -> None:
        for series in self.series.values():
            series.trim(now - self.window)

    def clear(self) -> None:
        for series in self.series.values():
            series.clear()

    @property
    def version(self) -> Tuple[int, ...]:
        return tuple(s.version for s in self.series.values())

    def snapshot(self, now: float) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
        """Per source: times relative to ``now`` (s, <= 0) and values within the window."""
        out = {}
        for name, series in self.series.items():
            t, y = series.arrays(now - self.window)
            out[name] = (t - now, y)
        return out
