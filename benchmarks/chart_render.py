"""Chart render cost per frame for every kind of chart, against the live Stacked chart.

    python benchmarks/chart_render.py [--traces 8] [--points 10000] [--size 640x480]

Baseline: the Stacked layout, live, a panel per trace. Contenders, same traces and points,
data moving every frame: Overlay with its legend, Overlay with two and with four kinds of
units (a y axis each), Stagger, X-Y correlation, alarm-severity marks, alarm-limit bands, log
axes, waveform sources, an archived range looking back (Archiver Appliance envelope bins
with lo/hi over 7 days, not live) and a cursor with notes. Each is rendered by its own
:class:`iocs.chart.render.ChartRenderer` in this process, warm, the cases taking turns frame
by frame; printed: the median CPU ms per frame (and wall ms) and full redraws, then the
worst ratio to the baseline and the archived frame's ratio to the live one last (targets: no
kind above 2x, archived at most 1.5x). The seed's method (a new figure and a JPEG per frame)
is printed beside them for scale.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List

import matplotlib  # noqa: E402
import numpy as np
from stack import write_results

matplotlib.use("Agg")
from iocs.chart.history import Samples  # noqa: E402
from iocs.chart.plotdata import (  # noqa: E402
    PALETTE,
    AlarmLimits,
    Scene,
    TimeView,
    Trace,
    TraceStyle,
)
from iocs.chart.render import ChartRenderer  # noqa: E402

WINDOW = 60.0
ARCHIVE_WINDOW = 7 * 86400.0
#: The right edge of the first frame (POSIX s); live frames move it on by 50 ms each.
START = 1_760_000_000.0


@dataclass(frozen=True)
class Case:
    layout: str = "Stacked"
    mode: str = "Time"
    units: int = 1          # kinds of units, round robin
    marks: bool = False
    limits: bool = False
    log: bool = False
    waveforms: bool = False
    archived: bool = False
    cursor: bool = False


CASES: Dict[str, Case] = {
    "Stacked (baseline)": Case(),
    "Overlay + legend": Case("Overlay"),
    "Overlay, twin axis": Case("Overlay", units=2),
    "Overlay, 4 unit axes": Case("Overlay", units=4),
    "Stagger": Case("Stagger"),
    "XY": Case(mode="XY"),
    "alarm marks": Case(marks=True),
    "alarm-limit bands": Case(limits=True),
    "log axes": Case(log=True),
    "waveforms": Case(waveforms=True),
    "archived, bins (not live)": Case(archived=True),
    "cursor + notes": Case(cursor=True),
}
BASELINE, ARCHIVED = "Stacked (baseline)", "archived, bins (not live)"


def scene_for(case: Case, n: int, points: int, k: int) -> Scene:
    """Frame ``k`` of a case: ``n`` traces of ``points`` samples each."""
    window = ARCHIVE_WINDOW if case.archived else WINDOW
    end = START if case.archived else START + 0.05 * k
    t = np.linspace(end - window, end, points)
    phase = np.linspace(-WINDOW, 0.0, points)
    traces = []
    for i in range(n):
        y = np.sin(phase * 0.3 + i + k * 0.05) + 0.1 * np.sin(phase * 7.3 + k) + 2.0 * i
        severity = np.zeros(points, dtype=np.int8)
        if case.marks:
            severity[(np.arange(points) + 37 * k) % 97 < 9] = 1      # MINOR stretches
            severity[(np.arange(points) + 11 * k) % 211 < 5] = 2     # MAJOR ones
        if case.log:
            y = np.exp(y)
        extra: Dict[str, Any] = {}
        if case.archived:
            extra = dict(lo=y - 0.2, hi=y + 0.2, std=np.full(points, 0.1),
                         count=np.full(points, 60))
        x = np.arange(points, dtype=float) if case.waveforms else t
        samples = Samples(x, y, severity, array=case.waveforms, **extra)
        limits = AlarmLimits(2 * i - 0.9, 2 * i - 0.6, 2 * i + 0.6, 2 * i + 0.9) \
            if case.limits else AlarmLimits()
        traces.append(Trace(f"BENCH:sig{i}", samples, units=("mm", "V", "A", "K")[
            i % case.units], style=TraceStyle(color=PALETTE[i % len(PALETTE)], log=case.log),
            limits=limits, note="archived" if case.cursor and i == 0 else ""))
    view = TimeView(end, window, live=not case.archived,
                    cursor=end - window / 3 if case.cursor else 0.0)
    notes = ("archiver: loading",) if case.cursor else ()
    return Scene(traces, view, case.mode, notes=notes)


def per_frame_ms(fn: Callable[[int], Any], frames: int) -> float:
    """Mean wall-clock ms of ``fn(k)`` over ``frames`` calls after a warm-up."""
    for k in range(3):                      # warm-up: first draw, font cache, ranges
        fn(k)
    start = time.perf_counter()
    for k in range(3, frames + 3):
        fn(k)
    return (time.perf_counter() - start) / frames * 1e3


def interleaved(renderers: Dict[str, ChartRenderer], scenes: Dict[str, List[Scene]],
                frames: int) -> Dict[str, Dict[str, float]]:
    """Median CPU and wall ms per frame of each case, the cases taking turns frame by frame
    (so a load that comes and goes on the machine falls on all of them alike)."""
    cpu: Dict[str, List[float]] = {name: [] for name in renderers}
    wall: Dict[str, List[float]] = {name: [] for name in renderers}
    for k in range(frames + 3):
        for name, renderer in renderers.items():
            c0, w0 = time.process_time(), time.perf_counter()
            renderer.render(scenes[name][k])
            if k >= 3:                      # warm-up: first draw, font cache, ranges
                cpu[name].append((time.process_time() - c0) * 1e3)
                wall[name].append((time.perf_counter() - w0) * 1e3)
    return {name: {"ms": float(np.median(cpu[name])), "wall_ms": float(np.median(wall[name]))}
            for name in renderers}


def seed_frame(width: int, height: int, n: int, points: int, k: int) -> None:
    """The seed's method: a new Figure per frame, a subplot per trace, JPEG, decoded."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    FigureCanvasAgg(fig)
    for ax, tr in zip(np.atleast_1d(fig.subplots(n, 1)),
                      scene_for(Case(), n, points, k).traces):
        ax.plot(tr.samples.t, tr.samples.y)
    buf = io.BytesIO()
    fig.savefig(buf, format="jpeg")
    buf.seek(0)
    np.asarray(Image.open(buf).convert("RGB"))


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--traces", type=int, default=8, choices=range(2, 9), metavar="N")
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--size", default="640x480")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--json", default=None,
                        help="results file (default benchmarks/results/chart_render.json)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    renderers = {name: ChartRenderer(width, height, layout=case.layout)
                 for name, case in CASES.items()}
    scenes = {name: [scene_for(case, args.traces, args.points, k)    # built before timing
                     for k in range(args.frames + 3)] for name, case in CASES.items()}
    figures = interleaved(renderers, scenes, args.frames)
    rows = []
    for name, renderer in renderers.items():
        rows.append(dict(case=name, **figures[name], full_redraws=renderer.full_redraws,
                         frames=renderer.frames))
        print(f"{name:26s} {figures[name]['ms']:7.2f} ms CPU/frame  (wall "
              f"{figures[name]['wall_ms']:6.2f} ms; {renderer.full_redraws} full redraws in "
              f"{renderer.frames} frames)", flush=True)
    seed = per_frame_ms(lambda k: seed_frame(width, height, args.traces, args.points, k), 5)
    print(f"{'seed method':26s} {seed:7.2f} ms/frame wall (new figure + JPEG each frame)")
    by_name = {r["case"]: r for r in rows}
    base = by_name[BASELINE]["ms"]
    worst = max(rows[1:], key=lambda r: r["ms"])
    archived = by_name[ARCHIVED]["ms"] / base
    write_results("chart_render", {"traces": args.traces, "points": args.points,
                                   "size": args.size, "rows": rows, "seed_ms": seed,
                                   "worst_ratio": worst["ms"] / base,
                                   "archived_vs_live": archived}, args.json)
    print(f"{args.traces} traces x {args.points} points, {args.size}: worst kind "
          f"({worst['case']}) vs Stacked: ratio {worst['ms'] / base:.2f}x (target <= 2x); "
          f"archived vs live: ratio {archived:.2f}x (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
