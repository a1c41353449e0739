"""Looking back: a week of 1 Hz history for 4 sources in the test Archiver Appliance, 640 px.

    python benchmarks/history.py [--rate 10] [--delay 10] [--seconds 15]

The chart IOC (under procServ, local mode) plots 4 sine sources served at 10 Hz by
``signals_ioc.py``; the test Appliance (``tests/support/appliance.py``, its own process, every
request's arrival and answer time logged) holds a week of them at 1 Hz. Measured, all from
server time stamps:

1. **Range changes** (window 1 h -> 1 day -> 1 week, hold, 1 day, end back a day, back,
   forward, live): from the put to the first frame rendered after it whose picture has every
   trace drawn across the probe strip (20..40 % of the width), to the first frame rendered
   after the archived data were all in, and to ``T<n>:times`` covering the range at plot
   resolution. The Appliance's own part (first request in to last answer out) is split off;
   the goal (<= 1 s) is for the chart's part. Baseline: the same kinds of change within the
   chart's own history (no archive).
2. **Render cost**: ``render_ms`` of the week view held (archived bins) against live frames
   of a 60 s window (own history), 4 traces, 640x480, steady state, in the IOC; and the
   renderer alone in this process on the same data (goal archived <= 1.5x live).
3. **Frames while fetching**: the live chart put to a week while the Appliance answers after
   ``--delay`` s, frames per second until the archived data are in, against the same put to a
   chart without an archiver (goal >= 0.9 x rate).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, cast

import numpy as np
from stack import ROOT, LocalStack, cpu_seconds, signal_value, wait_until, write_results

from iocs.common.caenv import IocPorts

PREFIX = "HB:"
SOURCES = 4
WIDTH, HEIGHT = 640, 480
HOUR, DAY, WEEK = 3600.0, 86400.0, 7 * 86400.0
#: Ports of the chart without an archiver that runs beside ours while it fetches.
PLAIN_PORTS = IocPorts.allocate()
#: Colours of traces 1..4 (the chart's default palette) as RGB.
COLOURS = np.array([[0x00, 0x72, 0xb2], [0xe6, 0x9f, 0x00], [0x00, 0x9e, 0x73],
                    [0xcc, 0x79, 0xa7]], dtype=np.int16)
#: The test Appliance in a process of its own, printing each request's times as JSON lines;
#: a line "delay <s>" on its input sets how late it answers.
APPLIANCE = textwrap.dedent("""
    import json, sys, time
    from aiohttp import web
    from tests.support.appliance import TestAppliance, parse_spec

    @web.middleware
    async def timed(request, handler):
        arrived, delay = time.time(), appliance.delay
        try:
            return await handler(request)
        finally:
            print(json.dumps({"pv": request.query.get("pv", ""), "arrived": arrived,
                              "delay": delay, "answered": time.time()}), flush=True)

    class Timed(TestAppliance):
        def app(self):
            app = super().app()
            app.middlewares.append(timed)
            return app

    appliance = Timed(dict(parse_spec(s) for s in sys.argv[1:])).start()
    print("ready", appliance.url, flush=True)
    for line in sys.stdin:
        appliance.delay = float(line.split()[1])
        print(json.dumps({"delay_set": appliance.delay}), flush=True)
    appliance.stop()
