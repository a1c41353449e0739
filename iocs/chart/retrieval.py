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
from datetime import UTC, datetime
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


_NUMBER = {int, float}       # JSON numbers (not bool, which is an int to Python)


def _numbers(values: List[Any], why: str) -> np.ndarray:
    """``values`` as floats, when every one is a JSON number; else :class:`ArchiveError`."""
    if not {type(v) for v in values} <= _NUMBER:
        raise ArchiveError(why)
    try:
        return np.array(values, dtype=np.float64)
    except OverflowError as ex:                         # an integer beyond any double
        raise ArchiveError(why) from ex


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
    return Archived(meta.get("name", pv), _samples(data), meta.get("EGU", ""), prec, meta)


def _samples(data: List[Any]) -> Samples:
    """The ``data`` of an answer as samples; a 5-list ``val`` is a bin, a number a sample."""
    try:
        secs = _numbers([d["secs"] for d in data], "bad sample")
        nanos = _numbers([d.get("nanos", 0) for d in data], "bad sample")
        severity = _numbers([d.get("severity", 0) for d in data], "bad sample")
        vals = [d["val"] for d in data]
    except (TypeError, KeyError, AttributeError) as ex:     # not a dict, no secs or val
        raise ArchiveError("bad sample") from ex
    t = secs + nanos * 1e-9
    if not np.all(np.abs(t) < 1e11):                    # also NaN
        raise ArchiveError("bad timestamp")
    sev = np.clip(np.nan_to_num(severity), 0, 3).astype(np.int8)
    kinds = {type(v) for v in vals}
    if kinds <= _NUMBER:
        s = Samples(t, _numbers(vals, "non-numeric values"), sev)
    elif kinds <= _NUMBER | {list}:
        s = _bins(t, vals, sev)
    else:
        raise ArchiveError("non-numeric values")
    if len(t) > 1 and np.any(np.diff(t) < 0):
        s = take(s, np.argsort(t, kind="stable"))
    return s


def _bins(t: np.ndarray, vals: List[Any], sev: np.ndarray) -> Samples:
    """Samples with envelopes: ``[mean, std, min, max, count]`` lists, raw numbers among them
    as bins of one; a bin repeating the one before (the Appliance filling an empty bin)
    gets count 0."""
    is_bin = np.array([type(v) is list for v in vals])
    lists = [v for v in vals if type(v) is list]
    if any(len(v) != 5 for v in lists):
        raise ArchiveError("waveform data")
    v = np.empty((len(vals), 5))
    v[is_bin] = _numbers([x for b in lists for x in b], "waveform data").reshape(-1, 5)
    y = _numbers([x for x in vals if type(x) is not list], "non-numeric values")
    v[~is_bin] = np.column_stack([y, np.zeros(len(y)), y, y, np.ones(len(y))])
    mean, std, lo, hi, count = v.T.copy()
    if np.any(count < 0) or np.any(std < 0) or np.any(lo > hi):
        raise ArchiveError("waveform data")
    same = (v[1:] == v[:-1]) | (np.isnan(v[1:]) & np.isnan(v[:-1]))
    count[1:][is_bin[1:] & is_bin[:-1] & np.all(same, axis=1)] = 0.0
    return Samples(t, mean, sev, lo=lo, hi=hi, std=std, count=count)


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
    whole = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return whole.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def request_params(pv: str, t0: float, t1: float, points: int) -> Dict[str, str]:
    """Query of a request for ``[t0, t1]`` of ``pv`` in at most about ``points`` samples."""
    return {"pv": f"optimized_{points}({pv})", "from": iso_utc(_ms(t0, False)),
            "to": iso_utc(_ms(t1, True))}


def bin_interval(t0: float, t1: float, points: int) -> int:
    """Width in seconds of the Appliance's bins for that request (whole seconds, at least 1)."""
    start, end = _ms(t0, False) // 1000, _ms(t1, True) // 1000
    return max(1, (end - start) // max(points, 1))
