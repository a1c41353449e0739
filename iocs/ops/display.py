"""``pvchart-display``: open the chart display in PyDM, or capture it headless as a PNG.

The display (``chart.ui``, installed with the package) takes PyDM macros ``P`` (prefix,
default ``BEAMLINE:``), ``M`` (motor record, ``motor``), ``C`` (chart IOC, ``chart``), ``S``
(named positions, ``SERVER``), ``IMAGE`` (the chart's image channel, default its PV Access
NTNDArray ``pva://${P}${C}:Pva1:Image``; ``ca://${P}${C}:ArrayData`` for Channel Access) and
``CHARTS`` (the charts its chooser offers, ``chart,vacuum,rf``); ``--prefix`` and ``--macro``
pass them to ``pydm``. Channel Access settings are the environment's (the site's);
``--run-dir`` uses those of local-mode IOCs started from that directory instead, and says so,
and offers the charts started there unless ``--macro CHARTS=...`` says otherwise. With no
screen (no ``$DISPLAY``) or with ``--screenshot``, the display is rendered offscreen once its
chart shows frames and its widgets their PVs, and saved as a PNG: a capture only, it never
writes a PV. A prefix no IOC answers for is reported within
five seconds.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Callable, Dict, List, Optional

from ..common.caenv import ensure_max_array_bytes
from ..common.names import DISPLAY_MACROS
from ..common.resources import display_file
from ..common.resources import resource_dir as data_path

logger = logging.getLogger(__name__)

__all__ = ["data_path", "display_file", "open_display", "render_screenshot", "check_iocs",
           "unsettled", "charts_of", "main", "DEFAULT_MACROS"]

DEFAULT_MACROS = dict(DISPLAY_MACROS)
CHECK_TIMEOUT = 5.0
#: How long a capture waits for more than the first frame (s).
MORE_FRAMES_TIMEOUT = 5.0
#: Longest a capture waits, after the chart's frames, for the other widgets' PVs (s).
SETTLE_TIMEOUT = 10.0


def macros_for(prefix: Optional[str] = None, extra: Optional[List[str]] = None) -> Dict[str, str]:
    """The display's macros: defaults, ``--prefix`` and ``--macro NAME=VALUE`` options."""
    macros = dict(DEFAULT_MACROS)
    if prefix is not None:
        macros["P"] = prefix
    for item in extra or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--macro {item!r}: expected NAME=VALUE")
        macros[name.strip()] = value.strip()
    return macros


def charts_of(names: List[str]) -> str:
    """The ``CHARTS`` macro for a launcher's processes: its charts' names (``chart``,
    ``chart@vacuum`` -> ``chart,vacuum``)."""
    from .instances import parse_instance
    charts = [parse_instance(n).chart for n in names if n.split("@")[0] == "chart"]
    return ",".join(dict.fromkeys(charts)) or DEFAULT_MACROS["CHARTS"]


def open_display(macros: Optional[Dict[str, str]] = None, name: str = "chart.ui"):
    """The display as a PyDM ``Display`` (a QApplication must exist)."""
    from pydm import Display
    return Display(ui_filename=str(display_file(name)), macros=dict(macros or DEFAULT_MACROS))


def check_iocs(macros: Dict[str, str], timeout: float = CHECK_TIMEOUT) -> None:
    """Raise ``RuntimeError`` (one line) unless the motor and chart IOCs answer."""
    import epics
    p = macros["P"]
    wanted = {f"{p}{macros['C']}:UniqueId_RBV": "chart IOC",
              f"{p}{macros['M']}.RTYP": "motor IOC"}
    pvs = {name: epics.PV(name) for name in wanted}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(pv.connected for pv in pvs.values()):
        epics.poll(evt=0.01, iot=0.05)
    missing = [f"{what} ({name})" for name, what in wanted.items() if not pvs[name].connected]
    for pv in pvs.values():
        pv.disconnect()
    if missing:
        addr = os.environ.get("EPICS_CA_ADDR_LIST", "") or "(broadcast)"
        raise RuntimeError(f"no answer within {timeout:g} s from {' and '.join(missing)}; "
                           f"is the prefix right and are the IOCs running? "
                           f"EPICS_CA_ADDR_LIST={addr}")


def _process_until(condition: Callable[[], bool], timeout: float) -> bool:
    from qtpy.QtWidgets import QApplication
    app = QApplication.instance()
    assert app is not None, "a QApplication runs"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def unsettled(display) -> List[str]:
    """The widgets of ``display`` that do not yet show what their PVs hold: a PyDM widget
    whose channel has not connected or given a value, or one of pvchart's composite widgets
    whose ``settled()`` says no."""
    from pydm.widgets.base import PyDMWidget
    from qtpy.QtWidgets import QWidget
    waiting = []
    for widget in display.findChildren(QWidget):
        settled = getattr(widget, "settled", None)
        if callable(settled):
            ok = settled()
        elif isinstance(widget, PyDMWidget) and getattr(widget, "_channel", None):
            ok = bool(getattr(widget, "_connected", False)) and \
                getattr(widget, "value", None) is not None
        else:
            continue
        if not ok:
            waiting.append(widget.objectName() or type(widget).__name__)
    return waiting


