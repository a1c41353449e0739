"""One operator console for the benchmarks, in its own process (Qt offscreen).

    console_proc.py pvimage-ca  <chart prefix> <W> <H>
    console_proc.py pvimage-pva <chart prefix> <W> <H>
    console_proc.py timeplot    <W> <H> <rate> <points> <pv> [<pv> ...]

It shows the chart (PVImage over CA or PVA) or plots the PVs itself (PyDMTimePlot, one curve
each, ``maxRedrawRate`` = the update rate, each curve's buffer prefilled with the ``points``
samples it would hold after running that long, filled once its channels are live). It
prints ``ready`` once frames flow; on each
``start``/``stop`` line on stdin it prints the frames it has painted since start as JSON.
"""
from __future__ import annotations

import json
import select
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from qtpy.QtCore import QTimer  # noqa: E402
from qtpy.QtWidgets import QApplication  # noqa: E402
from stack import signal_value  # noqa: E402

WARMUP_S = 4.0


def pvimage(app: QApplication, kind: str, prefix: str, width: int, height: int):
    from pydm_widgets.pvimage import PVImage
    w = PVImage()
    if kind == "pvimage-pva":
        w.imageChannel = f"pva://{prefix}Pva1:Image"
    else:
        w.imagePrefix = prefix
    w.maxRedrawRate = 0                    # paint every frame that arrives (1:1)
    w.smoothScaling = False
    w.resize(width + 4, height + 4)        # shown at 1:1
    w.show()
    return w, lambda: w.frames_shown


def timeplot(app: QApplication, width: int, height: int, rate: float, points: int,
             pvs: list):
    from pydm.widgets.timeplot import PyDMTimePlot
    w = PyDMTimePlot()
    w.setTimeSpan(points / rate)
    w.setBufferSize(points)
    w.maxRedrawRate = max(round(rate), 1)
    redraws = [0]
    for pv in pvs:
        w.addYChannel(y_channel=f"ca://{pv}", name=pv)
    w.plot_redrawn_signal.connect(lambda curve: redraws.__setitem__(0, redraws[0] + 1))
    w.resize(width + 4, height + 4)
    w.show()
    return w, lambda: redraws[0] // len(pvs)


def prefill(plot: Any, rate: float, points: int) -> None:
    """Each curve's buffer as it would be after points/rate seconds of updates (its own
    buffer is cleared once connected, so this runs after the curves draw live data)."""
    import numpy as np
    now = time.time()
    t = now - (points - 1 - np.arange(points)) / rate
    for i, curve in enumerate(plot._curves, start=1):
        curve.data_buffer = np.zeros((2, points), order="f", dtype=float)
        curve.data_buffer[0] = t
        curve.data_buffer[1] = [signal_value(i, x) for x in t]
        curve.points_accumulated = points
    plot.set_needs_redraw()


def main(argv: list) -> None:
    app = QApplication(sys.argv[:1])
    kind = argv[0]
    if kind.startswith("pvimage"):
        widget, frames = pvimage(app, kind, argv[1], int(argv[2]), int(argv[3]))
    else:
        widget, frames = timeplot(app, int(argv[1]), int(argv[2]), float(argv[3]),
                                  int(argv[4]), argv[5:])
    deadline = time.monotonic() + 60
    while frames() < 3:                        # connected and painting
        app.processEvents()
        time.sleep(0.005)
        if time.monotonic() > deadline:
            sys.exit(f"{kind}: no frames within 60 s")
    if kind == "timeplot":
        prefill(widget, float(argv[3]), int(argv[4]))
    warm = time.monotonic() + WARMUP_S
    while time.monotonic() < warm:
        app.processEvents()
        time.sleep(0.005)
    if kind == "timeplot":
        held = [c.points_accumulated for c in widget._curves]
        if min(held) < int(argv[4]):
            sys.exit(f"timeplot: buffers hold {held}, not {argv[4]}")
        x, _ = widget._curves[0].getData()
        print(f"plotted {len(x)} points per curve", file=sys.stderr, flush=True)
    print("ready", flush=True)
    start = [0]

    def poll_stdin() -> None:
        if select.select([sys.stdin], [], [], 0)[0]:
            line = sys.stdin.readline().strip()
            if line == "start":
                start[0] = frames()
            elif line == "stop":
                print(json.dumps({"frames": frames() - start[0]}), flush=True)
            else:
                app.quit()
    timer = QTimer()
    timer.timeout.connect(poll_stdin)
    timer.start(50)
    app.exec_()
    del widget


if __name__ == "__main__":
    main(sys.argv[1:])
