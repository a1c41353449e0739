"""Latency from a VAL put to the first changed chart pixel painted in a PVImage widget.

Motor and chart IOCs run as subprocesses on loopback; the widget runs here, offscreen. For
each of N moves: put VAL (no wait), then time until the widget paints a frame whose pixels
differ from the frame on show at the put. Printed: median and 90th percentile beside the
chart period (target: median <= one period + 50 ms).
"""
from __future__ import annotations

import os
import random
import statistics
import time

from stack import LocalStack, write_results

RATE = 10.0
STACK = LocalStack("BL:", chart_args=["--rate", str(RATE)])     # sets the CA environment

import epics  # noqa: E402
import numpy as np  # noqa: E402
from qtpy.QtWidgets import QApplication  # noqa: E402

from tests.support.harness import qimage_rgb, wait_until  # noqa: E402

MOVES = int(os.environ.get("LATENCY_MOVES", 25))


def right_edge(widget) -> np.ndarray:
    """The last columns of the plots (t close to 0): only a new value changes them; the
    time axis sliding past a settled trace does not."""
    image = qimage_rgb(widget.current_image())
    right = int(image.shape[1] * 0.98)         # the renderer's plot area ends here
    return image[:, right - 10:right + 1]


def main() -> None:
    app = QApplication.instance() or QApplication([])
    from pydm_widgets.pvimage import PVImage
    with STACK:
        for field, value in (("VELO", 50.0), ("ACCL", 0.05)):
            epics.caput(f"BL:motor.{field}", value, wait=True)
        widget = PVImage()
        widget.resize(644, 484)
        widget.imagePrefix = "BL:chart:"
        widget.show()
        painted = []
        original = widget.paintEvent

        def paint(event):
            original(event)
            painted.append((time.perf_counter(), widget.frames_shown))
        widget.paintEvent = paint

        def pump(condition, timeout):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                app.processEvents()
                if condition():
                    return True
            return False
        pump(lambda: widget.frames_shown > 3, 30)
        latencies = []
        def settled() -> bool:
            """The right edge has not changed for 1.5 s (the last move has slid out of it)."""
            edge, since = right_edge(widget), time.monotonic()
            while time.monotonic() - since < 1.5:
                app.processEvents()
                now = right_edge(widget)
                if not np.array_equal(now, edge):
                    edge, since = now, time.monotonic()
            return True
        phase = random.Random(7)
        for k in range(MOVES):
            settled()                       # ends in step with the chart's frames, so:
            pump(lambda: False, phase.uniform(0, 1.0 / RATE))   # put at a random phase
            reference = right_edge(widget)
            shown = widget.frames_shown
            changed = {}

            def on_frame(w, h, shown=shown, reference=reference, changed=changed):
                if "n" not in changed and not np.array_equal(right_edge(widget), reference):
                    changed["n"] = widget.frames_shown
            widget.newImageSignal.connect(on_frame)
            del painted[:]
            t0 = time.perf_counter()
            epics.caput("BL:motor.VAL", 5.0 * ((k % 2) * 2 - 1), wait=False)
            ok = pump(lambda changed=changed: "n" in changed
                      and any(n >= changed["n"] for _, n in painted), 5)
            widget.newImageSignal.disconnect(on_frame)
            if ok:
                latencies.append(next(t for t, n in painted if n >= changed["n"]) - t0)
            wait_until(lambda: epics.caget("BL:motor.DMOV", use_monitor=False) == 1, 10,
                       "move done")
        period_ms = 1000.0 / RATE
        ms = sorted(x * 1000 for x in latencies)
        if os.environ.get("LATENCY_DEBUG"):
            print([round(x * 1000) for x in latencies])
        write_results("latency", {"moves": len(ms), "median_ms": statistics.median(ms),
                                  "p90_ms": ms[int(0.9 * len(ms)) - 1], "max_ms": ms[-1],
                                  "period_ms": period_ms})
        print(f"VAL put -> first changed chart pixel painted, {len(ms)} of {MOVES} moves: "
              f"median {statistics.median(ms):.0f} ms, p90 {ms[int(0.9 * len(ms)) - 1]:.0f} ms, "
              f"max {ms[-1]:.0f} ms; chart period {period_ms:.0f} ms "
              f"(target median <= {period_ms + 50:.0f} ms)")
        widget.close()
        widget.deleteLater()
        pump(lambda: False, 0.2)


if __name__ == "__main__":
    main()
