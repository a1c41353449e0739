"""pvchart-web's cost: CPU of the web process with 50 browsers on one chart vs 1.

    python benchmarks/web.py                       # 0, 1 and 50 viewers, 10 Hz, 20 s each
    python benchmarks/web.py --viewers 1,10,50,100 --seconds 30

The product's stack (motor and chart IOCs under procServ, loopback, the motor shuttling) with
the chart at ``--rate`` Hz, and one pvchart-web process serving it. Viewers are plain HTTP
clients (aiohttp WebSockets, in a process of their own, so their CPU is not counted) that do
what the page does: receive each frame and acknowledge it. For each number of viewers the web
process's CPU share is measured over the same span in which the viewers count their frames.
Printed per load: web CPU, frames per second per viewer (min and mean), data sent; the
frames the chart IOC produced meanwhile; the ratio of 50 viewers' CPU to 1 viewer's last.
The goal: 50 viewers at 10 Hz cost the web process at most 30 % of a core.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from stack import ROOT, CpuWindow, LocalStack, wait_until, write_results

from tests.support.browser import WebProcess

PREFIX = "BW:"
GOAL_CPU = 0.30
GOAL_VIEWERS = 50


# ---- the viewers' process -------------------------------------------------------------------
async def viewers(url: str, count: int) -> None:
    """``count`` WebSocket viewers of ``url``: "ready" once each has frames, then on "go"
    (stdin) count frames and bytes until "stop", print them as JSON."""
    import aiohttp
    counting = False
    frames = [0] * count
    received = [0] * count

    async def viewer(k: int, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(url, max_msg_size=0) as ws:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.BINARY:
                    await ws.send_str("ack")
                    if counting or frames[k] < 3:
                        frames[k] += 1
                        received[k] += len(message.data)
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as session:
        tasks = [loop.create_task(viewer(k, session)) for k in range(count)]
        while min(frames) < 3:
            await asyncio.sleep(0.1)
        print("ready", flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)           # go
        frames[:] = [0] * count
        received[:] = [0] * count
        counting = True
        start = time.monotonic()
        await loop.run_in_executor(None, sys.stdin.readline)           # stop
        seconds = time.monotonic() - start
        counting = False
        print(json.dumps({"frames": frames, "bytes": received, "seconds": seconds}),
              flush=True)
        for task in tasks:
            task.cancel()


# ---- the measurement ------------------------------------------------------------------------
def measure(web: WebProcess, count: int, seconds: float) -> Dict[str, Any]:
    import epics
    uid_pv = f"{PREFIX}chart:UniqueId_RBV"
    proc: Optional[subprocess.Popen] = None
    if count:
        proc = subprocess.Popen([sys.executable, __file__, "--client", str(count),
                                 f"ws://127.0.0.1:{web.port}/chart/chart/ws"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                cwd=ROOT)
    try:
        if proc is not None:
            assert proc.stdin is not None and proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"{count} viewers did not start")
        uid0 = epics.caget(uid_pv, use_monitor=False)
        with CpuWindow({"web": web.pid}) as cpu:
            if proc is not None:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            threading.Event().wait(seconds)                  # the measured span itself
            if proc is not None:
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write("stop\n")
                proc.stdin.flush()
                counted = json.loads(proc.stdout.readline())
        produced = (epics.caget(uid_pv, use_monitor=False) - uid0) / cpu.seconds
        row: Dict[str, Any] = {"viewers": count, "web_cpu": cpu.share["web"],
                               "chart_fps": produced}
        if proc is not None:
            fps = [n / counted["seconds"] for n in counted["frames"]]
            row.update(fps_min=min(fps), fps_mean=sum(fps) / len(fps),
                       mbytes_per_s=sum(counted["bytes"]) / counted["seconds"] / 1e6)
        return row
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()


def run(counts: List[int], rate: float, seconds: float) -> Dict[str, Any]:
    stack = LocalStack(PREFIX, chart_args=["--rate", str(rate), "--window", "30"])
    rows = []
    with stack, tempfile.TemporaryDirectory(prefix="pvchart-web-bench-") as work:
        import epics
        wait_until(lambda: epics.caget(f"{PREFIX}chart:status", use_monitor=False)
                   == "2 of 2 sources connected", 30, "chart sources")
        stack.caput(f"{PREFIX}motor.VELO", 2.0)
        stack.shuttle(5.0)
        web = WebProcess(["--prefix", PREFIX, "--charts", "chart"], Path(work)).start()
        try:
            for count in counts:
                row = measure(web, count, seconds)
                rows.append(row)
                line = f"  {count:3d} viewers: web CPU {row['web_cpu']:6.1%}"
                if count:
                    line += (f"  {row['fps_min']:5.1f} fps min, {row['fps_mean']:5.1f} mean"
                             f"  {row['mbytes_per_s']:6.2f} MB/s")
                print(line + f"  (chart IOC {row['chart_fps']:.1f} fps)", flush=True)
        finally:
            web.stop()
    return {"rate": rate, "seconds": seconds, "rows": rows}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--viewers", default=f"0,1,{GOAL_VIEWERS}",
                        help=f"numbers of viewers to measure (default 0,1,{GOAL_VIEWERS})")
    parser.add_argument("--rate", type=float, default=10.0,
                        help="the chart's frame rate, Hz (default 10)")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="measured span per load (default 20)")
    parser.add_argument("--json", default=None,
                        help="results file (default benchmarks/results/web.json)")
    parser.add_argument("--client", nargs=2, metavar=("N", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        asyncio.run(viewers(args.client[1], int(args.client[0])))
        return 0
    try:
        counts = sorted({int(v) for v in args.viewers.split(",")})
    except ValueError:
        parser.error(f"--viewers {args.viewers!r}: comma-separated numbers")
    if not counts or min(counts) < 0 or max(counts) > 500 or not 0.1 <= args.rate <= 60 \
            or args.seconds <= 0:
        parser.error("--viewers 0..500 each, --rate 0.1..60, --seconds > 0")
    if 1 not in counts or GOAL_VIEWERS not in counts:
        parser.error(f"--viewers must include 1 (the baseline) and {GOAL_VIEWERS} (the goal)")
    print(f"pvchart-web, one chart at {args.rate:g} Hz, {args.seconds:g} s per load:",
          flush=True)
    result = run(counts, args.rate, args.seconds)
    by_count = {r["viewers"]: r for r in result["rows"]}
    goal = by_count[GOAL_VIEWERS]["web_cpu"]
    result.update(goal_cpu=GOAL_CPU, goal_met=goal <= GOAL_CPU,
                  ratio=goal / by_count[1]["web_cpu"])
    write_results("web", result, args.json)
    print(f"goal: {GOAL_VIEWERS} viewers at {args.rate:g} Hz cost {goal:.1%} of a core "
          f"(at most {GOAL_CPU:.0%}): {'met' if result['goal_met'] else 'NOT met'}")
    print(f"web CPU {GOAL_VIEWERS} viewers vs 1 viewer: {result['ratio']:.2f}x")
    return 0 if result["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
