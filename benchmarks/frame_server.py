"""A benchmark image server: real chart frames at a fixed rate over one transport.

    frame_server.py ca|pva-raw|pva-lz4 <prefix> <rate> <width> <height>

The frames are rendered once at start by the chart's own renderer (4 traces x 10k points,
moving) and then served in a loop, so the process's CPU is the cost of publishing: the
chart IOC's CA image path (caproto, ``ArrayData``) or its PVA path (p4p NTNDArray via
``iocs.chart.pva``, encoding included). It prints ``ready`` once serving.
"""
from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path
from typing import List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

FRAMES = 20


def chart_frames(width: int, height: int, count: int = FRAMES) -> List[np.ndarray]:
    """``count`` consecutive chart frames of 4 moving traces x 10k points."""
    from iocs.chart.history import Samples
    from iocs.chart.render import ChartRenderer, Scene, TimeView, Trace
    renderer = ChartRenderer(width, height)
    t = np.linspace(-60.0, 0.0, 10_000)
    out = []
    for k in range(count):
        traces = [Trace(f"BENCH:sig{i}", Samples(t + 1e9, np.sin(t * 0.3 + i + k * 0.1)
                                                 + 0.1 * np.sin(t * 7.3 + k),
                                                 np.zeros(len(t), np.int8)), units="V")
                  for i in range(4)]
        out.append(renderer.render(Scene(traces, TimeView(1e9, 60.0))).copy())
    return out


def pace(rate: float):
    """Yield once per period, at a fixed rate (no drift)."""
    period, next_t = 1.0 / rate, time.monotonic()
    while True:
        yield
        next_t += period
        time.sleep(max(next_t - time.monotonic(), 0.0))


def serve_pva(prefix: str, rate: float, frames: List[np.ndarray], codec: str) -> None:
    from iocs.chart.pva import ImageServer, encode_frame
    server = ImageServer(f"{prefix}Pva1:Image")
    print("ready", flush=True)
    for uid, _ in enumerate(pace(rate), start=1):
        server.post(encode_frame(frames[uid % len(frames)], codec, uid, time.time()))


def serve_ca(prefix: str, rate: float, frames: List[np.ndarray]) -> None:
    from caproto.server import PVGroup, pvproperty, run

    size = frames[0].size

    class Frames(PVGroup):
        ArrayData = pvproperty(value=b"", dtype=bytes, max_length=size, read_only=True,
                               max_subscription_backlog=2)       # as the chart IOC's

        @ArrayData.startup
        async def ArrayData(self, instance, async_lib):
            period, next_t, uid = 1.0 / rate, time.monotonic(), 0
            threading.Timer(0.5, lambda: print("ready", flush=True)).start()
            while True:
                uid += 1
                await instance.write(frames[uid % len(frames)].reshape(-1),
                                     timestamp=time.time(), verify_value=False)
                next_t += period
                await asyncio.sleep(max(next_t - time.monotonic(), 0.0))

    group = Frames(prefix)
    run(group.pvdb, interfaces=["127.0.0.1"], log_pv_names=False)


def main(argv: List[str]) -> None:
    transport, prefix, rate, width, height = argv[0], argv[1], float(argv[2]), int(argv[3]), \
        int(argv[4])
    frames = chart_frames(width, height)
    if transport == "ca":
        serve_ca(prefix, rate, frames)
    else:
        serve_pva(prefix, rate, frames, "LZ4" if transport == "pva-lz4" else "None")


if __name__ == "__main__":
    main(sys.argv[1:])
