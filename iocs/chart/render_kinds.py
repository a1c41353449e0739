"""Each frame of the chart: the data each panel shows (per kind) and drawing it over the
cached background.

Time traces with more samples than a few per pixel column are reduced to a (min, max) pair
per column (archived envelope bins by their lo/hi) and drawn as a filled envelope with its
outline, x in seconds before the view's end. Waveforms are drawn against their x. X-Y
traces are paired with trace 1 by time and drawn as points whose shade fades with age over
the window, the newest marked. Alarm severities are marked in the alarm colours; a source
that is gone is a red DISCONNECTED, notes are grey text in the corner of their panel.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.path import Path as MplPath

from .layout import AGE_LEVELS, Area, Panel
from .plotdata import (
    Scene,
    TimeView,
    Trace,
    decimate,
    envelope,
    fit_range,
    outline,
    pair_by_time,
    wanted_range,
)

__all__ = ["PanelFrame", "prepare", "draw_area", "note_texts", "mode_notes"]

Data = Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]
#: X-Y points are thinned to the newest in each cell of this many pixels.
CELL = 3.0


@dataclass
class PanelFrame:
    """What one panel shows this frame: per trace ``(x, y, severity or age level)``, the
    ranges it wants and notes the data brought (not drawable, nothing paired)."""

    data: Dict[int, Data] = field(default_factory=dict)
    envelopes: Dict[int, bool] = field(default_factory=dict)   #: data is an outline
    ylim: Tuple[float, float] = (0.0, 1.0)
    xlim: Optional[Tuple[float, float]] = None
    notes: Dict[int, str] = field(default_factory=dict)


def _columns(panel: Panel) -> int:
    return max(int(panel.ax.bbox.width), 1)


def time_data(tr: Trace, view: TimeView, bins: int) -> Tuple[Data, bool]:
    """The trace's line, or (True) the outline of its envelope with the severities on its
    upper edge, x relative to the view's end."""
    s = tr.samples
    t0 = view.end - view.window
    env = envelope(s.t, s.y, s.severity, t0, view.end, bins, s.lo, s.hi)
    if env is None:
        t, y, sev = decimate(s.t, s.y, s.severity, t0, view.end, bins)
        return (t - view.end, y, sev), False
    x, y, sev = outline(env)
    return (x - view.end, y, sev), True


def array_data(tr: Trace, bins: int) -> Data:
    """A waveform against its x, reduced per column when its x is monotonic."""
    x, y, sev = tr.samples.t, tr.samples.y, tr.samples.severity
    if len(x) > 4 * bins:
        step = np.diff(x)
        if np.all(step >= 0):
            return decimate(x, y, sev, float(x[0]), float(x[-1]), bins)
        if np.all(step <= 0):
            return decimate(x[::-1], y[::-1], sev[::-1], float(x[-1]), float(x[0]), bins)
    return x, y, sev


def xy_data(x_trace: Trace, y_trace: Trace, view: TimeView, pairing: float) -> Data:
    """Pairs of the window as ``(x, y, age level)``; level 0 is the newest."""
    xs, ys = x_trace.samples, y_trace.samples
    t0 = view.end - view.window
    xi = max(int(np.searchsorted(xs.t, t0, side="right")) - 1, 0)
    xj = int(np.searchsorted(xs.t, view.end, side="right"))
    yi = int(np.searchsorted(ys.t, t0, side="left"))
    yj = int(np.searchsorted(ys.t, view.end, side="right"))
    x, y, t = pair_by_time(xs.t[xi:xj], xs.y[xi:xj], ys.t[yi:yj], ys.y[yi:yj], pairing)
    age = (view.end - t) / view.window
    level = np.clip((age * AGE_LEVELS).astype(np.int64), 0, AGE_LEVELS - 1)
    return x, y, level


def _finite_range(values: Sequence[np.ndarray]) -> Tuple[float, float]:
    finite = [v[np.isfinite(v)] for v in values]
    both = np.concatenate(finite) if finite else np.zeros(0)
    if not len(both):
        return (0.0, 1.0)
    lo, hi = float(both.min()), float(both.max())
    return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)


