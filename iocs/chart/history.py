"""Pure per-source history: bounded ring buffers of (time, value, alarm severity).

Each source keeps what arrived over the last ``retention`` seconds, at most ``capacity``
samples (:data:`~iocs.common.names.HISTORY_CAPACITY`) in buffers of twice that size, 17 bytes
a sample: about 6.8 MB per source; the chart's time range is independent of it, and older data
comes from the site's archiver. A gap (a source disconnected) is stored as a NaN sample, so any
line drawn through the data breaks there. A source whose updates carry more than one element (a
waveform) keeps its latest array instead of a time series.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Tuple

import numpy as np

from ..common.names import HISTORY_CAPACITY

__all__ = ["TimeSeries", "Waveform", "History", "Samples"]


@dataclass
class Samples:
    """Samples of one source, oldest first: raw samples, or envelope bins where ``count`` is set.

    A raw sample is ``(t, y, severity)``. A bin (an Archiver Appliance ``optimized`` bin)
    summarises ``count`` samples from its time ``t`` to the next sample: ``y`` is their mean,
    ``std`` their standard deviation, ``lo``/``hi`` their minimum and maximum. ``lo``, ``hi``,
    ``std`` and ``count`` are either all None (every sample raw) or all arrays as long as ``t``
    (a raw sample among bins has ``lo == hi == y``, ``std == 0``, ``count == 1``). For a
    waveform source (``array``), ``y`` is its latest array and ``t`` the x of each element.
    """

    t: np.ndarray
    y: np.ndarray
    severity: np.ndarray
    array: bool = False
    lo: Optional[np.ndarray] = None
    hi: Optional[np.ndarray] = None
    std: Optional[np.ndarray] = None
    count: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.t)

    @property
    def binned(self) -> bool:
        """True when some samples are bins (``lo``/``hi``/``std``/``count`` are arrays)."""
        return self.count is not None


class TimeSeries:
    """Samples ``(t, y, severity)`` of one source, oldest first, at most ``capacity`` of them."""

    def __init__(self, capacity: int = HISTORY_CAPACITY, since: float = math.inf) -> None:
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self._t = np.empty(capacity * 2, dtype=np.float64)
        self._y = np.empty(capacity * 2, dtype=np.float64)
        self._s = np.zeros(capacity * 2, dtype=np.int8)
        self._start = 0
        self._end = 0
        self.dropped = 0        #: samples forgotten since the start (retention, capacity, clear)
        self.version = 0        #: increases on every change
        #: Since when this history is complete (what happened after is in it).
        self.complete_since = since

    def __len__(self) -> int:
        return self._end - self._start

    def append(self, t: float, y: float, severity: int = 0) -> None:
        """Add a sample; out-of-order times are clamped to the last one."""
        if self._end == len(self._t):
            # Slide the live part to the front; amortised O(1) per sample.
            n = len(self)
            for buf in (self._t, self._y, self._s):
                buf[:n] = buf[self._start:self._end]
            self._start, self._end = 0, n
        if len(self) and t < self._t[self._end - 1]:
            t = self._t[self._end - 1]
        self.complete_since = min(self.complete_since, t)
        self._t[self._end] = t
        self._y[self._end] = y
        self._s[self._end] = severity
        self._end += 1
        if len(self) > self.capacity:
            self._start += 1
            self.dropped += 1
            self.complete_since = max(self.complete_since, float(self._t[self._start]))
        self.version += 1

    def gap(self, t: float) -> None:
        """Mark a break (disconnection) at time ``t``."""
        if len(self) and math.isnan(self._y[self._end - 1]):
            return
        self.append(t, math.nan, 3)

    def trim(self, before: float) -> None:
        """Forget samples older than ``before``, keeping one to draw the line in from."""
        i = int(np.searchsorted(self._t[self._start:self._end], before, side="left"))
        drop = max(i - 1, 0)
        if drop:
            self._start += drop
            self.dropped += drop
            self.complete_since = max(self.complete_since, float(self._t[self._start]))
            self.version += 1

    def clear(self, now: float) -> None:
        """Forget every sample: the history is complete from ``now`` on."""
        self.dropped += len(self)
        self._start = self._end = 0
        self.complete_since = now
        self.version += 1

    def samples(self, since: float = -math.inf, until: float = math.inf) -> Samples:
        """Copies of the samples from just before ``since`` to just after ``until`` (the
        samples that draw the line across ``[since, until]``)."""
        t = self._t[self._start:self._end]
        i = self._start + max(int(np.searchsorted(t, since, side="left")) - 1, 0)
        j = self._start + min(int(np.searchsorted(t, until, side="right")) + 1, len(t))
        return Samples(self._t[i:j].copy(), self._y[i:j].copy(), self._s[i:j].copy())

    def count_until(self, t: float) -> int:
        """Samples ever added with a time at or before ``t``: it changes only when what a
        chart ending at ``t`` shows of this history can have changed."""
        return self.dropped + int(np.searchsorted(self._t[self._start:self._end], t,
                                                  side="right"))

    @property
    def last(self) -> Optional[Tuple[float, float]]:
        if not len(self):
            return None
        return float(self._t[self._end - 1]), float(self._y[self._end - 1])


class Waveform:
    """The latest array of a waveform source, with its time and severity."""

    def __init__(self) -> None:
        self.t = 0.0
        self.y = np.zeros(0)
        self.severity = 0
        self.version = 0

    def set(self, t: float, y: np.ndarray, severity: int) -> None:
        self.t, self.y, self.severity = t, np.array(y, dtype=np.float64), severity
        self.version += 1

    def samples(self) -> Samples:
        n = len(self.y)
        return Samples(np.full(n, self.t), self.y.copy(), np.full(n, self.severity, np.int8),
                       array=True)


class History:
    """Histories of several named sources, each kept for ``retention`` seconds."""

    def __init__(self, sources: Iterable[str] = (), retention: float = 3600.0,
                 capacity: int = HISTORY_CAPACITY) -> None:
        self.retention = retention
        self.capacity = capacity
        self.series: Dict[str, TimeSeries] = {}
        self.waveforms: Dict[str, Waveform] = {}
        self.set_sources(sources)

    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(self.series)

    def set_sources(self, sources: Iterable[str], now: float = math.inf) -> None:
        """Keep the series of sources that stay, start empty ones (complete from ``now``)
        for new sources."""
        names = list(sources)
        self.series = {n: self.series.get(n) or TimeSeries(self.capacity, now) for n in names}
        self.waveforms = {n: w for n, w in self.waveforms.items() if n in self.series}

    def add(self, source: str, t: float, value: np.ndarray, severity: int = 0) -> None:
        """A new value: one element extends the time series, more replace the waveform."""
        if source not in self.series:
            return
        if len(value) > 1:
            self.waveforms.setdefault(source, Waveform()).set(t, value, severity)
            return
        self.waveforms.pop(source, None)
        if len(value):
            self.series[source].append(t, float(value[0]), severity)

    def gap(self, source: str, t: float) -> None:
        series = self.series.get(source)
        if series is not None:
            series.gap(t)

    def trim(self, now: float) -> None:
        """Forget what is older than the retention."""
        for series in self.series.values():
            series.trim(now - self.retention)

    def clear(self, now: float) -> None:
        for series in self.series.values():
            series.clear(now)
        self.waveforms.clear()

    @property
    def version(self) -> Tuple[int, ...]:
        return tuple(s.version for s in self.series.values()) + tuple(
            w.version for w in self.waveforms.values())

    def data_version(self, name: str) -> object:
        """A value that changes whenever the data of source ``name`` does."""
        series = self.series.get(name)
        wave = self.waveforms.get(name)
        return (wave.version if wave else None, series.version if series else None)

    def range_version(self, name: str, t0: float, t1: float) -> object:
        """A value that changes whenever what source ``name`` shows across ``[t0, t1]`` can
        have changed (a range held in the past ignores samples arriving after it)."""
        series = self.series.get(name)
        wave = self.waveforms.get(name)
        if series is None:
            return None
        return (wave.version if wave else None, series.count_until(t1),
                max(series.complete_since, t0))

    def is_waveform(self, name: str) -> bool:
        return name in self.waveforms

    def covered_since(self, name: str) -> float:
        """Since when the history of ``name`` is complete (inf: it holds nothing yet)."""
        series = self.series.get(name)
        return series.complete_since if series is not None else math.inf

    def samples(self, name: str, t0: float, t1: float) -> Samples:
        """What source ``name`` holds across ``[t0, t1]`` (epoch s), or its latest waveform."""
        wave = self.waveforms.get(name)
        if wave is not None:
            return wave.samples()
        series = self.series.get(name)
        if series is None:
            return Samples(np.zeros(0), np.zeros(0), np.zeros(0, np.int8))
        return series.samples(t0, t1)
