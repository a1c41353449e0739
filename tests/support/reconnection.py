"""What a console sees when the chart IOC dies and procServ restarts it: time to the next value.
The monitors give up after 90 s (their liveness deadline).

Shared by the site tests and ``benchmarks/reconnect.py``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Callable, Dict, List, Sequence

from iocs.ops.launcher import Launcher
from tests.support.harness import PATIENCE, wait_until

__all__ = ["reconnection_time", "reconnection_times"]

MONITOR = """
    import sys, threading, time
    kind, prefix = sys.argv[1], sys.argv[2]
    first = threading.Event()
    def event(what, gone=False):
        if first.is_set():
            print(what, time.time(), gone, flush=True)
        elif what == "value":               # the first value: the monitor works
            first.set()
            print("ready", flush=True)
    until = time.monotonic() + 90
    if kind == "display":                   # the display's chart: PVImage over PVA
        from qtpy.QtWidgets import QApplication
        from pydm_widgets.pvimage import PVImage
        app = QApplication([])
        w = PVImage()
        w.newImageSignal.connect(lambda *a: event("value"))
        w.source.connection.connect(lambda up: event("conn", not up))
        w.imageChannel = f"pva://{prefix}chart:Pva1:Image"
        w.show()
        while time.monotonic() < until:
            app.processEvents()
            time.sleep(0.01)
    else:                                   # a plain libca monitor (PyDM's CA path)
        import epics
        pv = epics.PV(f"{prefix}chart:UniqueId_RBV", callback=lambda **kw: event("value"),
                      connection_callback=lambda conn=None, **kw: event("conn", not conn))
        first.wait(60)
        time.sleep(max(until - time.monotonic(), 0))   # serve events until terminated
"""


def reconnection_times(popen: Callable[..., subprocess.Popen], launcher: Launcher,
                       kinds: Sequence[str], phase: float = 0.0) -> Dict[str, float]:
    """Seconds from one SIGKILL of the chart IOC (under procServ) to the next value each
    console monitor gets, by kind: "display" (the display's chart, PVImage over PVA) or "ca"
    (a plain libca monitor, PyDM's CA path), all watching the same kill. ``popen`` starts a
    console (a host's, or ``subprocess.Popen`` with the client environment in ``env``). The
    kill comes ``phase`` seconds after every monitor has its first value (libca's disconnect
    governor ticks every 10 s from the client's start, so a benchmark spreads the phase)."""
    procs = {kind: popen([sys.executable, "-c", textwrap.dedent(MONITOR), kind,
                          launcher.prefix], stdout=-1, text=True) for kind in kinds}
    back: Dict[str, float] = {}
    errors: List[str] = []
    try:
        for kind, proc in procs.items():
            line = proc.stdout.readline().strip()
            assert line == "ready", f"the {kind} monitor got no first value ({line!r})"
        if phase > 0:
            threading.Event().wait(phase)     # the kill's phase, chosen by the caller
        (old,) = launcher.child_pids("chart")
        t_kill = time.time()
        os.kill(old, signal.SIGKILL)

        def follow(kind: str, proc: subprocess.Popen) -> None:
            gone = False
            while True:
                line = proc.stdout.readline().split()
                if not line:
                    errors.append(f"the {kind} monitor ended before the chart IOC came back")
                    return
                what, stamp, lost = line[0], float(line[1]), line[2] == "True"
                gone = gone or (what == "conn" and lost)
                if what == "value" and gone and stamp > t_kill:
                    back[kind] = stamp - t_kill
                    return
        readers = [threading.Thread(target=follow, args=item) for item in procs.items()]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        assert not errors, errors
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(10)
    wait_until(lambda: [p for p in launcher.child_pids("chart") if p != old], PATIENCE,
               "respawn")
    return back


def reconnection_time(popen: Callable[..., subprocess.Popen], launcher: Launcher,
                      kind: str, phase: float = 0.0) -> float:
    """:func:`reconnection_times` of one console monitor."""
    return reconnection_times(popen, launcher, (kind,), phase)[kind]
