"""Console CPU: a PyDM process showing the chart via PVImage vs plotting client-side.

Both consoles show the motor's RBV and VAL over a 60 s window at 10 Hz while the motor moves
back and forth: one as the chart IOC's image (PVImage), one as PyDMTimePlot curves of the same
PVs (updates at 10 Hz). Each console is its own process, offscreen, measured over the same
span; printed: CPU of each and the ratio.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

from stack import ROOT, IocStack

from tests.harness import cpu_seconds

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SECONDS = 10.0
CONSOLE = textwrap.dedent("""
    import select, sys, time
    from qtpy.QtWidgets import QApplication
    from qtpy.QtCore import QTimer
    app = QApplication([])
    kind, prefix = sys.argv[1], sys.argv[2]
    if kind == "pvimage":
        from pydm_widgets.pvimage import PVImage
        w = PVImage()
        w.imagePrefix = prefix + "chart:"
    else:
        from pydm.widgets.timeplot import PyDMTimePlot
        w = PyDMTimePlot()
        w.setTimeSpan(60.0)
        w.setUpdatesAsynchronously(True)
        w.setUpdateInterval(0.1)
        for pv, colour in (("motor.RBV", "blue"), ("motor.VAL", "orange")):
            w.addYChannel(y_channel="ca://" + prefix + pv, name=pv, color=colour)
    w.resize(644, 484)
    w.show()
    warm = time.monotonic() + 3                 # connect and fill before measuring
    while time.monotonic() < warm:
        app.processEvents()
        time.sleep(0.01)
    print("ready", flush=True)
    sys.stdin.readline()
    timer = QTimer()
    timer.timeout.connect(lambda: select.select([sys.stdin], [], [], 0)[0] and app.quit())
    timer.start(50)
    app.exec_()
""")


def main() -> None:
    consoles = {}
    with IocStack("BC:") as stack:
        stack.shuttle()
        try:
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            for kind in ("pvimage", "timeplot"):
                consoles[kind] = subprocess.Popen(
                    [sys.executable, "-c", CONSOLE, kind, "BC:"], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, text=True, env=env)
            for p in consoles.values():
                assert p.stdout.readline().strip() == "ready"
            for p in consoles.values():
                p.stdin.write("\n")
                p.stdin.flush()
            start = {k: cpu_seconds(p.pid) for k, p in consoles.items()}
            threading.Event().wait(SECONDS)              # the measurement window itself
            used = {k: (cpu_seconds(p.pid) - start[k]) / SECONDS for k, p in consoles.items()}
            print(f"console CPU, 2 traces, 60 s window, 10 Hz: PVImage {used['pvimage']:.1%}, "
                  f"PyDMTimePlot {used['timeplot']:.1%}: ratio "
                  f"{used['timeplot'] / used['pvimage']:.1f}x less with PVImage")
        finally:
            for p in consoles.values():
                p.kill()
                p.wait()


if __name__ == "__main__":
    main()