def render_screenshot(path: Path, macros: Dict[str, str], timeout: float = 60.0,
                      frames: int = 3) -> Path:
    """Show the display offscreen until its chart has shown ``frames`` frames (one, if no
    more come: a frozen or held chart) and its widgets show their PVs (at most
    :data:`SETTLE_TIMEOUT` more; then it says which do not); save a PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qtpy.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 (keep alive)

    from pydm_widgets.pvimage import PVImage
    display = open_display(macros)
    display.resize(display.size().expandedTo(display.minimumSizeHint()))   # the file's size
    display.show()
    chart = display.findChild(PVImage, "chart")
    deadline = time.monotonic() + timeout
    if not _process_until(lambda: chart.frames_shown >= 1, timeout):
        raise RuntimeError(f"no chart frame from {macros['P']}{macros['C']}: within "
                           f"{timeout:g} s")
    # A live chart sends more frames; a frozen one, or a range held in the past with nothing
    # new in it, sends none: its one frame is the picture.
    _process_until(lambda: chart.frames_shown >= frames,
                   max(min(MORE_FRAMES_TIMEOUT, deadline - time.monotonic()), 0.0))
    settle = max(min(SETTLE_TIMEOUT, deadline - time.monotonic()), 0.0)
    if not _process_until(lambda: not unsettled(display), settle):
        logger.warning("captured while these widgets still wait for their PVs: %s",
                       ", ".join(unsettled(display)))
    path = Path(path)
    focused = QApplication.focusWidget()
    if focused is not None:
        focused.clearFocus()               # no text cursor in the picture
    if not display.grab().save(str(path)):
        raise RuntimeError(f"could not write {path}")
    display.close()
    display.deleteLater()                  # disconnect PyDM channels while Qt still runs
    _process_until(lambda: False, 0.2)
    return path.resolve()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pvchart-display", allow_abbrev=False,
        description="Open the pvchart display in PyDM, or capture it headless as a PNG.")
    parser.add_argument("--prefix", default=None,
                        help=f"IOC prefix, the display's macro P (default: "
                             f"{DEFAULT_MACROS['P']})")
    parser.add_argument("--macro", action="append", default=[], metavar="NAME=VALUE",
                        help="a display macro: P prefix, M motor record, C chart IOC, "
                             "S named positions, IMAGE image channel, CHARTS the charts "
                             "to choose from (default: " +
                             ", ".join(f"{k}={v}" for k, v in DEFAULT_MACROS.items()) + ")")
    parser.add_argument("--run-dir", type=Path, default=None,
                        help="use the CA settings of local-mode IOCs started from this "
                             "directory (default: the environment's)")
    parser.add_argument("--screenshot", type=Path, default=None, metavar="PNG",
                        help="render offscreen to this PNG and exit (default without a "
                             "screen: pvchart-display.png)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to wait for the first chart frames (default: 60)")
    parser.add_argument("--ui-path", action="store_true",
                        help="print the path of the installed chart.ui and exit")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """``pvchart-display``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.ui_path:
        print(display_file())
        return 0
    try:
        macros = macros_for(args.prefix, args.macro)
    except ValueError as ex:
        parser.error(str(ex))
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if args.run_dir is not None:
        from .launcher import Launcher, LauncherError
        try:
            launcher = Launcher.from_run_dir(args.run_dir)
        except LauncherError as ex:
            print(f"pvchart-display: {ex}", file=sys.stderr)
            return 2
        os.environ.update(launcher.client_env())
        print(f"using the CA settings of the {'local' if launcher.local else 'site'}-mode "
              f"IOCs in {launcher.run_dir}")
        if not any(m.partition("=")[0].strip() == "CHARTS" for m in args.macro):
            macros["CHARTS"] = charts_of(launcher.names())
    ensure_max_array_bytes()
    warnings.filterwarnings("ignore", module="epics")    # a get timeout is our error
    try:
        check_iocs(macros)
    except RuntimeError as ex:
        print(f"pvchart-display: {ex}", file=sys.stderr)
        return 2
    if args.screenshot is None and not os.environ.get("DISPLAY"):
        args.screenshot = Path("pvchart-display.png")
    if args.screenshot is not None:
        try:
            path = render_screenshot(args.screenshot, macros, timeout=args.timeout)
        except RuntimeError as ex:
            print(f"pvchart-display: {ex}", file=sys.stderr)
            return 2
        print(f"rendered the display offscreen to {path}")
        return 0
    pydm = shutil.which("pydm") or str(Path(sys.executable).with_name("pydm"))
    return subprocess.call([pydm, "--hide-nav-bar", "-m", json.dumps(macros),
                            str(display_file())])


if __name__ == "__main__":
    sys.exit(main())