def _panel_frame(panel: Panel, scene: Scene, fresh: bool) -> PanelFrame:
    frame = PanelFrame()
    traces = scene.traces
    bins = _columns(panel)
    for i in panel.members:
        tr = traces[i]
        problem = tr.problem() or (traces[0].problem() if panel.kind == "xy" else "")
        if problem:
            frame.notes[i] = problem
        elif panel.kind == "time":
            frame.data[i], frame.envelopes[i] = time_data(tr, scene.view, bins)
        elif panel.kind == "array":
            frame.data[i] = array_data(tr, bins)
        else:
            frame.data[i] = xy_data(traces[0], tr, scene.view, scene.pairing)
            if not len(frame.data[i][0]) and len(tr.samples):
                frame.notes[i] = f"nothing paired with X within {scene.pairing:g} s"
    ys = [y for _, y, _ in frame.data.values()]
    frame.ylim = fit_range(*panel.fixed, panel.log) if panel.fixed else \
        wanted_range(ys, panel.ylim, fresh, panel.log)
    if panel.kind == "array":
        frame.xlim = _finite_range([x for x, _, _ in frame.data.values()])
    return frame


def prepare(areas: Sequence[Area], scene: Scene, fresh: bool) -> List[List[PanelFrame]]:
    """Per area and panel, this frame's data and wanted ranges (the panels are not changed)."""
    frames = [[_panel_frame(p, scene, fresh) for p in area.panels] for area in areas]
    xy = [(a, f) for a, f in zip(areas, frames) if a.plan.kind == "xy"]
    if xy and scene.traces:
        style = scene.traces[0].style
        current = xy[0][0].panels[0].xlim
        xs = [x for _, fs in xy for f in fs for x, _, _ in f.data.values()]
        xlim = fit_range(style.ymin, style.ymax, style.log) if not style.autoscale else \
            wanted_range(xs, current, fresh, style.log)
        for _, fs in xy:
            for f in fs:
                f.xlim = xlim
    return frames


def draw_area(area: Area, frames: Sequence[PanelFrame], scene: Scene) -> None:
    """Draw the area's traces, cursor and texts over the restored background."""
    for panel, frame in zip(area.panels, frames):
        for i, data in frame.data.items():
            if panel.kind == "xy":
                _draw_points(panel, i, data)
            else:
                _draw_line(panel, i, data, frame.envelopes.get(i, False))
    view = scene.view
    if area.cursor is not None and view.cursor and \
            view.end - view.window <= view.cursor <= view.end:
        area.cursor.set_xdata([view.cursor - view.end] * 2)
        area.host.draw_artist(area.cursor)
    for panel, members, _ in _text_scopes(area, frames):
        _draw_status(panel, members, scene)


def _text_scopes(area: Area, frames: Sequence[PanelFrame]
                 ) -> List[Tuple[Panel, List[int], Dict[int, str]]]:
    """Which panel's texts speak for which traces (and their data's notes): each stagger
    band for its trace, otherwise the area's first panel for all of them."""
    if area.plan.arrangement == "bands":
        return [(p, p.members, f.notes) for p, f in zip(area.panels, frames)]
    members = [i for p in area.panels for i in p.members]
    return [(area.panels[0], members, {i: n for f in frames for i, n in f.notes.items()})]


def note_texts(areas: Sequence[Area], frames: Sequence[Sequence[PanelFrame]],
               scene: Scene) -> List[Tuple[Any, str]]:
    """Each note artist with its text this frame: the traces' notes and their data's."""
    traces = scene.traces
    out = []
    for area, area_frames in zip(areas, frames):
        for panel, members, notes in _text_scopes(area, area_frames):
            lines = [f"{traces[i].label}: {text}" if len(members) > 1 else text
                     for i in members for text in (traces[i].note, notes.get(i, "")) if text]
            out.append((panel.note, "\n".join(lines)))
    return out


