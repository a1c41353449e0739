"""Frames per second actually received by 1, 5 and 10 client processes from the chart IOC.

Runs a motor IOC (moving back and forth) and the chart IOC as subprocesses on loopback, then
client processes that subscribe to ``chart:ArrayData`` (640x480 RGB1, 921,600 bytes) with
pyepics and count the frames they receive. Printed: per configuration, the configured rate,
the slowest and fastest client's fps, and the chart IOC's CPU.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

from stack import IocStack, epics

from tests.harness import IocProcess, cpu_seconds  # noqa: E402

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
    with IocStack("BF:", ["--window", "5"]) as stack:
        stack.shuttle()
        print("640x480 RGB1 frames (921,600 bytes) received per client:")
        for rate, clients in ((10, 1), (10, 5), (10, 10), (60, 1), (60, 5), (60, 10)):
            lo, hi, cpu = measure(clients, rate, stack.chart)
            print(f"  rate {rate:4.0f} Hz, {clients:2d} clients: {lo:5.1f} .. {hi:5.1f} fps "
                  f"received, chart IOC CPU {cpu:6.1%}")


if __name__ == "__main__":
    main()
