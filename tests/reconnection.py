"""What a console sees when the chart IOC dies and procServ restarts it: time to the next value.

Shared by the site tests and ``benchmarks/reconnect.py``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from typing import Callable

from iocs.ops.launcher import Launcher
from tests.harness import wait_until

__all__ = ["reconnection_time"]

MONITOR = """
    import sys, time
    kind, prefix = sys.argv[1], sys.argv[2]
    def event(what, gone=False):
        print(what, time.time(), gone, flush=True)
    if kind == "display":                   # the display's chart: PVImage over PVA
        from qtpy.QtWidgets import QApplication
        from pydm_widgets.pvimage import PVImage
        app = QApplication([])
        w = PVImage()
        w.newImageSignal.connect(lambda *a: event("value"))
        w.source.connection.connect(lambda up: event("conn", not up))
        w.imageChannel = f"pva://{prefix}chart:Pva1:Image"
        w.show()
        until = time.monotonic() + 3
        while time.monotonic() < until:
            app.processEvents()
            time.sleep(0.01)
        print("ready", flush=True)
        until = time.monotonic() + 30
        while time.monotonic() < until:
            app.processEvents()
            time.sleep(0.01)
        sys.exit(0)
    else:                                   # a plain libca monitor (PyDM's CA path)
        import epics
        pv = epics.PV(f"{prefix}chart:UniqueId_RBV", callback=lambda **kw: event("value"),
                      connection_callback=lambda conn=None, **kw: event("conn", not conn))
    time.sleep(3)
    print("ready", flush=True)
    time.sleep(30)
"""


def reconnection_time(popen: Callable[..., subprocess.Popen], launcher: Launcher,
                      kind: str) -> float:
    """Seconds from a SIGKILL of the chart IOC (under procServ) to the next value a console
    monitor gets: ``kind`` "display" (the display's chart, PVImage over PVA) or "ca" (a
    plain libca monitor, PyDM's CA path). ``popen`` starts the console (a host's, or
    ``subprocess.Popen`` with the client environment in ``env``)."""
    proc = popen([sys.executable, "-c", textwrap.dedent(MONITOR), kind, launcher.prefix],
                 stdout=-1, text=True)
    try:
        while proc.stdout.readline().strip() != "ready":
            pass
        (old,) = launcher.child_pids("chart")
        t_kill = time.time()
        os.kill(old, signal.SIGKILL)
        gone = False
        while True:
            line = proc.stdout.readline().split()
            assert line, "the console monitor ended before the chart IOC came back"
            what, stamp, lost = line[0], float(line[1]), line[2] == "True"
            gone = gone or (what == "conn" and lost)
            if what == "value" and gone and stamp > t_kill:
                back = stamp - t_kill
                break
    finally:
        proc.terminate()
        proc.wait(10)
    wait_until(lambda: [p for p in launcher.child_pids("chart") if p != old], 10, "respawn")
    return back
