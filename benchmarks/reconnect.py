"""Reconnection: seconds from a chart IOC crash to the next value on a console, site and local.

The chart IOC runs under procServ (``pvchart-iocs start``), is killed (SIGKILL) and restarted
by procServ; a console measures the time to the next value it gets:

* the display's chart: PVImage over PV Access (``pva://<prefix>chart:Pva1:Image``);
* the baseline: a plain libca monitor (pyepics, PyDM's CA path) of ``chart:UniqueId_RBV``.

Site mode runs across hosts: the IOCs on one network namespace, the console on another,
bridged, with broadcast search and a CA repeater on each host as a site has (needs root and
``ip netns``). Local mode runs on loopback (``--local`` ports). Printed per mode and console:
median and max over ``--repeat`` kills, each at a random phase after the console's first
value; the display / libca ratio of the medians last.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List

from stack import write_results

from iocs.common.caenv import IocPorts, free_port
from iocs.ops.launcher import Launcher
from tests.support.netns import Network, netns_available
from tests.support.reconnection import reconnection_time

PY = sys.executable
KINDS = ("display", "ca")
_phases = random.Random(11)


def phase() -> float:
    """When the kill comes after a console's first value: anywhere in libca's 10 s governor
    period (a fixed pseudo-random sequence, the same in every run)."""
    return _phases.uniform(0.0, 10.0)


def summary(times: List[float]) -> Dict[str, Any]:
    return {"median": statistics.median(times), "max": max(times), "all": times}


def site(repeat: int) -> Dict[str, Dict[str, Any]]:
    net = Network(dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    run_dir = Path(tempfile.mkdtemp(prefix="pvchart-bench-")) / "run"
    ioc = None
    try:
        ioc, console = net.add("ioc", 10), net.add("con", 20)
        ioc.popen([PY, "-m", "iocs.ops.repeater"])
        console.popen([PY, "-m", "iocs.ops.repeater"])
        ioc.run([PY, "-m", "iocs.ops.launcher_cli", "start", "--prefix", "RECO:",
                 "--run-dir", str(run_dir)], timeout=120)
        launcher = Launcher.from_run_dir(run_dir)
        return {kind: summary([reconnection_time(console.popen, launcher, kind, phase())
                               for _ in range(repeat)]) for kind in KINDS}
    finally:
        if ioc is not None:
            ioc.run([PY, "-m", "iocs.ops.launcher_cli", "stop", "--run-dir", str(run_dir)],
                    check=False)
        net.close()
        shutil.rmtree(run_dir.parent, ignore_errors=True)


def local(repeat: int) -> Dict[str, Dict[str, Any]]:
    work = Path(tempfile.mkdtemp(prefix="pvchart-bench-"))
    launcher = Launcher(work / "run", local=True, prefix="RECL:",
                        ports={"motor": IocPorts.allocate(pva=False),
                               "chart": IocPorts.allocate()}, repeater_port=free_port())
    env = launcher.client_env(dict(os.environ, QT_QPA_PLATFORM="offscreen"))

    def popen(args: List[str], **kw: Any) -> subprocess.Popen:
        return subprocess.Popen(args, env=env, **kw)
    try:
        launcher.start(timeout=90)
        return {kind: summary([reconnection_time(popen, launcher, kind, phase())
                               for _ in range(repeat)]) for kind in KINDS}
    finally:
        launcher.stop()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--repeat", type=int, default=8, help="kills per console (8)")
    parser.add_argument("--json", default=None,
                        help="results file (default benchmarks/results/reconnect.json)")
    args = parser.parse_args(argv)
    results: Dict[str, Any] = {}
    why_not = netns_available()
    modes = [("local", local)] + ([("site", site)] if why_not is None else [])
    if why_not is not None:
        print(f"site mode skipped: {why_not}")
    for mode, fn in modes:
        results[mode] = fn(args.repeat)
        for kind in KINDS:
            r = results[mode][kind]
            name = "display (PVA)" if kind == "display" else "libca monitor"
            print(f"{mode:5s} {name:14s} back after median {r['median']:5.2f} s, "
                  f"max {r['max']:5.2f} s ({args.repeat} kills)", flush=True)
    write_results("reconnect", results, args.json)
    last = results.get("site", results["local"])
    print(f"{'site' if 'site' in results else 'local'}: display / libca monitor, median "
          f"reconnection: ratio {last['display']['median'] / last['ca']['median']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
