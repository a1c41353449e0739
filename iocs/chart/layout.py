"""The chart's layout: which traces share a plotting box, and the matplotlib axes drawn for it.

An *area* is one plotting box of the figure; a *panel* is one y scale inside it (its own
matplotlib Axes). Stacked: an area per trace. Overlay: one area for the time traces, a y axis
per kind of units (the first on the left, the second on the right, further ones offset
outwards, alternating). Stagger: one area, each trace autoscaled into its own horizontal band
with its own y ticks. A waveform (array) source gets an area of its own, drawn against its x.
In XY mode trace 1 is the X of every other trace, which the layout arranges the same way.

Everything that stays still while data flows is made here, once per layout: axes, labels,
legend, alarm-limit bands (behind the traces), and the animated artists each frame redraws.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from .plotdata import ALARM_COLORS, Scene, Trace, limit_bands

__all__ = ["AreaPlan", "plan_areas", "Panel", "Area", "build_areas", "clip_bands", "NOTE_COLOR",
           "NOTE_BOX",
           "DISCONNECTED_COLOR",
           "AGE_LEVELS"]

DISCONNECTED_COLOR = "#d62728"
NOTE_COLOR = "#505050"
CURSOR_COLOR = "#303030"
#: Pixels between stacked y axes of one side (Overlay with more than two kinds of units).
AXIS_OFFSET = 50
#: Shades of an X-Y trace, newest to oldest.
AGE_LEVELS = 4
BAND_ALPHA = {1: 0.20, 2: 0.14}
#: Notes read on a white label over the traces.
NOTE_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 1.5}
FONT = 7


@dataclass(frozen=True)
class AreaPlan:
    """One plotting box: its kind (time, array, xy), its panels' traces and their arrangement
    (``single`` panel, several y ``axes`` in one box, or stagger ``bands``)."""

    kind: str
    groups: Tuple[Tuple[int, ...], ...]
    arrangement: str = "single"


def plan_areas(traces: Sequence[Trace], layout: str, mode: str) -> List[AreaPlan]:
    """Which traces go in which area and panel (pure: no matplotlib)."""
    scalars = [i for i, t in enumerate(traces) if not t.array]
    kind = "time"
    if mode == "XY":
        kind = "xy"
        scalars = [i for i in scalars if i > 0] if traces and not traces[0].array else []
    if not scalars:
        areas = [AreaPlan(kind, ((),))] if mode == "XY" or not traces else []
    elif layout == "Stacked":
        areas = [AreaPlan(kind, ((i,),)) for i in scalars]
    elif layout == "Stagger":
        areas = [AreaPlan(kind, tuple((i,) for i in scalars), "bands")]
    else:
        units = list(dict.fromkeys(traces[i].units for i in scalars))
        groups = tuple(tuple(i for i in scalars if traces[i].units == u) for u in units)
        areas = [AreaPlan(kind, groups, "axes" if len(groups) > 1 else "single")]
    if mode == "Time":
        areas += [AreaPlan("array", ((i,),)) for i, t in enumerate(traces) if t.array]
    return areas


@dataclass
class Panel:
    """One y scale (a matplotlib Axes) and the artists of its traces."""

    ax: Any
    kind: str                                   # time, array or xy
    members: List[int]
    fixed: Optional[Tuple[float, float]]
    log: bool
    lines: Dict[int, Line2D] = field(default_factory=dict)
    marks: Dict[int, List[Line2D]] = field(default_factory=dict)     # alarm severities
    ages: Dict[int, List[Line2D]] = field(default_factory=dict)      # X-Y shades
    newest: Dict[int, Line2D] = field(default_factory=dict)          # X-Y newest point
    bands: List[Tuple[Rectangle, float, float]] = field(default_factory=list)
    status: Optional[Text] = None
    note: Optional[Text] = None
    ylim: Tuple[float, float] = (0.0, 1.0)
    xlim: Tuple[float, float] = (0.0, 1.0)


@dataclass
class Area:
    """One plotting box: the Axes that frames it and owns its x axis, and its panels."""

    host: Any
    plan: AreaPlan
    panels: List[Panel]
    cursor: Optional[Line2D] = None


def _units_label(traces: Sequence[Trace]) -> str:
    return ", ".join(u for u in dict.fromkeys(t.units for t in traces) if u) or "value"


def _trace_label(t: Trace) -> str:
    return f"{t.label}\n({t.units})" if t.units else t.label


def _x_label(t: Trace) -> str:
    if not t.x_label:
        return "index"
    return f"{t.x_label} ({t.x_units})" if t.x_units else t.x_label


def _sides(plans: Sequence[AreaPlan]) -> Tuple[int, int]:
    """Most y axes on the left and on the right of any area."""
    n = max((len(p.groups) if p.arrangement == "axes" else 1 for p in plans), default=1)
    return (n + 1) // 2, n // 2


def _hspace(rows: int, plots_px: float, labelled: bool) -> float:
    """Space between areas (a fraction of their height): a quarter of it, or room for the
    tick labels and the x label of an area above another."""
    if rows < 2 or not labelled:
        return 0.25
    gap = 40.0
    return max(0.25, gap * rows / max(plots_px - gap * (rows - 1), 1.0))


def build_areas(fig: Figure, scene: Scene, layout: str, width: int,
                height: int) -> List[Area]:
    """Clear ``fig`` and build the areas of ``scene`` (everything but the data)."""
    fig.clear()
    fig.set_size_inches(width / fig.dpi, height / fig.dpi)
    traces = scene.traces
    plans = plan_areas(traces, layout, scene.mode) or [AreaPlan("time", ((),))]
    left_n, right_n = _sides(plans)
    left = 0.14 + (left_n - 1) * AXIS_OFFSET / width
    right = (min(0.98, 1 - 26 / width) if right_n == 0 else 0.88) \
        - max(right_n - 1, 0) * AXIS_OFFSET / width
    right = max(right, left + 0.2)
    hosts = list(fig.subplots(len(plans), 1, squeeze=False)[:, 0])
    labelled = any(p.kind == "array" for p in plans[1:])     # x labels between areas
    fig.subplots_adjust(left=left, right=right, top=0.97, bottom=0.1,
                        hspace=_hspace(len(plans), 0.87 * height, labelled))
    areas = [_area(fig, host, plan, traces) for host, plan in zip(hosts, plans)]
    for kind in ("time", "xy"):
        same = [a.host for a in areas if a.plan.kind == kind]
        for ax in same[1:]:
            ax.sharex(same[0])
    if scene.mode == "XY" and traces:
        x = traces[0]
        last = [a for a in areas if a.plan.kind == "xy"][-1]
        last.host.set_xlabel(_trace_label(x).replace("\n", " "), fontsize=FONT)
        if x.style.log:
            last.host.set_xscale("log")
    for area in areas:
        if area.plan.kind == "array" and area.panels[0].members:
            area.host.set_xlabel(_x_label(traces[area.panels[0].members[0]]), fontsize=FONT)
    _legend(areas, traces)
    return areas


def _area(fig: Figure, host: Any, plan: AreaPlan, traces: Sequence[Trace]) -> Area:
    axes: List[Any] = [host]
    if plan.arrangement == "axes":
        for k in range(1, len(plan.groups)):
            twin = host.twinx()
            _place_axis(twin, k)
            axes.append(twin)
    elif plan.arrangement == "bands":
        axes = _bands(fig, host, len(plan.groups))
    area = Area(host, plan, [])
    for ax, group in zip(axes, plan.groups):
        members = [traces[i] for i in group]
        styles = [t.style for t in members]
        fixed = None
        if styles and not any(s.autoscale for s in styles):
            fixed = (min(s.ymin for s in styles), max(s.ymax for s in styles))
        panel = Panel(ax, plan.kind, list(group), fixed, any(s.log for s in styles))
        _style_panel(panel, plan, members)
        _artists(panel, traces)
        area.panels.append(panel)
    host.grid(True, axis="x" if plan.arrangement == "bands" else "both", alpha=0.3)
    host.tick_params(labelsize=FONT)
    if plan.kind == "time":
        area.cursor = host.axvline(0.0, color=CURSOR_COLOR, lw=1.0, ls="--", animated=True)
    for panel in area.panels if plan.arrangement == "bands" else area.panels[:1]:
        panel.status = panel.ax.text(0.5, 0.5, "", transform=panel.ax.transAxes, ha="center",
                                     va="center", color=DISCONNECTED_COLOR, fontsize=12,
                                     fontweight="bold", animated=True)
        panel.note = panel.ax.text(0.01, 0.03, "", transform=panel.ax.transAxes, ha="left",
                                   va="bottom", color=NOTE_COLOR, fontsize=FONT,
                                   animated=True, bbox=NOTE_BOX)
    return area


def _place_axis(ax: Any, k: int) -> None:
    """The k-th y axis of a box: even k on the left, odd on the right, offset outwards."""
    side = "left" if k % 2 == 0 else "right"
    ax.yaxis.set_label_position(side)
    ax.yaxis.set_ticks_position(side)
    points = (k // 2) * AXIS_OFFSET * 72.0 / ax.figure.dpi        # "outward" is in points
    ax.spines[side].set_position(("outward", points))
    ax.spines[side].set_visible(True)
    ax.spines["left" if side == "right" else "right"].set_visible(False)
    ax.patch.set_visible(False)


def _bands(fig: Figure, host: Any, n: int) -> List[Any]:
    """``n`` stagger bands inside ``host``, top to bottom, each with its own y axis."""
    host.tick_params(left=False, labelleft=False)
    box = host.get_position()
    pitch = box.height / n
    gap = min(0.12 * pitch, 8.0 / fig.bbox.height)
    axes = []
    for k in range(n):
        bottom = box.y0 + (n - 1 - k) * pitch + gap / 2
        ax = fig.add_axes((box.x0, bottom, box.width, pitch - gap), sharex=host)
        ax.patch.set_visible(False)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(bottom=False, labelbottom=False)
        band_px = (pitch - gap) * fig.bbox.height
        ax.yaxis.set_major_locator(MaxNLocator(nbins=max(2, int(band_px // 28)),
                                               prune="both" if band_px < 80 else None))
        axes.append(ax)
    return axes


def _style_panel(panel: Panel, plan: AreaPlan, members: Sequence[Trace]) -> None:
    ax = panel.ax
    if panel.log:
        ax.set_yscale("log")
    ax.tick_params(labelsize=FONT)
    if plan.arrangement == "bands":
        if members:
            t = members[0]
            ax.tick_params(axis="y", colors=t.style.color, labelcolor="black")
            ax.spines["left"].set_color(t.style.color)
            ax.text(0.005, 0.98, t.label + (f" ({t.units})" if t.units else ""),
                    transform=ax.transAxes, ha="left", va="top", fontsize=FONT,
                    color=t.style.color)
            ax.grid(True, axis="y", alpha=0.2)
        return
    if plan.arrangement == "axes":
        color = members[0].style.color
        ax.set_ylabel(_units_label(members), fontsize=FONT, color=color)
        ax.spines["left" if ax.yaxis.get_label_position() == "left" else "right"] \
            .set_color(color)
    elif len(members) > 1:
        ax.set_ylabel(_units_label(members), fontsize=FONT)
    elif members:
        ax.set_ylabel(_trace_label(members[0]), fontsize=FONT)
    else:
        ax.set_ylabel("(no sources)", fontsize=FONT)


def _artists(panel: Panel, traces: Sequence[Trace]) -> None:
    """The animated artists of the panel's traces and, behind them, alarm-limit bands."""
    ax = panel.ax
    for i in panel.members:
        tr = traces[i]
        color = tr.style.color
        if tr.shows_limits():
            for y0, y1, sev in limit_bands(tr.limits):
                rect = Rectangle((0.0, 0.0), 1.0, 1.0, transform=ax.get_yaxis_transform(),
                                 color=ALARM_COLORS[sev - 1], alpha=BAND_ALPHA[sev], lw=0,
                                 zorder=0.5)
                ax.add_patch(rect)
                panel.bands.append((rect, y0, y1))
        if panel.kind == "xy":
            panel.ages[i] = [
                ax.plot([], [], ls="none", marker="o", ms=2.5, mew=0, color=color,
                        alpha=1.0 - 0.75 * k / (AGE_LEVELS - 1), animated=True)[0]
                for k in range(AGE_LEVELS)]
            panel.newest[i] = ax.plot([], [], ls="none", marker="o", ms=7, mfc=color,
                                      mec="black", mew=1.2, animated=True)[0]
            continue
        (panel.lines[i],) = ax.plot([], [], color=color, lw=1.5, animated=True,
                                    drawstyle="steps-post" if panel.kind == "time"
                                    else "default")
        panel.marks[i] = [ax.plot([], [], ls="none", marker="o", ms=3.5, color=c,
                                  animated=True)[0] for c in ALARM_COLORS]


def _legend(areas: Sequence[Area], traces: Sequence[Trace]) -> None:
    for area in areas:
        if area.plan.arrangement != "axes" and not (
                area.plan.kind != "array" and len(area.panels[0].members) > 1):
            continue
        handles = [Line2D([], [], color=traces[i].style.color, lw=1.5,
                          label=traces[i].label)
                   for i in sorted(i for p in area.panels for i in p.members)]
        if handles:         # an overlay: over the traces (see ChartRenderer)
            area.host.legend(handles=handles, fontsize=FONT, loc="upper left",
                             framealpha=1.0).set_animated(True)


def clip_bands(panel: Panel) -> None:
    """Fit the panel's limit bands to its y range (they may be open-ended)."""
    lo, hi = sorted(panel.ylim)
    for rect, y0, y1 in panel.bands:
        a, b = max(y0, lo), min(y1, hi)
        rect.set_visible(b > a)
        if b > a:
            rect.set_y(a)
            rect.set_height(b - a)
