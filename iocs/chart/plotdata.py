"""Pure data for the chart: what a scene, a trace and its style are; decimation, y ranges,
X-Y pairing and alarm-limit bands.

No matplotlib and no caproto here: the chart IOC builds a :class:`Scene` from its history, the
archiver and its settings, and the renderer draws it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .history import Samples

__all__ = ["AlarmLimits", "TraceStyle", "Trace", "TimeView", "Scene", "ALARM_COLORS",
           "PALETTE", "COLOR_MODES", "LAYOUTS", "MODES", "LIMITS", "MAX_PIXELS", "check_size",
           "decimate", "wanted_range", "fit_range", "pair_by_time", "limit_bands", "finite_key"]

#: Marker colours of samples in MINOR, MAJOR and INVALID alarm (as operators know them).
ALARM_COLORS = ("#e0c000", "#e00000", "#e000e0")
#: Okabe-Ito, a colour-blind-safe palette, in the order traces take it.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000",
           "#f0e442")
COLOR_MODES = ("Mono", "RGB1")
LAYOUTS = ("Stacked", "Overlay", "Stagger")
MODES = ("Time", "XY")
#: Alarm-limit bands: Auto (when the source has limits), Off, On.
LIMITS = ("Auto", "Off", "On")
MAX_PIXELS = 1920 * 1200
#: Values beyond this draw at it (a range must stay finite).
BIG = 1e300
#: A log axis spans at most these values (its ticks must stay finite).
LOG_EDGE = (1e-100, 1e100)
#: Longest time span a chart shows (s).
MAX_WINDOW = 31 * 86400.0


def check_size(width: int, height: int) -> None:
    """Raise ``ValueError`` unless ``width`` x ``height`` is a size the chart can render."""
    if not (64 <= width <= 4096 and 64 <= height <= 4096):
        raise ValueError(f"size {width}x{height} outside 64..4096 per side")
    if width * height > MAX_PIXELS:
        raise ValueError(f"size {width}x{height} exceeds {MAX_PIXELS} pixels")


def finite_key(*values: float) -> Tuple[Optional[float], ...]:
    """``values`` with every non-finite one as None: equal keys for equal pictures (NaN != NaN)."""
    return tuple(float(v) if math.isfinite(v) else None for v in values)


@dataclass(frozen=True)
class AlarmLimits:
    """A source's alarm limits (CA control metadata); NaN: no such limit."""

    lolo: float = math.nan
    low: float = math.nan
    high: float = math.nan
    hihi: float = math.nan

    def present(self) -> bool:
        """True when some limit is finite and not every finite one is 0 (0/0: none set)."""
        finite = [v for v in (self.lolo, self.low, self.high, self.hihi) if math.isfinite(v)]
        return any(v != 0.0 for v in finite)

    def key(self) -> Tuple[Optional[float], ...]:
        return finite_key(self.lolo, self.low, self.high, self.hihi)


@dataclass(frozen=True)
class TraceStyle:
    """How one trace is drawn."""

    label: str = ""
    color: str = "#0072b2"
    autoscale: bool = True
    ymin: float = 0.0
    ymax: float = 1.0
    log: bool = False
    limits: str = "Auto"        # one of LIMITS

    def check(self, name: str = "trace") -> None:
        """Raise ``ValueError`` for a style that cannot be drawn."""
        if self.limits not in LIMITS:
            raise ValueError(f"{name}: limits {self.limits!r} not one of {LIMITS}")
        if not self.autoscale:
            if not (-BIG <= self.ymin < self.ymax <= BIG):
                raise ValueError(f"{name}: range {self.ymin!r} .. {self.ymax!r} is not a "
                                 "finite, increasing range")
            if self.log and self.ymin <= 0:
                raise ValueError(f"{name}: a log axis needs ymin > 0, not {self.ymin!r}")


