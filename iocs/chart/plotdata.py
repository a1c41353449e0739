"""Pure data for the chart: what a trace is, how it is styled, decimation, y ranges."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

__all__ = ["TraceStyle", "Trace", "ALARM_COLORS", "decimate", "wanted_range"]

#: Marker colours of samples in MINOR, MAJOR and INVALID alarm (as operators know them).
ALARM_COLORS = ("#e0c000", "#e00000", "#e000e0")


@dataclass(frozen=True)
class TraceStyle:
    """How one trace is drawn."""

    label: str = ""
    color: str = "#0072b2"
    autoscale: bool = True
    ymin: float = 0.0
    ymax: float = 1.0
    log: bool = False


@dataclass
class Trace:
    """One source to draw: times relative to now (s) or, for a waveform, the index."""

    name: str
    t: np.ndarray
    y: np.ndarray
    severity: Optional[np.ndarray] = None
    units: str = ""
    connected: bool = True
    style: TraceStyle = field(default_factory=TraceStyle)
    array: bool = False

    @property
    def label(self) -> str:
        return self.style.label or self.name


def decimate(t: np.ndarray, y: np.ndarray, severity: Optional[np.ndarray], t0: float,
             t1: float, bins: int) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Reduce to a min/max pair per bin of ``[t0, t1]`` (NaN gaps and worst severity survive).

    Short histories (up to 4 samples per bin) are returned as they are.
    """
    if len(t) <= 4 * bins:
        return t, y, severity
    edges = np.linspace(t0, t1, bins + 1)
    starts = np.searchsorted(t, edges[:-1], side="left")
    starts = np.unique(np.clip(starts, 0, len(t) - 1))
    lo = np.minimum.reduceat(y, starts)
    hi = np.maximum.reduceat(y, starts)
    tt = np.repeat(t[starts], 2)
    yy = np.empty(2 * len(starts))
    yy[0::2] = lo
    yy[1::2] = hi
    ss = None
    if severity is not None:
        ss = np.repeat(np.maximum.reduceat(severity, starts), 2)
    return tt, yy, ss


def wanted_range(ys: Sequence[np.ndarray], current: Tuple[float, float], fresh: bool,
                 log: bool = False) -> Tuple[float, float]:
    """The y range to show: keep ``current`` while the data stays well inside it."""
    parts: List[np.ndarray] = [y[np.isfinite(y) & ((y > 0) if log else True)] for y in ys]
    finite = np.concatenate(parts) if parts else np.zeros(0)
    if not len(finite):
        return (1.0, 10.0) if log and (fresh or current[0] <= 0) else current
    lo, hi = float(finite.min()), float(finite.max())
    c_lo, c_hi = current
    if log:
        if not fresh and c_lo > 0 and c_lo <= lo and hi <= c_hi and \
                math.log10(hi / lo) >= 0.25 * math.log10(c_hi / c_lo):
            return current
        return lo / 1.5, hi * 1.5
    span = c_hi - c_lo
    if not fresh and c_lo <= lo and hi <= c_hi and (hi - lo) >= 0.25 * span:
        return current
    margin = max(abs(hi) * 0.05, 0.5) if hi == lo else (hi - lo) * 0.1
    return lo - margin, hi + margin
