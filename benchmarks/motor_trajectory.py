"""Motor trajectories against the motor record's plan, and IOC CPU per moving axis.

Runs, in one process run, our motor IOC and caproto's ``fake_motor_record`` example (the
baseline) as real subprocesses on loopback, and prints:

* tracking: RBV samples (server timestamps) vs the motor record's plan
  (:func:`iocs.motor.rules.plan_move` legs, each a
  :func:`iocs.motor.motion.trapezoid_profile`), for plain moves and moves with a backlash
  leg (BDST, BVEL, BACC); end-time error; readback update rate;
* retries: an IOC whose mechanics fall 3 % short of each commanded move, RTRY 5 and RDBD
  0.01: retries used (RCNT), final |RBV - VAL| and time per move;
* stop: seconds from a STOP put during a move to DMOV 1 (the deceleration, ACCL, included),
  ours vs the baseline;
* concurrent: two axes of one IOC moving at once: time until both are done over the time of
  one such move alone (1.0: fully in parallel), ours vs the baseline;
* CPU: IOC CPU per wall second per continuously moving axis, ours vs the baseline, ratio last.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Tuple

import stack  # noqa: F401  (sys.path)
from stack import cpu_seconds, wait_until, write_results

from iocs.common.caenv import IocPorts, client_env, free_port
from iocs.motor.motion import trapezoid_profile
from iocs.motor.rules import plan_move
from tests.support.harness import IocProcess

PORTS = {"ours": IocPorts.allocate(pva=False), "retry": IocPorts.allocate(pva=False),
         "baseline": IocPorts.allocate(pva=False)}
REPEATER = free_port()
os.environ.update(client_env(PORTS.values(), REPEATER))
import epics  # noqa: E402

MOTION = {"VELO": 2.0, "ACCL": 0.5, "VBAS": 0.2, "BVEL": 0.5, "BACC": 0.2}
PLAIN = ((0.0, 6.0), (6.0, -2.0), (-2.0, -1.5), (-1.5, 0.0))
BACKLASH = ((0.0, 4.0), (4.0, 1.0), (1.0, 1.3), (1.3, 0.0))


class PiecewiseProfile:
    """The record's plan of one move: its legs' trapezoids one after another."""

    def __init__(self, start: float, target: float, bdst: float, t0: float) -> None:
        legs = plan_move(dval=target, ldvl=start, drbv=start, mres=0.001, bdst=bdst, frac=1.0,
                         velo=MOTION["VELO"], accl=MOTION["ACCL"], bvel=MOTION["BVEL"],
                         bacc=MOTION["BACC"], relative=False)
        self.profiles = []
        origin, t = start, t0
        for leg in legs:
            p = trapezoid_profile(origin, leg.goal, vbas=MOTION["VBAS"], velo=leg.velo,
                                  accl=leg.accl, t0=t)
            self.profiles.append(p)
            origin, t = leg.goal, t + p.duration
        self.legs = len(legs)
        self.duration = t - t0

    def position(self, t: float) -> float:
        for p in self.profiles:
            if t <= p.end_time:
                return p.position(t)
        return self.profiles[-1].position(t)


def tracking(m: str, moves, bdst: float) -> Dict[str, float]:
    """Each move once; RBV samples against the record's plan."""
    for field, value in dict(MOTION, BDST=bdst).items():
        epics.caput(f"{m}.{field}", value, wait=True)
    samples: List[Tuple[float, float]] = []
    dmov: List[Tuple[float, int]] = []
    rbv = epics.PV(f"{m}.RBV", form="time", auto_monitor=True,
                   callback=lambda value=None, timestamp=None, **kw:
                   samples.append((timestamp, value)))
    done = epics.PV(f"{m}.DMOV", form="time", auto_monitor=True,
                    callback=lambda value=None, timestamp=None, **kw:
                    dmov.append((timestamp, value)))
    for pv in (rbv, done):
        pv.wait_for_connection(5)
    errors, end_errors, rates, legs = [], [], [], []
    for start, target in moves:
        epics.caput(f"{m}.VAL", start, wait=True, timeout=60)
        del samples[:], dmov[:]
        epics.caput(f"{m}.VAL", target, wait=True, timeout=60)
        wait_until(lambda: [v for _, v in dmov][-2:] == [0, 1], 5, "DMOV 0 -> 1")
        t0 = next(t for t, v in dmov if v == 0)
        t1 = [t for t, v in dmov if v == 1][-1]
        plan = PiecewiseProfile(start, target, bdst, t0)
        legs.append(plan.legs)
        distance = abs(target - start)
        moving = [(t, x) for t, x in samples if t0 <= t <= t1]
        errors += [abs(x - plan.position(t)) / distance for t, x in moving]
        end_errors.append(abs((t1 - t0) - plan.duration) / plan.duration)
        if len(moving) > 2:
            rates.append((len(moving) - 1) / (moving[-1][0] - moving[0][0]))
    rbv.clear_callbacks()
    done.clear_callbacks()
    return {"max_err": max(errors), "rms_err": statistics.fmean(e * e for e in errors) ** 0.5,
            "end_err": max(end_errors), "rate": min(rates), "legs": max(legs)}


