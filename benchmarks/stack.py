"""Shared by the benchmarks: the product's IOCs on free loopback ports, CPU accounting, results.

:class:`LocalStack` starts the motor and chart IOCs in local mode under procServ (the product's
launcher, free loopback ports, a temporary run directory) and, when asked, the benchmark's
signal IOC (``signals_ioc.py``: N sine PVs at a fixed rate) beside them. Create it before
anything loads libca: it sets this process's CA/PVA environment.

Each benchmark prints its figures with the ratio last and writes them as JSON to
``benchmarks/results/<name>.json`` (``--json`` elsewhere), from which the docs draw the plots.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from iocs.common.caenv import IocPorts, free_port  # noqa: E402
from iocs.ops.launcher import Launcher  # noqa: E402
from tests.support.harness import IocProcess, cpu_seconds, wait_until  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
#: One set of loopback ports per benchmark process: libca reads its addresses once, so every
#: stack a benchmark starts (one after another) serves on the same ports.
PORTS = {"motor": IocPorts.allocate(pva=False), "chart": IocPorts.allocate(),
         "signals": IocPorts.allocate(pva=False)}
REPEATER_PORT = free_port()

__all__ = ["ROOT", "LocalStack", "cpu_seconds", "wait_until", "CpuWindow", "write_results",
           "signal_value"]


def signal_value(index: int, t: float) -> float:
    """Value of signal ``index`` (1-based) at epoch time ``t``: what signals_ioc.py serves."""
    import math
    return (math.sin(2 * math.pi * t / 20.0 + index) + 0.15 * math.sin(t * 7.31 + 2 * index)
            + 0.5 * index)


class LocalStack:
    """Motor + chart IOCs under procServ, and optionally N benchmark signals, on loopback."""

    def __init__(self, prefix: str, *, signals: int = 0, signal_rate: float = 10.0,
                 chart_args: Sequence[str] = (), motor_args: Sequence[str] = ()) -> None:
        self.prefix = prefix
        self.work = Path(tempfile.mkdtemp(prefix="pvchart-bench-"))
        ports = dict(PORTS)                # "signals": searched by the chart and the clients
        self.signal_ports = ports["signals"]
        self.launcher = Launcher(self.work / "run", local=True, prefix=prefix, ports=ports,
                                 repeater_port=REPEATER_PORT)
        self.args = {"motor": list(motor_args), "chart": list(chart_args)}
        self.signals: Optional[IocProcess] = None
        if signals:
            self.signals = IocProcess(
                "signals", [str(Path(__file__).with_name("signals_ioc.py")), "--prefix",
                            f"{prefix}sig", "--count", str(signals), "--rate",
                            str(signal_rate), "--list-pvs"],
                self.signal_ports, self.launcher.repeater_port, self.work,
                ready_pv=f"{prefix}sig1", peers=list(ports.values()))
        os.environ.update(self.launcher.client_env())
        self._stop = threading.Event()

    def signal_names(self, count: int) -> List[str]:
        return [f"{self.prefix}sig{i}" for i in range(1, count + 1)]

    def __enter__(self) -> LocalStack:
        try:
            self.launcher.start(["repeater"])
            if self.signals is not None:
                self.signals.start(timeout=60)
            self.launcher.start(ioc_args=self.args, timeout=90)
        except BaseException:
            self.__exit__()
            raise
        return self

    def pid(self, name: str) -> int:
        """PID of the IOC process (procServ's child)."""
        if name == "signals" and self.signals is not None:
            return self.signals.pid
        return self.launcher.child_pids(name)[0]

    def caput(self, pv: str, value: Any) -> None:
        import epics
        if not epics.caput(pv, value, wait=True, timeout=10):
            raise RuntimeError(f"caput {pv} {value!r} failed")

    def shuttle(self, span: float = 5.0) -> None:
        """Move the motor between 0 and ``span`` until the stack closes (background thread)."""
        import epics

        def run() -> None:
            x = span
            while not self._stop.is_set():
                epics.caput(f"{self.prefix}motor.VAL", x, wait=True, timeout=60)
                x = span - x
        threading.Thread(target=run, daemon=True).start()

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self.launcher.stop()
        if self.signals is not None:
            self.signals.stop()
        shutil.rmtree(self.work, ignore_errors=True)


class CpuWindow:
    """CPU share of processes over a measured span: ``with CpuWindow(pids) as w: ...``."""

    def __init__(self, pids: Dict[str, int]) -> None:
        self.pids = pids
        self.share: Dict[str, float] = {}
        self.seconds = 0.0

    def __enter__(self) -> CpuWindow:
        self._cpu = {k: cpu_seconds(p) for k, p in self.pids.items()}
        self._t0 = time.monotonic()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.monotonic() - self._t0
        self.share = {k: (cpu_seconds(p) - self._cpu[k]) / self.seconds
                      for k, p in self.pids.items()}


def machine() -> Dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "machine": platform.machine(), "when": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                 time.gmtime())}


def write_results(name: str, data: Dict[str, Any], path: Optional[str] = None) -> Path:
    """Write a benchmark's figures (with the machine they ran on) as JSON for the docs."""
    out = Path(path) if path else RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(dict(data, machine=machine()), indent=1) + "\n")
    print(f"figures written to {out}")
    return out
