"""Frames per second actually received by 1, 5 and 10 client processes from the chart IOC.

Runs a motor IOC (moving back and forth) and the chart IOC as subprocesses on loopback, then
client processes that subscribe to ``chart:ArrayData`` (640x480 RGB1, 921,600 bytes) with
pyepics and count the frames they receive. Printed: per configuration, the configured rate,
the slowest and fastest client's fps, and the chart IOC's CPU.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iocs.caenv import client_env, free_port  # noqa: E402

PORTS = {"motor": free_port(), "chart": free_port()}
REPEATER = free_port()
os.environ.update(client_env(PORTS.values(), REPEATER))

import epics  # noqa: E402

from tests.harness import IocProcess, cpu_seconds, wait_until  # noqa: E402

CLIENT = textwrap.dedent("""
    import sys, time, epics
    pv = epics.PV(sys.argv[1], auto_monitor=True)
    if not pv.wait_for_connection(10):
        sys.exit("no connection")
    times = []
    pv.add_callback(lambda **kw: times.append(time.monotonic()))
    print("ready", flush=True)
    sys.stdin.readline()                  # start
    n0 = len(times)
    t0 = time.monotonic()
    sys.stdin.readline()                  # stop
    t1 = time.monotonic()
    print((len(times) - n0) / (t1 - t0), flush=True)
""")


def measure(n_clients: int, rate: float, chart: IocProcess, seconds: float = 5.0):
    epics.caput("BF:chart:rate", rate, wait=True)
    procs = [subprocess.Popen([sys.executable, "-c", CLIENT, "BF:chart:ArrayData"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(n_clients)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready"
        for p in procs:
            p.stdin.write("\n")
            p.stdin.flush()
        c0 = cpu_seconds(chart.pid)
        stop = threading.Event()
        stop.wait(seconds)                        # the measurement window itself
        c1 = cpu_seconds(chart.pid)
        for p in procs:
            p.stdin.write("\n")
            p.stdin.flush()
        received = [float(p.stdout.readline()) for p in procs]
    finally:
        for p in procs:
            p.kill()
            p.wait()
    return min(received), max(received), (c1 - c0) / seconds


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="pvchart-fanout-"))
    repeater = IocProcess("repeater", ["-m", "iocs.repeater"], free_port(), REPEATER, work,
                          ready_pv=None).start()
    motor = IocProcess("motor", ["-m", "iocs.motor", "--prefix", "BF:"], PORTS["motor"],
                       REPEATER, work, ready_pv="BF:motor.RTYP", peers=PORTS.values())
    chart = IocProcess("chart", ["-m", "iocs.chart", "--prefix", "BF:", "--window", "5"],
                       PORTS["chart"], REPEATER, work, ready_pv="BF:chart:UniqueId_RBV",
                       peers=PORTS.values())
    stop = threading.Event()

    def shuttle() -> None:
        x = 5.0
        while not stop.is_set():
            epics.caput("BF:motor.VAL", x, wait=True, timeout=60)
            x = 5.0 - x
    try:
        motor.start()
        chart.start()
        wait_until(lambda: epics.caget("BF:chart:status", use_monitor=False)
                   == "2 of 2 sources connected", 20, "chart sources")
        mover = threading.Thread(target=shuttle, daemon=True)
        mover.start()
        print("640x480 RGB1 frames (921,600 bytes) received per client:")
        for rate, clients in ((10, 1), (10, 5), (10, 10), (60, 1), (60, 5), (60, 10)):
            lo, hi, cpu = measure(clients, rate, chart)
            print(f"  rate {rate:4.0f} Hz, {clients:2d} clients: {lo:5.1f} .. {hi:5.1f} fps "
                  f"received, chart IOC CPU {cpu:6.1%}")
    finally:
        stop.set()
        for proc in (chart, motor, repeater):
            proc.stop()


if __name__ == "__main__":
    main()
