"""``pvchart-demo`` (``make demo``): the whole thing on loopback, with a moving motor.

Starts the local-mode IOCs that are not running yet (``pvchart-iocs start --local``) and
pvchart-web (printing its URL), moves the motor back and forth so the chart has something to
show (this choreography is the demo's alone; the display never writes a PV), opens the display
(with no screen: renders it to ``demo.png``) and stops again only the processes it started.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path
from typing import List, Optional, Sequence

from ..common.caenv import ensure_max_array_bytes, free_port
from .launcher import Launcher, LauncherError
from .processes import tcp_port_in_use

logger = logging.getLogger(__name__)

__all__ = ["Choreography", "main"]

MOVES = (4.0, -3.0, 1.5)


class Choreography:
    """Moves ``motor`` through ``moves`` (and round again while ``loop``) in a thread."""

    def __init__(self, motor: str, moves: Sequence[float] = MOVES, loop: bool = False) -> None:
        self.motor = motor
        self.moves = tuple(moves)
        self.loop = loop
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="demo moves")

    def start(self) -> Choreography:
        self._thread.start()
        return self

    def _run(self) -> None:
        import epics
        try:
            while not self._stop.is_set():
                for target in self.moves:
                    if self._stop.is_set():
                        return
                    epics.caput(f"{self.motor}.VAL", target, wait=True, timeout=60)
                self.done.set()
                if not self.loop:
                    return
        finally:
            self.done.set()

    def stop(self) -> None:
        """Stop moving: the move in progress is stopped too."""
        import epics
        self._stop.set()
        if self._thread.is_alive():
            epics.caput(f"{self.motor}.STOP", 1)
            self._thread.join(10)


def run_demo(launcher: Launcher, screenshot: Optional[Path], timeout: float = 60.0) -> int:
    """Start what is missing, move the motor, show or capture the display, stop what we
    started."""
    if not launcher.procserv_pid("web") and tcp_port_in_use(launcher.web_port):
        launcher.web_port = free_port()          # another server has 8080: any free port
    started = launcher.start(["repeater", "motor", "chart", "web"], timeout=timeout)
    print(f"the chart in a browser: http://127.0.0.1:{launcher.web_port}/")
    os.environ.update(launcher.client_env())
    ensure_max_array_bytes()
    from .display import DEFAULT_MACROS, render_screenshot
    from .display import main as display_main
    macros = dict(DEFAULT_MACROS, P=launcher.prefix)
    moves = Choreography(f"{launcher.prefix}motor", loop=screenshot is None)
    try:
        moves.start()
        if screenshot is None:
            return display_main(["--prefix", launcher.prefix])
        if not moves.done.wait(timeout):
            raise RuntimeError("the demo moves did not finish")
        path = render_screenshot(screenshot, macros, timeout=timeout, frames=3)
        print(f"no screen: rendered the display with the demo moves to {path}")
        return 0
    finally:
        moves.stop()
        if started:
            print("stopped: " + ", ".join(launcher.stop(started)))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="pvchart-demo", allow_abbrev=False,
                                     description="The pvchart IOCs on loopback, a moving "
                                                 "motor and the display.")
    parser.add_argument("--run-dir", type=Path, default=Path("run"),
                        help="run directory of the local-mode IOCs (default: ./run)")
    parser.add_argument("--screenshot", type=Path, default=None, metavar="PNG",
                        help="capture the display to this PNG (default without a screen: "
                             "demo.png)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to wait for the IOCs and the moves (default: 60)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("caproto").setLevel(logging.WARNING)   # not "Channel connected."
    if args.screenshot is None and not os.environ.get("DISPLAY"):
        args.screenshot = Path("demo.png")
    try:
        launcher = Launcher.from_run_dir(args.run_dir)
        if not launcher.local:
            raise LauncherError(f"{args.run_dir} holds site-mode IOCs; the demo runs in "
                                "local mode: use another --run-dir")
    except LauncherError as ex:
        if "site-mode" in str(ex):
            print(f"pvchart-demo: {ex}", file=sys.stderr)
            return 2
        launcher = Launcher(args.run_dir, local=True)
    try:
        return run_demo(launcher, args.screenshot, args.timeout)
    except (LauncherError, RuntimeError) as ex:
        print(f"pvchart-demo: {ex}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
