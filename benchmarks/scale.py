"""Scale: one chart to many consoles, eight charts on one host, consoles through a PVA gateway.

1. **Fan-out** (loopback): one chart IOC, 4 sources moving at 10 Hz (``signals_ioc.py``),
   640x480 RGB at up to 10 Hz, served over PV Access (LZ4, the default) to 1, 10, 20, 50 and
   100 consoles and over CA to 1, 10 and 20: the baseline, the same chart IOC at the same
   console counts. A PVA console is a p4p context of its own (its own TCP circuit), up to
   ``--per-process`` of them in one process; a CA console is a pyepics process (libca has
   one context per process). Consoles count the frames they get, they do not paint them.
   The chart IOC's CPU is split into its threads: the asyncio loop (CA server, source
   monitors, frame posting), the render worker (matplotlib, LZ4, the NTNDArray) and p4p's
   network threads (PVA serving); the consoles' CPU is measured apart.
2. **Eight charts on one host**: eight chart IOCs, each charting 4 of 32 sources that move at
   2 Hz, each at ``--rate 2`` and then at its default rate (10 Hz), one PVA console each;
   the baseline is the first chart alone, measured before the others start.
3. **Through a gateway** (network namespaces, root only): the chart IOC (4 sources at 10 Hz)
   on subnet A, p4p's ``pvagw`` with the shipped configuration on a host on A and B, and
   10 or 100 consoles on subnet B through it; the baseline is the same consoles on a host on
   A reaching the chart IOC directly.

Every measured span is ``--seconds`` long, after the chart's window (60 s) has filled.
Printed: each row, the goals (met or not), then the ratios; written to
``benchmarks/results/scale.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Sequence

from stack import ROOT, CpuWindow, write_results

from iocs.common.caenv import IocPorts, client_env, free_port
from tests.support.harness import IocProcess, ca_read, ca_write

PY = sys.executable
HERE = Path(__file__).resolve().parent
FANOUT_PVA = (1, 10, 20, 50, 100)
FANOUT_CA = (1, 10, 20)
GATEWAY_CONSOLES = (10, 100)
GOALS = {"fps": 9.5, "ioc_cpu_100": 0.25, "eight_charts_cpu": 1.0}
Popen = Callable[..., subprocess.Popen]


# ---- measuring ------------------------------------------------------------------------------
def thread_cpu(pid: int) -> Dict[str, float]:
    """CPU seconds of a process's threads, grouped: ``main`` (the first thread), ``pvxs``
    (p4p's network threads, named PVX...; ``pvxs_sys`` the kernel's part of it), ``other``
    (Python worker threads)."""
    groups = {"main": 0.0, "pvxs": 0.0, "pvxs_sys": 0.0, "other": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            comm = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:                                    # the thread ended meanwhile
            continue
        group = "main" if int(tid) == pid else "pvxs" if comm.startswith("PVX") else "other"
        groups[group] += (int(fields[11]) + int(fields[12])) / tick
        if group == "pvxs":
            groups["pvxs_sys"] += int(fields[12]) / tick
    return groups


def _out(proc: subprocess.Popen) -> IO[str]:
    assert proc.stdout is not None, "started with stdout=PIPE"
    return proc.stdout


def split_sizes(count: int, per_process: int) -> List[int]:
    """``count`` consoles in as few processes of at most ``per_process`` as can hold them,
    as evenly as possible."""
    processes = -(-count // per_process)
    return [count // processes + (i < count % processes) for i in range(processes)]


class Consoles:
    """``count`` consoles (``monitor_proc.py``) started with ``popen``; ``measure`` runs one
    span and returns the figures."""

    def __init__(self, popen: Popen, kind: str, name: str, count: int, per_process: int):
        sizes = split_sizes(count, per_process) if kind == "pva" else [1] * count
        self.kind, self.count = kind, count
        self.procs: List[subprocess.Popen] = []
        script = str(HERE / "monitor_proc.py")
        try:
            for size in sizes:
                args = [PY, script, kind, name] + ([str(size)] if kind == "pva" else [])
                self.procs.append(popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, cwd=ROOT))
            for p in self.procs:
                line = _out(p).readline().strip()
                if line != "ready":
                    raise RuntimeError(f"{kind} consoles for {name}: {line or 'no output'}")
        except BaseException:
            self.close()
            raise

    def tell(self, line: str) -> None:
        """``start`` or ``stop`` to every console process."""
        for p in self.procs:
            assert p.stdin is not None
            p.stdin.write(line + "\n")
            p.stdin.flush()

    def reports(self) -> List[Dict[str, Any]]:
        """What each console process answered to ``stop``."""
        return [json.loads(_out(p).readline()) for p in self.procs]

    def measure(self, seconds: float, servers: Dict[str, int],
                reference: Optional[Consoles] = None) -> Dict[str, Any]:
        """One span: the servers' CPU (and their threads'), the consoles' CPU and frame
        rates; ``reference`` (one console reaching the chart IOC directly), measured over the
        same span, gives the rate the IOC served meanwhile."""
        pids = dict(servers, **{f"console{i}": p.pid for i, p in enumerate(self.procs)})
        threads_before = {k: thread_cpu(pid) for k, pid in servers.items()}
        load = os.getloadavg()[0]
        both = [self] + ([reference] if reference is not None else [])
        with CpuWindow(pids) as cpu:
            for c in both:
                c.tell("start")
            threading.Event().wait(seconds)                 # the measured span itself
            for c in both:
                c.tell("stop")
            reports = self.reports()
            references = reference.reports() if reference is not None else []
        fps = sorted(c["ids"] / r["span"] for r in reports for c in r["consoles"])
        out: Dict[str, Any] = {
            "consoles": self.count, "processes": len(self.procs),
            "fps_min": fps[0], "fps_median": statistics.median(fps), "fps_max": fps[-1],
            "console_cpu": sum(v for k, v in cpu.share.items() if k.startswith("console")),
            "load": [load, os.getloadavg()[0]]}
        if references:
            out["reference_fps"] = references[0]["consoles"][0]["ids"] / references[0]["span"]
        for name, pid in servers.items():
            out[f"{name}_cpu"] = cpu.share[name]
            after = thread_cpu(pid)
            out[f"{name}_threads"] = {g: (after[g] - threads_before[name][g]) / cpu.seconds
                                      for g in after}
        return out

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()


def row_text(label: str, r: Dict[str, Any], servers: Sequence[str]) -> str:
    cpu = ", ".join(f"{s} CPU {r[f'{s}_cpu']:6.1%}" for s in servers)
    served = (f" (the IOC served {r['reference_fps']:5.2f})" if "reference_fps" in r
              else "")
    return (f"{label:24s} {r['consoles']:3d} consoles ({r['processes']:2d} proc): {cpu}, "
            f"consoles {r['console_cpu']:6.1%}; fps min {r['fps_min']:5.2f} median "
            f"{r['fps_median']:5.2f}{served}")


@contextmanager
def ca_env(ports: Sequence[IocPorts], repeater_port: int) -> Iterator[None]:
    """This process's environment set for caproto's sync client to find ``ports``."""
    before = dict(os.environ)
    os.environ.update(client_env(ports, repeater_port))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)


def frame_facts(prefix: str, ports: IocPorts, repeater_port: int) -> Dict[str, float]:
    """What one of the chart's frames costs: its render time (``render_ms``, wall time in the
    IOC's render thread, mean of 20 frames), its size raw and LZ4-compressed, and the LZ4
    encoding (``encode_frame``, timed here on that frame)."""
    import lz4.block
    import numpy as np
    from p4p.client.thread import Context

    from iocs.chart.pva import encode_frame
    with ca_env([ports], repeater_port):
        renders = []
        for _ in range(20):
            renders.append(ca_read(f"{prefix}chart:render_ms").data[0])
            threading.Event().wait(0.1)                 # one sample per frame (10 Hz)
    conf = {"EPICS_PVA_ADDR_LIST": f"127.0.0.1:{ports.pva_udp}",
            "EPICS_PVA_AUTO_ADDR_LIST": "NO"}
    with Context("pva", conf=conf, useenv=False, nt=False) as ctxt:
        v = ctxt.get(f"{prefix}chart:Pva1:Image", timeout=30)
    raw = np.frombuffer(lz4.block.decompress(v.value.tobytes(),
                                             uncompressed_size=v.uncompressedSize), np.uint8)
    frame = raw.reshape(v.dimension[2].size, v.dimension[1].size, 3)
    start = time.perf_counter()
    for _ in range(20):
        encode_frame(frame, "LZ4", 1, 0.0)
    return {"render_ms": float(statistics.mean(renders)), "raw_bytes": int(v.uncompressedSize),
            "lz4_bytes": int(v.compressedSize),
            "encode_ms": (time.perf_counter() - start) / 20 * 1e3}


def settle(seconds: float, what: str) -> None:
    print(f"  ({what}: {seconds:.0f} s)", flush=True)
    threading.Event().wait(seconds)          # the chart's window filling, nothing to poll


# ---- the parts ------------------------------------------------------------------------------
class Loopback:
    """IOCs on loopback ports (a repeater, IocProcess each), all stopped by ``close``."""

    def __init__(self) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="pvchart-scale-"))
        self.repeater_port = free_port()
        self.ports: List[IocPorts] = []
        self.started = [IocProcess("repeater", ["-m", "iocs.ops.repeater", "--host",
                                                "127.0.0.1"], IocPorts(free_port()),
                                   self.repeater_port, self.work / "repeater", ready_pv=None)]
        self.started[0].start()

    def start(self, role: str, args: List[str], ports: IocPorts,
              peers: Sequence[IocPorts] = ()) -> IocProcess:
        proc = IocProcess(role, args, ports, self.repeater_port, self.work / role,
                          ready_pv=None, peers=peers)
        self.started.append(proc)
        self.ports.append(ports)
        return proc.start()

    def signals(self, prefix: str, count: int, rate: float) -> IocPorts:
        ports = IocPorts.allocate(pva=False)
        self.start("signals", [str(HERE / "signals_ioc.py"), "--prefix", prefix, "--count",
                               str(count), "--rate", str(rate)], ports)
        return ports

    def chart(self, prefix: str, sources: Sequence[str], signals: IocPorts,
              *args: str) -> IocProcess:
        return self.start(f"chart-{prefix.strip(':')}",
                          ["-m", "iocs.chart", "--prefix", prefix, "--sources",
                           ",".join(sources), *args], IocPorts.allocate(), [signals])

    def popen(self) -> Popen:
        """Starts consoles that find every IOC started so far."""
        env = client_env(self.ports, self.repeater_port)

        def popen(args: List[str], **kw: Any) -> subprocess.Popen:
            return subprocess.Popen(args, env=env, **kw)
        return popen

    def close(self) -> None:
        for proc in reversed(self.started):
            proc.stop()
        shutil.rmtree(self.work, ignore_errors=True)


def fanout(args: argparse.Namespace) -> Dict[str, Any]:
    site = Loopback()
    rows: List[Dict[str, Any]] = []
    try:
        signals = site.signals("SCF:sig", 4, 10.0)
        chart = site.chart("SCF:", [f"SCF:sig{i}" for i in range(1, 5)], signals)
        popen = site.popen()
        first = Consoles(popen, "pva", "SCF:chart:Pva1:Image", 1, 1)   # the chart is up
        first.close()
        settle(args.warmup, "the chart's window fills")
        with CpuWindow({"ioc": chart.pid}) as idle:
            threading.Event().wait(args.seconds)
        print(f"{'no console':24s}   0 consoles: ioc CPU {idle.share['ioc']:6.1%}", flush=True)
        facts = frame_facts("SCF:", chart.ports, site.repeater_port)
        print(f"a frame: render {facts['render_ms']:.1f} ms (wall), LZ4 "
              f"{facts['encode_ms']:.1f} ms, "
              f"{facts['raw_bytes']} bytes, {facts['lz4_bytes']} compressed", flush=True)
        plan = sorted([("pva", n) for n in FANOUT_PVA] + [("ca", n) for n in FANOUT_CA],
                      key=lambda kn: (kn[1], kn[0] != "pva"))
        for kind, n in plan:
            name = "SCF:chart:Pva1:Image" if kind == "pva" else "SCF:chart:ArrayData"
            consoles = Consoles(popen, kind, name, n, args.per_process)
            try:
                r = consoles.measure(args.seconds, {"ioc": chart.pid})
            finally:
                consoles.close()
            r["transport"] = "pva-lz4" if kind == "pva" else "ca"
            rows.append(r)
            print(row_text(r["transport"], r, ["ioc"]), flush=True)
    finally:
        site.close()
    return {"idle_ioc_cpu": idle.share["ioc"], "frame": facts, "rows": rows}


def eight_charts(args: argparse.Namespace) -> Dict[str, Any]:
    site = Loopback()
    out: Dict[str, Any] = {"rows": []}
    charts: List[IocProcess] = []
    consoles: List[Consoles] = []
    try:
        signals = site.signals("SCE:sig", 32, 2.0)
        prefixes = [f"SCE{i}:" for i in range(1, 9)]
        for i, prefix in enumerate(prefixes):
            sources = [f"SCE:sig{4 * i + k}" for k in range(1, 5)]
            charts.append(site.chart(prefix, sources, signals, "--rate", "2"))
            consoles.append(Consoles(site.popen(), "pva", f"{prefix}chart:Pva1:Image", 1, 1))
            if i == 0:
                settle(args.warmup, "one chart, its window fills")
                r = consoles[0].measure(args.seconds, {"ioc": charts[0].pid})
                print(row_text("one chart, 2 Hz", r, ["ioc"]), flush=True)
                out["single"] = r
        settle(args.warmup, "eight charts, their windows fill")
        for rate in (2.0, 10.0):
            with ca_env(site.ports, site.repeater_port):
                for prefix in prefixes:
                    ca_write(f"{prefix}chart:rate", rate, notify=True)
            if rate != 2.0:
                settle(args.seconds / 2, "charts at the new rate")
            out["rows"].append(measure_many(consoles, charts, args.seconds, rate))
    finally:
        for c in consoles:
            c.close()
        site.close()
    return out


def measure_many(consoles: List[Consoles], charts: List[IocProcess], seconds: float,
                 rate: float) -> Dict[str, Any]:
    """All eight consoles measured over one span (each Consoles opened with one process)."""
    pids = {f"ioc{i}": c.pid for i, c in enumerate(charts)}
    pids.update({f"console{i}": c.procs[0].pid for i, c in enumerate(consoles)})
    with CpuWindow(pids) as cpu:
        for c in consoles:
            c.tell("start")
        threading.Event().wait(seconds)                     # the measured span itself
        for c in consoles:
            c.tell("stop")
        reports = [r for c in consoles for r in c.reports()]
    fps = [r["consoles"][0]["ids"] / r["span"] for r in reports]
    per_chart = [cpu.share[f"ioc{i}"] for i in range(len(charts))]
    r = {"rate": rate, "charts": len(charts), "total_cpu": sum(per_chart),
         "per_chart_cpu": per_chart, "fps_min": min(fps), "fps_max": max(fps),
         "console_cpu": sum(v for k, v in cpu.share.items() if k.startswith("console"))}
    print(f"eight charts at {rate:g} Hz: all chart IOCs {r['total_cpu']:6.1%} "
          f"({min(per_chart):.1%} .. {max(per_chart):.1%} each), consoles "
          f"{r['console_cpu']:.1%}; fps {r['fps_min']:.2f} .. {r['fps_max']:.2f}", flush=True)
    return r


def gateway(args: argparse.Namespace) -> Dict[str, Any]:
    from tests.support.gateway import GatewaySite
    work = Path(tempfile.mkdtemp(prefix="pvchart-scale-"))
    site = GatewaySite(dict(os.environ), work)
    rows: List[Dict[str, Any]] = []
    try:
        direct_host = site.net.add("opa", 30)              # a console host on A
        sig = site.start_ioc("signals", [str(HERE / "signals_ioc.py"), "--prefix",
                                         "BEAMLINE:sig", "--count", "4", "--rate", "10"])
        chart = site.start_ioc("chart", [
            "-m", "iocs.chart", "--prefix", "BEAMLINE:", "--sources",
            ",".join(f"BEAMLINE:sig{i}" for i in range(1, 5))])
        gw = site.start_gateway()
        Consoles(site.console.popen, "pva", "BEAMLINE:chart:Pva1:Image", 1, 1).close()
        reference = Consoles(direct_host.popen, "pva", "BEAMLINE:chart:Pva1:Image", 1, 1)
        settle(args.warmup, "the chart's window fills")
        for n in GATEWAY_CONSOLES:
            for path, host in (("gateway", site.console), ("direct", direct_host)):
                consoles = Consoles(host.popen, "pva", "BEAMLINE:chart:Pva1:Image", n,
                                    args.per_process)
                try:
                    r = consoles.measure(args.seconds, {"ioc": chart.pid, "gateway": gw.pid},
                                         reference)
                finally:
                    consoles.close()
                r["path"] = path
                rows.append(r)
                print(row_text(f"{path} (namespaces)", r, ["ioc", "gateway"]), flush=True)
        assert sig.poll() is None and chart.poll() is None and gw.poll() is None
        reference.close()
    finally:
        site.close()
        shutil.rmtree(work, ignore_errors=True)
    return {"rows": rows}


# ---- report ---------------------------------------------------------------------------------
def goals(results: Dict[str, Any]) -> Iterator[str]:
    """One line per goal: met or not, with the figure."""
    pva = [r for r in results["fanout"]["rows"] if r["transport"] == "pva-lz4"]
    for r in pva:
        yield (f"PVA to {r['consoles']:3d} consoles: every console >= {GOALS['fps']} fps: "
               f"{'met' if r['fps_min'] >= GOALS['fps'] else 'NOT met'} "
               f"(slowest {r['fps_min']:.2f})")
    at100 = next(r for r in pva if r["consoles"] == 100)
    yield (f"chart IOC <= {GOALS['ioc_cpu_100']:.0%} of a core at 100 PVA consoles: "
           f"{'met' if at100['ioc_cpu'] <= GOALS['ioc_cpu_100'] else 'NOT met'} "
           f"({at100['ioc_cpu']:.1%}; render worker {at100['ioc_threads']['other']:.1%}, "
           f"asyncio loop {at100['ioc_threads']['main']:.1%}, PVA network "
           f"{at100['ioc_threads']['pvxs']:.1%} of which kernel "
           f"{at100['ioc_threads']['pvxs_sys']:.1%})")
    ca = [r for r in results["fanout"]["rows"] if r["transport"] == "ca"]
    yield (f"CA to {ca[-1]['consoles']} consoles: slowest {ca[-1]['fps_min']:.2f} fps, chart "
           f"IOC {ca[-1]['ioc_cpu']:.1%}")
    if "eight_charts" in results:
        for r in results["eight_charts"]["rows"]:
            yield (f"eight charts at {r['rate']:g} Hz <= {GOALS['eight_charts_cpu']:g} core: "
                   f"{'met' if r['total_cpu'] <= GOALS['eight_charts_cpu'] else 'NOT met'} "
                   f"({r['total_cpu']:.0%})")


def ratios(results: Dict[str, Any]) -> Iterator[str]:
    rows = results["fanout"]["rows"]
    for n in FANOUT_CA:
        pva, ca = (next(r for r in rows if r["transport"] == t and r["consoles"] == n)
                   for t in ("pva-lz4", "ca"))
        yield (f"{n:3d} consoles, chart IOC CPU, PVA LZ4 vs CA: ratio "
               f"{pva['ioc_cpu'] / ca['ioc_cpu']:.2f}x")
    if "eight_charts" in results:
        e = results["eight_charts"]
        eight = e["rows"][0]
        yield (f"eight charts at 2 Hz vs eight times one chart: ratio "
               f"{eight['total_cpu'] / (8 * e['single']['ioc_cpu']):.2f}x")
    if "gateway" in results:
        g = results["gateway"]["rows"]
        for n in GATEWAY_CONSOLES:
            via, direct = (next(r for r in g if r["path"] == p and r["consoles"] == n)
                           for p in ("gateway", "direct"))
            yield (f"{n:3d} consoles, chart IOC CPU, through the gateway vs direct: ratio "
                   f"{via['ioc_cpu'] / direct['ioc_cpu']:.2f}x (pvagw "
                   f"{via['gateway_cpu']:.1%}; slowest console {via['fps_min']:.2f} of "
                   f"{via['reference_fps']:.2f} fps served, direct {direct['fps_min']:.2f} of "
                   f"{direct['reference_fps']:.2f})")


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured span (20)")
    parser.add_argument("--warmup", type=float, default=60.0,
                        help="before measuring: the chart's window fills (60)")
    parser.add_argument("--per-process", type=int, default=25,
                        help="PVA consoles (p4p contexts) per console process (25)")
    parser.add_argument("--parts", default="fanout,eight,gateway",
                        help="which parts to run (fanout,eight,gateway)")
    parser.add_argument("--json", default=None,
                        help="results file (default benchmarks/results/scale.json)")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    results: Dict[str, Any] = {"rate": 10.0, "size": "640x480", "sources": 4,
                               "per_process": args.per_process, "seconds": args.seconds,
                               "goals": GOALS}
    if "fanout" in parts:
        print("1. one chart, 4 sources at 10 Hz, to many consoles (loopback)", flush=True)
        results["fanout"] = fanout(args)
    if "eight" in parts:
        print("2. eight charts on one host, 4 sources each at 2 Hz", flush=True)
        results["eight_charts"] = eight_charts(args)
    if "gateway" in parts:
        from tests.support.netns import netns_available
        why_not = netns_available()
        if why_not is None:
            print("3. consoles through pvagw (network namespaces)", flush=True)
            results["gateway"] = gateway(args)
        else:
            print(f"3. gateway skipped: {why_not}")
    write_results("scale", results, args.json)
    if "fanout" in results:
        print("goals:")
        for line in goals(results):
            print("  " + line)
        for line in ratios(results):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
