"""End to end: IOCs under procServ (via the launcher), displays/chart.ui in PyDM offscreen."""
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from pydm.widgets.label import PyDMLabel
from pydm.widgets.line_edit import PyDMLineEdit
from pydm.widgets.pushbutton import PyDMPushButton
from qtpy.QtCore import Qt

from iocs.ops.display import CHECK_TIMEOUT, DEFAULT_MACROS, open_display
from iocs.ops.processes import alive
from pydm_widgets.positions import PositionSummary
from pydm_widgets.pvimage import PVImage
from tests.support.harness import PATIENCE, caget_fresh, caput, qimage_rgb, wait_until
from tests.support.motor import MonitorLog

pytestmark = pytest.mark.procserv

WAIT_MS = int(PATIENCE * 1000)          #: qtbot's deadlines: liveness only


def image_array(widget):
    return qimage_rgb(widget.current_image())


@pytest.fixture
def display(qtbot, launcher, prefix):
    launcher.start()
    d = open_display(dict(DEFAULT_MACROS, P=prefix))
    qtbot.addWidget(d)
    d.resize(1100, 620)
    d.show()
    chart = d.findChild(PVImage, "chart")
    qtbot.waitUntil(lambda: chart.frames_shown > 0, timeout=WAIT_MS)
    return d


def test_display_moves_the_motor_and_the_chart_follows(qtbot, display, prefix):
    chart = display.findChild(PVImage, "chart")
    rbv = display.findChild(PyDMLabel, "rbv")
    setpoint = display.findChild(PyDMLineEdit, "setpoint")
    caput(f"{prefix}motor.VELO", 10.0)
    qtbot.waitUntil(lambda: setpoint._connected and rbv.text().startswith("0.000"),
                    timeout=WAIT_MS)
    before = image_array(chart)
    setpoint.setText("3")
    setpoint.send_value()
    qtbot.waitUntil(lambda: rbv.text() == "3.000 mm", timeout=WAIT_MS)
    assert caget_fresh(f"{prefix}motor.RBV") == pytest.approx(3.0)
    qtbot.waitUntil(lambda: not np.array_equal(image_array(chart), before), timeout=WAIT_MS)

    insert = display.findChild(PyDMPushButton, "insertButton")
    summary = display.findChild(PositionSummary, "positionSummary")
    qtbot.waitUntil(lambda: insert._connected, timeout=WAIT_MS)
    qtbot.mouseClick(insert, Qt.LeftButton)
    qtbot.waitUntil(lambda: rbv.text() == "10.000 mm", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: summary.text() == "at Insert", timeout=WAIT_MS)

    with MonitorLog(f"{prefix}motor", "RBV") as rbv_log:
        jog = display.findChild(PyDMPushButton, "jog")
        qtbot.mouseClick(jog, Qt.LeftButton)
        qtbot.waitUntil(lambda: max(rbv_log.values("RBV"), default=0) > 10.9 and
                        caget_fresh(f"{prefix}motor.DMOV") == 1 and
                        caget_fresh(f"{prefix}SERVER.jog") == 0, timeout=WAIT_MS)
    assert caget_fresh(f"{prefix}motor.RBV") == pytest.approx(10.0)


def test_chart_ioc_crash_is_restarted_and_the_display_recovers(qtbot, display, launcher,
                                                               prefix):
    """procServ restarts a killed chart IOC, CA clients find it again and the display shows
    its frames (how soon: benchmarks/reconnect.py)."""
    chart = display.findChild(PVImage, "chart")
    (old,) = launcher.child_pids("chart")
    os.kill(old, signal.SIGKILL)
    wait_until(lambda: [p for p in launcher.child_pids("chart") if p != old], PATIENCE,
               "procServ to restart the chart IOC")
    wait_until(lambda: caget_fresh(f"{prefix}chart:UniqueId_RBV", timeout=1) is not None,
               PATIENCE, "CA clients to see the chart IOC again")
    shown = chart.frames_shown
    qtbot.waitUntil(lambda: chart.image_connected and chart.frames_shown > shown + 2,
                    timeout=WAIT_MS)
    assert launcher.status()["chart"]["restarts"] == 1


