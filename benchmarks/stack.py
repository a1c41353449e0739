"""Shared by the benchmarks: loopback CA ports, and motor + chart IOCs with a moving motor.

Import it before anything loads libca: it sets this process's CA environment.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iocs.common.caenv import client_env, free_port  # noqa: E402

PORTS = {"motor": free_port(), "chart": free_port()}
REPEATER = free_port()
os.environ.update(client_env(PORTS.values(), REPEATER))

import epics  # noqa: E402

from tests.harness import IocProcess, wait_until  # noqa: E402


class IocStack:
    """A repeater, a motor IOC and a chart IOC under ``prefix``; ``shuttle()`` moves the motor."""

    def __init__(self, prefix: str, chart_args: Sequence[str] = ()) -> None:
        self.prefix = prefix
        work = Path(tempfile.mkdtemp(prefix="pvchart-bench-"))
        self.repeater = IocProcess("repeater", ["-m", "iocs.ops.repeater"], free_port(), REPEATER,
                                   work, ready_pv=None)
        self.motor = IocProcess("motor", ["-m", "iocs.motor", "--prefix", prefix],
                                PORTS["motor"], REPEATER, work, ready_pv=f"{prefix}motor.RTYP",
                                peers=PORTS.values())
        self.chart = IocProcess("chart", ["-m", "iocs.chart", "--prefix", prefix, *chart_args],
                                PORTS["chart"], REPEATER, work,
                                ready_pv=f"{prefix}chart:UniqueId_RBV", peers=PORTS.values())
        self._stop = threading.Event()

    def __enter__(self) -> IocStack:
        try:
            for proc in (self.repeater, self.motor, self.chart):
                proc.start()
            wait_until(lambda: epics.caget(f"{self.prefix}chart:status", use_monitor=False)
                       == "2 of 2 sources connected", 20, "chart sources")
        except BaseException:
            self.__exit__()
            raise
        return self

    def shuttle(self, span: float = 5.0) -> None:
        """Move the motor between 0 and ``span`` until the stack closes (background thread)."""
        def run() -> None:
            x = span
            while not self._stop.is_set():
                epics.caput(f"{self.prefix}motor.VAL", x, wait=True, timeout=60)
                x = span - x
        threading.Thread(target=run, daemon=True).start()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for proc in (self.chart, self.motor, self.repeater):
            proc.stop()
