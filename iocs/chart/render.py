"""Pure chart rendering: one persistent matplotlib figure on an Agg canvas -> pixel array.

The time axis is in seconds relative to now (``-window .. 0``), so axes, ticks and labels stay
still while data flows: they are drawn once into a cached background and each frame only
restores it and draws the traces (blitting). A full redraw happens only when the layout must
change: size, sources, units, window, or a y range the data has left (or shrunk well inside).
Histories longer than the pixel width are reduced to a min/max envelope per pixel column.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["Trace", "ChartRenderer", "decimate", "COLORS", "COLOR_MODES"]

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f")
COLOR_MODES = ("Mono", "RGB1")
MAX_PIXELS = 1920 * 1200


@dataclass
class Trace:
    """What to draw for one source: times relative to now (s), values, units, state."""

    name: str
    t: np.ndarray
    y: np.ndarray
    units: str = ""
    connected: bool = True


def decimate(t: np.ndarray, y: np.ndarray, t0: float, t1: float,
             bins: int) -> Tuple[np.ndarray, np.ndarray]:
    """Reduce to a min/max pair per time bin over ``[t0, t1]`` (NaN gaps survive)."""
    if len(t) <= 4 * bins:
        return t, y
    edges = np.linspace(t0, t1, bins + 1)
    starts = np.searchsorted(t, edges[:-1], side="left")
    starts = np.unique(np.clip(starts, 0, len(t) - 1))
    lo = np.minimum.reduceat(y, starts)
    hi = np.maximum.reduceat(y, starts)
    tt = np.repeat(t[starts], 2)
    yy = np.empty(2 * len(starts))
    yy[0::2] = lo
    yy[1::2] = hi
    return tt, yy


@dataclass
class _Layout:
    width: int
    height: int
    names: Tuple[str, ...]
    units: Tuple[str, ...]
    window: float


@dataclass
class _Panel:
    ax: object
    line: object
    mark: object
    ylim: Tuple[float, float] = (0.0, 1.0)


@dataclass
class ChartRenderer:
    """Renders traces into an ``(height, width, 3)`` (RGB1) or ``(height, width)`` (Mono) array."""

    width: int = 640
    height: int = 480
    window: float = 60.0
    mode: str = "RGB1"
    full_redraws: int = 0
    frames: int = 0
    _layout: Optional[_Layout] = field(default=None, repr=False)
    _panels: List[_Panel] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.check_size(self.width, self.height)
        self.figure = Figure(dpi=100)
        self.canvas = FigureCanvasAgg(self.figure)
        self._background = None

    @staticmethod
    def check_size(width: int, height: int) -> None:
        """Raise ``ValueError`` unless ``width`` x ``height`` is a size we can render."""
        if not (64 <= width <= 4096 and 64 <= height <= 4096):
            raise ValueError(f"size {width}x{height} outside 64..4096 per side")
        if width * height > MAX_PIXELS:
            raise ValueError(f"size {width}x{height} exceeds {MAX_PIXELS} pixels")

    @property
    def channels(self) -> int:
        return 1 if self.mode == "Mono" else 3

    def _build(self, layout: _Layout) -> None:
        fig = self.figure
        fig.clear()
        fig.set_size_inches(layout.width / fig.dpi, layout.height / fig.dpi)
        n = max(len(layout.names), 1)
        axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
        self._panels = []
        for i, ax in enumerate(axes):
            name = layout.names[i] if i < len(layout.names) else "(no sources)"
            units = layout.units[i] if i < len(layout.units) else ""
            ax.set_xlim(-layout.window, 0.0)
            ax.set_ylabel(f"{name}\n({units})" if units else name, fontsize=7)
            ax.tick_params(labelsize=7)
            ax.grid(True, alpha=0.3)
            (line,) = ax.plot([], [], color=COLORS[i % len(COLORS)], lw=1.5, animated=True,
                             drawstyle="steps-post")
            mark = ax.text(0.5, 0.5, "DISCONNECTED", transform=ax.transAxes, ha="center",
                           va="center", color="#d62728", fontsize=12, fontweight="bold",
                           animated=True)
            self._panels.append(_Panel(ax, line, mark))
        axes[-1].set_xlabel("time relative to now (s)", fontsize=7)
        fig.subplots_adjust(left=0.14, right=0.98, top=0.97, bottom=0.1, hspace=0.12)
        self._layout = layout

    @staticmethod
    def _wanted_ylim(y: np.ndarray, current: Tuple[float, float],
                     fresh: bool) -> Tuple[float, float]:
        finite = y[np.isfinite(y)]
        if not len(finite):
            return current
        lo, hi = float(finite.min()), float(finite.max())
        c_lo, c_hi = current
        span = c_hi - c_lo
        inside = c_lo <= lo and hi <= c_hi
        if not fresh and inside and (hi - lo) >= 0.25 * span:
            return current
        margin = max(abs(hi) * 0.05, 0.5) if hi == lo else (hi - lo) * 0.1
        return lo - margin, hi + margin

    def render(self, traces: Sequence[Trace]) -> np.ndarray:
        """Draw one frame; returns a new contiguous uint8 array."""
        self.check_size(self.width, self.height)
        if self.mode not in COLOR_MODES:
            raise ValueError(f"colour mode {self.mode!r} not in {COLOR_MODES}")
        layout = _Layout(self.width, self.height, tuple(t.name for t in traces),
                         tuple(t.units for t in traces), self.window)
        fresh = layout != self._layout
        if fresh:
            self._build(layout)
        bins = max(self.width, 1)
        data = []
        for panel, trace in zip(self._panels, traces):
            t, y = decimate(trace.t, trace.y, -self.window, 0.0, bins)
            ylim = self._wanted_ylim(y, panel.ylim, fresh)
            if ylim != panel.ylim:
                panel.ylim = ylim
                fresh = True
            data.append((panel, t, y, trace.connected))
        if fresh or self._background is None:
            for panel in self._panels:
                panel.ax.set_ylim(*panel.ylim)
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self.full_redraws += 1
        else:
            self.canvas.restore_region(self._background)
        for panel, t, y, connected in data:
            panel.line.set_data(t, y)
            panel.ax.draw_artist(panel.line)
            if not connected:
                panel.ax.draw_artist(panel.mark)
        self.frames += 1
        rgba = np.asarray(self.canvas.buffer_rgba())
        if self.mode == "Mono":
            weights = np.array([77, 150, 29], dtype=np.uint16)
            return ((rgba[..., :3] @ weights) >> 8).astype(np.uint8)
        return np.ascontiguousarray(rgba[..., :3])

    def pixel_of(self, panel: int, t: float, y: float) -> Tuple[int, int]:
        """(column, row) in the image where data point ``(t, y)`` of a panel lands."""
        x_disp, y_disp = self._panels[panel].ax.transData.transform((t, y))
        return int(round(x_disp)), int(round(self.height - y_disp))

    @staticmethod
    def color_of(index: int) -> Tuple[int, int, int]:
        h = COLORS[index % len(COLORS)].lstrip("#")
        return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))