""")


class TimedAppliance:
    """The test Appliance as a process, with the log of its requests' times."""

    def __init__(self, names: List[str], days: float) -> None:
        specs = [f"{n}=sine:period=20,rate=1,days={days:g},offset={0.5 * i:g}"
                 for i, n in enumerate(names, start=1)]
        self.proc = subprocess.Popen([sys.executable, "-c", APPLIANCE, *specs], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        line = self.stdout.readline()
        if not line.startswith("ready "):
            self.stop()
            raise RuntimeError(f"test Appliance did not start: {line!r}")
        self.url = line.split()[1]
        self.log: List[Dict[str, Any]] = []
        self.delay_set = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.stdout:
            entry = json.loads(line)
            if "delay_set" in entry:
                self.delay_set.set()
            else:
                self.log.append(entry)

    def requests(self, since: float) -> List[Dict[str, Any]]:
        return [r for r in list(self.log) if r["arrived"] >= since]

    def set_delay(self, seconds: float) -> None:
        """Answer ``seconds`` late from now on (returns once the Appliance says so)."""
        self.delay_set.clear()
        self.stdin.write(f"delay {seconds}\n")
        self.stdin.flush()
        if not self.delay_set.wait(30):
            raise RuntimeError("the test Appliance did not take its new delay")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def coverage(frame: np.ndarray) -> Tuple[float, ...]:
    """Per trace colour: the share of the probe strip's columns (20..40 % of the width) in
    which that colour is drawn (a chromatic pixel within 40 of it)."""
    strip = frame[:, int(0.2 * frame.shape[1]):int(0.4 * frame.shape[1])].astype(np.int16)
    chromatic = strip.max(axis=2) - strip.min(axis=2) > 40
    return tuple(float(((np.abs(strip - c).max(axis=2) <= 40) & chromatic).any(axis=0).mean())
                 for c in COLOURS)


def covers(times: np.ndarray, t0: float, t1: float, column: float) -> bool:
    """``times`` reach from ``t0`` to ``t1`` without a gap wider than two pixel columns (or
    2 s: a source's updates come late on a busy machine)."""
    if len(times) < 2:
        return False
    tol = max(2 * column, 2.0)
    i = max(int(np.searchsorted(times, t0, side="right")) - 1, 0)
    j = int(np.searchsorted(times, t1, side="right"))
    part = times[i:j]
    return bool(len(part) > 1 and part[0] <= t0 + tol and part[-1] >= t1 - tol
                and np.diff(part).max() <= tol)


@dataclass
class Expect:
    """The range a change should show: ``window``, ``live`` or held at ``end``."""

    window: float
    live: bool = True
    end: float = 0.0

    def edges(self, stamp: float) -> Tuple[float, float]:
        t1 = stamp if self.live else self.end
        return t1 - self.window, t1


class ChartWatch:
    """CA monitors of one chart, each update kept with its server time stamp: frames (probe
    coverage, checksum), ``UniqueId_RBV``, ``render_ms``, ``archiverStatus``, the time-range
    PVs and whether each ``T<n>:times`` covers :attr:`expect`."""

    def __init__(self, chart: str) -> None:
        import epics
        self.expect = Expect(60.0)
        self.frames: List[Tuple[float, Tuple[float, ...], int]] = []
        self.uids: List[float] = []
        self.renders: List[Tuple[float, float]] = []
        self.status: List[Tuple[float, str]] = []
        self.updates: Dict[str, List[Tuple[float, Any]]] = {}
        self.data: Dict[int, List[Tuple[float, bool, float]]] = {n: [] for n in
                                                                 range(1, SOURCES + 1)}
        self.pvs = [epics.PV(chart + "ArrayData", auto_monitor=True, form="time",
                             callback=self._frame),
                    epics.PV(chart + "UniqueId_RBV", form="time",
                             callback=lambda timestamp, **kw: self.uids.append(timestamp)),
                    epics.PV(chart + "render_ms", form="time", callback=lambda value, timestamp,
                             **kw: self.renders.append((timestamp, value))),
                    epics.PV(chart + "archiverStatus", form="time", callback=lambda value,
                             timestamp, **kw: self.status.append((timestamp, value)))]
        for name in ("window", "end", "live", "back", "forward"):
            self.updates[name] = []
            self.pvs.append(epics.PV(chart + name, form="time", callback=lambda value,
                                     timestamp, name=name, **kw:
                                     self.updates[name].append((timestamp, value))))
        for n in self.data:
            self.pvs.append(epics.PV(f"{chart}T{n}:times", auto_monitor=True, form="time",
                                     callback=lambda value, timestamp, n=n, **kw:
                                     self._times(n, value, timestamp)))
        for pv in self.pvs:
            if not pv.wait_for_connection(20):
                raise RuntimeError(f"{pv.pvname} did not connect")

    def _frame(self, value: np.ndarray, timestamp: float, **kw: Any) -> None:
        frame = np.asarray(value, dtype=np.uint8).reshape(-1, WIDTH, 3)
        self.frames.append((timestamp, coverage(frame), zlib.crc32(frame.tobytes())))

    def _times(self, n: int, value: Any, timestamp: float) -> None:
        t0, t1 = self.expect.edges(timestamp)
        times = np.atleast_1d(np.asarray(value, dtype=np.float64))
        self.data[n].append((timestamp, covers(times, t0, t1, self.expect.window / WIDTH),
                             float(times[-1]) if len(times) else float("nan")))

    def rendered(self, since: float) -> List[Tuple[float, float, Tuple[float, ...], int]]:
        """Frames whose rendering began at ``since`` or later: (posted, render s, coverage,
        checksum); a frame's ``render_ms`` is the first one posted after it."""
        frames = [f for f in list(self.frames) if f[0] >= since]
        renders = list(self.renders)
        stamps = np.array([t for t, _ in renders])
        values = [m for _, m in renders]
        out = []
        for k, (stamp, cover, crc) in enumerate(frames):
            after = frames[k + 1][0] if k + 1 < len(frames) else float("inf")
            i = int(np.searchsorted(stamps, stamp, side="left"))
            if i < len(values) and stamps[i] < after and stamp - values[i] / 1e3 >= since:
                out.append((stamp, values[i] / 1e3, cover, crc))
        return out

    def first_full(self, since: float) -> Optional[float]:
        """Post time of the first frame rendered after ``since`` drawing every trace across
        the probe strip."""
        return next((f[0] for f in self.rendered(since) if min(f[2]) >= 0.9), None)

    def data_covered(self, since: float) -> Optional[float]:
        """When every ``T<n>:times`` published after ``since`` covered the expected range."""
        firsts = [next((t for t, ok, _ in updates if ok and t >= since), None)
                  for updates in self.data.values()]
        return None if None in firsts else max(firsts)  # type: ignore[type-var]

    def put_stamp(self, name: str, since: float) -> float:
        """Server time stamp of the first update of ``name`` at or after ``since``."""
        return cast(float, wait_until(lambda: next((t for t, _ in self.updates[name] if t >= since),
                                       None), 10, f"{name} written"))

    def close(self) -> None:
        for pv in self.pvs:
            pv.clear_callbacks()
            pv.disconnect()
        self.pvs = []


def caput(pv: str, value: Any) -> None:
    import epics
    if epics.caput(pv, value, wait=True, timeout=30) != 1:
        raise RuntimeError(f"caput {pv} {value!r} failed")


#: What a settled change shows: first full picture, complete picture, data covered (post
#: times) and the Appliance's requests.
Settled = Tuple[float, float, float, List[Dict[str, Any]]]


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
    watch.expect = expect

    def settled() -> Optional[Settled]:
        requests = appliance.requests(stamp)
        if requests and time.time() - max(r["arrived"] for r in requests) < 1.5:
            return None
        answered = max((r["answered"] for r in requests), default=stamp)
        done = next((t for t, s in watch.status if s == "ok" and t >= answered), None) \
            if requests else stamp
        first, data = watch.first_full(stamp), watch.data_covered(stamp)
        complete = watch.first_full(done) if done is not None else None
        if None in (first, data, complete) or time.time() - stamp < 1.5:
            return None
        return cast(Settled, (first, complete, data, requests))
    first, complete, data, requests = cast(Settled, wait_until(
        settled, 180, f"the range of {label!r}", interval=0.1))
    span = (max(r["answered"] for r in requests) - min(r["arrived"] for r in requests)) \
        if requests else 0.0
    row = {"change": label, "kind": kind, "requests": len(requests),
           "first_s": first - t_put, "complete_s": complete - t_put,
           "data_s": data - t_put, "appliance_s": span,
           "chart_s": complete - t_put - span}
    print(f"  {label:28s} picture {row['first_s']:6.2f} s, complete {row['complete_s']:6.2f} s"
          f" (Appliance {span:5.2f} s for {len(requests)} requests, chart {row['chart_s']:5.2f}"
          f" s), T<n>:times {row['data_s']:6.2f} s", flush=True)
    return row


def render_ms(watch: ChartWatch, t0: float, t1: float) -> Dict[str, Any]:
    """``render_ms`` of the frames rendered from ``t0`` and posted by ``t1``; how many of
    their pictures differ."""
    frames = [f for f in watch.rendered(t0) if f[0] <= t1]
    ms = [1e3 * f[1] for f in frames] or [math.nan]
    return {"median_ms": statistics.median(ms), "mean_ms": statistics.fmean(ms),
            "frames": len(frames), "distinct": len({f[3] for f in frames}),
            "seconds": t1 - t0}


def render_costs(watch: ChartWatch, seconds: float) -> Dict[str, Any]:
    """``render_ms`` of the frames rendered over the next ``seconds``."""
    since = time.time()
    time.sleep(seconds)         # the measured span itself
    out = render_ms(watch, since, since + seconds)
    print(f"  render_ms over {seconds:g} s: median {out['median_ms']:.1f} ms, "
          f"{out['frames']} frames, {out['distinct']} distinct", flush=True)
    return out


def fps_over(watch: ChartWatch, t0: float, t1: float) -> float:
    return sum(t0 <= t < t1 for t in list(watch.uids)) / (t1 - t0)


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
    end = cast(float, wait_until(done, delay + 120, "the week fetched", interval=0.1))
    span = end - stamp
    wait_until(lambda: time.time() > plain_stamp + span + 0.5, span + 5, "the same span")
    cpu = {k: (cpu_seconds(p) - cpu0[k]) / (time.time() - t_put) for k, p in pids.items()}
    requests = appliance.requests(stamp)
    waited = min(r["arrived"] for r in requests) + delay - stamp
    appliance.set_delay(0.0)
    return {"fetch_s": span, "wait_s": waited, "requests": len(requests), "cpu": cpu,
            "fps_fetch": fps_over(ours, stamp, end),
            "fps_wait": fps_over(ours, stamp, stamp + waited),
            "baseline_fps": fps_over(plain, plain_stamp, plain_stamp + span),
            "baseline_fps_wait": fps_over(plain, plain_stamp, plain_stamp + waited),
            "render_wait_ms": render_ms(ours, stamp, stamp + waited)["median_ms"],
            "baseline_render_wait_ms": render_ms(plain, plain_stamp,
                                                 plain_stamp + waited)["median_ms"]}


def warm(watch: ChartWatch, chart: str, started: float, uptime: float) -> None:
    """Sources connected, the archiver idle, the 60 s view drawn and ``uptime`` s run."""
    import epics
    wait_until(lambda: epics.caget(chart + "status", use_monitor=False)
               == f"{SOURCES} of {SOURCES} sources connected", 60, "sources")
    wait_until(lambda: time.time() - started >= uptime, uptime + 60, "uptime", interval=0.1)
    wait_until(lambda: watch.first_full(time.time() - 1.0), 60, "a full picture",
               interval=0.1)


CHANGES = [  # label, PV, value (None: the moment's end minus a day), expected range
    ("1 week -> 1 h (zoom in)", "window", HOUR, Expect(HOUR)),
    ("1 h -> 1 day", "window", DAY, Expect(DAY)),
    ("1 day -> 1 week", "window", WEEK, Expect(WEEK)),
    ("hold the week (live Off)", "live", "Off", Expect(WEEK, live=False)),
    ("held week -> 1 day", "window", DAY, Expect(DAY, live=False)),
    ("end back by a day", "end", None, Expect(DAY, live=False)),
    ("back (half a day)", "back", 1, Expect(DAY, live=False)),
    ("forward (half a day)", "forward", 1, Expect(DAY, live=False)),
    ("live On (1 day)", "live", "On", Expect(DAY)),
]
#: Seconds the chart has run before the changes within its own history (they reach 150 s).
OWN_UPTIME = 240.0
OWN = [  # the same kinds of change within the chart's own history
    ("1 day -> 60 s", "window", 60.0, Expect(60.0)),
    ("60 s -> 120 s", "window", 120.0, Expect(120.0)),
    ("120 s -> 60 s", "window", 60.0, Expect(60.0)),
    ("end back by 60 s", "end", None, Expect(60.0, live=False)),
    ("back (30 s)", "back", 1, Expect(60.0, live=False)),
    ("forward (30 s)", "forward", 1, Expect(60.0, live=False)),
    ("live On (60 s)", "live", "On", Expect(60.0)),
]


def run_changes(watch: ChartWatch, appliance: TimedAppliance, chart: str, kind: str,
                changes: List[Tuple[str, str, Any, Expect]], back: float) -> List[Dict[str, Any]]:
    import epics
    rows = []
    for label, name, value, expect in changes:
        if value is None:
            value = float(epics.caget(chart + "end", use_monitor=False)) - back
        rows.append(measure_change(watch, appliance, chart, kind, label, name, value, expect))
    return rows


def chart_args(args: argparse.Namespace) -> List[str]:
    return ["--sources", ",".join(f"{PREFIX}sig{i}" for i in range(1, SOURCES + 1)),
            "--window", "60", "--rate", str(args.rate), "--width", str(WIDTH),
            "--height", str(HEIGHT)]


def looking_back(args: argparse.Namespace, appliance: TimedAppliance) -> Dict[str, Any]:
    """The chart with the Appliance (and, while fetching, one without beside it): frames
    while fetching, range changes, render costs."""
    stack = LocalStack(PREFIX, signals=SOURCES, signal_rate=args.rate, chart_args=[
        *chart_args(args), "--archiver", appliance.url, "--archiver-timeout", "300"])
    stack.launcher.ports["chart@plain"] = PLAIN_PORTS       # before libca reads them
    os.environ.update(stack.launcher.client_env())
    chart = f"{PREFIX}chart:"
    started = time.time()
    with stack:
        stack.launcher.start(["chart@plain"], ioc_args={"chart@plain": chart_args(args)},
                             timeout=90)
        watch, plain = ChartWatch(chart), ChartWatch(f"{PREFIX}plain:")
        try:
            for w, name in ((watch, chart), (plain, f"{PREFIX}plain:")):
                warm(w, name, started, args.uptime)
            pids = {"chart": stack.pid("chart"), "plain": stack.pid("chart@plain"),
                    "appliance": appliance.proc.pid}
            fetch = fetching(watch, plain, appliance, pids, args.delay)
            print(f"while fetching a week ({args.delay:g} s late): {fetch['fps_fetch']:.2f} "
                  f"fps over {fetch['fetch_s']:.1f} s ({fetch['fps_wait']:.2f} while waiting);"
                  f" beside it without an archiver {fetch['baseline_fps']:.2f} fps "
                  f"({fetch['baseline_fps_wait']:.2f}); render_ms while waiting "
                  f"{fetch['render_wait_ms']:.1f} vs {fetch['baseline_render_wait_ms']:.1f}",
                  flush=True)
            plain.close()
            stack.launcher.stop(["chart@plain"])
            print("range changes with the archive:", flush=True)
            rows = run_changes(watch, appliance, chart, "archive", CHANGES[:4], DAY)
            held = render_costs(watch, args.seconds)
            rows += run_changes(watch, appliance, chart, "archive", CHANGES[4:], DAY)
            wait_until(lambda: time.time() - started > OWN_UPTIME, OWN_UPTIME + 10,
                       "the chart's own history", interval=0.1)
            print("range changes within the chart's own history:", flush=True)
            rows += run_changes(watch, appliance, chart, "own", OWN, 60.0)
            live = render_costs(watch, args.seconds)
        finally:
            watch.close()
            plain.close()
    return {"fetching": fetch, "changes": rows, "render_held": held, "render_live": live}


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
    now = time.time()
    names = [f"{PREFIX}sig{i}" for i in range(1, SOURCES + 1)]

    def archived(i: int) -> Samples:
        history = sine(period=20, offset=0.5 * i, start=now - days * DAY)
        return parse_response(json.dumps(answer(history, names[i - 1], now - WEEK, now,
                                                WIDTH)), names[i - 1]).samples

    def scene(samples: List[Samples], end: float, window: float, live: bool) -> Scene:
        return Scene([Trace(n, s, style=TraceStyle(color=c))
                      for n, s, c in zip(names, samples, PALETTE)],
                     TimeView(end, window, live=live))

    def live(k: int) -> Scene:
        end = now + 0.1 * k
        t = np.arange(end - 60.0, end, 0.1)
        return scene([Samples(t, np.array([signal_value(i, x) for x in t]),
                              np.zeros(len(t), np.int8)) for i in range(1, SOURCES + 1)],
                     end, 60.0, True)
    week = scene([archived(i) for i in range(1, SOURCES + 1)], now, WEEK, False)
    lives = [live(k) for k in range(frames + 3)]
    renderers = {"live": ChartRenderer(WIDTH, HEIGHT), "held_week": ChartRenderer(WIDTH, HEIGHT)}
    spent = {"live": 0.0, "held_week": 0.0}
    for k in range(frames + 3):
        for name, frame in (("live", lives[k]), ("held_week", week)):
            start = time.perf_counter()
            renderers[name].render(frame)
            if k >= 3:                          # after the first draws
                spent[name] += time.perf_counter() - start
    return {name: 1e3 * spent[name] / frames for name in spent}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--rate", type=float, default=10.0, help="frames and samples/s (10)")
    parser.add_argument("--delay", type=float, default=10.0,
                        help="how late the slow Appliance answers, s (10)")
    parser.add_argument("--seconds", type=float, default=15.0, help="render spans, s (15)")
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
    archived = [r for r in ours["changes"] if r["kind"] == "archive"]
    own = [r for r in ours["changes"] if r["kind"] == "own"]
    chart_s = statistics.median(r["chart_s"] for r in archived)
    own_s = statistics.median(r["complete_s"] for r in own)
    fetch, held, live = ours["fetching"], ours["render_held"], ours["render_live"]
    fetch["ratio"] = fetch["fps_fetch"] / fetch["baseline_fps"]
    fetch["goal_fps"] = 0.9 * args.rate
    render = {"ioc_held_week": held, "ioc_live": live,
              "ioc_ratio": held["median_ms"] / live["median_ms"],
              "alone_held_week_ms": alone["held_week"], "alone_live_ms": alone["live"],
              "alone_ratio": alone["held_week"] / alone["live"], "goal_ratio": 1.5}
    latency = {"chart_median_s": chart_s, "chart_max_s": max(r["chart_s"] for r in archived),
               "complete_median_s": statistics.median(r["complete_s"] for r in archived),
               "own_median_s": own_s, "ratio": chart_s / own_s, "goal_s": 1.0}
    write_results("history", {"rate": args.rate, "size": f"{WIDTH}x{HEIGHT}",
                              "sources": SOURCES, "days": args.days, "delay": args.delay,
                              "load_average": load, "changes": ours["changes"],
                              "latency": latency, "render": render, "fetching": fetch},
                  args.json)
    print(f"load average (1 min) {load[0]:.1f} at the start, {load[1]:.1f} at the end")
    print(f"render in the IOC: held week {held['median_ms']:.1f} ms ({held['frames']} frames, "
          f"{held['distinct']} distinct, in {held['seconds']:g} s), live 60 s "
          f"{live['median_ms']:.1f} ms; alone: held week {alone['held_week']:.1f} ms, live "
          f"{alone['live']:.1f} ms")
    print(f"range change, chart's part (median of {len(archived)}): {chart_s:.2f} s, max "
          f"{latency['chart_max_s']:.2f} s (goal <= 1 s); whole, with this Appliance: "
          f"{latency['complete_median_s']:.2f} s; within own history {own_s:.2f} s")
    print(f"chart's part of a look back vs a change within own history: ratio "
          f"{chart_s / own_s:.2f}x; archived frame vs live, renderer alone: ratio "
          f"{render['alone_ratio']:.2f}x (IOC {render['ioc_ratio']:.2f}x; goal <= 1.5x); "
          f"fps while fetching vs without an archiver: ratio {fetch['ratio']:.2f}x "
          f"({fetch['fps_fetch']:.2f} fps; goal >= {fetch['goal_fps']:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
