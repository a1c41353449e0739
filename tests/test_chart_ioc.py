"""The chart IOC with a real motor IOC, both subprocesses on loopback."""
import time

import epics
import numpy as np
import pytest
from caproto import ChannelType
from caproto.sync.client import ErrorResponseReceived

from iocs.chart.render import DISCONNECTED_COLOR
from tests.support.harness import ca_write, caget_fresh, wait_until


def frame(prefix):
    """(UniqueId, image array (h, w, 3) or (h, w)) read consistently from the IOC."""
    c = f"{prefix}chart:"
    wait_until(lambda: (caget_fresh(c + "UniqueId_RBV") or 0) > 0, 10, "a first frame")
    while True:
        uid = caget_fresh(c + "UniqueId_RBV")
        s0, s1, s2 = (caget_fresh(c + f"ArraySize{i}_RBV") for i in range(3))
        data = caget_fresh(c + "ArrayData", timeout=5)
        if caget_fresh(c + "UniqueId_RBV") == uid:
            break
    data = np.asarray(data, dtype=np.uint8)
    if s0 == 3:
        return uid, data.reshape(s2, s1, 3)
    return uid, data.reshape(s1, s0)


def red_pixels(img):
    r = int(DISCONNECTED_COLOR[1:3], 16)
    return int(np.sum((abs(img[..., 0].astype(int) - r) < 30) & (img[..., 1] < 90)
                      & (img[..., 2] < 90)))


def test_sizes_agree_with_data(chart_ioc, prefix):
    c = f"{prefix}chart:"
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > 0, 10, "first frame")
    _, img = frame(prefix)
    assert img.shape == (480, 640, 3)
    assert caget_fresh(c + "ColorMode_RBV", as_string=True) == "RGB1"
    assert caget_fresh(c + "DataType_RBV", as_string=True) == "UInt8"
    assert caget_fresh(c + "NDimensions_RBV") == 3
    assert len(caget_fresh(c + "image", timeout=5)) == 640 * 480 * 3    # the seed's name
    epics.caput(c + "ColorMode", "Mono", wait=True)
    epics.caput(c + "width", 320, wait=True)
    wait_until(lambda: caget_fresh(c + "ArraySize0_RBV") == 320, 5, "Mono 320 wide")
    _, img = frame(prefix)
    assert img.shape == (480, 320)
    assert caget_fresh(c + "NDimensions_RBV") == 2
    assert caget_fresh(c + "t1") > 0 and caget_fresh(c + "render_ms") > 0


def test_moving_the_motor_changes_the_image_within_two_frames(chart_ioc, prefix):
    c = f"{prefix}chart:"
    epics.caput(f"{prefix}motor.VELO", 5.0, wait=True)
    wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected", 10, "sources")
    frames = []
    pv = epics.PV(c + "ArrayData", form="time", auto_monitor=True,
                  callback=lambda value=None, timestamp=None, **kw:
                  frames.append((timestamp, np.array(value, dtype=np.uint8))))
    assert pv.wait_for_connection(5)
    wait_until(lambda: len(frames) >= 2, 5, "frames")
    before = frames[-1][1]
    t_put = time.time()
    epics.caput(f"{prefix}motor.VAL", 5.0, wait=False)
    wait_until(lambda: any(t > t_put and not np.array_equal(img, before)
                           for t, img in list(frames)), 5, "the chart to change")
    pv.clear_callbacks()
    after_put = [(t, img) for t, img in frames if t > t_put]
    first_changed = next(i for i, (t, img) in enumerate(after_put)
                         if not np.array_equal(img, before))
    assert first_changed + 1 <= 2       # the first or second frame after the put


