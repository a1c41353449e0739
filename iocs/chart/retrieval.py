"""Archiver Appliance retrieval, pure: its JSON answers parsed into samples, its requests built.

The Appliance answers ``GET <retrieval>/data/getData.json?pv=optimized_<N>(<pv>)&from=..&to=..``
(times ISO 8601 UTC) with ``[{"meta": {"name", "EGU", "PREC", ...}, "data": [{"secs",
"nanos", "val", "severity", "status"}, ...]}]``: raw samples when the range holds at most N
of them, else about N bins whose ``val`` is ``[mean, std, min, max, count]``, stamped at the
middle of bins of ``max(1, (to - from) // N)`` whole seconds aligned on the epoch. Its first
sample may lie before ``from`` (the last one before it, so a line can be drawn in). An empty
bin repeats the previous bin's ``val``. An unknown PV is an HTTP 404. The test Appliance
(``tests/support/appliance.py``) cites the sources. :mod:`iocs.chart.archive` fetches with
this.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

from .history import Samples
from .series import empty, take

__all__ = ["ArchiveError", "Archived", "parse_response", "data_url", "request_params",
           "request_span", "bin_interval", "iso_utc"]

#: Largest answer parsed, in samples: a well-behaved answer holds about N (<= columns).
MAX_SAMPLES = 1_000_000


class ArchiveError(Exception):
    """An answer that cannot be used; ``str(error)`` is a short reason ("bad JSON", ...)."""


@dataclass
class Archived:
    """One PV's answer: its samples (bins when the Appliance summarised) and its metadata."""

    name: str
    samples: Samples
    egu: str = ""
    prec: Optional[int] = None
    meta: Dict[str, str] = field(default_factory=dict)


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _entry_for(answer: List[Any], pv: str) -> Dict[str, Any]:
    """The answer's entry for ``pv``: the only one, or the one named so."""
    entries = [e for e in answer if isinstance(e, dict)]
    if len(entries) != len(answer):
        raise ArchiveError("bad answer")
    if len(entries) == 1:
        return entries[0]
    names = {pv, pv[:-4] if pv.endswith(".VAL") else pv}
    for entry in entries:
        meta = entry.get("meta")
        if isinstance(meta, dict) and meta.get("name") in names:
            return entry
    raise ArchiveError("no data for PV")


def _sample(item: Any) -> tuple:
    """``(t, severity, val)`` of one sample; ``val`` a float or a 5-list (a bin)."""
    if not isinstance(item, dict):
        raise ArchiveError("bad sample")
    secs: Any = item.get("secs")
    nanos: Any = item.get("nanos", 0)
    severity: Any = item.get("severity", 0)
    val: Any = item.get("val")
    if not (_number(secs) and _number(nanos) and _number(severity)):
        raise ArchiveError("bad sample")
    t = float(secs) + float(nanos) * 1e-9
    if not math.isfinite(t) or abs(t) > 1e11:
        raise ArchiveError("bad timestamp")
    if _number(val):
        return t, severity, float(val)
    if isinstance(val, list):
        if len(val) != 5 or not all(_number(v) for v in val):
            raise ArchiveError("waveform, not a time series")
        mean, std, lo, hi, count = (float(v) for v in val)
        if count < 0 or std < 0 or lo > hi:
            raise ArchiveError("waveform, not a time series")
        return t, severity, [mean, std, lo, hi, count]
    raise ArchiveError("non-numeric values")


def parse_response(payload: Union[bytes, str], pv: str) -> Archived:
    """The Appliance's JSON answer for ``pv`` as samples (raw, bins, or both).

    ``[]`` (nothing archived in the range) is no samples, not an error. A bin that repeats
    the previous bin's ``val`` exactly is the Appliance filling an empty bin: it keeps its
    value (the line holds) with ``count`` 0 (it summarises no samples). Raises only
    :class:`ArchiveError`.
    """
    try:
        answer = json.loads(payload)
    except (ValueError, RecursionError) as ex:    # JSONDecodeError, UnicodeDecodeError
        raise ArchiveError("bad JSON") from ex
    if not isinstance(answer, list):
        raise ArchiveError("bad answer")
    if not answer:
        return Archived(pv, empty())
    entry = _entry_for(answer, pv)
    meta = entry.get("meta", {})
    data = entry.get("data")
    if not isinstance(meta, dict) or not isinstance(data, list):
        raise ArchiveError("bad answer")
    if len(data) > MAX_SAMPLES:
        raise ArchiveError("answer too large")
    meta = {str(k): str(v) for k, v in meta.items()}
    prec: Optional[int]
    try:
        prec = int(meta["PREC"])
    except (KeyError, ValueError):
        prec = None
    return Archived(meta.get("name", pv), _samples([_sample(item) for item in data]),
                    meta.get("EGU", ""), prec, meta)


def _samples(rows: List[tuple]) -> Samples:
    n = len(rows)
    t = np.array([r[0] for r in rows], dtype=np.float64)
    sev = np.clip(np.array([r[1] for r in rows], dtype=np.float64), 0, 3).astype(np.int8)
    bins = [isinstance(r[2], list) for r in rows]
    if not any(bins):
        s = Samples(t, np.array([r[2] for r in rows], dtype=np.float64), sev)
    else:
        v = np.array([r[2] if b else [r[2], 0.0, r[2], r[2], 1.0]
                      for r, b in zip(rows, bins)], dtype=np.float64).reshape(n, 5)
        count = v[:, 4].copy()
        fill = np.zeros(n, dtype=bool)
        fill[1:] = np.asarray(bins[1:]) & np.asarray(bins[:-1]) & \
            np.all((v[1:] == v[:-1]) | (np.isnan(v[1:]) & np.isnan(v[:-1])), axis=1)
        count[fill] = 0.0
        s = Samples(t, v[:, 0].copy(), sev, lo=v[:, 2].copy(), hi=v[:, 3].copy(),
                    std=v[:, 1].copy(), count=count)
    if n > 1 and np.any(np.diff(t) < 0):
        s = take(s, np.argsort(t, kind="stable"))
    return s


# -- requests ---------------------------------------------------------------------------------

def data_url(base: str) -> str:
    """The getData.json address under a retrieval base (with or without a trailing slash)."""
    return base.rstrip("/") + "/data/getData.json"


def request_span(t0: float, t1: float) -> Tuple[float, float]:
    """The times a request for ``[t0, t1]`` really asks for (both ends included by the
    Appliance): ``t0`` down and ``t1`` up to whole milliseconds."""
    return _ms(t0, False) / 1000.0, _ms(t1, True) / 1000.0


def _ms(t: float, up: bool) -> int:
    # Within a microsecond of a whole millisecond counts as on it (float seconds round).
    return int(math.ceil(t * 1000.0 - 1e-3) if up else math.floor(t * 1000.0 + 1e-3))


def iso_utc(ms: int) -> str:
    """Milliseconds since the epoch as the Appliance's ISO 8601 form, ``...T08:00:00.000Z``."""
    whole = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return whole.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def request_params(pv: str, t0: float, t1: float, points: int) -> Dict[str, str]:
    """Query of a request for ``[t0, t1]`` of ``pv`` in at most about ``points`` samples."""
    return {"pv": f"optimized_{points}({pv})", "from": iso_utc(_ms(t0, False)),
            "to": iso_utc(_ms(t1, True))}


def bin_interval(t0: float, t1: float, points: int) -> int:
    """Width in seconds of the Appliance's bins for that request (whole seconds, at least 1)."""
    start, end = _ms(t0, False) // 1000, _ms(t1, True) // 1000
    return max(1, (end - start) // max(points, 1))
