"""Looking back: a week of 1 Hz history for 4 sources in the test Archiver Appliance, 640 px.

    python benchmarks/history.py [--rate 10] [--delay 10] [--seconds 5] [--rounds 4]

The chart IOC (under procServ, local mode) plots 4 sine sources served at 10 Hz by
``signals_ioc.py``; the test Appliance (``tests/support/appliance.py``, its own process, every
request's arrival and answer time logged) holds a week of them at 1 Hz. All times are server
time stamps:

1. **Frames while fetching**: the live chart put to a week while the Appliance answers
   ``--delay`` s late: frames per second until the archived data are in, against a chart
   without an archiver given the same put beside it (goal >= 0.9 x rate).
2. **Range changes** (window 1 h -> 1 day -> 1 week, hold, 1 day, end back a day, back,
   forward, live): from the put to the first frame rendered after it whose picture has every
   trace drawn across the probe strip (20..40 % of the width), to the first frame rendered
   after the archived data were all in, and to every ``T<n>:times`` covering the range at
   plot resolution. The Appliance's part (first request in to last answer out) is split off;
   the goal (<= 1 s) is for the chart's part. Baseline: the same kinds of change within the
   chart's own history.
3. **Render cost**: ``render_ms`` of the held week (archived bins) and of live frames of a
   60 s window (own history), the two views in turn, 4 traces, 640x480; and the renderer
   alone in this process on the same data, frame about frame (goal archived <= 1.5x live).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any, Dict, List, Optional, Tuple, cast

import numpy as np
from history_probes import ChartWatch, Expect, TimedAppliance
from stack import LocalStack, cpu_seconds, signal_value, wait_until, write_results

from iocs.common.caenv import IocPorts

PREFIX = "HB:"
SOURCES = 4
WIDTH, HEIGHT = 640, 480
HOUR, DAY, WEEK = 3600.0, 86400.0, 7 * 86400.0
#: Ports of the chart without an archiver that runs beside ours while it fetches.
PLAIN_PORTS = IocPorts.allocate()


def caput(pv: str, value: Any) -> None:
    import epics
    if epics.caput(pv, value, wait=True, timeout=30) != 1:
        raise RuntimeError(f"caput {pv} {value!r} failed")


def measure_change(watch: ChartWatch, appliance: TimedAppliance, chart: str, kind: str,
                   label: str, name: str, value: Any, expect: Expect) -> Dict[str, Any]:
    """Put ``name`` = ``value`` and time what the chart shows of ``expect``; ``kind`` says
    where the range lies (``archive``: looking back, ``own``: the chart's own history)."""
    import epics
    t_put = time.time()
    caput(chart + name, value)
    stamp = watch.put_stamp(name, t_put)
    if not expect.live:
        expect.end = float(epics.caget(chart + "end", use_monitor=False))

    def settled() -> Optional[Dict[str, Any]]:
        requests = appliance.requests(stamp)
        if requests and time.time() - max(r["arrived"] for r in requests) < 1.5:
            return None
        answered = max((r["answered"] for r in requests), default=stamp)
        done = next((t for t, s in watch.status if s == "ok" and t >= answered), None) \
            if requests else stamp
        times = {"first": watch.first_full(stamp), "data": watch.data_covered(stamp, expect),
                 "complete": watch.first_full(done) if done is not None else None}
        ok = None not in times.values() and time.time() - stamp >= 1.5
        return dict(times, requests=requests) if ok else None
    got = cast(Dict[str, Any], wait_until(settled, 180, f"the range of {label!r}",
                                          interval=0.1))
    requests = got["requests"]
    span = (max(r["answered"] for r in requests) - min(r["arrived"] for r in requests)) \
        if requests else 0.0
    row = {"change": label, "kind": kind, "requests": len(requests), "end": expect.end,
           "first_s": got["first"] - t_put, "complete_s": got["complete"] - t_put,
           "data_s": got["data"] - t_put, "appliance_s": span,
           "chart_s": got["complete"] - t_put - span}
    print(f"  {label:28s} picture {row['first_s']:6.2f} s, complete {row['complete_s']:6.2f} s"
          f" (Appliance {span:5.2f} s for {len(requests)} requests, chart {row['chart_s']:5.2f}"
          f" s), T<n>:times {row['data_s']:6.2f} s", flush=True)
    return row


def fetching(ours: ChartWatch, plain: ChartWatch, appliance: TimedAppliance,
             pids: Dict[str, int], delay: float) -> Dict[str, Any]:
    """Frames per second of the live chart put to a week while the Appliance answers
    ``delay`` s late, and of the chart without an archiver given the same put beside it."""
    appliance.set_delay(delay)
    cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
    t_put = time.time()
    caput(PREFIX + "chart:window", WEEK)
    caput(PREFIX + "plain:window", WEEK)
    stamp, plain_stamp = ours.put_stamp("window", t_put), plain.put_stamp("window", t_put)

    def done() -> Optional[float]:
        requests = appliance.requests(stamp)
        if len(requests) < SOURCES:
            return None
        answered = max(r["answered"] for r in requests)
        return next((t for t, s in ours.status if s == "ok" and t >= answered), None)
    span = cast(float, wait_until(done, delay + 120, "the week fetched", interval=0.1)) - stamp
    wait_until(lambda: time.time() > plain_stamp + span + 0.5, span + 5, "the same span")
    cpu = {k: (cpu_seconds(p) - cpu0[k]) / (time.time() - t_put) for k, p in pids.items()}
    requests = appliance.requests(stamp)
    wait = min(r["arrived"] for r in requests) + delay - stamp
    appliance.set_delay(0.0)
    out = {"fetch_s": span, "wait_s": wait, "requests": len(requests), "cpu": cpu,
           "fps_fetch": ours.fps(stamp, stamp + span), "fps_wait": ours.fps(stamp, stamp + wait),
           "baseline_fps": plain.fps(plain_stamp, plain_stamp + span),
           "baseline_fps_wait": plain.fps(plain_stamp, plain_stamp + wait),
           "render_wait_ms": ours.render_ms([(stamp, stamp + wait)])["median_ms"],
           "baseline_render_wait_ms": plain.render_ms(
               [(plain_stamp, plain_stamp + wait)])["median_ms"]}
    print(f"while fetching a week ({delay:g} s late): {out['fps_fetch']:.2f} fps over "
          f"{span:.1f} s ({out['fps_wait']:.2f} while waiting, render_ms "
          f"{out['render_wait_ms']:.1f}); beside it without an archiver "
          f"{out['baseline_fps']:.2f} fps ({out['baseline_fps_wait']:.2f}, "
          f"{out['baseline_render_wait_ms']:.1f})", flush=True)
    return out


def render_interleaved(watch: ChartWatch, chart: str, end: float, rounds: int,
                       seconds: float) -> Dict[str, Dict[str, Any]]:
    """``render_ms`` of the held week ending at ``end`` and of the live 60 s view, in turn
    for ``seconds`` each (the first second after a switch left out), ``rounds`` times.

    A held range is rendered again only when something it shows changes, so in both views
    the cursor sweeps across the range at the chart's rate (an operator reading values): the
    held week then renders as often as the live view, and both draw a cursor."""
    spans: Dict[str, List[Tuple[float, float]]] = {"held_week": [], "live": []}
    for _ in range(rounds):
        for state, puts in (("held_week", (("end", end), ("window", WEEK))),
                            ("live", (("window", 60.0), ("live", "On")))):
            for name, value in puts:        # no fetch: the week is held, 60 s are our own
                caput(chart + name, value)
            window = WEEK if state == "held_week" else 60.0
            start = time.time()
            while (now := time.time()) < start + seconds:      # the measured span itself
                right = end if state == "held_week" else now
                part = ((now - start) % 10.0) / 10.0           # a sweep every 10 s
                caput(chart + "cursor", right - window * (0.9 - 0.8 * part))
                time.sleep(0.1)                                # the chart's 10 Hz
            spans[state].append((start + 1.0, start + seconds))
    caput(chart + "cursor", 0.0)
    out = {state: watch.render_ms(s) for state, s in spans.items()}
    for state, r in out.items():
        print(f"  render_ms, {state}: median {r['median_ms']:.1f} ms over {r['frames']} frames "
              f"({r['distinct']} distinct) in {r['seconds']:g} s", flush=True)
    return out


def warm(watch: ChartWatch, chart: str, started: float, uptime: float) -> None:
    """Sources connected, ``uptime`` s run and a full picture drawn."""
    import epics
    wait_until(lambda: epics.caget(chart + "status", use_monitor=False)
               == f"{SOURCES} of {SOURCES} sources connected", 60, "sources")
    wait_until(lambda: time.time() - started >= uptime, uptime + 60, "uptime", interval=0.1)
    wait_until(lambda: watch.first_full(time.time() - 1.0), 60, "a full picture",
               interval=0.1)


CHANGES = [  # kind, label, PV, value (None: the end now less a day or 60 s), range
    ("archive", "1 week -> 1 h (zoom in)", "window", HOUR, Expect(HOUR)),
    ("archive", "1 h -> 1 day", "window", DAY, Expect(DAY)),
    ("archive", "1 day -> 1 week", "window", WEEK, Expect(WEEK)),
    ("archive", "hold the week (live Off)", "live", "Off", Expect(WEEK, live=False)),
    ("archive", "held week -> 1 day", "window", DAY, Expect(DAY, live=False)),
    ("archive", "end back by a day", "end", None, Expect(DAY, live=False)),
    ("archive", "back (half a day)", "back", 1, Expect(DAY, live=False)),
    ("archive", "forward (half a day)", "forward", 1, Expect(DAY, live=False)),
    ("archive", "live On (1 day)", "live", "On", Expect(DAY)),
    ("own", "1 day -> 60 s", "window", 60.0, Expect(60.0)),
    ("own", "60 s -> 120 s", "window", 120.0, Expect(120.0)),
    ("own", "120 s -> 60 s", "window", 60.0, Expect(60.0)),
    ("own", "end back by 60 s", "end", None, Expect(60.0, live=False)),
    ("own", "back (30 s)", "back", 1, Expect(60.0, live=False)),
    ("own", "forward (30 s)", "forward", 1, Expect(60.0, live=False)),
    ("own", "live On (60 s)", "live", "On", Expect(60.0)),
]
#: Seconds the chart has run before the changes within its own history (they reach 150 s).
OWN_UPTIME = 240.0


def chart_args(args: argparse.Namespace) -> List[str]:
    return ["--sources", ",".join(f"{PREFIX}sig{i}" for i in range(1, SOURCES + 1)),
            "--window", "60", "--rate", str(args.rate), "--width", str(WIDTH),
            "--height", str(HEIGHT)]


def looking_back(args: argparse.Namespace, appliance: TimedAppliance) -> Dict[str, Any]:
    """The chart with the Appliance (and, while fetching, one without beside it): frames
    while fetching, range changes, render costs."""
    import epics
    stack = LocalStack(PREFIX, signals=SOURCES, signal_rate=args.rate, chart_args=[
        *chart_args(args), "--archiver", appliance.url, "--archiver-timeout", "300"])
    stack.launcher.ports["chart@plain"] = PLAIN_PORTS       # before libca reads them
    os.environ.update(stack.launcher.client_env())
    chart, started, rows = f"{PREFIX}chart:", time.time(), []
    with stack:
        stack.launcher.start(["chart@plain"], ioc_args={"chart@plain": chart_args(args)},
                             timeout=90)
        watch, plain = (ChartWatch(c, SOURCES, WIDTH) for c in (chart, f"{PREFIX}plain:"))
        try:
            for w, name in ((watch, chart), (plain, f"{PREFIX}plain:")):
                warm(w, name, started, args.uptime)
            fetch = fetching(watch, plain, appliance, {
                "chart": stack.pid("chart"), "plain": stack.pid("chart@plain"),
                "appliance": appliance.proc.pid}, args.delay)
            plain.close()
            stack.launcher.stop(["chart@plain"])
            print("range changes (looking back, then within the chart's own history):",
                  flush=True)
            for kind, label, name, value, expect in CHANGES:
                if kind == "own":
                    wait_until(lambda: time.time() - started > OWN_UPTIME, OWN_UPTIME + 10,
                               "the chart's own history", interval=0.1)
                if value is None:
                    value = float(epics.caget(chart + "end", use_monitor=False)) - \
                        (DAY if kind == "archive" else 60.0)
                rows.append(measure_change(watch, appliance, chart, kind, label, name, value,
                                           expect))
            print("render cost, the held week and live 60 s in turn:", flush=True)
            week_end = rows[3]["end"]           # "hold the week": fetch that week again
            for label, name, value, window in (("back to that week's end", "end", week_end,
                                                60.0), ("that week again", "window", WEEK, WEEK)):
                measure_change(watch, appliance, chart, "setup", label, name, value,
                               Expect(window, live=False))
            render = render_interleaved(watch, chart, week_end, args.rounds, args.seconds)
        finally:
            watch.close()
            plain.close()
    return {"fetching": fetch, "changes": rows, "render": render}


def renderer_alone(frames: int, days: float) -> Dict[str, float]:
    """The renderer in this process, a held-week frame (the Appliance's answers for the 4
    sources) and a live 60 s frame (the same sources at 10 Hz, moving) in turn: ms each."""
    import matplotlib
    matplotlib.use("Agg")
    from iocs.chart.history import Samples
    from iocs.chart.plotdata import PALETTE, Scene, TimeView, Trace, TraceStyle
    from iocs.chart.render import ChartRenderer
    from iocs.chart.retrieval import parse_response
    from tests.support.appliance import answer, sine
    now, names = time.time(), [f"{PREFIX}sig{i}" for i in range(1, SOURCES + 1)]

    def scene(samples: List[Samples], end: float, window: float, live: bool) -> Scene:
        return Scene([Trace(n, s, style=TraceStyle(color=c))
                      for n, s, c in zip(names, samples, PALETTE)],
                     TimeView(end, window, live=live))

    def live(end: float) -> Scene:
        t = np.arange(end - 60.0, end, 0.1)
        return scene([Samples(t, np.array([signal_value(i, x) for x in t]),
                              np.zeros(len(t), np.int8)) for i in range(1, SOURCES + 1)],
                     end, 60.0, True)
    week = scene([parse_response(json.dumps(answer(
        sine(period=20, offset=0.5 * i, start=now - days * DAY), n, now - WEEK, now, WIDTH)),
        n).samples for i, n in enumerate(names, start=1)], now, WEEK, False)
    scenes = {"live": [live(now + 0.1 * k) for k in range(frames + 3)],
              "held_week": [week] * (frames + 3)}
    renderers = {name: ChartRenderer(WIDTH, HEIGHT) for name in scenes}
    spent = {name: 0.0 for name in scenes}
    for k in range(frames + 3):
        for name, renderer in renderers.items():
            start = time.perf_counter()
            renderer.render(scenes[name][k])
            if k >= 3:                          # after the first draws
                spent[name] += time.perf_counter() - start
    return {name: 1e3 * spent[name] / frames for name in spent}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--rate", type=float, default=10.0, help="frames and samples/s (10)")
    parser.add_argument("--delay", type=float, default=10.0,
                        help="how late the slow Appliance answers, s (10)")
    parser.add_argument("--seconds", type=float, default=5.0, help="s per view, render (5)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of views, render (4)")
    parser.add_argument("--uptime", type=float, default=60.0,
                        help="chart uptime before the first put, s (60)")
    parser.add_argument("--days", type=float, default=7.0, help="archived days (7)")
    parser.add_argument("--json", default=None,
                        help="results file (default benchmarks/results/history.json)")
    args = parser.parse_args(argv)
    os.environ.pop("PVCHART_ARCHIVER", None)           # never a real archiver
    load = [os.getloadavg()[0]]
    appliance = TimedAppliance([f"{PREFIX}sig{i}" for i in range(1, SOURCES + 1)], args.days)
    try:
        ours = looking_back(args, appliance)
    finally:
        appliance.stop()
    alone = renderer_alone(100, args.days)
    load.append(os.getloadavg()[0])
    back = [r for r in ours["changes"] if r["kind"] == "archive"]
    own_s = statistics.median(r["complete_s"] for r in ours["changes"] if r["kind"] == "own")
    chart_s = statistics.median(r["chart_s"] for r in back)
    fetch, held, live = ours["fetching"], ours["render"]["held_week"], ours["render"]["live"]
    fetch.update(ratio=fetch["fps_fetch"] / fetch["baseline_fps"], goal_fps=0.9 * args.rate)
    render = {"ioc_held_week": held, "ioc_live": live,
              "ioc_ratio": held["median_ms"] / live["median_ms"],
              "alone_held_week_ms": alone["held_week"], "alone_live_ms": alone["live"],
              "alone_ratio": alone["held_week"] / alone["live"], "goal_ratio": 1.5}
    latency = {"chart_median_s": chart_s, "chart_max_s": max(r["chart_s"] for r in back),
               "complete_median_s": statistics.median(r["complete_s"] for r in back),
               "own_median_s": own_s, "ratio": chart_s / own_s, "goal_s": 1.0}
    write_results("history", {"rate": args.rate, "size": f"{WIDTH}x{HEIGHT}",
                              "sources": SOURCES, "days": args.days, "delay": args.delay,
                              "load_average": load, "changes": ours["changes"],
                              "latency": latency, "render": render, "fetching": fetch},
                  args.json)
    print(f"load average (1 min) {load[0]:.1f} at the start, {load[1]:.1f} at the end; "
          f"render alone: held week {alone['held_week']:.1f} ms, live {alone['live']:.1f} ms")
    print(f"range change, chart's part: median {chart_s:.2f} s, max {latency['chart_max_s']:.2f}"
          f" s (goal <= 1 s); with this Appliance {latency['complete_median_s']:.2f} s; "
          f"within own history {own_s:.2f} s; frames while fetching {fetch['fps_fetch']:.2f}"
          f"/s (goal >= {fetch['goal_fps']:g})")
    print(f"look back vs own history (chart's part): ratio {latency['ratio']:.2f}x; archived "
          f"frame vs live, renderer alone: ratio {render['alone_ratio']:.2f}x (IOC "
          f"{render['ioc_ratio']:.2f}x; goal <= 1.5x); frames while fetching vs without an "
          f"archiver: ratio {fetch['ratio']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
