"""Fan-out: the server's CPU to send one chart to 1, 5 and 10 consoles, CA vs PV Access.

The same 640x480 RGB chart frames at the same rate (default 10 Hz) are served by
``frame_server.py`` over each transport in turn: caproto raw frames (the chart IOC's CA path),
p4p NTNDArray raw and p4p NTNDArray with the LZ4 codec (the chart IOC's PVA path; encoding
counted). Each client is its own process subscribing like a console's data plugin does
(pyepics monitor; p4p monitor) and counting the frames it gets. Printed per transport and
client count: server CPU, slowest and fastest client fps; the ratio PVA LZ4 / CA last.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path
from typing import Any, Dict, List

from stack import ROOT, CpuWindow, write_results

from iocs.common.caenv import IocPorts, client_env, free_port, server_env
from tests.support.harness import IocProcess

PREFIX = "BF:"
TRANSPORTS = ("ca", "pva-raw", "pva-lz4")
CLIENT = textwrap.dedent("""
    import sys, threading, time
    transport, name = sys.argv[1], sys.argv[2]
    times = []
    if transport == "ca":
        import epics
        pv = epics.PV(name, auto_monitor=True)
        if not pv.wait_for_connection(20):
            sys.exit("no connection")
        pv.add_callback(lambda **kw: times.append(time.monotonic()))
    else:
        from p4p.client.thread import Context
        ctxt = Context("pva", nt=False)
        sub = ctxt.monitor(name, lambda v: times.append(time.monotonic()),
                           notify_disconnect=False)
    deadline = time.monotonic() + 20
    while len(times) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    print("ready" if times else "no frames", flush=True)
    sys.stdin.readline()
    n0, t0 = len(times), time.monotonic()
    sys.stdin.readline()
    print((len(times) - n0) / (time.monotonic() - t0), flush=True)
""")


def measure(transport: str, clients: int, rate: float, seconds: float,
            repeater: int) -> Dict[str, Any]:
    ports = IocPorts.allocate()
    channel = f"{PREFIX}ArrayData" if transport == "ca" else f"{PREFIX}Pva1:Image"
    server = subprocess.Popen([sys.executable, str(Path(__file__).with_name("frame_server.py")),
                               transport, PREFIX, str(rate), "640", "480"],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env=server_env(ports, [], repeater))
    procs: List[subprocess.Popen] = []
    try:
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{transport} frame server did not start")
        env = client_env([ports], repeater)
        procs = [subprocess.Popen([sys.executable, "-c", CLIENT, transport, channel],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=env) for _ in range(clients)]
        for p in procs:
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a {transport} client got no frames")
        with CpuWindow({"server": server.pid}) as cpu:
            for p in procs:
                p.stdin.write("\n")
                p.stdin.flush()
            threading.Event().wait(seconds)              # the measured span itself
            for p in procs:
                p.stdin.write("\n")
                p.stdin.flush()
            fps = [float(p.stdout.readline()) for p in procs]
        return {"transport": transport, "clients": clients, "server_cpu": cpu.share["server"],
                "fps_min": min(fps), "fps_max": max(fps)}
    finally:
        for p in [*procs, server]:
            p.kill()
            p.wait()


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--rate", type=float, default=10.0, help="frames per second (10)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured span (20)")
    parser.add_argument("--json", default=None,
                        help="results file (default benchmarks/results/chart_fanout.json)")
    args = parser.parse_args(argv)
    rows = []
    repeater_port = free_port()
    repeater = IocProcess("repeater", ["-m", "iocs.ops.repeater", "--host", "127.0.0.1"],
                          IocPorts(free_port()), repeater_port,
                          Path(tempfile.mkdtemp(prefix="pvchart-bench-")), ready_pv=None)
    repeater.start()
    try:
        for clients in (1, 5, 10):
            for transport in TRANSPORTS:
                r = measure(transport, clients, args.rate, args.seconds, repeater_port)
                rows.append(r)
                print(f"{transport:8s} {clients:2d} clients: server CPU "
                      f"{r['server_cpu']:6.1%}, clients {r['fps_min']:5.1f} .. "
                      f"{r['fps_max']:5.1f} fps", flush=True)
    finally:
        repeater.stop()
    write_results("chart_fanout", {"rate": args.rate, "size": "640x480", "rows": rows},
                  args.json)
    at10 = {r["transport"]: r for r in rows if r["clients"] == 10}
    print(f"10 clients at {args.rate:g} Hz: PVA LZ4 server CPU / CA raw frames: ratio "
          f"{at10['pva-lz4']['server_cpu'] / at10['ca']['server_cpu']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
