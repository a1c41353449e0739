"""Render the display's screenshots for the docs with the project's own headless path.

Starts local-mode IOCs under procServ (launcher, free loopback ports, a temporary run
directory), moves the motor through the demo's moves, puts the chart's cursor a quarter of the
span back (the readouts then show values at it), captures the display (Stacked layout) to the
first PNG and, with the chart switched to Overlay, to the second; then stops the IOCs.

    python docs/make_screenshot.py docs/_generated/display.png docs/_generated/overlay.png
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iocs.common.caenv import IocPorts, free_port  # noqa: E402
from iocs.ops.launcher import Launcher  # noqa: E402
from iocs.ops.processes import wait_for  # noqa: E402


def _wait_for(condition, timeout: float, what: str) -> None:
    if not wait_for(condition, timeout):
        raise RuntimeError(f"docs screenshot: no {what} within {timeout:g} s")


def main(argv: list[str]) -> int:
    outs = [Path(a) for a in argv] or [ROOT / "docs/_generated/display.png"]
    for out in outs:
        out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="pvchart-docs-"))
    launcher = Launcher(tmp / "run", local=True, prefix="DOCS:",
                        ports={"motor": IocPorts.allocate(pva=False),
                               "chart": IocPorts.allocate()},
                        repeater_port=free_port())
    try:
        launcher.start(timeout=90)
        os.environ.update(launcher.client_env())
        from iocs.common.caenv import ensure_max_array_bytes
        ensure_max_array_bytes()
        import epics

        from iocs.ops.demo import Choreography
        from iocs.ops.display import DEFAULT_MACROS, render_screenshot
        macros = dict(DEFAULT_MACROS, P=launcher.prefix)
        moves = Choreography(f"{launcher.prefix}motor").start()
        if not moves.done.wait(90):
            raise RuntimeError("docs screenshot: the demo moves did not finish")
        chart = f"{launcher.prefix}chart:"
        window = epics.caget(chart + "window", use_monitor=False)
        epics.caput(chart + "cursor", time.time() - window / 4, wait=True)
        render_screenshot(outs[0], macros, frames=3)
        if len(outs) > 1:
            epics.caput(chart + "layout", "Overlay", wait=True)
            _wait_for(lambda: epics.caget(chart + "layout", as_string=True,
                                          use_monitor=False) == "Overlay", 10, "Overlay")
            uid = epics.caget(chart + "UniqueId_RBV", use_monitor=False)
            _wait_for(lambda: epics.caget(chart + "UniqueId_RBV", use_monitor=False) > uid + 1,
                      20, "Overlay frame")
            render_screenshot(outs[1], macros, frames=3)
        for out in outs:
            print(f"wrote {out}")
        return 0
    finally:
        launcher.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
