"""``pvchart-display``: open ``displays/chart.ui`` in PyDM, or render it headless to a PNG.

``displays/chart.ui`` names the default ``BEAMLINE:`` PVs, so ``pydm displays/chart.ui`` works
as it is; ``--prefix X:`` serves a copy pointing at ``X:``. CA settings come from the
launcher's run directory (``run/ca.env``) when there is one, and
``EPICS_CA_MAX_ARRAY_BYTES`` gets a default large enough for chart frames.
With no screen (no ``$DISPLAY``) or with ``--screenshot``, the display is rendered offscreen
once the chart shows the motor moving, saved as a PNG, and the program exits.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional

from ..common.caenv import ensure_max_array_bytes

logger = logging.getLogger(__name__)

__all__ = ["DISPLAY_UI", "ui_for_prefix", "open_display", "render_screenshot", "main"]

DISPLAY_UI = Path(__file__).resolve().parents[2] / "displays" / "chart.ui"
DEFAULT_PREFIX = "BEAMLINE:"


def ui_for_prefix(prefix: str = DEFAULT_PREFIX) -> Path:
    """``chart.ui``, or a temporary copy of it whose PVs start with ``prefix``."""
    if prefix == DEFAULT_PREFIX:
        return DISPLAY_UI
    text = DISPLAY_UI.read_text().replace(DEFAULT_PREFIX, prefix)
    folder = Path(tempfile.mkdtemp(prefix="pvchart-display-"))
    path = folder / "chart.ui"
    path.write_text(text)
    return path


def open_display(prefix: str = DEFAULT_PREFIX):
    """The chart display as a PyDM ``Display`` (a QApplication must exist)."""
    from pydm import Display
    return Display(ui_filename=str(ui_for_prefix(prefix)))


def _process_until(condition: Callable[[], bool], timeout: float) -> bool:
    from qtpy.QtWidgets import QApplication
    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def render_screenshot(path: Path, prefix: str = DEFAULT_PREFIX,
                     moves: tuple = (4.0, -3.0, 1.5), timeout: float = 60.0) -> Path:
    """Show the display offscreen, move the motor through ``moves``, save a PNG of it."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qtpy.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 (keep alive)
    import epics

    from pydm_widgets.pvimage import PVImage
    display = open_display(prefix)
    display.resize(1100, 620)
    display.show()
    chart = display.findChild(PVImage, "chart")
    if not _process_until(lambda: chart.frames_shown > 0, timeout):
        raise RuntimeError(f"no chart frame from {prefix}chart: within {timeout:g} s "
                           "(are the IOCs running? try 'pvchart-iocs status')")
    motor = f"{prefix}motor"
    for target in moves:
        epics.caput(f"{motor}.VAL", target, wait=False)
        _process_until(lambda: epics.caget(f"{motor}.DMOV", use_monitor=False) == 0, 5)
        if not _process_until(lambda: epics.caget(f"{motor}.DMOV", use_monitor=False) == 1,
                              timeout):
            raise RuntimeError(f"{motor} did not finish its move to {target}")
    shown = chart.frames_shown
    _process_until(lambda: chart.frames_shown >= shown + 3, 5)   # the last move on screen
    path = Path(path)
    if not display.grab().save(str(path)):
        raise RuntimeError(f"could not write {path}")
    display.close()
    display.deleteLater()                  # disconnect PyDM channels while Qt still runs
    _process_until(lambda: False, 0.2)
    return path.resolve()


def main(argv: Optional[List[str]] = None) -> int:
    """``pvchart-display``."""
    parser = argparse.ArgumentParser(prog="pvchart-display", description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="IOC prefix (BEAMLINE:)")
    parser.add_argument("--run-dir", type=Path, default=Path(os.environ.get(
        "PVCHART_RUN_DIR", "run")), help="launcher run directory for CA settings (./run)")
    parser.add_argument("--screenshot", type=Path, default=None,
                        help="render offscreen to this PNG and exit (default with no "
                             "screen: demo.png)")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if (args.run_dir / "launcher.json").exists():
        from .launcher import Launcher
        launcher = Launcher.from_run_dir(args.run_dir)
        os.environ.update(launcher.client_env())
    ensure_max_array_bytes()
    if args.screenshot is None and not os.environ.get("DISPLAY"):
        args.screenshot = Path("demo.png")
    if args.screenshot is not None:
        try:
            path = render_screenshot(args.screenshot, args.prefix, timeout=args.timeout)
        except RuntimeError as ex:
            print(f"pvchart-display: {ex}", file=sys.stderr)
            return 2
        print(f"no screen: rendered the display offscreen to {path}")
        return 0
    pydm = shutil.which("pydm") or str(Path(sys.executable).with_name("pydm"))
    return subprocess.call([pydm, "--hide-nav-bar", str(ui_for_prefix(args.prefix))])


if __name__ == "__main__":
    sys.exit(main())
