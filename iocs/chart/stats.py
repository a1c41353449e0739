"""Pure statistics of one trace over a time range, and its value at a time (the cursor).

Raw samples count as themselves; envelope bins (Archiver Appliance ``optimized`` bins) count
as the ``count`` samples they summarise, through their mean, standard deviation, minimum and
maximum, so the statistics of bins equal those of the raw samples the bins were made from.
The standard deviation is the sample standard deviation (divisor ``n - 1``, 0 for a single
sample), as the Appliance computes it per bin (Apache Commons Math ``SummaryStatistics``).
NaN samples (gaps: a source disconnected) are skipped.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .history import Samples

__all__ = ["Stats", "statistics", "value_at"]


@dataclass(frozen=True)
class Stats:
    """Summary of the samples in a range; NaNs and ``count == 0`` when there are none."""

    min: float
    max: float
    mean: float
    std: float
    count: int

    @classmethod
    def none(cls) -> Stats:
        return cls(math.nan, math.nan, math.nan, math.nan, 0)


def statistics(s: Samples, t0: float, t1: float) -> Stats:
    """Minimum, maximum, mean, standard deviation and number of the samples with
    ``t0 <= t <= t1``; a bin counts as its ``count`` samples (a bin of count 0, an empty
    bin the Appliance filled with its neighbour's value, counts for nothing)."""
    if s.array or not len(s):
        return Stats.none()
    i = int(np.searchsorted(s.t, t0, side="left"))
    j = int(np.searchsorted(s.t, t1, side="right"))
    y = s.y[i:j]
    if s.binned:
        assert s.lo is not None and s.hi is not None and s.std is not None and s.count is not None
        n = s.count[i:j]
        lo, hi, sd = s.lo[i:j], s.hi[i:j], s.std[i:j]
    else:
        n = np.ones(len(y))
        lo = hi = y
        sd = np.zeros(len(y))
    keep = ~np.isnan(y) & (n > 0)
    if not keep.any():
        return Stats.none()
    y, n, lo, hi, sd = y[keep], n[keep], lo[keep], hi[keep], sd[keep]
    total = float(n.sum())
    mean = float(np.sum(n * y) / total)
    # Pooled sum of squared deviations: within each bin, plus each bin's mean from the mean.
    within = np.where(n > 1, np.nan_to_num(sd) ** 2 * (n - 1), 0.0)
    m2 = float(np.sum(within) + np.sum(n * (y - mean) ** 2))
    std = math.sqrt(max(m2, 0.0) / (total - 1)) if total > 1 else 0.0
    count = round(total)
    return Stats(float(np.min(lo)), float(np.max(hi)), mean, std, count)


def value_at(s: Samples, t: float) -> float:
    """The value of the last sample at or before ``t`` (a bin's mean), NaN when there is none."""
    if s.array or not len(s):
        return math.nan
    i = int(np.searchsorted(s.t, t, side="right"))
    return float(s.y[i - 1]) if i else math.nan
