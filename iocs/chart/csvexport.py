"""The chart's plotted data as CSV: what the display's *Save data* and pvchart-web's
``/chart/<name>.csv`` write.

One row per sample: trace number, source PV, ISO local time (milliseconds), epoch seconds,
value (``repr``: every digit), severity. The data are what the chart IOC serves in
``T<n>:times``, ``T<n>:values`` and ``T<n>:severity`` for the n-th name of ``sources``; how
they are read (pyepics, caproto) is the caller's business. Pure: no CA, no Qt.
"""
from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path
from typing import Any, List, Sequence, TextIO, Tuple

import numpy as np

__all__ = ["Series", "HEADER", "DATA_FIELDS", "trace_sources", "series", "write_csv",
           "csv_text", "export_csv"]

#: (trace number, source PV, times, values, severities); the arrays are 1-D.
Series = Tuple[int, str, np.ndarray, np.ndarray, np.ndarray]
HEADER = ("trace", "source", "time", "epoch_s", "value", "severity")
#: The chart IOC's per-trace data PVs, in the order :func:`series` takes them.
DATA_FIELDS = ("times", "values", "severity")


def trace_sources(sources: Any) -> List[Tuple[int, str]]:
    """(trace number, source PV) for each name in the chart's ``sources`` text."""
    text = sources.decode(errors="replace") if isinstance(sources, bytes) else str(sources)
    names = [n.strip() for n in text.split("\0", 1)[0].split(",") if n.strip()]
    return list(enumerate(names, start=1))


def series(n: int, source: str, times: Any, values: Any, severity: Any) -> Series:
    """One trace's data as 1-D arrays (a single sample may come as a scalar)."""
    t, v, s = (np.atleast_1d(np.asarray(a)).reshape(-1) for a in (times, values, severity))
    return (n, source, t.astype(np.float64), v.astype(np.float64), s.astype(np.int64))


def write_csv(stream: TextIO, data: Sequence[Series]) -> int:
    """Write the header and a row per sample to ``stream``; returns the samples written."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(HEADER)
    rows = 0
    for n, source, times, values, severity in data:
        for t, v, s in zip(times, values, severity):
            when = datetime.datetime.fromtimestamp(float(t))
            writer.writerow([n, source, when.isoformat(timespec="milliseconds"),
                             f"{float(t):.6f}", repr(float(v)), int(s)])
            rows += 1
    return rows


def csv_text(data: Sequence[Series]) -> Tuple[str, int]:
    """The CSV as text, and the number of samples in it."""
    out = io.StringIO()
    rows = write_csv(out, data)
    return out.getvalue(), rows


def export_csv(path: Path, data: Sequence[Series]) -> int:
    """Write ``data`` to the file ``path``; returns the number of samples written."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        return write_csv(f, data)