@pytest.mark.parametrize("launcher", [3], indirect=True)      # a 3 s gap to observe
def test_motor_ioc_crash_shows_disconnect_then_everything_recovers(qtbot, display, launcher,
                                                                   prefix):
    chart = display.findChild(PVImage, "chart")
    rbv = display.findChild(PyDMLabel, "rbv")
    status = display.findChild(PyDMLabel, "chartStatus")
    qtbot.waitUntil(lambda: rbv._connected, timeout=WAIT_MS)
    (old,) = launcher.child_pids("motor")
    os.kill(old, signal.SIGKILL)
    qtbot.waitUntil(lambda: not rbv._connected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: status.text() == "0 of 2 sources connected", timeout=WAIT_MS)
    assert chart.image_connected                        # the chart IOC itself serves on
    qtbot.waitUntil(lambda: rbv._connected and status.text() == "2 of 2 sources connected",
                    timeout=WAIT_MS)
    caput(f"{prefix}motor.VELO", 10.0)
    before = image_array(chart)
    caput(f"{prefix}motor.VAL", -4.0)
    qtbot.waitUntil(lambda: rbv.text() == "-4.000 mm", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not np.array_equal(image_array(chart), before), timeout=WAIT_MS)


def test_stop_leaves_no_process_behind(launcher):
    launcher.start()
    pids = []
    for name in ("motor", "chart"):
        pids += [launcher.procserv_pid(name), *launcher.child_pids(name)]
    assert len(pids) == 4 and all(alive(p) for p in pids)
    assert launcher.stop() == ["chart", "motor"]      # the session's repeater stays
    assert not any(alive(p) for p in pids)
    assert launcher.status()["motor"]["children"] == []


def test_headless_display_captures_without_writing_a_pv(launcher, prefix, tmp_path):
    from qtpy.QtGui import QImage
    launcher.start()
    before = {f: caget_fresh(f"{prefix}motor.{f}") for f in ("VAL", "RBV", "DMOV")}
    out = tmp_path / "shot.png"
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    with MonitorLog(f"{prefix}motor", "VAL", "DMOV") as log:
        r = subprocess.run([sys.executable, "-m", "iocs.ops.display", "--run-dir",
                            str(launcher.run_dir), "--prefix", prefix, "--screenshot",
                            str(out)], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=180)
        assert r.returncode == 0, r.stderr[-2000:]
        caput(f"{prefix}motor.DESC", "after")  # a put of ours: its event follows any before
        wait_until(lambda: caget_fresh(f"{prefix}motor.DESC") == "after", PATIENCE, "DESC")
        seen = log.snapshot()
    assert str(out) in r.stdout and not QImage(str(out)).isNull()
    assert {f: caget_fresh(f"{prefix}motor.{f}") for f in before} == before
    assert [f for f, _, _ in seen] == ["VAL", "DMOV"]    # the initial values only


def test_wrong_prefix_is_a_quick_one_line_error(launcher, tmp_path):
    """The display checks the IOCs first (CHECK_TIMEOUT), rather than waiting out the
    frame timeout: one line on stderr naming the prefix, exit 2."""
    launcher.start(["repeater", "motor"])
    r = subprocess.run([sys.executable, "-m", "iocs.ops.display", "--run-dir",
                        str(launcher.run_dir), "--prefix", "NO:SUCH:", "--screenshot",
                        str(tmp_path / "x.png")], capture_output=True, text=True,
                       timeout=PATIENCE)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "NO:SUCH:" in r.stderr
    assert f"no answer within {CHECK_TIMEOUT:g} s" in r.stderr      # the check, not frames
    assert "Traceback" not in r.stderr + r.stdout