@dataclass
class Trace:
    """One source to draw: its samples (times in POSIX s, or the x of each array element)."""

    name: str
    samples: Samples
    units: str = ""
    connected: bool = True
    style: TraceStyle = field(default_factory=TraceStyle)
    limits: AlarmLimits = field(default_factory=AlarmLimits)
    x_label: str = ""           # array traces whose x comes from another PV
    x_units: str = ""
    note: str = ""              # drawn in this trace's panel when not empty

    @property
    def label(self) -> str:
        return self.style.label or self.name

    @property
    def array(self) -> bool:
        return self.samples.array

    def shows_limits(self) -> bool:
        """Whether alarm-limit bands are drawn for this trace."""
        return self.style.limits == "On" or (self.style.limits == "Auto"
                                             and self.limits.present())

    def problem(self) -> str:
        """Why the samples cannot be drawn (arrays of different lengths), or ''."""
        s = self.samples
        n = len(s.y)
        if len(s.t) != n:
            what = f"x ({self.x_label})" if self.x_label else "x"
            return f"{what} has {len(s.t)} values, {self.label} {n}: not drawn"
        extra = [a for a in (s.severity, s.lo, s.hi) if a is not None and len(a) != n]
        return f"{self.label}: samples of different lengths, not drawn" if extra else ""


@dataclass(frozen=True)
class TimeView:
    """The time range shown: ``window`` seconds up to ``end`` (POSIX s)."""

    end: float
    window: float
    live: bool = True           # following the present: the axis is relative to ``end``
    cursor: float = 0.0         # POSIX s of a vertical line; 0: no cursor

    def check(self) -> None:
        """Raise ``ValueError`` for a range the chart cannot show."""
        if not (math.isfinite(self.end) and math.isfinite(self.cursor)):
            raise ValueError(f"end {self.end!r} and cursor {self.cursor!r} must be finite")
        if not (0.0 < self.window <= MAX_WINDOW):
            raise ValueError(f"window {self.window!r} s outside 0..{MAX_WINDOW:g} s")


@dataclass
class Scene:
    """Everything one frame shows."""

    traces: Sequence[Trace]
    view: TimeView
    mode: str = "Time"          # one of MODES
    pairing: float = 1.0        # XY: seconds within which an X sample pairs with a Y sample
    notes: Tuple[str, ...] = ()  # chart-wide notes

    def check(self) -> None:
        """Raise ``ValueError`` naming what is wrong with the scene."""
        self.view.check()
        if self.mode not in MODES:
            raise ValueError(f"mode {self.mode!r} not one of {MODES}")
        if not (math.isfinite(self.pairing) and self.pairing >= 0):
            raise ValueError(f"pairing {self.pairing!r} must be a finite number >= 0")
        for tr in self.traces:
            tr.style.check(tr.name)


