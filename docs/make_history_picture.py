"""Render the looking-back pictures for the docs: a week from the archiver, and the seam.

Starts the test Archiver Appliance (``tests/support/appliance.py``, on loopback, in this
process) with a week of made-up history of the motor's RBV and VAL (a scan each day shift,
parked at night, a last scan that ends where the motor stands), and local-mode IOCs under
procServ (launcher, free loopback ports, a temporary run directory) with the chart pointed at
it; moves the motor through the demo's moves and saves two of the chart IOC's own frames: the
week (archived envelope bins) and the last minute or so with the cursor on the seam, where
the archive ends and the chart's own history begins. Then stops it all.

    python docs/make_history_picture.py docs/_generated/week.png docs/_generated/seam.png
"""
from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iocs.common.caenv import IocPorts, ensure_max_array_bytes, free_port  # noqa: E402
from iocs.ops.launcher import Launcher  # noqa: E402
from iocs.ops.processes import wait_for  # noqa: E402
from tests.support.appliance import MadeUpHistory, TestAppliance  # noqa: E402

PREFIX = "DOCS:"
WEEK = 7 * 86400.0
LAST_SCAN = 600.0           # s: the last scan before the chart started
Curve = Callable[[np.ndarray], Tuple[np.ndarray, np.ndarray]]


def _wait_for(condition, timeout: float, what: str) -> None:
    if not wait_for(condition, timeout):
        raise RuntimeError(f"docs history picture: no {what} within {timeout:g} s")


def _shift(t: np.ndarray) -> np.ndarray:
    """True in the day shift (08:00 to 20:00 UTC)."""
    return (t % 86400.0 >= 8 * 3600.0) & (t % 86400.0 < 20 * 3600.0)


def readback(now: float) -> Curve:
    """RBV: scanning 1..9 mm in the day shift, parked at 2 mm at night, a last scan of
    +-3 mm that ends at 0 (where the motor starts) at ``now``."""
    def f(t: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        jitter = 0.05 * np.sin(2 * np.pi * t / 7.3)
        y = np.where(_shift(t), 5.0 + 4.0 * np.sin(2 * np.pi * t / 300.0), 2.0) + jitter
        y = np.where(t >= now - LAST_SCAN, 3.0 * np.sin(2 * np.pi * (now - t) / 30.0), y)
        return np.where(t >= now, 0.0, y), np.zeros(len(t), np.int64)
    return f


def setpoint(now: float) -> Curve:
    """VAL: the scan's targets (9 and 1, +-3 in the last scan), 2 at night, 0 from ``now``."""
    def f(t: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        y = np.where(_shift(t), np.where(np.sin(2 * np.pi * t / 300.0) >= 0, 9.0, 1.0), 2.0)
        last = np.where(np.sin(2 * np.pi * (now - t) / 30.0) >= 0, 3.0, -3.0)
        y = np.where(t >= now - LAST_SCAN, last, y)
        return np.where(t >= now, 0.0, y), np.zeros(len(t), np.int64)
    return f


def save_frame(chart: str, out: Path, cursor: float = 0.0) -> None:
    """Set the cursor (0: none) and save the frame drawn after that as a PNG (a chart with
    nothing new to show renders no frame of its own accord)."""
    import epics
    from PIL import Image
    uid = epics.caget(chart + "UniqueId_RBV", use_monitor=False)
    epics.caput(chart + "cursor", cursor, wait=True)
    _wait_for(lambda: epics.caget(chart + "UniqueId_RBV", use_monitor=False) > uid, 30,
              "new frame")
    width = int(epics.caget(chart + "ArraySize1_RBV", use_monitor=False))
    height = int(epics.caget(chart + "ArraySize2_RBV", use_monitor=False))
    data = epics.caget(chart + "ArrayData", use_monitor=False, timeout=10)
    Image.fromarray(np.asarray(data, np.uint8)[:width * height * 3].reshape(
        height, width, 3)).save(out)
    print(f"wrote {out}")


def reaches_back(chart: str, since: float) -> bool:
    """Every trace's data start at the left edge (within two pixel columns or 2 s; not a
    wider range's: up to half a window earlier, as ``T<n>:times`` of a still source is not
    refreshed while the range slides) and run on past ``since``, and the archiver is idle."""
    import epics
    if epics.caget(chart + "archiverStatus", use_monitor=False) != "ok":
        return False
    window = float(epics.caget(chart + "window", use_monitor=False))
    edge, tol = time.time() - window, max(2 * window / 640, 2.0)
    for n in (1, 2):
        times = epics.caget(f"{chart}T{n}:times", use_monitor=False, timeout=10)
        if times is None or len(times) < 2 or times[0] > edge + tol or \
                times[0] < edge - max(tol, window / 2) or since > times[-1]:
            return False
    return True


def seam_of(times: np.ndarray) -> float:
    """The first of the chart's own samples: the archive's are on whole seconds (1 Hz)."""
    own = np.abs(times - np.round(times)) > 1e-6
    if not own.any():
        raise RuntimeError("docs history picture: no sample of the chart's own history")
    return float(times[int(np.argmax(own))])


def main(argv: list[str]) -> int:
    outs = [Path(a) for a in argv] or [ROOT / "docs/_generated/week.png",
                                       ROOT / "docs/_generated/seam.png"]
    for out in outs:
        out.parent.mkdir(parents=True, exist_ok=True)
    now = time.time()
    history = {f"{PREFIX}motor.RBV": MadeUpHistory(function=readback(now), rate=1.0,
                                                   start=now - WEEK - 3600, egu="mm"),
               f"{PREFIX}motor.VAL": MadeUpHistory(function=setpoint(now), rate=1.0,
                                                   start=now - WEEK - 3600, egu="mm")}
    tmp = Path(tempfile.mkdtemp(prefix="pvchart-docs-history-"))
    launcher = Launcher(tmp / "run", local=True, prefix=PREFIX,
                        ports={"motor": IocPorts.allocate(pva=False),
                               "chart": IocPorts.allocate()},
                        repeater_port=free_port())
    os.environ.pop("PVCHART_ARCHIVER", None)
    chart = f"{PREFIX}chart:"
    with TestAppliance(history) as appliance:
        try:
            launcher.start(ioc_args={"chart": ["--archiver", appliance.url,
                                               "--window", str(WEEK)]}, timeout=90)
            started = time.time()
            os.environ.update(launcher.client_env())
            ensure_max_array_bytes()
            import epics

            from iocs.ops.demo import Choreography
            moves = Choreography(f"{PREFIX}motor").start()
            if not moves.done.wait(120):
                raise RuntimeError("docs history picture: the demo moves did not finish")
            _wait_for(lambda: reaches_back(chart, started), 120, "week from the archiver")
            save_frame(chart, outs[0])
            if len(outs) > 1:
                window = float(max(60, 10 * math.ceil(2.5 * (time.time() - started) / 10)))
                epics.caput(chart + "window", window, wait=True)
                _wait_for(lambda: reaches_back(chart, started), 60, "the seam's minutes")
                times = epics.caget(chart + "T1:times", use_monitor=False, timeout=10)
                save_frame(chart, outs[1], seam_of(np.asarray(times)))
            return 0
        finally:
            launcher.stop()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
