"""Pure operations on :class:`~iocs.chart.history.Samples`: empty, promote to bins, join, cut by
time, and the seam between archived and live data.

Samples are ordered by time. A sample stands for the value from its time until the next
sample's (the chart draws steps), so "the value at ``t``" is the last sample at or before ``t``
and a cut from ``t0`` on keeps that sample as the line's way in from the left.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .history import Samples

__all__ = ["empty", "as_binned", "concat", "take", "between", "until", "merge"]

_ENVELOPE = ("lo", "hi", "std", "count")


def empty(binned: bool = False) -> Samples:
    """No samples; with ``binned`` the envelope arrays are there (empty) too."""
    s = Samples(np.zeros(0), np.zeros(0), np.zeros(0, np.int8))
    return as_binned(s) if binned else s


def as_binned(s: Samples) -> Samples:
    """``s`` with envelope arrays: raw samples become bins of one (lo == hi == y, std 0)."""
    if s.binned:
        return s
    n = len(s)
    return Samples(s.t, s.y, s.severity, s.array, lo=s.y.copy(), hi=s.y.copy(),
                   std=np.zeros(n), count=np.ones(n))


def take(s: Samples, index: slice | np.ndarray) -> Samples:
    """The samples of ``s`` at ``index`` (a slice or an index/boolean array), envelope too."""
    env = [None if getattr(s, name) is None else getattr(s, name)[index] for name in _ENVELOPE]
    return Samples(s.t[index], s.y[index], s.severity[index], s.array, *env)


def concat(parts: Sequence[Samples]) -> Samples:
    """The parts one after the other (the caller keeps them in time order); bins if any is.

    The result may share arrays with a part: treat samples as read-only.
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty()
    if len(parts) == 1:
        return parts[0]
    if any(p.binned for p in parts):
        parts = [as_binned(p) for p in parts]
    env = [None if parts[0].count is None else
           np.concatenate([getattr(p, name) for p in parts]) for name in _ENVELOPE]
    return Samples(np.concatenate([p.t for p in parts]), np.concatenate([p.y for p in parts]),
                   np.concatenate([p.severity for p in parts]).astype(np.int8), False, *env)


def between(s: Samples, t0: float, t1: float) -> Samples:
    """The samples with ``t0 < t < t1`` preceded by the last one at or before ``t0`` (if any)."""
    i = max(int(np.searchsorted(s.t, t0, side="right")) - 1, 0)
    j = int(np.searchsorted(s.t, t1, side="left"))
    return take(s, slice(i, max(i, j)))


def until(s: Samples, t: float) -> Samples:
    """The samples of ``s`` at or before ``t``."""
    return take(s, slice(0, int(np.searchsorted(s.t, t, side="right"))))


def _last_before(s: Samples, t: float) -> Optional[int]:
    """Index of the last sample of ``s`` strictly before ``t``, None when there is none."""
    i = int(np.searchsorted(s.t, t, side="left"))
    return i - 1 if i else None


def merge(archived: Samples, live: Samples, seam: float) -> Samples:
    """Archived samples before ``seam``, then live samples from ``seam`` on.

    The line runs on without a gap: the last archived value holds until the first live
    sample (the chart draws steps). The live history's way in from the left (its last
    sample before ``seam``) is kept too when it is newer than everything archived, so a
    change the archive has not seen yet is not lost. A waveform (``live.array``) has no
    archive to join: it comes back as it is.
    """
    if live.array or not len(archived):
        return live
    if not len(live):
        return archived
    old = take(archived, slice(0, int(np.searchsorted(archived.t, seam, side="left"))))
    j = int(np.searchsorted(live.t, seam, side="left"))
    lead = _last_before(live, seam)
    if lead is not None and (not len(old) or live.t[lead] > old.t[-1]):
        j = lead
    return concat([old, take(live, slice(j, len(live)))])
