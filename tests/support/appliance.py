"""A test Archiver Appliance: a real HTTP server on loopback that serves made-up history
through the Appliance's documented data-retrieval API, and fails on demand.

What it imitates (EPICS Archiver Appliance, github.com/archiver-appliance/epicsarchiverap):

- **Request** ``GET <retrieval>/data/getData.json?pv=<pv>&from=<ISO>&to=<ISO>`` where
  ``<retrieval>`` is the appliance's ``data_retrieval_url`` (``http://host:17668/retrieval``);
  ``from``/``to`` are ISO 8601 UTC, ``2012-09-27T08:00:00.000Z`` (parsed by
  ``java.time.Instant.parse``, falling back to an offset form ``2012-11-03T00:00:00-07:00``);
  missing ``to`` is now + 1 h, missing ``from`` is ``to`` - 1 day, ``to`` before ``from`` is
  HTTP 400. Optional ``fetchLatestMetadata=true`` adds the engine's latest field values to
  ``meta``; ``donotchunk`` etc. do not matter here. Sources: docs
  ``developer/guides/fetch_data_guide.md``, ``developer/references/retrieval-api.md``;
  ``DataRetrievalServlet.getRequestTimes``, ``TimeUtils.fromString``.
- **Post-processors** are named in ``pv``: ``optimized_1000(X:Y)`` (the servlet splits on
  ``( , )``). ``optimized_N``: "If there are less samples in the time interval than requested
  ..., all samples will be returned. If there are more samples than requested, the samples
  will be collected into bins. Mean, std, min, max and count of each bin is calculated and
  returned as a single sample" (docs ``operator/references/post-processors.md``). In
  ``Optimized.java``: raw when the events fed (including the one from before ``from``) number
  at most N; bins of ``max(1, (to_s - from_s) // N)`` whole seconds, a sample going to bin
  ``epochSeconds // interval``; ``val = [mean, std, min, max, count]`` with Apache Commons
  ``SummaryStatistics`` (sample std, n - 1; NaN values skipped but counted as events); the
  bin's severity is the highest in it. ``SummaryStatsPostProcessor`` /
  ``SummaryStatsCollectorEventStream``: bins ``from_s // interval`` .. ``to_s // interval``,
  each stamped at its middle (``bin * interval + interval // 2`` s, plus 0.5 s when the
  interval is odd); the last sample before ``from`` goes alone into the bin before the first;
  an empty bin after one with data repeats that bin's value (``optimized`` inherits; the
  ``optimLastSample`` variant uses the last value with count 0 instead). PyDM's
  ``pydm/data_plugins/archiver_plugin.py`` and Phoebus' ``ApplianceOptimizedValueIterator``
  read the answer the same way (a 5-list ``val`` is a bin, a number a raw sample).
- **Answer** (``mimeresponses/JSONResponse.java``): ``[{"meta": {"name": "<pv>", "EGU":
  "mm", "PREC": "3", ...}, "data": [{"secs": <epoch s>, "val": <number or list>, "nanos":
  <ns>, "severity": <int>, "status": <int>}, ...]}]``; ``meta`` values are all strings
  (the stream's headers), ``name`` is the PV without the post-processor. A PV with nothing to
  send gives ``[ ]``.
- **Before ``from``**: "The getData contract asks that we return the most recent known
  sample; even if this sample's timestamp is before the requested start/end time"
  (``plain/PathNameUtility.java``), so the first sample may precede ``from``.
- **Unarchived PV**: HTTP 404 ("Unable to find typeinfo for pv", ``DataRetrievalServlet``).

Failure modes for tests: :meth:`TestAppliance.stop` closes the port (down), ``delay``
answers late (slow), ``garbage`` answers a non-JSON body, unknown PVs get 404. Every request
is logged (:attr:`TestAppliance.requests`). In-process (a thread with its own event loop) or
as a process: ``python -m tests.support.appliance --port N --history SPEC ...``.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import math
import re
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from aiohttp import web

logger = logging.getLogger(__name__)

__all__ = ["MadeUpHistory", "sine", "LoggedRequest", "TestAppliance", "ApplianceProcess",
           "answer", "parse_spec"]

_PROCESSOR = re.compile(r"^(\w+?)(?:_(\d+))?\((.+)\)$")
Arrays = Tuple[np.ndarray, np.ndarray, np.ndarray]


class MadeUpHistory:
    """A PV's archived samples ``(t, value, severity)``, oldest first, with EGU and PREC;
    from arrays, or from a function of time sampled at ``rate`` Hz (up to now when ``end``
    is None: the archive goes on recording)."""

    def __init__(self, t: Sequence[float] = (), y: Sequence[float] = (),
                 severity: Optional[Sequence[int]] = None, *, egu: str = "", prec: int = 3,
                 function=None, rate: float = 1.0, start: float = 0.0,
                 end: Optional[float] = None) -> None:
        self.t = np.asarray(t, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        self.s = np.zeros(len(self.t), np.int64) if severity is None else \
            np.asarray(severity, dtype=np.int64)
        self.egu, self.prec = egu, prec
        self.function, self.rate, self.start, self.end = function, rate, start, end

    def samples(self, t0: float, t1: float) -> Tuple[Arrays, Optional[Tuple[float, float, int]]]:
        """The samples with ``t0 <= t <= t1``, and the last one before ``t0`` (or None)."""
        if self.function is None:
            i = int(np.searchsorted(self.t, t0, side="left"))
            j = int(np.searchsorted(self.t, t1, side="right"))
            before = (float(self.t[i - 1]), float(self.y[i - 1]), int(self.s[i - 1])) if i \
                else None
            return (self.t[i:j], self.y[i:j], self.s[i:j]), before
        end = time.time() if self.end is None else self.end
        k0 = max(math.ceil(t0 * self.rate), math.ceil(self.start * self.rate))
        k1 = min(math.floor(t1 * self.rate), math.floor(end * self.rate))
        t = np.arange(k0, k1 + 1, dtype=np.float64) / self.rate
        y, s = self.function(t)
        kb = min(k0 - 1, math.floor(end * self.rate))
        before = None
        if kb >= math.ceil(self.start * self.rate):
            yb, sb = self.function(np.array([kb / self.rate]))
            before = (kb / self.rate, float(yb[0]), int(sb[0]))
        return (t, y, s), before


def sine(period: float = 600.0, amplitude: float = 1.0, offset: float = 0.0,
         rate: float = 1.0, start: float = 0.0, end: Optional[float] = None,
         high: Optional[float] = None, egu: str = "", prec: int = 3) -> MadeUpHistory:
    """A sine sampled at ``rate`` Hz from ``start``; MAJOR (2) where it exceeds ``high``."""
    def f(t: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        y = offset + amplitude * np.sin(2 * np.pi * t / period)
        s = np.zeros(len(t), np.int64) if high is None else np.where(y > high, 2, 0)
        return y, s
    return MadeUpHistory(function=f, rate=rate, start=start, end=end, egu=egu, prec=prec)


def _item(t: float, val, severity: int) -> dict:
    secs = math.floor(t)
    return {"secs": secs, "val": val, "nanos": round((t - secs) * 1e9) % 1_000_000_000,
            "severity": int(severity), "status": 0}


def _bins(t: np.ndarray, y: np.ndarray, s: np.ndarray, before, t0: float, t1: float,
          points: int) -> List[dict]:
    """The ``optimized`` bins of the samples, as the Appliance stamps and fills them."""
    from_s, to_s = math.floor(t0), math.floor(t1)
    interval = max(1, (to_s - from_s) // points)
    first, last = from_s // interval, to_s // interval
    binned: Dict[int, list] = {}
    if before is not None:
        binned[first - 1] = [[before[1]], before[2]]
    for b, value, sev in zip((np.floor(t).astype(np.int64) // interval).tolist(),
                             y.tolist(), s.tolist()):
        entry = binned.setdefault(b, [[], 0])
        entry[0].append(value)
        entry[1] = max(entry[1], sev)
    out, previous = [], None
    for b in range(min(binned, default=first), last + 1):
        if b in binned:
            values = np.asarray(binned[b][0])
            ok = values[~np.isnan(values)]
            n = len(ok)
            previous = ([float(ok.mean()), float(ok.std(ddof=1)) if n > 1 else 0.0,
                         float(ok.min()), float(ok.max()), n] if n else
                        [math.nan, math.nan, math.nan, math.nan, 0], binned[b][1])
        if previous is not None:
            out.append(_item(b * interval + interval / 2.0, previous[0], previous[1]))
    return out


def answer(history: MadeUpHistory, pv: str, t0: float, t1: float,
           points: Optional[int]) -> list:
    """The Appliance's JSON answer (as Python data) for ``[t0, t1]`` of ``pv``: raw, or
    ``optimized_<points>``."""
    (t, y, s), before = history.samples(t0, t1)
    if len(t) and t[0] == t0:
        before = None           # a sample right at ``from`` needs none from before it
    events = len(t) + (before is not None)
    if not events:
        return []
    if points is None or events <= points:
        data = [_item(*before)] if before is not None else []
        data += [_item(a, b, c) for a, b, c in zip(t.tolist(), y.tolist(), s.tolist())]
    else:
        data = _bins(t, y, s, before, t0, t1, points)
    meta = {"name": pv, "EGU": history.egu, "PREC": str(history.prec)}
    return [{"meta": {k: v for k, v in meta.items() if v}, "data": data}]


@dataclass(frozen=True)
class LoggedRequest:
    """One getData request: the PV, the ``optimized`` points (None: raw), from and to."""

    pv: str
    points: Optional[int]
    t0: float
    t1: float


def _when(text: Optional[str], default: float) -> float:
    """An ISO 8601 time with its zone (``...Z`` or ``...-07:00``) in POSIX s."""
    if not text:
        return default
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return when.astimezone(UTC).timestamp()


class TestAppliance:
    """The test Appliance: ``start()`` serves ``history`` (PV name: :class:`MadeUpHistory`) on
    127.0.0.1 from a thread of its own; ``url`` is the retrieval base. ``delay`` (s) holds
    every answer back, ``garbage`` answers a body that is not JSON; :meth:`stop` closes the
    port (an Appliance that is down) and :meth:`start` opens the same port again."""

    __test__ = False        # not a pytest test class

    def __init__(self, history: Optional[Dict[str, MadeUpHistory]] = None, *, port: int = 0,
                 delay: float = 0.0, garbage: bool = False) -> None:
        self.history: Dict[str, MadeUpHistory] = dict(history or {})
        self.port = port
        self.delay = delay
        self.garbage = garbage
        self._log: List[LoggedRequest] = []
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._runner: Optional[web.AppRunner] = None

    @property
    def url(self) -> str:
        """The retrieval base, ``http://127.0.0.1:<port>/retrieval``."""
        return f"http://127.0.0.1:{self.port}/retrieval"

    @property
    def requests(self) -> List[LoggedRequest]:
        """The getData requests so far, oldest first (a copy)."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/retrieval/data/getData.json", self._get_data)
        return app

    async def _get_data(self, request: web.Request) -> web.Response:
        query = request.query
        name = query.get("pv", "")
        match = _PROCESSOR.match(name)
        points: Optional[int] = None
        if match:
            if match.group(1) != "optimized":
                raise web.HTTPBadRequest(text=f"{match.group(1)} is not served here")
            points, name = int(match.group(2) or 1000), match.group(3)
        try:
            t1 = _when(query.get("to"), time.time() + 3600.0)
            t0 = _when(query.get("from"), t1 - 86400.0)
        except ValueError as ex:
            raise web.HTTPBadRequest(text=f"Cannot parse time {ex}") from ex
        if t1 < t0:
            raise web.HTTPBadRequest(text="end is before start")
        with self._lock:
            self._log.append(LoggedRequest(name, points, t0, t1))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.garbage:
            return web.Response(text="<html><body>Tomcat says no</body></html>",
                                content_type="application/json")
        history = self.history.get(name)
        if history is None:
            raise web.HTTPNotFound(text=f"Unable to find typeinfo for pv {name}")
        return web.json_response(answer(history, name, t0, t1, points))

    async def serve(self) -> None:
        """Start serving in the running event loop (port 0: a free one, kept after)."""
        self._runner = web.AppRunner(self.app(), shutdown_timeout=0.5,
                                     handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start(self) -> TestAppliance:
        """Serve from a background thread; returns once the port is open."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failed: List[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.serve())
            except BaseException as ex:     # noqa: BLE001 - reported to start()
                failed.append(ex)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="test-appliance", daemon=True)
        self._thread.start()
        if not ready.wait(30.0) or failed:
            self._thread = None
            raise RuntimeError(f"test Appliance did not start: {failed}")
        return self

    def stop(self) -> None:
        """Close the port and end the thread (the Appliance is down)."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30.0)
        self._thread = None

    def __enter__(self) -> TestAppliance:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def parse_spec(spec: str) -> Tuple[str, MadeUpHistory]:
    """``PV=sine[:key=value,...]`` as a made-up history: keys period, amplitude, offset,
    rate (Hz), days (back from now), start/end (POSIX s), high, egu, prec."""
    name, _, rest = spec.partition("=")
    kind, _, args = rest.partition(":")
    if not name or kind != "sine":
        raise ValueError(f"history spec must be PV=sine[:key=value,...], not {spec!r}")
    kw: Dict[str, str] = dict(a.split("=", 1) for a in args.split(",") if a)
    now = time.time()
    floats = {k: float(v) for k, v in kw.items() if k not in ("egu", "prec", "days")}
    unknown = set(kw) - {"period", "amplitude", "offset", "rate", "days", "start", "end",
                         "high", "egu", "prec"}
    if unknown:
        raise ValueError(f"unknown history keys {sorted(unknown)} in {spec!r}")
    if "days" in kw:
        floats["start"] = now - float(kw["days"]) * 86400.0
    return name, sine(**floats, egu=kw.get("egu", ""),  # type: ignore[arg-type]
                      prec=int(kw.get("prec", 3)))


class ApplianceProcess:
    """The test Appliance as a process of its own (``python -m tests.support.appliance``),
    for IOC tests and benchmarks: ``start()`` returns once it serves; ``url`` is the
    retrieval base; ``stop()`` ends it by its PID."""

    def __init__(self, history: Sequence[str], *, port: int = 0, delay: float = 0.0,
                 garbage: bool = False) -> None:
        self.args = [sys.executable, "-m", "tests.support.appliance", "--port", str(port),
                     "--delay", str(delay), *(["--garbage"] if garbage else [])]
        for spec in history:
            self.args += ["--history", spec]
        self.proc: Optional[subprocess.Popen] = None
        self.url = ""

    def start(self, timeout: float = 60.0) -> ApplianceProcess:
        root = Path(__file__).resolve().parents[2]
        self.proc = subprocess.Popen(self.args, cwd=root, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("ready "):
            self.stop()
            raise RuntimeError(f"test Appliance process did not start: {line!r}")
        self.url = line.split()[1]
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30.0)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> ApplianceProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.appliance",
                                     description="A test Archiver Appliance on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port (0: a free one)")
    parser.add_argument("--history", action="append", default=[], metavar="SPEC",
                        help="PV=sine[:period=600,amplitude=1,offset=0,rate=1,days=7,"
                             "high=..,egu=..,prec=3]; repeatable")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--garbage", action="store_true", help="answer bodies that are not JSON")
    args = parser.parse_args(argv)
    try:
        history = dict(parse_spec(spec) for spec in args.history)
    except ValueError as ex:
        parser.error(str(ex))
    logging.basicConfig(level=logging.INFO)
    appliance = TestAppliance(history, port=args.port, delay=args.delay, garbage=args.garbage)

    async def run() -> None:
        await appliance.serve()
        print(f"ready {appliance.url}", flush=True)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await stop.wait()
        await appliance.shutdown()

    asyncio.run(run())


if __name__ == "__main__":
    main()