def retries(m: str) -> Dict[str, float]:
    """Moves on mechanics that fall short: retries used and where the motor ends up."""
    for field, value in dict(MOTION, BDST=0.0, RTRY=5, RDBD=0.01, RMOD="Default").items():
        epics.caput(f"{m}.{field}", value, wait=True)
    counts, finals, times = [], [], []
    for target in (5.0, -3.0, 2.0, 0.0):
        t0 = time.monotonic()
        epics.caput(f"{m}.VAL", target, wait=True, timeout=120)
        times.append(time.monotonic() - t0)
        counts.append(epics.caget(f"{m}.RCNT", use_monitor=False))
        finals.append(abs(epics.caget(f"{m}.RBV", use_monitor=False) - target))
    return {"retries_max": max(counts), "retries_mean": statistics.fmean(counts),
            "final_err_max": max(finals), "move_s_mean": statistics.fmean(times)}


class DoneWatch:
    """Client-clock times of a record's DMOV changes to 1 (a monitor)."""

    def __init__(self, m: str) -> None:
        self.done: List[float] = []
        self.pv = epics.PV(f"{m}.DMOV", auto_monitor=True, callback=self._event)
        self.pv.wait_for_connection(10)

    def _event(self, value=None, **kw) -> None:
        if value == 1:
            self.done.append(time.monotonic())

    def close(self) -> None:
        self.pv.clear_callbacks()


def stopping(m: str, repeat: int = 5) -> Dict[str, float]:
    """STOP put during a move to DMOV 1 (s), ``repeat`` times."""
    for field, value in dict(MOTION, BDST=0.0).items():
        epics.caput(f"{m}.{field}", value, wait=True)
    watch = DoneWatch(m)
    latencies = []
    for _ in range(repeat):
        start = epics.caget(f"{m}.RBV", use_monitor=False)
        epics.caput(f"{m}.VAL", start + 20.0, wait=False)
        wait_until(lambda start=start: epics.caget(f"{m}.RBV", use_monitor=False) >
                   start + 1.0, 30, "the move under way")
        n = len(watch.done)
        t0 = time.monotonic()
        epics.caput(f"{m}.STOP", 1, wait=False)
        wait_until(lambda n=n: len(watch.done) > n, 30, "DMOV 1 after STOP")
        latencies.append(watch.done[n] - t0)
        epics.caput(f"{m}.VAL", 0.0, wait=True, timeout=60)
    watch.close()
    return {"median_s": statistics.median(latencies), "max_s": max(latencies),
            "accl_s": MOTION["ACCL"]}


def concurrency(motors: List[str], distance: float = 3.0) -> Dict[str, float]:
    """Time until every axis is done moving ``distance`` at once, over one axis alone."""
    for m in motors:
        for field, value in dict(MOTION, BDST=0.0).items():
            epics.caput(f"{m}.{field}", value, wait=True)
        epics.caput(f"{m}.VAL", 0.0, wait=True, timeout=60)

    def moves(group: List[str], target: float) -> float:
        threads = [threading.Thread(target=epics.caput, args=(f"{m}.VAL", target),
                                    kwargs=dict(wait=True, timeout=60)) for m in group]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return time.monotonic() - t0
    alone = moves(motors[:1], distance)
    together = moves(motors, 0.0)                    # every axis, the same distance back
    return {"alone_s": alone, "together_s": together, "factor": together / alone}


