"""Chart render cost per frame for every layout and style, against the stacked chart as it was.

    python benchmarks/chart_render.py [--traces 8] [--points 10000] [--size 640x480]

Baseline: the Stacked layout, a panel per trace, no alarm marks (the chart before the
operator features). Contenders, same traces and points, data moving every frame: Overlay
with its legend, Overlay with two unit groups (twin axis), alarm-severity marks, log axes,
waveform (array) sources. Each is rendered by :class:`iocs.chart.render.ChartRenderer` in
this process, warm, for the same number of frames; printed: ms per frame and full redraws,
the worst ratio to the baseline last (target: no setting above 2x). The seed's method (a new
figure and a JPEG per frame) is printed beside them for scale.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from typing import Any, Callable, Dict, List

import matplotlib  # noqa: E402
import numpy as np
from stack import write_results

matplotlib.use("Agg")
from iocs.chart.render import ChartRenderer, Trace, TraceStyle  # noqa: E402
from iocs.chart.settings import PALETTE  # noqa: E402

WINDOW = 60.0


def traces_for(case: str, n: int, points: int, k: int) -> List[Trace]:
    t = np.linspace(-WINDOW, 0.0, points)
    out = []
    for i in range(n):
        y = np.sin(t * 0.3 + i + k * 0.05) + 0.1 * np.sin(t * 7.3 + k) + 2.0 * i
        severity = None
        units = "mm"
        style = TraceStyle(color=PALETTE[i % len(PALETTE)])
        if case == "alarm marks":
            severity = np.zeros(points, dtype=np.int8)
            severity[(np.arange(points) + 37 * k) % 97 < 9] = 1      # MINOR stretches
            severity[(np.arange(points) + 11 * k) % 211 < 5] = 2     # MAJOR ones
        elif case == "log axes":
            y = np.exp(y)
            style = TraceStyle(color=style.color, log=True)
        elif case == "Overlay, twin axis":
            units = "mm" if i % 2 == 0 else "V"
        if case == "waveforms":
            out.append(Trace(f"BENCH:wf{i}", np.arange(points, dtype=float), y, severity,
                             units, style=style, array=True))
        else:
            out.append(Trace(f"BENCH:sig{i}", t, y, severity, units, style=style))
    return out


CASES: Dict[str, str] = {"Stacked (baseline)": "Stacked", "Overlay + legend": "Overlay",
                         "Overlay, twin axis": "Overlay", "alarm marks": "Stacked",
                         "log axes": "Stacked", "waveforms": "Stacked"}


def per_frame_ms(fn: Callable[[int], Any], frames: int) -> float:
    for k in range(3):                      # warm-up: first draw, font cache, ranges
        fn(k)
    start = time.perf_counter()
    for k in range(3, frames + 3):
        fn(k)
    return (time.perf_counter() - start) / frames * 1e3


def seed_frame(width: int, height: int, n: int, points: int, k: int) -> None:
    """The seed's method: a new Figure per frame, a subplot per trace, JPEG, decoded."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    FigureCanvasAgg(fig)
    for ax, tr in zip(np.atleast_1d(fig.subplots(n, 1)), traces_for("", n, points, k)):
        ax.plot(tr.t, tr.y)
    buf = io.BytesIO()
    fig.savefig(buf, format="jpeg")
    buf.seek(0)
    np.asarray(Image.open(buf).convert("RGB"))


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--traces", type=int, default=8, choices=range(1, 9), metavar="N")
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--size", default="640x480")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--json", default=None,
                        help="results file (default benchmarks/results/chart_render.json)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    rows = []
    for case, layout in CASES.items():
        renderer = ChartRenderer(width, height, WINDOW, layout=layout)
        ms = per_frame_ms(lambda k, case=case, renderer=renderer: renderer.render(
            traces_for(case, args.traces, args.points, k)), args.frames)
        rows.append({"case": case, "ms": ms, "full_redraws": renderer.full_redraws,
                     "frames": renderer.frames})
        print(f"{case:20s} {ms:7.2f} ms/frame  ({renderer.full_redraws} full redraws in "
              f"{renderer.frames} frames)", flush=True)
    seed = per_frame_ms(lambda k: seed_frame(width, height, args.traces, args.points, k), 5)
    print(f"{'seed method':20s} {seed:7.2f} ms/frame  (new figure + JPEG each frame)")
    write_results("chart_render", {"traces": args.traces, "points": args.points,
                                   "size": args.size, "rows": rows, "seed_ms": seed},
                  args.json)
    base = rows[0]["ms"]
    worst = max(rows[1:], key=lambda r: r["ms"])
    print(f"{args.traces} traces x {args.points} points, {args.size}: worst setting "
          f"({worst['case']}) vs Stacked: ratio {worst['ms'] / base:.2f}x (target <= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
