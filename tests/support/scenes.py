"""Chart scenes for the renderer's tests: traces from plain arrays, pixels of a colour."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from iocs.chart.history import Samples
from iocs.chart.plotdata import PALETTE, AlarmLimits, Scene, TimeView, Trace, TraceStyle
from iocs.chart.render import ChartRenderer

__all__ = ["END", "RED", "GREEN", "near", "trace", "scene", "rows_with"]

RED, GREEN = "#ff0000", "#00c800"
END = 1_760_000_000.0          # the right edge of every scene (POSIX s)


def near(img: np.ndarray, rgb: Sequence[int], tol: int = 40) -> np.ndarray:
    """Where ``img`` is within ``tol`` of colour ``rgb`` in every channel."""
    return np.all(np.abs(img.astype(int) - np.array(rgb)) < tol, axis=-1)


def trace(name: str, t: Any, y: Any, color: str = PALETTE[0], severity: Any = None,
          array: bool = False, lo: Any = None, hi: Any = None,
          alarm: AlarmLimits = AlarmLimits(), **kw: Any) -> Trace:
    """A trace; ``t`` of a time trace in seconds before END; ``alarm``: its alarm limits;
    style fields (``log``, ``limits``, ``ymin`` ...) and Trace fields as keywords."""
    style = TraceStyle(**{k: kw.pop(k) for k in list(kw) if k in TraceStyle.__annotations__},
                       color=color)
    t, y = np.asarray(t, float), np.asarray(y, float)
    severity = np.zeros(len(y), np.int8) if severity is None else severity
    extra = {} if lo is None else dict(lo=lo, hi=hi, std=np.zeros(len(t)),
                                       count=np.ones(len(t)))
    samples = Samples(t if array else t + END, y, severity, array=array, **extra)
    return Trace(name, samples, style=style, limits=alarm, **kw)


def scene(traces: Sequence[Trace], window: float = 10.0, **kw: Any) -> Scene:
    """A scene ending at END; ``live``, ``cursor``, ``end`` go to its TimeView."""
    view = {k: kw.pop(k) for k in ("live", "cursor", "end") if k in kw}
    return Scene(traces, TimeView(view.pop("end", END), window, **view), **kw)


def rows_with(img: np.ndarray, col: int, color: str, tol: int = 40) -> np.ndarray:
    """Rows of column ``col`` in ``color``."""
    return np.nonzero(near(img[:, col], ChartRenderer.color_of(color), tol))[0]