def cpu_per_axis(proc: IocProcess, motors: List[str], span: float,
                 seconds: float = 8.0) -> float:
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
    stop.wait(seconds)                                # the measured span itself
    c1, w1 = cpu_seconds(proc.pid), time.monotonic()
    stop.set()
    for t in threads:
        t.join(60)
    return (c1 - c0) / (w1 - w0) / len(motors)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--json", default=None,
                        help="results file (default benchmarks/results/motor_trajectory.json)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="pvchart-bench-"))
    peers = list(PORTS.values())
    repeater = IocProcess("repeater", ["-m", "iocs.ops.repeater", "--host", "127.0.0.1"],
                          IocPorts(free_port()), REPEATER, work, ready_pv=None).start()
    ours = IocProcess("ours", ["-m", "iocs.motor", "--prefix", "BO:", "--axes",
                               "motor,m2,m3"], PORTS["ours"], REPEATER, work,
                      ready_pv="BO:motor.RTYP", peers=peers)
    short = IocProcess("retry", ["-m", "iocs.motor", "--prefix", "BR:",
                                 "--position-error", "0.03"], PORTS["retry"], REPEATER, work,
                       ready_pv="BR:motor.RTYP", peers=peers)
    base = IocProcess("baseline", ["-m", "caproto.ioc_examples.fake_motor_record",
                                   "--prefix", "BB:"], PORTS["baseline"], REPEATER, work,
                      ready_pv="BB:mtr1.RBV", peers=peers)
    try:
        for proc in (ours, short, base):
            proc.start()
        out: Dict[str, Dict[str, float]] = {}
        for name, moves, bdst in (("plain", PLAIN, 0.0), ("backlash", BACKLASH, 0.5)):
            t = out[name] = tracking("BO:motor", moves, bdst)
            print(f"{name:8s} RBV vs the record's plan ({t['legs']} legs max): max error "
                  f"{t['max_err']:.2%} of the move, rms {t['rms_err']:.2%}, end-time error "
                  f"{t['end_err']:.2%}, readback {t['rate']:.1f} Hz", flush=True)
        r = out["retries"] = retries("BR:motor")
        print(f"retries  mechanics 3 % short, RTRY 5, RDBD 0.01: {r['retries_mean']:.1f} "
              f"retries per move (max {r['retries_max']:.0f}), final |RBV-VAL| max "
              f"{r['final_err_max']:.4f}, {r['move_s_mean']:.2f} s per move", flush=True)
        out["stop"] = {"ours": stopping("BO:motor"), "baseline": stopping("BB:mtr1")}
        print(f"stop     STOP put -> DMOV 1 (ACCL {MOTION['ACCL']} s): ours median "
              f"{out['stop']['ours']['median_s']:.2f} s (max {out['stop']['ours']['max_s']:.2f}),"
              f" fake_motor_record {out['stop']['baseline']['median_s']:.2f} s (max "
              f"{out['stop']['baseline']['max_s']:.2f})", flush=True)
        out["concurrent"] = {"ours": concurrency(["BO:m2", "BO:m3"]),
                             "baseline": concurrency(["BB:mtr2", "BB:mtr3"])}
        print(f"concurrent two axes at once / one alone: ours "
              f"{out['concurrent']['ours']['factor']:.2f}, fake_motor_record "
              f"{out['concurrent']['baseline']['factor']:.2f} (1.0: fully parallel)",
              flush=True)
        for m in ("BO:motor", "BO:m2", "BO:m3"):
            for field, value in dict(MOTION, BDST=0.0).items():
                epics.caput(f"{m}.{field}", value, wait=True)
        ours_cpu = cpu_per_axis(ours, ["BO:motor", "BO:m2", "BO:m3"], 4.0)
        base_cpu = cpu_per_axis(base, ["BB:mtr1", "BB:mtr2", "BB:mtr3"], 4.0)
        out["cpu"] = {"ours": ours_cpu, "baseline": base_cpu}
        write_results("motor_trajectory", out, args.json)
        print(f"IOC CPU per moving axis: ours {ours_cpu:.2%} (20 Hz readback) vs "
              f"fake_motor_record {base_cpu:.2%} (10 Hz): ratio {ours_cpu / base_cpu:.2f}x")
    finally:
        for proc in (ours, short, base, repeater):
            proc.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
