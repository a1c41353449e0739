"""What benchmarks/history.py observes with: the test Archiver Appliance as a process that
logs when each request came and was answered, and a chart IOC watched over CA.

:class:`TimedAppliance` runs ``tests/support/appliance.py``'s :class:`TestAppliance` with a
middleware that prints each request's arrival and answer time, and a delay that can be changed
while it runs. :class:`ChartWatch` keeps every update of a chart's frames (which trace colours
its picture has across a probe strip, a checksum), ``UniqueId_RBV``, ``render_ms``,
``archiverStatus``, time-range PVs and ``T<n>:times`` with its server time stamp, and answers
when a frame or the data first showed a range.
"""
from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import textwrap
import threading
import zlib
from collections import deque
from dataclasses import dataclass
from typing import Any, Deque, Dict, List, Optional, Tuple, cast

import numpy as np
from stack import ROOT, wait_until

__all__ = ["TimedAppliance", "ChartWatch", "Expect", "coverage", "covers"]

#: Colours of traces 1..4 (the chart's default palette) as RGB.
COLOURS = np.array([[0x00, 0x72, 0xb2], [0xe6, 0x9f, 0x00], [0x00, 0x9e, 0x73],
                    [0xcc, 0x79, 0xa7]], dtype=np.int16)
#: The test Appliance in a process of its own, printing each request's times as JSON lines;
#: a line "delay <s>" on its input sets how late it answers (acknowledged).
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
    tol = max(2 * column, 2.0)
    part = times[max(int(np.searchsorted(times, t0, side="right")) - 1, 0):
                 int(np.searchsorted(times, t1, side="right"))]
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
    """CA monitors of one chart (``traces`` traces, ``width`` pixels wide), each update kept
    with its server time stamp: frames (probe coverage, checksum), ``UniqueId_RBV``,
    ``render_ms``, ``archiverStatus``, the time-range PVs and the latest ``T<n>:times``."""

    def __init__(self, chart: str, traces: int, width: int) -> None:
        import epics
        self.width = width
        self.frames: List[Tuple[float, Tuple[float, ...], int]] = []
        self.uids: List[float] = []
        self.renders: List[Tuple[float, float]] = []
        self.status: List[Tuple[float, str]] = []
        self.updates: Dict[str, List[Tuple[float, Any]]] = {
            n: [] for n in ("window", "end", "live", "back", "forward")}
        self.data: Dict[int, Deque[Tuple[float, np.ndarray]]] = {
            n: deque(maxlen=100) for n in range(1, traces + 1)}
        sinks: Dict[str, Any] = {"UniqueId_RBV": lambda v, t: self.uids.append(t),
                                 "render_ms": lambda v, t: self.renders.append((t, v)),
                                 "archiverStatus": lambda v, t: self.status.append((t, v))}
        sinks.update({n: lambda v, t, u=u: u.append((t, v)) for n, u in self.updates.items()})
        sinks.update({f"T{n}:times": lambda v, t, d=d: d.append((t, np.atleast_1d(
            np.asarray(v, dtype=np.float64)))) for n, d in self.data.items()})
        sinks["ArrayData"] = self._frame
        self.pvs = [epics.PV(chart + name, auto_monitor=True, form="time",
                             callback=lambda value, timestamp, sink=sink, **kw:
                             sink(value, timestamp)) for name, sink in sinks.items()]
        for pv in self.pvs:
            if not pv.wait_for_connection(20):
                raise RuntimeError(f"{pv.pvname} did not connect")

    def _frame(self, value: np.ndarray, stamp: float) -> None:
        frame = np.asarray(value, dtype=np.uint8).reshape(-1, self.width, 3)
        self.frames.append((stamp, coverage(frame), zlib.crc32(frame.tobytes())))

    def rendered(self, since: float) -> List[Tuple[float, float, Tuple[float, ...], int]]:
        """Frames whose rendering began at ``since`` or later: (posted, render s, coverage,
        checksum); a frame's ``render_ms`` is the first one posted after it."""
        frames = [f for f in list(self.frames) if f[0] >= since]
        renders = list(self.renders)
        stamps = np.array([t for t, _ in renders])
        out = []
        for k, (stamp, cover, crc) in enumerate(frames):
            after = frames[k + 1][0] if k + 1 < len(frames) else math.inf
            i = int(np.searchsorted(stamps, stamp, side="left"))
            if i < len(renders) and stamps[i] < after and stamp - renders[i][1] / 1e3 >= since:
                out.append((stamp, renders[i][1] / 1e3, cover, crc))
        return out

    def first_full(self, since: float) -> Optional[float]:
        """Post time of the first frame rendered after ``since`` drawing every trace across
        the probe strip."""
        return next((f[0] for f in self.rendered(since) if min(f[2]) >= 0.9), None)

    def data_covered(self, since: float, expect: Expect) -> Optional[float]:
        """When every ``T<n>:times`` published after ``since`` covered ``expect``'s range."""
        firsts = [next((t for t, times in list(updates) if t >= since and
                        covers(times, *expect.edges(t), expect.window / self.width)), None)
                  for updates in self.data.values()]
        return None if None in firsts else max(cast(List[float], firsts))

    def put_stamp(self, name: str, since: float) -> float:
        """Server time stamp of the first update of ``name`` at or after ``since``."""
        return cast(float, wait_until(lambda: next(
            (t for t, _ in self.updates[name] if t >= since), None), 10, f"{name} written"))

    def fps(self, t0: float, t1: float) -> float:
        return sum(t0 <= t < t1 for t in list(self.uids)) / (t1 - t0)

    def render_ms(self, spans: List[Tuple[float, float]]) -> Dict[str, Any]:
        """``render_ms`` of the frames rendered and posted within ``spans``; how many of
        their pictures differ."""
        frames = [f for t0, t1 in spans for f in self.rendered(t0) if f[0] <= t1]
        ms = [1e3 * f[1] for f in frames] or [math.nan]
        return {"median_ms": statistics.median(ms), "frames": len(frames),
                "distinct": len({f[3] for f in frames}),
                "seconds": sum(t1 - t0 for t0, t1 in spans)}

    def close(self) -> None:
        for pv in self.pvs:
            pv.clear_callbacks()
            pv.disconnect()
        self.pvs = []
