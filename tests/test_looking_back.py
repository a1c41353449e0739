"""Looking back: the chart's time range as PVs, and the site's archiver (a test Archiver
Appliance on loopback) filling what the chart IOC did not record itself; statistics and the
cursor read over CA, as a script or the display reads them."""
import math
import time

import epics
import numpy as np
import pytest
from caproto import ChannelType
from caproto.sync.client import ErrorResponseReceived

from iocs.chart.timerange import format_local_time
from tests.support.appliance import MadeUpHistory, TestAppliance
from tests.support.harness import PATIENCE, ca_write, caget_fresh, wait_until

pytestmark = pytest.mark.ioc

WINDOW = 7200.0
RAW_PERIOD = 20.0           # the VAL history: fewer samples than columns, served raw


def put(pv, value, timeout=10):
    assert epics.caput(pv, value, wait=True, timeout=timeout) == 1, pv


def rbv_history(now: float) -> MadeUpHistory:
    """1 Hz for 3 h (served as bins): a sine until 30 min ago, then the motor's 0."""
    flat = now - 1800.0

    def f(t):
        y = np.where(t < flat, np.sin(2 * np.pi * t / 600.0), 0.0)
        return y, np.where(y > 0.9, 2, 0)
    return MadeUpHistory(function=f, rate=1.0, start=now - 3 * 3600.0, egu="mm", prec=3)


def val_history(now: float) -> MadeUpHistory:
    """One sample every 20 s for 3 h (served raw), ending at the motor's 0."""
    t = np.arange(now - 3 * 3600.0, now - 600.0, RAW_PERIOD)
    y = np.round(np.cos(2 * np.pi * t / 1800.0) * 5, 3)
    y[-1] = 0.0
    return MadeUpHistory(t, y, egu="mm", prec=3)


@pytest.fixture
def archive(prefix):
    now = time.time()
    history = {f"{prefix}motor.RBV": rbv_history(now), f"{prefix}motor.VAL": val_history(now)}
    with TestAppliance(history) as appliance:
        appliance.history = history
        yield appliance


@pytest.fixture
def chart(start_ioc, motor_ioc, prefix, archive):
    c = f"{prefix}chart:"
    start_ioc("chart", "iocs.chart", "--prefix", prefix, "--archiver", archive.url,
              "--window", str(WINDOW), ready_pv=c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected", PATIENCE, "sources")
    return c


def arrays(c, n):
    return caget_fresh(f"{c}T{n}:times", timeout=5), caget_fresh(f"{c}T{n}:values", timeout=5)


def test_a_fresh_chart_plots_archived_data_back_to_its_left_edge_without_a_seam(
        chart, archive, prefix):
    c = chart
    column = WINDOW / 640

    def back_to_the_edge():
        times, _ = arrays(c, 1)
        return len(times) > 100 and times[0] <= time.time() - WINDOW + 2 * column
    wait_until(back_to_the_edge, PATIENCE, "archived data back to the left edge")
    assert caget_fresh(c + "archiverStatus") == "ok"
    times, values = arrays(c, 1)
    assert np.all(np.diff(times) >= 0)
    assert np.max(np.diff(times)) <= 2 * column          # no gap, at the seam or elsewhere
    assert values.min() == pytest.approx(-1.0, abs=0.05) and values.max() <= 1.0
    recent = values[times > time.time() - 1500]          # the flat part, then the live 0
    assert len(recent) and np.all(recent == 0.0)         # archived and live meet: no step
    severities = caget_fresh(c + "T1:severity", timeout=5)
    assert 2 in severities                               # archived alarms are kept
    # one fetch per source for this range, whatever the frames and consoles did since
    uid = wait_until(lambda: caget_fresh(c + "UniqueId_RBV"), PATIENCE, "the first frame")
    put(f"{prefix}motor.VAL", 0.5, timeout=30)           # live data: new frames
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid + 3, PATIENCE, "frames")
    assert sum(r.pv == f"{prefix}motor.RBV" for r in archive.requests) == 1


def raw_statistics(history: MadeUpHistory, t0: float, t1: float):
    inside = (history.t >= t0) & (history.t <= t1)
    y = history.y[inside]
    return y.min(), y.max(), y.mean(), y.std(ddof=1), len(y)


