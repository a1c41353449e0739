"""The chart IOC with a real motor IOC, both subprocesses on loopback.

Most tests use the worker's shared chart IOC (``chart``: its settings, motor and history are
put back after each test); a test that stops one of the IOCs starts its own pair.
"""
import epics
import numpy as np
import pytest
from caproto import ChannelType
from caproto.sync.client import ErrorResponseReceived

from tests.support.chart import frame, fresh_frame, red_pixels
from tests.support.harness import PATIENCE, ca_write, caget_fresh, wait_until
from tests.support.motor import MonitorLog

pytestmark = pytest.mark.ioc


def put(pv, value):
    assert epics.caput(pv, value, wait=True, timeout=PATIENCE) == 1, pv


def test_sizes_agree_with_data(chart):
    c = chart.chart
    _, img = frame(chart.prefix)
    assert img.shape == (480, 640, 3)
    assert caget_fresh(c + "ColorMode_RBV", as_string=True) == "RGB1"
    assert caget_fresh(c + "DataType_RBV", as_string=True) == "UInt8"
    assert caget_fresh(c + "NDimensions_RBV") == 3
    assert len(caget_fresh(c + "image")) == 640 * 480 * 3    # the seed's name
    put(c + "ColorMode", "Mono")
    put(c + "width", 320)
    wait_until(lambda: caget_fresh(c + "ArraySize0_RBV") == 320, PATIENCE, "Mono 320 wide")
    _, img = frame(chart.prefix)
    assert img.shape == (480, 320)
    assert caget_fresh(c + "NDimensions_RBV") == 2
    assert caget_fresh(c + "t1") > 0 and caget_fresh(c + "render_ms") > 0


def test_moving_the_motor_changes_the_image(chart):
    """A put to VAL changes the next frames (how soon is benchmarks/latency.py's figure)."""
    put(f"{chart.motor}.VELO", 5.0)
    before = fresh_frame(chart.prefix)
    put(f"{chart.motor}.VAL", 5.0)
    wait_until(lambda: not np.array_equal(frame(chart.prefix)[1], before), PATIENCE,
               "the chart to change")


def test_choices_follow_and_move_the_motor(chart):
    s, m = chart.server, chart.motor
    put(f"{m}.VELO", 10.0)
    wait_until(lambda: caget_fresh(f"{s}.choices", as_string=True) == "Retract", PATIENCE,
               "motor at Retract (0)")
    put(f"{s}.choices", "Insert")
    assert caget_fresh(f"{m}.RBV") == pytest.approx(2.0)
    wait_until(lambda: caget_fresh(f"{s}.choices", as_string=True) == "Insert", PATIENCE,
               "Insert")
    put(f"{m}.VAL", 1.0)
    wait_until(lambda: caget_fresh(f"{s}.choices", as_string=True) == "", PATIENCE, "blank")
    put(f"{s}.insert_pos", 1.0)                              # moving a name to the motor
    wait_until(lambda: caget_fresh(f"{s}.choices", as_string=True) == "Insert", PATIENCE,
               "Insert after the position moved")


def test_jog_goes_out_and_back(chart):
    s, m = chart.server, chart.motor
    put(f"{m}.VELO", 10.0)
    put(f"{m}.VAL", 1.0)
    with MonitorLog(m, "RBV") as log:
        put(f"{s}.jog", 1)
        seen = log.values("RBV")
    assert max(seen) == pytest.approx(1.5)
    assert caget_fresh(f"{m}.RBV") == pytest.approx(1.0)
    assert caget_fresh(f"{s}.jog") == 0


def test_motor_ioc_stop_shows_disconnect_and_restart_resumes(chart_ioc, motor_ioc, prefix):
    c = f"{prefix}chart:"
    wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected", PATIENCE,
               "sources")
    _, img = frame(prefix)
    assert red_pixels(img) < 50
    motor_ioc.stop()
    wait_until(lambda: caget_fresh(c + "status") == "0 of 2 sources connected", PATIENCE,
               "disconnect noticed")
    wait_until(lambda: red_pixels(frame(prefix)[1]) > 200, PATIENCE, "DISCONNECTED mark")
    assert chart_ioc.alive()
    assert caget_fresh(f"{prefix}SERVER.motor_connected") == 0
    motor_ioc.start()
    wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected", PATIENCE,
               "sources back")
    wait_until(lambda: red_pixels(frame(prefix)[1]) < 50, PATIENCE, "mark gone")
    put(f"{prefix}motor.VELO", 10.0)
    before = fresh_frame(prefix)
    put(f"{prefix}motor.VAL", 8.0)
    wait_until(lambda: not np.array_equal(frame(prefix)[1][:, -40:], before[:, -40:]),
               PATIENCE, "traces resume")


@pytest.mark.parametrize("pv,value,dtype", [
    ("rate", -1.0, ChannelType.DOUBLE), ("rate", 0.0, ChannelType.DOUBLE),
    ("width", 0, ChannelType.LONG), ("height", 0, ChannelType.LONG),
    ("window", float("nan"), ChannelType.DOUBLE), ("window", "soon", ChannelType.STRING),
    ("sources", "NO:SUCH:PV.VAL", ChannelType.CHAR),
])
def test_bad_settings_are_refused(chart, pv, value, dtype):
    c = chart.chart
    names = ("rate", "width", "height", "window", "sources")
    before = {n: caget_fresh(c + n, as_string=(n == "sources")) for n in names}
    if dtype == ChannelType.CHAR:
        value = value.encode() + b"\0"
    with pytest.raises(ErrorResponseReceived) as err:
        ca_write(c + pv, value, data_type=dtype, notify=True, timeout=PATIENCE,
                 repeater=False)
    message = bytes(err.value.args[0].error_message).decode(errors="replace")
    assert pv in message or "unknown source" in message or "Conversion" in message, message
    after = {n: caget_fresh(c + n, as_string=(n == "sources")) for n in names}
    assert after == before
    uid = caget_fresh(c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid, PATIENCE, "still rendering")


def test_sources_can_change_at_run_time(chart):
    c = chart.chart
    put(c + "sources", f"{chart.prefix}m2.RBV")
    wait_until(lambda: caget_fresh(c + "status") == "1 of 1 sources connected", PATIENCE,
               "m2")
    assert caget_fresh(c + "sources", as_string=True) == f"{chart.prefix}m2.RBV"
