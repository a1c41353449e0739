"""What the chart holds of a source's archived history, pure: which part of a range still has
to be fetched, how an answer joins what is held, and what is kept.

Per source one contiguous stretch ``[t0, t1]`` is held (:class:`Held`): its samples, the last
sample before it (the line's way in from the left) and the resolution it was fetched at. A
range that moves (live time running on, the operator panning) is extended by the missing
side only; a range apart from it, or zoomed in more than twofold, replaces it. After each
answer, what is held is cut to the wanted range and one range width either side, so it stays
about three plot widths of samples (a few times ``columns``), never more than
:data:`MAX_HELD`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from ..common.names import HISTORY_CAPACITY
from .history import Samples
from .retrieval import bin_interval, request_span
from .series import concat, empty, take

__all__ = ["Coverage", "FetchPlan", "plan_fetch", "Held", "hold", "split_answer", "MAX_HELD"]

#: One millisecond: the Appliance includes both ends of a range, so a part that extends what
#: is held starts (or ends) a millisecond beyond it, the times requests are made in.
STEP = 0.001

#: Most samples held for one source; more (a misbehaving server) and the stretch is dropped.
MAX_HELD = HISTORY_CAPACITY


@dataclass(frozen=True)
class Coverage:
    """What is held for a source: ``[t0, t1]`` at ``resolution`` s (0: every raw sample)."""

    t0: float
    t1: float
    resolution: float


@dataclass(frozen=True)
class FetchPlan:
    """A request for ``[t0, t1]`` in about ``points`` samples; ``side`` says what it does to
    what is held: ``all`` replaces it, ``left``/``right`` extend it on that side."""

    t0: float
    t1: float
    points: int
    side: str = "all"


def plan_fetch(held: Optional[Coverage], t0: float, t1: float, columns: int) -> Optional[FetchPlan]:
    """What to fetch so that ``[t0, t1]`` is held within a pixel column, or None.

    A side missing by less than a column (``(t1 - t0) / columns``, at least a millisecond)
    counts as held. Data
    binned more than twice as coarse as a column (or than the Appliance's finest bins, one
    second) is fetched again; one missing side is fetched alone, with its share of the
    columns; two missing sides, or a range apart from what is held, in one request.
    """
    tol = max((t1 - t0) / columns, STEP)
    whole = FetchPlan(t0, t1, columns)
    if held is None or held.t1 < t0 - tol or held.t0 > t1 + tol or \
            held.resolution > 2.0 * max(tol, 1.0):
        return whole
    left, right = held.t0 > t0 + tol, held.t1 < t1 - tol
    if left and right:
        return whole
    if left:
        return FetchPlan(t0, held.t0 - STEP, _share(columns, held.t0 - t0, t1 - t0), "left")
    if right:
        return FetchPlan(held.t1 + STEP, t1, _share(columns, t1 - held.t1, t1 - t0), "right")
    return None


def _share(columns: int, part: float, span: float) -> int:
    return max(1, round(columns * part / span))


@dataclass(frozen=True)
class Held:
    """A stretch of a source's archived history: ``lead`` (at most the one sample before
    ``coverage.t0``) and ``body`` (the samples within it, in time order)."""

    coverage: Coverage
    lead: Samples
    body: Samples

    def samples(self, t0: float, t1: float) -> Samples:
        """The samples with ``t0 < t < t1`` after the last one at or before ``t0``."""
        body = self.body
        i = int(np.searchsorted(body.t, t0, side="right")) - 1
        j = int(np.searchsorted(body.t, t1, side="left"))
        if i >= 0:
            return take(body, slice(i, max(i, j)))
        return concat([self.lead, take(body, slice(0, j))])

    def trimmed(self, t0: float, t1: float) -> Held:
        """Only ``[t0, t1]`` of it (with the sample before as the new ``lead``)."""
        cov, body = self.coverage, self.body
        i = int(np.searchsorted(body.t, t0, side="left"))
        j = int(np.searchsorted(body.t, t1, side="right"))
        if i == 0 and j == len(body) and cov.t0 >= t0 and cov.t1 <= t1:
            return self
        lead = take(body, slice(i - 1, i)) if i else self.lead
        return Held(Coverage(max(cov.t0, t0), min(cov.t1, t1), cov.resolution), lead,
                    take(body, slice(i, max(i, j))))


def split_answer(answer: Samples, plan: FetchPlan) -> Tuple[Samples, Samples]:
    """``(lead, body)`` of an answer to ``plan``: the sample the Appliance adds from before
    the range, and the samples of the range, bins stamped within it, before its end (the bins
    at its ends are centred on whole-second bins that stick out of it)."""
    if not len(answer):
        return empty(), empty()
    t0, t1 = request_span(plan.t0, plan.t1)
    # The lead-in bin is centred half a bin before the first bin, which starts at or before t0.
    edge = t0 - (bin_interval(plan.t0, plan.t1, plan.points) / 2.0 - 1e-6
                 if answer.binned else 0.0)
    i = int(np.searchsorted(answer.t, edge, side="left"))
    lead = take(answer, slice(i - 1, i)) if i else empty(answer.binned)
    body = take(answer, slice(i, len(answer)))
    if body.binned:         # within [t0, t1): what is held is read, and merged, up to t1
        body.t = np.clip(body.t, t0, max(t0, t1 - STEP))
    else:
        body = take(body, body.t <= t1)
    return lead, body


def hold(held: Optional[Held], plan: FetchPlan, answer: Samples) -> Optional[Held]:
    """What is held once ``answer`` to ``plan`` came in (None: too much to hold)."""
    lead, body = split_answer(answer, plan)
    resolution = float(bin_interval(plan.t0, plan.t1, plan.points)) if answer.binned else 0.0
    t0, t1 = request_span(plan.t0, plan.t1)
    if held is None or plan.side == "all":
        new = Held(Coverage(t0, t1, resolution), lead, body)
    else:
        cov = held.coverage
        res = max(resolution, cov.resolution)
        if plan.side == "left":
            new = Held(Coverage(t0, cov.t1, res), lead, concat([body, held.body]))
        else:
            new = Held(Coverage(cov.t0, t1, res), held.lead, concat([held.body, body]))
    return new if len(new.body) <= MAX_HELD else None
