"""What the chart shows now: per source, the samples of the visible time range — the IOC's own
history, preceded by what the site's archiver holds where that history does not reach — and
the :class:`~iocs.chart.plotdata.Scene` the renderer draws from them.

The archiver is asked (in the background, cached: :class:`~iocs.chart.archive.ArchiveFetcher`)
only for the part of the range older than the history of a source; archived and own samples
meet at that seam without a gap.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .archive import ArchiveFetcher, merge
from .history import History, Samples
from .plotdata import AlarmLimits, Scene, TimeView, Trace, TraceStyle
from .sources import SourceSet
from .timerange import TimeRange

__all__ = ["SceneBuilder", "TraceSpec", "Visible", "XAxis"]


@dataclass(frozen=True)
class TraceSpec:
    """How trace n is to be drawn: its style and, for a waveform, its X-axis PV."""

    style: TraceStyle
    xsource: str = ""


@dataclass(frozen=True)
class XAxis:
    """The X axis of a waveform trace: its PV's label and units, and a note when its values
    cannot serve (the waveform is then drawn against its index)."""

    label: str = ""
    units: str = ""
    note: str = ""


@dataclass
class Visible:
    """The visible range and, per source (in trace order), its samples across it (a
    waveform's: its x from its X-axis PV, or its index)."""

    t0: float
    t1: float
    samples: List[Tuple[str, Samples]]
    archived: bool                 #: some source reaches back beyond its own history
    axes: Dict[int, XAxis] = field(default_factory=dict)   #: by trace index


class SceneBuilder:
    """Collects the samples of the visible range and builds the renderer's scene."""

    def __init__(self, history: History, sources: SourceSet, time_range: TimeRange,
                 archive: Optional[ArchiveFetcher],
                 specs: Callable[[], Sequence[TraceSpec]]) -> None:
        self.history = history
        self.sources = sources
        self.range = time_range
        self.archive = archive
        self.specs = specs

    def visible(self, now: float, columns: int) -> Visible:
        """Each source's samples across the range shown at ``now``; asks the archiver (in
        the background) for what is older than the history, ``columns`` bins at most."""
        t0, t1 = self.range.edges(now)
        specs = list(self.specs())
        visible = Visible(t0, t1, [], False)
        for index, name in enumerate(self.history.names):
            own = self.history.samples(name, t0, t1)
            seam = min(self.history.covered_since(name), t1)
            if own.array:
                spec = specs[index] if index < len(specs) else None
                own, visible.axes[index] = self._against_axis(own, spec)
            elif self.archive is not None and t0 < seam:
                visible.archived = True
                self.archive.want(name, t0, seam, columns)
                own = merge(self.archive.samples(name, t0, seam), own, seam)
            visible.samples.append((name, own))
        return visible

    def scene(self, now: float, visible: Visible, mode: str, pairing: float) -> Scene:
        """The scene of ``visible``: traces styled, live ones held until now."""
        specs = list(self.specs())
        traces = [self._trace(name, samples, specs[i] if i < len(specs) else None,
                              visible.axes.get(i, XAxis()), now)
                  for i, (name, samples) in enumerate(visible.samples)]
        view = TimeView(end=visible.t1, window=self.range.window, live=self.range.live,
                        cursor=self.range.cursor)
        notes: Tuple[str, ...] = ()
        if self.archive is not None and visible.archived and self.archive.status != "ok":
            notes = (f"archive: {self.archive.status}",)
        return Scene(traces, view, mode=mode, pairing=pairing, notes=notes)

    def _trace(self, name: str, samples: Samples, spec: Optional[TraceSpec], axis: XAxis,
               now: float) -> Trace:
        connected, units, description, limits = self.sources.info(name)
        style = spec.style if spec is not None else TraceStyle()
        if not style.label and description:
            style = replace(style, label=description)
        if not samples.array and self.range.live and connected and len(samples.y) and \
                not math.isnan(samples.y[-1]) and samples.t[-1] < now:
            samples = _held_until(samples, now)
        return Trace(name, samples, units=units, connected=connected, style=style,
                     limits=AlarmLimits(*limits), x_label=axis.label, x_units=axis.units,
                     note=axis.note)

    def _against_axis(self, samples: Samples, spec: Optional[TraceSpec]
                      ) -> Tuple[Samples, XAxis]:
        """A waveform's samples with x from its X-axis PV (or the index), and its axis."""
        n = len(samples.y)
        index = replace(samples, t=np.arange(n, dtype=np.float64))
        axis_name = spec.xsource if spec is not None else ""
        if not axis_name:
            return index, XAxis()
        x = self.sources.axis(axis_name)
        _, units, description, _ = self.sources.info(axis_name)
        label = description or axis_name
        if x is None:
            return index, XAxis(label, units, f"X axis {axis_name}: no value")
        if len(x) != n:
            return index, XAxis(label, units, f"X axis {axis_name} has {len(x)} values for "
                                              f"{n}: drawn against the index")
        return replace(samples, t=np.asarray(x, dtype=np.float64)), XAxis(label, units)


def _held_until(s: Samples, now: float) -> Samples:
    """``s`` with its last sample repeated at ``now`` (the value holds until now)."""
    def more(a: Optional[np.ndarray], value: float) -> Optional[np.ndarray]:
        return None if a is None else np.append(a, value)
    last_y = float(s.y[-1])
    return Samples(np.append(s.t, now), np.append(s.y, last_y),
                   np.append(s.severity, s.severity[-1]), s.array,
                   more(s.lo, last_y), more(s.hi, last_y), more(s.std, 0.0),
                   more(s.count, 1))