def test_stepping_back_an_hour_shows_that_hour_with_the_served_statistics(chart, archive,
                                                                           prefix):
    c = chart
    wait_until(lambda: caget_fresh(c + "archiverStatus") == "ok", PATIENCE, "archiver ok")
    end = math.floor(time.time()) - 3600.0
    put(c + "end", end)
    assert caget_fresh(c + "live", as_string=True) == "Off"
    assert caget_fresh(c + "endText") == format_local_time(end)
    t0 = end - WINDOW

    def that_range():
        times, _ = arrays(c, 2)
        return len(times) > 10 and times[0] <= t0 and times[-1] >= end - RAW_PERIOD and \
            times[1] > t0 - RAW_PERIOD and caget_fresh(c + "archiverStatus") == "ok"
    wait_until(that_range, PATIENCE, "the hour before")
    history = archive.history[f"{prefix}motor.VAL"]
    lo, hi, mean, std, count = raw_statistics(history, t0, end)
    assert caget_fresh(c + "T2:count") == count
    assert caget_fresh(c + "T2:min") == pytest.approx(lo, abs=1e-9)
    assert caget_fresh(c + "T2:max") == pytest.approx(hi, abs=1e-9)
    assert caget_fresh(c + "T2:mean") == pytest.approx(mean, rel=1e-9, abs=1e-9)
    assert caget_fresh(c + "T2:std") == pytest.approx(std, rel=1e-9)
    times, values = arrays(c, 2)
    inside = (times >= t0) & (times <= end)
    served = (history.t >= t0) & (history.t <= end)
    assert np.array_equal(times[inside], history.t[served])       # what is plotted is what
    assert np.array_equal(values[inside], history.y[served])      # was served
    # the cursor: the value of the last sample at or before it
    when = end - 1234.5
    put(c + "cursor", when)
    expected = history.y[history.t <= when][-1]
    wait_until(lambda: caget_fresh(c + "T2:cursorValue") == pytest.approx(expected), PATIENCE,
               "the cursor value")
    # the bins of T1 are weighted by their count: about one sample a second
    assert abs(caget_fresh(c + "T1:count") - WINDOW) <= 3 * (WINDOW / 640 + 1)
    # live again: the right edge follows the present
    put(c + "live", "On")
    wait_until(lambda: caget_fresh(c + "end") > time.time() - 5, PATIENCE, "end follows now")


@pytest.mark.parametrize("mode", ["down", "slow", "garbage", "unarchived"])
def test_an_archiver_that_fails_leaves_frames_flowing_and_says_why(start_ioc, motor_ioc,
                                                                   prefix, mode):
    now = time.time()
    history = {f"{prefix}motor.RBV": rbv_history(now), f"{prefix}motor.VAL": val_history(now)}
    if mode == "unarchived":
        history.pop(f"{prefix}motor.VAL")
    appliance = TestAppliance(history, delay=20.0 if mode == "slow" else 0.0,
                              garbage=mode == "garbage").start()
    url = appliance.url
    if mode == "down":
        appliance.stop()
    try:
        c = f"{prefix}chart:"
        start_ioc("chart", "iocs.chart", "--prefix", prefix, "--archiver", url,
                  "--archiver-timeout", "2", "--window", "3600", ready_pv=c + "UniqueId_RBV")
        expected = {"down": "unreachable", "slow": "timed out after 2 s",
                    "garbage": "bad JSON", "unarchived": f"HTTP 404 for {prefix}motor.VAL"}
        wait_until(lambda: expected[mode] in caget_fresh(c + "archiverStatus"), PATIENCE,
                   f"the archiver status to say {expected[mode]!r}")
        uid = wait_until(lambda: caget_fresh(c + "UniqueId_RBV"), PATIENCE, "the first frame")
        put(f"{prefix}motor.VAL", 1.0, timeout=30)       # something to draw meanwhile
        wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid + 5, PATIENCE,
                   "frames while the archiver fails")
        wait_until(lambda: caget_fresh(c + "T1:values", timeout=5)[-1] == pytest.approx(1.0),
                   10, "the live data drawn all the same")
    finally:
        appliance.stop()


def test_the_time_range_pvs_agree_and_refuse_what_they_cannot_show(chart_ioc, prefix):
    c = f"{prefix}chart:"
    assert caget_fresh(c + "live", as_string=True) == "On"
    assert caget_fresh(c + "archiverStatus") == "off"
    text = "2026-01-02 03:04:05"
    put(c + "endText", text)
    assert caget_fresh(c + "live", as_string=True) == "Off"
    assert format_local_time(caget_fresh(c + "end")) == text
    put(c + "back", 1)                                   # half a window (20 s) back
    assert format_local_time(caget_fresh(c + "end")) == "2026-01-02 03:03:55"
    before = {n: caget_fresh(c + n) for n in ("end", "endText", "window")}
    bad = [("end", math.nan, ChannelType.DOUBLE), ("end", time.time() + 1e6,
                                                     ChannelType.DOUBLE),
           ("end", -1.0, ChannelType.DOUBLE), ("endText", "3 am", ChannelType.STRING),
           ("endText", "2026-02-30 00:00:00", ChannelType.STRING),
           ("window", 32 * 86400.0, ChannelType.DOUBLE), ("live", 2, ChannelType.LONG),
           ("cursor", math.inf, ChannelType.DOUBLE), ("back", 2, ChannelType.LONG)]
    for pv, value, dtype in bad:
        with pytest.raises(ErrorResponseReceived):
            ca_write(c + pv, value, data_type=dtype, notify=True, timeout=10,
                     repeater=False)
    assert {n: caget_fresh(c + n) for n in before} == before
    put(c + "window", 31 * 86400.0)                      # a month is a span it can show
    put(c + "forward", 1)
    put(c + "live", "On")
    wait_until(lambda: abs(caget_fresh(c + "end") - time.time()) < 5, PATIENCE, "live again")
    uid = caget_fresh(c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid, PATIENCE, "still rendering")
