"""Console CPU: showing the chart IOC's image (PVImage, CA and PVA) vs plotting locally.

    python benchmarks/console_cpu.py --traces 4 --points 10000 --rate 10 --size 640x480
    python benchmarks/console_cpu.py --table        # the loads of the docs' plot

The same N source PVs (``signals_ioc.py``: sines updated at ``--rate`` Hz) feed the chart IOC
and a PyDMTimePlot console. Both redraw at the update rate: the chart renders at ``--rate``
and PVImage paints each frame 1:1; the TimePlot's ``maxRedrawRate`` is the rate. Both are in
steady state: each TimePlot curve's buffer holds ``--points`` samples from the start (what it
would hold after points/rate seconds) and its span is points/rate; the chart's window
(``--chart-window``, default 60 s) is full before measuring, so every pixel column holds data
(``--chart-window full``: points/rate, the same samples, for the chart IOC's own figure).
Each console runs alone in its own process for the same span; printed per console: CPU share,
frames painted per second and CPU per frame; the chart IOC's CPU; the ratios last.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
from stack import ROOT, CpuWindow, LocalStack, wait_until, write_results

PREFIX = "BC:"
KINDS = ("pvimage-ca", "pvimage-pva", "timeplot")
#: (traces, points, rate, size): the loads of the docs' plot.
TABLE = ((2, 1_000, 10.0, "640x480"), (4, 10_000, 10.0, "640x480"),
         (8, 100_000, 10.0, "640x480"), (2, 1_000, 10.0, "1280x960"))


def size_arg(text: str) -> Tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r}: expected WxH, e.g. 640x480") from None
    if not (64 <= w <= 4096 and 64 <= h <= 4096):
        raise argparse.ArgumentTypeError(f"size {text!r}: 64..4096 pixels each way")
    return w, h


def console(kind: str, stack: LocalStack, traces: int, points: int, rate: float,
            size: Tuple[int, int], seconds: float) -> Dict[str, Any]:
    w, h = size
    if kind == "timeplot":
        argv = [kind, str(w), str(h), str(rate), str(points), *stack.signal_names(traces)]
    else:
        argv = [kind, f"{PREFIX}chart:", str(w), str(h)]
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("console_proc.py")),
                             *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    try:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{kind} console did not start")
        with CpuWindow({"console": proc.pid, "chart": stack.pid("chart")}) as cpu:
            proc.stdin.write("start\n")
            proc.stdin.flush()
            threading.Event().wait(seconds)              # the measured span itself
            proc.stdin.write("stop\n")
            proc.stdin.flush()
            frames = json.loads(proc.stdout.readline())["frames"]
        fps = frames / cpu.seconds
        return {"cpu": cpu.share["console"], "fps": fps, "chart_cpu": cpu.share["chart"],
                "ms_per_frame": 1e3 * cpu.share["console"] / fps if fps else None}
    finally:
        proc.kill()
        proc.wait()


def pva_frame_bytes() -> Dict[str, int]:
    from p4p.client.thread import Context
    with Context("pva", nt=False) as ctxt:
        value = ctxt.get(f"{PREFIX}chart:Pva1:Image", timeout=10)
    return {"compressed": int(value.compressedSize), "raw": int(value.uncompressedSize)}


def run_load(traces: int, points: int, rate: float, size: Tuple[int, int], seconds: float,
             chart_window: str) -> Dict[str, Any]:
    window = points / rate if chart_window == "full" else float(chart_window)
    stack = LocalStack(PREFIX, signals=traces, signal_rate=rate, chart_args=[
        "--sources", ",".join(f"{PREFIX}sig{i}" for i in range(1, traces + 1)),
        "--rate", str(rate), "--window", str(window), "--width", str(size[0]),
        "--height", str(size[1])])
    with stack:
        import epics
        wait_until(lambda: epics.caget(f"{PREFIX}chart:status", use_monitor=False)
                   == f"{traces} of {traces} sources connected", 30, "chart sources")
        print(f"  filling the chart's {window:g} s window ...", flush=True)
        full = int(window * rate * 0.98)
        def held() -> int:
            times = epics.caget(f"{PREFIX}chart:T1:times", use_monitor=False)
            return 0 if times is None else int(np.size(times))
        wait_until(lambda: held() >= full, window + 60, "a full chart window", interval=0.5)
        result: Dict[str, Any] = {"traces": traces, "points": points, "rate": rate,
                                  "size": f"{size[0]}x{size[1]}", "chart_window_s": window,
                                  "chart_points_per_trace": full, "seconds": seconds}
        result["pva_frame_bytes"] = pva_frame_bytes()
        for kind in KINDS:
            result[kind] = console(kind, stack, traces, points, rate, size, seconds)
            r = result[kind]
            print(f"  {kind:12s} CPU {r['cpu']:6.1%}  {r['fps']:5.1f} fps  "
                  f"{r['ms_per_frame'] or float('nan'):6.2f} ms/frame  "
                  f"(chart IOC {r['chart_cpu']:5.1%})", flush=True)
    base = result["timeplot"]["cpu"]
    result["ratio_ca"] = result["pvimage-ca"]["cpu"] / base
    result["ratio_pva"] = result["pvimage-pva"]["cpu"] / base
    return result


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--traces", type=int, default=4, choices=range(1, 9),
                        metavar="N", help="source PVs (1..8, default 4)")
    parser.add_argument("--points", type=int, default=10_000,
                        help="points per trace in the TimePlot's buffer (default 10000)")
    parser.add_argument("--rate", type=float, default=10.0,
                        help="update rate = redraw rate, Hz (default 10)")
    parser.add_argument("--size", type=size_arg, default=(640, 480),
                        help="image and plot size WxH (default 640x480)")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="measured span per console (default 20)")
    parser.add_argument("--chart-window", default="60",
                        help="chart window in s, or 'full' for points/rate (default 60)")
    parser.add_argument("--table", action="store_true",
                        help="run the docs' table of loads instead of one load")
    parser.add_argument("--json", default=None, help="results file (default "
                        "benchmarks/results/console_cpu.json with --table)")
    args = parser.parse_args(argv)
    if args.points < 2 or not 0.1 <= args.rate <= 60:
        parser.error("--points must be >= 2 and --rate 0.1..60")
    loads = TABLE if args.table else ((args.traces, args.points, args.rate,
                                       f"{args.size[0]}x{args.size[1]}"),)
    results = []
    for traces, points, rate, size in loads:
        print(f"{traces} traces x {points} points, {rate:g} Hz, {size}:", flush=True)
        results.append(run_load(traces, points, rate, size_arg(size), args.seconds,
                                args.chart_window))
    if args.table or args.json:
        write_results("console_cpu", {"loads": results}, args.json)
    for r in results:
        print(f"{r['traces']}x{r['points']} {r['rate']:g} Hz {r['size']}: console CPU "
              f"PVImage/TimePlot ratio CA {r['ratio_ca']:.2f}x, PVA {r['ratio_pva']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