def test_choices_follow_and_move_the_motor(chart_ioc, prefix):
    s = f"{prefix}SERVER"
    epics.caput(f"{prefix}motor.VELO", 10.0, wait=True)
    wait_until(lambda: caget_fresh(f"{s}.choices", as_string=True) == "Retract", 10,
               "motor at Retract (0)")
    epics.caput(f"{s}.choices", "Insert", wait=True, timeout=20)
    assert caget_fresh(f"{prefix}motor.RBV") == pytest.approx(2.0)
    wait_until(lambda: caget_fresh(f"{s}.choices", as_string=True) == "Insert", 5, "Insert")
    epics.caput(f"{prefix}motor.VAL", 1.0, wait=True)
    wait_until(lambda: caget_fresh(f"{s}.choices", as_string=True) == "", 5, "blank")
    epics.caput(f"{s}.insert_pos", 1.0, wait=True)            # moving a name to the motor
    wait_until(lambda: caget_fresh(f"{s}.choices", as_string=True) == "Insert", 5,
               "Insert after the position moved")


def test_jog_goes_out_and_back(chart_ioc, prefix):
    s = f"{prefix}SERVER"
    epics.caput(f"{prefix}motor.VAL", 1.0, wait=True)
    seen = []
    pv = epics.PV(f"{prefix}motor.RBV", auto_monitor=True,
                  callback=lambda value=None, **kw: seen.append(value))
    assert pv.wait_for_connection(5)
    epics.caput(f"{s}.jog", 1, wait=True, timeout=20)
    pv.clear_callbacks()
    assert max(seen) == pytest.approx(1.5)
    assert caget_fresh(f"{prefix}motor.RBV") == pytest.approx(1.0)
    assert caget_fresh(f"{s}.jog") == 0


def test_motor_ioc_stop_shows_disconnect_and_restart_resumes(chart_ioc, motor_ioc, prefix):
    c = f"{prefix}chart:"
    wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected", 10, "sources")
    _, img = frame(prefix)
    assert red_pixels(img) < 50
    motor_ioc.stop()
    wait_until(lambda: caget_fresh(c + "status") == "0 of 2 sources connected", 15,
               "disconnect noticed")
    wait_until(lambda: red_pixels(frame(prefix)[1]) > 200, 5, "DISCONNECTED mark")
    assert chart_ioc.alive()
    assert caget_fresh(f"{prefix}SERVER.motor_connected") == 0
    motor_ioc.start()
    wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected", 20,
               "sources back")
    wait_until(lambda: red_pixels(frame(prefix)[1]) < 50, 5, "mark gone")
    epics.caput(f"{prefix}motor.VELO", 10.0, wait=True)
    _, before = frame(prefix)
    epics.caput(f"{prefix}motor.VAL", 8.0, wait=True)
    wait_until(lambda: not np.array_equal(frame(prefix)[1][:, -40:], before[:, -40:]), 5,
               "traces resume")


@pytest.mark.parametrize("pv,value,dtype", [
    ("rate", -1.0, ChannelType.DOUBLE), ("rate", 0.0, ChannelType.DOUBLE),
    ("width", 0, ChannelType.LONG), ("height", 0, ChannelType.LONG),
    ("window", float("nan"), ChannelType.DOUBLE), ("window", "soon", ChannelType.STRING),
    ("sources", "NO:SUCH:PV.VAL", ChannelType.CHAR),
])
def test_bad_settings_are_refused(chart_ioc, prefix, pv, value, dtype):
    c = f"{prefix}chart:"
    names = ("rate", "width", "height", "window", "sources")
    before = {n: caget_fresh(c + n, as_string=(n == "sources")) for n in names}
    if dtype == ChannelType.CHAR:
        value = value.encode() + b"\0"
    with pytest.raises(ErrorResponseReceived) as err:
        ca_write(c + pv, value, data_type=dtype, notify=True, timeout=10, repeater=False)
    message = bytes(err.value.args[0].error_message).decode(errors="replace")
    assert pv in message or "unknown source" in message or "Conversion" in message, message
    after = {n: caget_fresh(c + n, as_string=(n == "sources")) for n in names}
    assert after == before
    uid = caget_fresh(c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid, 5, "still rendering")


def test_sources_can_change_at_run_time(chart_ioc, prefix):
    c = f"{prefix}chart:"
    epics.caput(c + "sources", f"{prefix}m2.RBV", wait=True, timeout=10)
    wait_until(lambda: caget_fresh(c + "status") == "1 of 1 sources connected", 10, "m2")
    assert caget_fresh(c + "sources", as_string=True) == f"{prefix}m2.RBV"