def _draw_line(panel: Panel, i: int, data: Data, filled: bool = False) -> None:
    x, y, sev = data
    line = panel.lines[i]
    if panel.kind == "time":       # steps have square corners (cheaper to stroke than round)
        line.set_drawstyle("default" if filled else "steps-post")
        line.set_solid_joinstyle("round" if filled else "miter")
    if filled:
        fill = panel.fills[i]
        fill.set_path(_polygons(x, y))
        panel.ax.draw_artist(fill)
    line.set_data(x, y)
    panel.ax.draw_artist(line)
    if sev is None or len(sev) != len(x) or not sev.any():
        return
    for level, mark in enumerate(panel.marks[i], start=1):
        hit = sev == level
        if hit.any():
            mark.set_data(x[hit], y[hit])
            panel.ax.draw_artist(mark)


def _polygons(x: np.ndarray, y: np.ndarray) -> MplPath:
    """The NaN-separated closed outlines ``x, y`` as one path of filled polygons."""
    gaps = np.flatnonzero(~np.isfinite(y))
    starts = np.concatenate(([0], gaps + 1))
    ends = np.concatenate((gaps, [len(y)]))
    vertices, codes = [], []
    for a, b in zip(starts, ends):
        if b - a < 3:
            continue
        part = np.column_stack((x[a:b], y[a:b]))
        kinds = np.full(b - a, MplPath.LINETO, dtype=MplPath.code_type)
        kinds[0] = MplPath.MOVETO
        vertices.append(part)
        codes.append(kinds)
    if not vertices:
        return MplPath(np.zeros((1, 2)))
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _newest_per_cell(panel: Panel, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the newest point in each :data:`CELL` x CELL pixel cell, in time order:
    older points there are hidden under it (and cost a marker each)."""
    px = panel.ax.transData.transform(np.column_stack((x, y)))
    with np.errstate(invalid="ignore"):
        cells = np.clip(np.floor(px / CELL), -1, 2048)   # off the image: its edge cells
    ok = np.all(np.isfinite(cells), axis=1)
    key = cells[:, 0] * 4096.0 + cells[:, 1]
    key[~ok] = np.nan
    _, last = np.unique(key[::-1], return_index=True)
    keep = len(x) - 1 - last
    return np.sort(keep[ok[keep]])


def _draw_points(panel: Panel, i: int, data: Data) -> None:
    x, y, level = data
    if not len(x) or level is None:
        return
    keep = _newest_per_cell(panel, x, y)
    x, y, level = x[keep], y[keep], level[keep]
    if not len(x):
        return
    for k, shade in reversed(list(enumerate(panel.ages[i]))):     # oldest first
        hit = level == k
        if hit.any():
            shade.set_data(x[hit], y[hit])
            panel.ax.draw_artist(shade)
    newest = panel.newest[i]
    newest.set_data(x[-1:], y[-1:])
    panel.ax.draw_artist(newest)


def _draw_status(panel: Panel, members: Sequence[int], scene: Scene) -> None:
    """DISCONNECTED, with the names when several traces share the text."""
    traces = scene.traces
    scope = list(members)
    if panel.kind == "xy" and traces and 0 not in scope:
        scope.insert(0, 0)                 # the X of every X-Y panel
    gone = [traces[i].label for i in scope if not traces[i].connected]
    if gone and panel.status is not None:
        panel.status.set_text("DISCONNECTED" if len(scope) == 1 else
                              "DISCONNECTED: " + ", ".join(gone))
        panel.ax.draw_artist(panel.status)


def mode_notes(scene: Scene) -> List[str]:
    """Chart-wide notes of XY mode: why nothing is drawn, what is left out."""
    traces = scene.traces
    if scene.mode != "XY":
        return []
    if not traces:
        return ["XY: no sources"]
    out = []
    if traces[0].array:
        out.append(f"XY: trace 1 ({traces[0].label}) is a waveform, not an X")
    elif not any(not t.array for t in traces[1:]):
        out.append(f"XY: trace 1 ({traces[0].label}) is X; add a trace to plot against it")
    arrays = [t.label for t in traces[1:] if t.array]
    if arrays:
        out.append("waveforms not drawn in XY: " + ", ".join(arrays))
    return out