def decimate(t: np.ndarray, y: np.ndarray, severity: Optional[np.ndarray], t0: float,
             t1: float, bins: int, lo: Optional[np.ndarray] = None,
             hi: Optional[np.ndarray] = None
             ) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Reduce to a (min, max) pair per column of ``[t0, t1]`` split in ``bins`` (max, min in
    every other column, so a line through them goes up and down the columns in turn).

    A sample (or an envelope bin with ``lo``/``hi``) counts in every column it is held
    through, so a bin wider than a column still fills each of them from lo to hi. NaN gaps
    and the worst severity survive. Short raw histories (up to 4 samples per column) are
    returned as they are; samples with ``lo``/``hi`` are always reduced, so their envelope
    shows.
    """
    i0 = max(int(np.searchsorted(t, t0, side="right")) - 1, 0)
    i1 = int(np.searchsorted(t, t1, side="right"))
    if i1 == 0:                                     # every sample is after the range
        return t[:0], y[:0], None if severity is None else severity[:0]
    if lo is None and hi is None and i1 - i0 <= 4 * bins:
        j = min(i1 + 1, len(t))                     # and the sample the line runs on to
        return t[i0:j], y[i0:j], None if severity is None else severity[i0:j]
    held = i1 < len(t)                              # a later sample: the last one holds
    t, y = t[i0:i1], y[i0:i1]
    severity = None if severity is None else severity[i0:i1]
    lo = y if lo is None else lo[i0:i1]
    hi = y if hi is None else hi[i0:i1]
    edges = np.linspace(t0, t1, bins + 1)
    keep = (edges[1:] > t[0]) & (held | (edges[:-1] <= t[-1]))
    starts = edges[:-1][keep]
    idx = np.clip(np.searchsorted(t, starts, side="right") - 1, 0, len(t) - 1)
    low = np.minimum.reduceat(lo, idx)
    high = np.maximum.reduceat(hi, idx)
    tt = np.repeat(np.maximum(t[idx], starts), 2)
    yy = np.empty(2 * len(idx))       # up in one column, down in the next: each column's
    yy[0::4] = low[0::2]              # span is stroked once
    yy[1::4] = high[0::2]
    yy[2::4] = high[1::2]
    yy[3::4] = low[1::2]
    ss = None
    if severity is not None:
        ss = np.repeat(np.maximum.reduceat(severity, idx), 2)
    return tt, yy, ss


def wanted_range(ys: Sequence[np.ndarray], current: Tuple[float, float], fresh: bool,
                 log: bool = False) -> Tuple[float, float]:
    """The y range to show: keep ``current`` while the data stays well inside it.

    Always finite and not empty: values beyond :data:`BIG` count as BIG, a log range stays
    within :data:`LOG_EDGE`.
    """
    parts: List[np.ndarray] = [y[np.isfinite(y) & ((y > 0) if log else True)] for y in ys]
    finite = np.concatenate(parts) if parts else np.zeros(0)
    if not len(finite):
        return (1.0, 10.0) if log and (fresh or current[0] <= 0) else current
    edge = LOG_EDGE if log else (-BIG, BIG)
    lo, hi = (float(np.clip(v, *edge)) for v in (finite.min(), finite.max()))
    c_lo, c_hi = current
    if log:
        if not fresh and c_lo > 0 and c_lo <= lo and hi <= c_hi and \
                math.log10(hi / lo) >= 0.25 * math.log10(c_hi / c_lo):
            return current
        return fit_range(lo / 1.5, hi * 1.5, log)
    span = c_hi - c_lo
    if not fresh and c_lo <= lo and hi <= c_hi and (hi - lo) >= 0.25 * span:
        return current
    if hi - lo <= 1e-9 * max(abs(lo), abs(hi)) or hi - lo < 1e-290:    # flat
        margin = max(abs(hi) * 0.05, 0.5)
    else:
        margin = (hi - lo) * 0.1
    return lo - margin, hi + margin


def fit_range(lo: float, hi: float, log: bool) -> Tuple[float, float]:
    """``(lo, hi)`` within what an axis can show (a log one: within :data:`LOG_EDGE`)."""
    if not log:
        return lo, hi
    a, b = (min(max(v, LOG_EDGE[0]), LOG_EDGE[1]) for v in (lo, hi))
    return (a, b) if a < b else (LOG_EDGE[1] / 10, LOG_EDGE[1])


def pair_by_time(xt: np.ndarray, xv: np.ndarray, yt: np.ndarray, yv: np.ndarray,
                 within: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X-Y pairs ``(x, y, t)``: each Y sample with the last X sample at or before it.

    ``xt`` and ``yt`` are times in ascending order. A Y sample pairs when that X sample is at
    most ``within`` seconds older; otherwise, or when either value is not finite, it is
    dropped. ``t`` is the Y sample's time.
    """
    i = np.searchsorted(xt, yt, side="right") - 1
    ok = i >= 0
    j = np.clip(i, 0, max(len(xt) - 1, 0))
    if len(xt):
        x = xv[j]
        ok &= (yt - xt[j]) <= within
    else:
        x = np.full(len(yt), math.nan)
    ok &= np.isfinite(x) & np.isfinite(yv)
    return x[ok], yv[ok], yt[ok]


def limit_bands(limits: AlarmLimits) -> List[Tuple[float, float, int]]:
    """Bands ``(y0, y1, severity)`` (1 MINOR, 2 MAJOR; ±inf: open-ended) of alarm limits.

    MINOR lies between LOW and LOLO and between HIGH and HIHI, MAJOR beyond LOLO and HIHI.
    A limit that is NaN is not set; a side whose two limits are both 0 is not set (the
    record's defaults). Limits in the wrong order draw what their order implies.
    """
    bands: List[Tuple[float, float, int]] = []
    lolo, low, high, hihi = limits.lolo, limits.low, limits.high, limits.hihi
    if not (_unset(lolo) and _unset(low)):
        if math.isfinite(lolo):
            bands.append((-math.inf, lolo, 2))
        if math.isfinite(low) and not (math.isfinite(lolo) and lolo >= low):
            bands.append((lolo if math.isfinite(lolo) else -math.inf, low, 1))
    if not (_unset(high) and _unset(hihi)):
        if math.isfinite(hihi):
            bands.append((hihi, math.inf, 2))
        if math.isfinite(high) and not (math.isfinite(hihi) and hihi <= high):
            bands.append((high, hihi if math.isfinite(hihi) else math.inf, 1))
    return bands


def _unset(value: float) -> bool:
    return not math.isfinite(value) or value == 0.0
