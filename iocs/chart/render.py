"""Pure chart rendering: one persistent matplotlib figure on an Agg canvas -> pixel array.

The time axis is in seconds relative to now (``-window .. 0``), so axes, ticks, labels and the
legend stay still while data flows: they are drawn once into a cached background and each
frame only restores it and draws the traces (blitting). A full redraw happens only when the
picture's layout changes (size, traces, styles, units, window) or a y range must move.

Layouts: *Stacked* gives each trace its own panel; *Overlay* draws the time traces on shared
axes with a legend, with a second y axis for a second kind of units. A waveform source is
drawn whole, value against index, in a panel of its own. Samples in alarm are marked in the
alarm colours (MINOR yellow, MAJOR red, INVALID magenta); a disconnected source shows a gap
and a red DISCONNECTED. Histories are reduced to a min/max envelope per pixel column.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .plotdata import ALARM_COLORS, Trace, TraceStyle, decimate, wanted_range
from .settings import COLOR_MODES, LAYOUTS, PALETTE, check_size

__all__ = ["Trace", "TraceStyle", "ChartRenderer", "decimate", "PALETTE", "COLOR_MODES"]

DISCONNECTED_COLOR = "#d62728"


@dataclass
class _Panel:
    ax: Any                                 # a matplotlib Axes
    members: List[int]                      # indices of the traces drawn here
    array: bool
    fixed: Optional[Tuple[float, float]]
    log: bool
    lines: Dict[int, Line2D] = field(default_factory=dict)
    marks: Dict[int, List[Line2D]] = field(default_factory=dict)
    mark_text: Any = None
    ylim: Tuple[float, float] = (0.0, 1.0)
    xlim: Tuple[float, float] = (0.0, 1.0)


@dataclass
class ChartRenderer:
    """Renders traces into an ``(height, width, 3)`` (RGB1) or ``(height, width)`` (Mono) array."""

    width: int = 640
    height: int = 480
    window: float = 60.0
    mode: str = "RGB1"
    layout: str = "Stacked"
    full_redraws: int = 0
    frames: int = 0

    def __post_init__(self) -> None:
        check_size(self.width, self.height)
        self.figure = Figure(dpi=100)
        self.canvas = FigureCanvasAgg(self.figure)
        self._background = None
        self._key: Optional[tuple] = None
        self._panels: List[_Panel] = []

    check_size = staticmethod(check_size)

    # ---- layout ---------------------------------------------------------------------------
    def _layout_key(self, traces: Sequence[Trace]) -> tuple:
        return (self.width, self.height, self.window, self.layout,
                tuple((t.label, t.units, t.array, t.style) for t in traces))

    def _groups(self, traces: Sequence[Trace]) -> List[Tuple[List[int], bool]]:
        """Which traces share a panel: (indices, is_waveform)."""
        time_idx = [i for i, t in enumerate(traces) if not t.array]
        arrays = [([i], True) for i, t in enumerate(traces) if t.array]
        if self.layout != "Overlay":
            return [([i], False) for i in time_idx] + arrays
        units = list(dict.fromkeys(traces[i].units for i in time_idx))
        groups = [([i for i in time_idx if traces[i].units == units[0]], False)] if units \
            else []
        if len(units) > 1:        # a second y axis: every other unit goes on the right
            groups.append(([i for i in time_idx if traces[i].units != units[0]], False))
        return groups + arrays

    def _build(self, traces: Sequence[Trace]) -> None:
        fig = self.figure
        fig.clear()
        fig.set_size_inches(self.width / fig.dpi, self.height / fig.dpi)
        groups = self._groups(traces) or [([], False)]
        overlay_twin = self.layout == "Overlay" and len(groups) > 1 and not groups[1][1]
        rows = len(groups) - (1 if overlay_twin else 0)
        axes = list(fig.subplots(rows, 1, squeeze=False)[:, 0])
        if overlay_twin:
            axes.insert(1, axes[0].twinx())
        self._panels = []
        time_axes = []
        for ax, (members, array) in zip(axes, groups):
            styles = [traces[i].style for i in members]
            fixed = None
            if styles and not any(s.autoscale for s in styles):
                fixed = (min(s.ymin for s in styles), max(s.ymax for s in styles))
            panel = _Panel(ax, members, array, fixed, any(s.log for s in styles))
            self._style_axes(panel, traces)
            if not array:
                time_axes.append(ax)
            self._panels.append(panel)
        for ax in time_axes[1:]:
            ax.sharex(time_axes[0])
        for ax in time_axes:
            ax.set_xlim(-self.window, 0.0)
        bottom = len(axes) - 1 if not (overlay_twin and len(axes) == 2) else 0
        axes[bottom].set_xlabel("index" if self._panels[bottom].array
                                else "time relative to now (s)", fontsize=7)
        if self.layout == "Overlay" and traces:
            handles = [Line2D([], [], color=t.style.color, lw=1.5, label=t.label)
                       for t in traces if not t.array]
            if handles:
                axes[0].legend(handles=handles, fontsize=7, loc="upper left",
                               framealpha=0.7)
        right = 0.88 if overlay_twin else 0.98
        fig.subplots_adjust(left=0.14, right=right, top=0.97, bottom=0.1, hspace=0.25)

    def _style_axes(self, panel: _Panel, traces: Sequence[Trace]) -> None:
        ax = panel.ax
        if panel.log:
            ax.set_yscale("log")
        members = [traces[i] for i in panel.members]
        if self.layout == "Overlay" and not panel.array:
            ax.set_ylabel(", ".join(dict.fromkeys(t.units for t in members)) or "value",
                          fontsize=7)
        elif members:
            t = members[0]
            ax.set_ylabel(f"{t.label}\n({t.units})" if t.units else t.label, fontsize=7)
        else:
            ax.set_ylabel("(no sources)", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.grid(True, alpha=0.3)
        for i in panel.members:
            style = traces[i].style
            (panel.lines[i],) = ax.plot([], [], color=style.color, lw=1.5, animated=True,
                                        drawstyle="default" if panel.array else "steps-post")
            panel.marks[i] = [ax.plot([], [], ls="none", marker="o", ms=3.5, color=c,
                                      animated=True)[0] for c in ALARM_COLORS]
        panel.mark_text = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center",
                                  va="center", color=DISCONNECTED_COLOR, fontsize=12,
                                  fontweight="bold", animated=True)

    # ---- frames ---------------------------------------------------------------------------
    def render(self, traces: Sequence[Trace]) -> np.ndarray:
        """Draw one frame; returns a new contiguous uint8 array."""
        check_size(self.width, self.height)
        if self.mode not in COLOR_MODES or self.layout not in LAYOUTS:
            raise ValueError(f"mode {self.mode!r} / layout {self.layout!r} unknown")
        key = self._layout_key(traces)
        fresh = key != self._key
        if fresh:
            self._build(traces)
            self._key = key
        data = self._prepare(traces, fresh)
        if data is None or self._background is None:
            for panel in self._panels:
                panel.ax.set_ylim(*panel.ylim)
                if panel.array:
                    panel.ax.set_xlim(*panel.xlim)
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self.full_redraws += 1
            data = self._prepare(traces, False)
        else:
            self.canvas.restore_region(self._background)
        for panel, per_trace in zip(self._panels, data or []):   # None: cannot happen twice
            self._draw_panel(panel, traces, per_trace)
        self.frames += 1
        return self._pixels()

    def _prepare(self, traces: Sequence[Trace], fresh: bool) -> Optional[list]:
        """Per panel, the decimated data of its traces; None when a range had to move."""
        data = []
        moved = fresh
        for panel in self._panels:
            bins = max(int(panel.ax.bbox.width), 1)
            per_trace = {}
            for i in panel.members:
                tr = traces[i]
                if panel.array:
                    per_trace[i] = decimate(tr.t, tr.y, tr.severity, 0.0,
                                            max(len(tr.y) - 1, 1), bins)
                else:
                    per_trace[i] = decimate(tr.t, tr.y, tr.severity, -self.window, 0.0, bins)
            ys = [y for _, y, _ in per_trace.values()]
            ylim = panel.fixed or wanted_range(ys, panel.ylim, fresh, panel.log)
            if panel.array:
                n = max((len(traces[i].y) for i in panel.members), default=2)
                xlim = (0.0, float(max(n - 1, 1)))
                if xlim != panel.xlim:
                    panel.xlim, moved = xlim, True
            if ylim != panel.ylim:
                panel.ylim, moved = ylim, True
            data.append(per_trace)
        return None if moved else data

    def _draw_panel(self, panel: _Panel, traces: Sequence[Trace], per_trace: dict) -> None:
        gone = []
        for i, (t, y, s) in per_trace.items():
            line = panel.lines[i]
            line.set_data(t, y)
            panel.ax.draw_artist(line)
            if s is not None:
                for level, mark in enumerate(panel.marks[i], start=1):
                    hit = s == level
                    if hit.any():
                        mark.set_data(t[hit], y[hit])
                        panel.ax.draw_artist(mark)
            if not traces[i].connected:
                gone.append(traces[i].label)
        if gone:
            panel.mark_text.set_text("DISCONNECTED" if len(panel.members) == 1 else
                                     "DISCONNECTED: " + ", ".join(gone))
            panel.ax.draw_artist(panel.mark_text)

    def _pixels(self) -> np.ndarray:
        rgba = np.asarray(self.canvas.buffer_rgba())
        if self.mode == "Mono":
            weights = np.array([77, 150, 29], dtype=np.uint16)
            return ((rgba[..., :3] @ weights) >> 8).astype(np.uint8)
        return np.ascontiguousarray(rgba[..., :3])

    # ---- for tests and tools ----------------------------------------------------------------
    def pixel_of(self, panel: int, t: float, y: float) -> Tuple[int, int]:
        """(column, row) in the image where data point ``(t, y)`` of a panel lands."""
        x_disp, y_disp = self._panels[panel].ax.transData.transform((t, y))
        return round(x_disp), round(self.height - y_disp)

    @staticmethod
    def color_of(color: str) -> Tuple[int, int, int]:
        h = color.lstrip("#")
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
