"""How closely RBV follows the theoretical trapezoid, and IOC CPU per moving axis.

Runs, in one process run, our motor IOC and caproto's ``fake_motor_record`` example (the
baseline) as real subprocesses on loopback, and prints:

* tracking: RBV samples vs :func:`iocs.motor.motion.trapezoid_profile` (server timestamps),
  end-time error, readback update rate;
* CPU: IOC CPU seconds per wall second per continuously moving axis, ours vs the baseline.
"""
from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iocs.common.caenv import client_env, free_port  # noqa: E402

PORTS = {"ours": free_port(), "baseline": free_port()}
REPEATER = free_port()
os.environ.update(client_env(PORTS.values(), REPEATER))

import tempfile  # noqa: E402

import epics  # noqa: E402

from iocs.motor.motion import trapezoid_profile  # noqa: E402
from tests.harness import IocProcess, cpu_seconds, wait_until  # noqa: E402


def tracking(prefix: str) -> dict:
    """Several moves; RBV samples against the theoretical profile."""
    m = f"{prefix}motor"
    for field, value in (("VELO", 2.0), ("ACCL", 0.5), ("VBAS", 0.2)):
        epics.caput(f"{m}.{field}", value, wait=True)
    errors, end_errors, rates = [], [], []
    lock = threading.Lock()
    for start, target in ((0.0, 6.0), (6.0, -2.0), (-2.0, -1.5), (-1.5, 0.0)):
        samples, dmov = [], []
        rbv = epics.PV(f"{m}.RBV", form="time", auto_monitor=True)
        done = epics.PV(f"{m}.DMOV", form="time", auto_monitor=True)
        rbv.wait_for_connection(5)
        done.wait_for_connection(5)
        rbv.add_callback(lambda value=None, timestamp=None, samples=samples, **kw:
                         samples.append((timestamp, value)))
        done.add_callback(lambda value=None, timestamp=None, dmov=dmov, **kw:
                          dmov.append((timestamp, value)))
        epics.caput(f"{m}.VAL", target, wait=True, timeout=60)
        wait_until(lambda dmov=dmov: [v for _, v in dmov][-2:] == [0, 1], 5, "DMOV 0 -> 1")
        rbv.clear_callbacks()
        done.clear_callbacks()
        with lock:
            t0 = next(t for t, v in dmov if v == 0)
            t1 = [t for t, v in dmov if v == 1][-1]
            profile = trapezoid_profile(start, target, vbas=0.2, velo=2.0, accl=0.5, t0=t0)
            distance = abs(target - start)
            moving = [(t, x) for t, x in samples if t0 <= t <= t1]
            errors += [abs(x - profile.position(t)) / distance for t, x in moving]
            end_errors.append(abs((t1 - t0) - profile.duration) / profile.duration)
            if len(moving) > 2:
                rates.append((len(moving) - 1) / (moving[-1][0] - moving[0][0]))
    return {"max_err": max(errors), "rms_err": statistics.fmean(e * e for e in errors) ** 0.5,
            "end_err": max(end_errors), "rate": min(rates)}


def cpu_per_axis(proc: IocProcess, motors: list, span: float, seconds: float = 6.0) -> float:
    """CPU fraction of the IOC per axis while every axis moves back and forth."""
    stop = threading.Event()

    def drive(m: str) -> None:
        x = span
        while not stop.is_set():
            epics.caput(f"{m}.VAL", x, wait=True, timeout=60)
            x = span - x
    threads = [threading.Thread(target=drive, args=(m,), daemon=True) for m in motors]
    for t in threads:
        t.start()
    wait_until(lambda: all(epics.caget(f"{m}.DMOV", use_monitor=False) == 0 for m in motors),
               10, "every axis moving")
    c0, w0 = cpu_seconds(proc.pid), time.monotonic()
    time.sleep(seconds)                               # the measurement window itself
    c1, w1 = cpu_seconds(proc.pid), time.monotonic()
    stop.set()
    for t in threads:
        t.join(60)
    return (c1 - c0) / (w1 - w0) / len(motors)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="pvchart-bench-"))
    repeater = IocProcess("repeater", ["-m", "iocs.ops.repeater"], free_port(), REPEATER, work,
                          ready_pv=None).start()
    ours = IocProcess("ours", ["-m", "iocs.motor", "--prefix", "BO:", "--axes",
                               "motor,m2,m3"], PORTS["ours"], REPEATER, work,
                      ready_pv="BO:motor.RTYP", peers=PORTS.values())
    base = IocProcess("baseline", ["-m", "caproto.ioc_examples.fake_motor_record",
                                   "--prefix", "BB:"], PORTS["baseline"], REPEATER, work,
                      ready_pv="BB:mtr1.RBV", peers=PORTS.values())
    try:
        ours.start()
        base.start()
        t = tracking("BO:")
        print(f"RBV vs trapezoid: max error {t['max_err']:.2%} of the move, "
              f"rms {t['rms_err']:.2%}, end-time error {t['end_err']:.2%}, "
              f"readback {t['rate']:.1f} Hz")
        for m in ("BO:motor", "BO:m2", "BO:m3"):
            epics.caput(f"{m}.VELO", 2.0, wait=True)
        ours_cpu = cpu_per_axis(ours, ["BO:motor", "BO:m2", "BO:m3"], 4.0)
        base_cpu = cpu_per_axis(base, ["BB:mtr1", "BB:mtr2", "BB:mtr3"], 4.0)
        print(f"IOC CPU per moving axis: ours {ours_cpu:.2%} (20 Hz readback) vs "
              f"fake_motor_record {base_cpu:.2%} (10 Hz): ratio {ours_cpu / base_cpu:.2f}")
    finally:
        for proc in (ours, base, repeater):
            proc.stop()


if __name__ == "__main__":
    main()
