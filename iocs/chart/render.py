"""Pure chart rendering: one persistent matplotlib figure on an Agg canvas -> pixel array.

The x of a time trace is plotted in seconds before the view's end, so while the chart is
live the axes, ticks, labels, legend and alarm-limit bands stay still as data flows: they are
drawn once into a cached background and each frame only restores it and draws the traces,
the cursor and the notes (blitting). Looking back (not live) the range holds still, so the
background is cached as well, with local date/time ticks. A full redraw happens only when the
layout changes (size, layout, mode, traces, styles, units, limits), a range must move, or the
time range changes while looking back.

What is drawn for each kind lives in :mod:`.layout` (axes, once per layout) and
:mod:`.render_kinds` (each frame); the data contract in :mod:`.plotdata`. No caproto here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image

from .layout import DISCONNECTED_COLOR, NOTE_COLOR, Area, Panel, build_areas, clip_bands
from .plotdata import (
    COLOR_MODES,
    LAYOUTS,
    PALETTE,
    AlarmLimits,
    Scene,
    TimeView,
    Trace,
    TraceStyle,
    check_size,
    decimate,
    finite_key,
)
from .render_kinds import PanelFrame, draw_area, mode_notes, note_texts, prepare
from .timeaxis import AbsoluteTicks, RelativeTicks, TimeLabels, axis_label

__all__ = ["ChartRenderer", "Scene", "TimeView", "Trace", "TraceStyle", "AlarmLimits",
           "decimate", "PALETTE", "COLOR_MODES", "DISCONNECTED_COLOR"]

#: Pixels per tick label of a live / look-back time axis.
TICK_PITCH = {True: 60, False: 75}


@dataclass
class ChartRenderer:
    """Renders a :class:`Scene` into an ``(height, width, 3)`` (RGB1) or ``(height, width)``
    (Mono) uint8 array."""

    width: int = 640
    height: int = 480
    mode: str = "RGB1"
    layout: str = "Stacked"
    full_redraws: int = 0
    frames: int = 0

    def __post_init__(self) -> None:
        self._check()
        self.figure = Figure(dpi=100)
        self.canvas = FigureCanvasAgg(self.figure)
        self.areas: List[Area] = []
        self._background: Any = None
        self._key: Optional[tuple] = None
        self._drawn: Optional[tuple] = None
        self._view: Optional[TimeView] = None
        self._notes: Any = None
        self._overlays: List[Any] = []

    def _check(self, scene: Optional[Scene] = None) -> None:
        check_size(self.width, self.height)
        if self.mode not in COLOR_MODES:
            raise ValueError(f"colour mode {self.mode!r} not one of {COLOR_MODES}")
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout {self.layout!r} not one of {LAYOUTS}")
        if scene is not None:
            scene.check()

    @property
    def panels(self) -> List[Panel]:
        """Every y scale of the picture, area by area (a stagger band is a panel)."""
        return [p for a in self.areas for p in a.panels]

    # ---- keys: what makes a rebuild, what makes a redraw -----------------------------------
    def _layout_key(self, scene: Scene) -> tuple:
        def trace_key(t: Trace) -> tuple:
            s = t.style
            return (t.label, t.units, t.array, s.color, s.autoscale, finite_key(s.ymin, s.ymax),
                    s.log, t.limits.key() if t.shows_limits() else None, t.x_label, t.x_units)
        return (self.width, self.height, self.layout, scene.mode,
                tuple(trace_key(t) for t in scene.traces))

    @staticmethod
    def _range_key(scene: Scene, frames: List[List[PanelFrame]]) -> tuple:
        v = scene.view
        looking_back = scene.mode == "Time" and not v.live
        return (v.window, v.live, v.end if looking_back else None,
                tuple((f.ylim, f.xlim) for fs in frames for f in fs))

    # ---- frames ---------------------------------------------------------------------------
    def render(self, scene: Scene) -> np.ndarray:
        """Draw one frame; returns a new contiguous uint8 array."""
        self._check(scene)
        key = self._layout_key(scene)
        fresh = key != self._key
        if fresh:
            self.areas = build_areas(self.figure, scene, self.layout, self.width, self.height)
            self._notes = self.figure.text(1 - 4 / self.width, 1 - 2 / self.height, "",
                                           ha="right", va="top", fontsize=7,
                                           color=NOTE_COLOR, animated=True)
            self._key, self._background = key, None
        frames = prepare(self.areas, scene, fresh)
        notes = [n for n in (*scene.notes, *mode_notes(scene)) if n]
        texts = [*note_texts(self.areas, frames, scene), (self._notes, "  ·  ".join(notes))]
        drawn = (self._range_key(scene, frames), tuple(text for _, text in texts))
        if fresh or self._background is None or drawn != self._drawn:
            self._apply_ranges(scene, frames)
            for artist, text in texts:
                artist.set_text(text)
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._overlays = self._draw_overlays([a for a, text in texts if text])
            self._drawn = drawn
            self.full_redraws += 1
        else:
            self.canvas.restore_region(self._background)
        self._view = scene.view
        for area, area_frames in zip(self.areas, frames):
            draw_area(area, area_frames, scene)
        for patch in self._overlays:
            self.canvas.restore_region(patch)
        self.frames += 1
        return self._pixels()

    def _draw_overlays(self, texts: List[Any]) -> List[Any]:
        """Draw what lies over the traces but stays still (legends, notes) once, and keep
        the pixels of each: every frame puts them back over the traces."""
        artists = [a.host.get_legend() for a in self.areas if a.host.get_legend()] + texts
        renderer = self.canvas.get_renderer()
        for artist in artists:
            artist.draw(renderer)
        patches = []
        for artist in artists:
            box = Bbox.intersection(artist.get_window_extent(renderer).padded(4),
                                    self.figure.bbox)
            if box is not None:
                patches.append(self.canvas.copy_from_bbox(box))
        return patches

    def _apply_ranges(self, scene: Scene, frames: List[List[PanelFrame]]) -> None:
        """Set every range and the time axis for a full redraw."""
        for area, area_frames in zip(self.areas, frames):
            for panel, frame in zip(area.panels, area_frames):
                panel.ylim = frame.ylim
                panel.ax.set_ylim(*frame.ylim)
                if frame.xlim is not None:
                    panel.xlim = frame.xlim
                    panel.ax.set_xlim(*frame.xlim)
                clip_bands(panel)
        times = [a.host for a in self.areas if a.plan.kind == "time"]
        if not times:
            return
        v = scene.view
        first = times[0]
        first.set_xlim(-v.window, 0.0)
        max_ticks = max(int(first.bbox.width) // TICK_PITCH[v.live], 2)
        if v.live:
            first.xaxis.set_major_locator(RelativeTicks(v.window, max_ticks))
            first.xaxis.set_major_formatter(TimeLabels(v.window))
        else:
            ticks = AbsoluteTicks(v.end, v.window, max_ticks)
            first.xaxis.set_major_locator(ticks)
            first.xaxis.set_major_formatter(TimeLabels(v.window, v.end, ticks.step))
        times[-1].set_xlabel(axis_label(v.end, v.window, v.live), fontsize=7)

    def _pixels(self) -> np.ndarray:
        """The canvas as RGB, or as grey (ITU-R 601 luma) for Mono: a new array."""
        rgba = np.asarray(self.canvas.buffer_rgba())
        if self.mode == "Mono":
            image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw",
                                     "RGBA", 0, 1).convert("L")
            return np.asarray(image).copy()
        rgb = np.empty((*rgba.shape[:2], 3), dtype=np.uint8)
        for channel in range(3):        # a plane at a time: ten times numpy's [..., :3] copy
            rgb[:, :, channel] = rgba[:, :, channel]
        return rgb

    # ---- for tests and tools ----------------------------------------------------------------
    def pixel_of(self, panel: int, x: float, y: float) -> Tuple[int, int]:
        """(column, row) in the image where point ``(x, y)`` of a panel lands (x of a time
        panel in POSIX s)."""
        p = self.panels[panel]
        if p.kind == "time" and self._view is not None:
            x = x - self._view.end
        x_disp, y_disp = p.ax.transData.transform((x, y))
        return round(x_disp), round(self.height - y_disp)

    def plot_box(self, panel: int) -> Tuple[int, int, int, int]:
        """``(left, top, right, bottom)`` image pixels of a panel's plotting box."""
        box = self.panels[panel].ax.bbox
        return (round(box.x0), round(self.height - box.y1), round(box.x1),
                round(self.height - box.y0))

    def time_at(self, column: float) -> float:
        """POSIX s at an image column (clamped to the time range); NaN without a time axis."""
        times = [a.host for a in self.areas if a.plan.kind == "time"]
        if not times or self._view is None:
            return math.nan
        box = times[0].bbox
        column = min(max(column, box.x0), box.x1)
        rel = times[0].transData.inverted().transform((column, 0.0))[0]
        return float(self._view.end + rel)

    def time_axis(self) -> Optional[Tuple[int, int, float]]:
        """(first column, last column, POSIX s at the last) of the time axis of the frame
        last rendered; None without one (XY)."""
        times = [a.host for a in self.areas if a.plan.kind == "time"]
        if not times or self._view is None:
            return None
        box = times[0].bbox
        return round(box.x0), round(box.x1), float(self._view.end)

    @staticmethod
    def color_of(color: str) -> Tuple[int, int, int]:
        """``#rrggbb`` as an ``(r, g, b)`` tuple."""
        h = color.lstrip("#")
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
