"""Chart rendering cost: the seed's method vs ours, in one process run, at 640x480.

Seed: a new matplotlib Figure per frame, two subplots, savefig to JPEG, decoded with PIL.
Ours: :class:`iocs.chart.render.ChartRenderer` (persistent figure, blitting, decimation).
Both draw two subplots of N points per frame with data that changes every frame.
"""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from iocs.chart.render import ChartRenderer, Trace  # noqa: E402

WIDTH, HEIGHT, WINDOW = 640, 480, 60.0


def data(n: int, k: int):
    t = np.linspace(-WINDOW, 0.0, n)
    return t, np.sin(t * 0.5 + k * 0.05), np.cos(t * 0.3 + k * 0.05)


def seed_frame(n: int, k: int) -> np.ndarray:
    t, a, b = data(n, k)
    fig = Figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(2, 1)
    ax1.plot(t, a)
    ax2.plot(t, b)
    buf = io.BytesIO()
    fig.savefig(buf, format="jpeg")
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def ours_frame(renderer: ChartRenderer, n: int, k: int) -> np.ndarray:
    t, a, b = data(n, k)
    return renderer.render([Trace("BEAMLINE:motor.RBV", t, a, "mm"),
                            Trace("BEAMLINE:motor.VAL", t, b, "mm")])


def fps(fn, frames: int) -> float:
    fn(0)                                   # warm-up (first draw, font cache)
    start = time.perf_counter()
    for k in range(1, frames + 1):
        fn(k)
    return frames / (time.perf_counter() - start)


def main() -> None:
    renderer = ChartRenderer(WIDTH, HEIGHT, WINDOW)
    seed_1k = fps(lambda k: seed_frame(1_000, k), 30)
    seed_100k = fps(lambda k: seed_frame(100_000, k), 10)
    ours_1k = fps(lambda k: ours_frame(renderer, 1_000, k), 300)
    ours_100k = fps(lambda k: ours_frame(renderer, 100_000, k), 100)
    print(f"640x480, 2 subplots, 1k points:   seed {seed_1k:6.1f} fps, ours {ours_1k:6.1f} fps")
    print(f"640x480, 2 subplots, 100k points: seed {seed_100k:6.1f} fps, ours {ours_100k:6.1f} fps")
    print(f"ours vs seed at 1k points: ratio {ours_1k / seed_1k:.1f}x (target >= 15x)")
    print(f"ours at 100k vs 1k points: cost ratio {ours_1k / ours_100k:.2f}x (target <= 3x)")
    print(f"full redraws: {renderer.full_redraws} of {renderer.frames} frames")


if __name__ == "__main__":
    main()
