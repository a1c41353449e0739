"""The chart as an operator's tool (issue 14) and its PV Access image (issue 12), against real
motor, pattern and chart IOCs on loopback, read with pyepics and p4p.

Most tests use the worker's shared chart IOC (``chart``); a test with other sources or a
restart starts its own. How many PVA monitors the image serves at the frame rate is
benchmarks/chart_fanout.py's figure (the chart IOC's PVA publisher, 1 to 10 clients).
"""
import time

import numpy as np
import pytest
from caproto import ChannelType
from caproto.sync.client import ErrorResponseReceived

from tests.support.chart import (
    GREEN,
    RED,
    colour_rows,
    decode_ntnd,
    frame,
    fresh_frame,
    pva_context,
)
from tests.support.harness import PATIENCE, ca_write, caget_fresh, caput, wait_until

pytestmark = pytest.mark.ioc


@pytest.fixture
def coloured(chart):
    """The shared chart with T1 (the motor's RBV) red and T2 (its VAL) green, motor fast."""
    caput(f"{chart.motor}.VELO", 20.0)
    caput(chart.chart + "T1:color", "#ff0000")
    caput(chart.chart + "T2:color", "#00c800")
    return chart


def test_trace_data_colours_layouts_and_fixed_range(coloured):
    c, prefix, m = coloured.chart, coloured.prefix, coloured.motor
    caput(f"{m}.VAL", 0.0)                  # wherever it was: the move to 4 draws samples
    caput(f"{m}.VAL", 4.0)
    try:
        wait_until(lambda: len(caget_fresh(c + "T1:values")) >= 3 and
                   caget_fresh(c + "T1:values")[-1] == pytest.approx(4.0), PATIENCE, "history")
    except TimeoutError as ex:             # what the chart and the motor say then
        state = {pv: caget_fresh(pv) for pv in (f"{m}.RBV", f"{m}.DMOV", c + "live",
                                                 c + "freeze", c + "status")}
        raise AssertionError(f"{ex}; {state}; sources {caget_fresh(c + 'sources')!r}; "
                             f"T1 values {caget_fresh(c + 'T1:values')!r}") from None
    times, values = caget_fresh(c + "T1:times"), caget_fresh(c + "T1:values")
    assert len(times) == len(values) and np.all(np.diff(times) >= 0)
    assert abs(times[-1] - time.time()) < 3600          # epoch seconds (not EPICS' epoch)
    assert values.max() == pytest.approx(4.0)
    assert len(caget_fresh(c + "T1:severity")) == len(values)
    img = fresh_frame(prefix)                                # Stacked: red above green
    red, green = colour_rows(img, RED), colour_rows(img, GREEN)
    assert len(red) and len(green) and red.max() < img.shape[0] / 2 <= green.min()
    caput(c + "layout", "Overlay")                           # shared axes: same band
    img = fresh_frame(prefix)
    red, green = colour_rows(img, RED), colour_rows(img, GREEN)
    assert red.max() > img.shape[0] / 2 > green.min()        # neither kept to its half
    caput(c + "layout", "Stacked")
    span = np.ptp(colour_rows(fresh_frame(prefix), RED))
    for name, value in (("autoscale", "Off"), ("ymin", -100.0), ("ymax", 100.0)):
        caput(c + f"T1:{name}", value)
    caput(f"{coloured.motor}.VAL", 0.0)
    flat = np.ptp(colour_rows(fresh_frame(prefix), RED))
    assert flat < span / 4                                   # 4 mm of 200: a flat line


def test_freeze_holds_the_picture_while_history_grows(coloured):
    c = coloured.chart
    caput(c + "freeze", "On")                # no frame after the put completes
    held = caget_fresh(c + "UniqueId_RBV")
    caput(f"{coloured.motor}.VAL", 2.0)
    wait_until(lambda: np.size(v := caget_fresh(c + "T1:values")) and
               v[-1] == pytest.approx(2.0), PATIENCE, "the history to hold the move")
    assert caget_fresh(c + "UniqueId_RBV") == held
    caput(c + "freeze", "Off")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > held, PATIENCE, "frames again")


def test_waveform_and_alarm_sources(start_ioc, prefix):
    start_ioc("aux", "tests.support.pattern_ioc", "--prefix", f"{prefix}pat:",
              ready_pv=f"{prefix}pat:Mono16")
    start_ioc("motor", "iocs.motor", "--prefix", prefix, "--hard-limits=-5,5",
              ready_pv=f"{prefix}motor.RTYP")
    c = f"{prefix}chart:"
    start_ioc("chart", "iocs.chart", "--prefix", prefix, "--sources",
              f"{prefix}pat:Mono16,{prefix}motor.RBV", ready_pv=c + "UniqueId_RBV")
    wave = np.arange(100) * 3 - 50
    caput(f"{prefix}pat:Mono16", wave)
    wait_until(lambda: np.array_equal(caget_fresh(c + "T1:values"), wave), PATIENCE,
               "the waveform")
    for field, value in (("VELO", 50.0), ("DHLM", 0.0), ("DLLM", 0.0), ("HLSV", "MAJOR")):
        caput(f"{prefix}motor.{field}", value)
    caput(f"{prefix}motor.VAL", 6.0)                         # into the switch: MAJOR
    wait_until(lambda: 2 in caget_fresh(c + "T2:severity"), PATIENCE, "severity 2")
    assert caget_fresh(c + "T2:values")[-1] == pytest.approx(5.0)


def test_settings_survive_a_restart(chart_ioc, prefix):
    c = f"{prefix}chart:"
    settings = {"sources": f"{prefix}motor.RBV", "rate": 5.0, "layout": "Overlay",
                "T1:color": "#123456", "T1:log": "On", "window": 30.0}
    for name, value in settings.items():
        caput(c + name, value)
    wait_until(lambda: "saved" in caget_fresh(c + "autosave"), PATIENCE, "autosave")
    chart_ioc.restart()
    for name, value in settings.items():
        assert caget_fresh(c + name, as_string=True) == (value if isinstance(value, str)
                                                           else f"{value:.1f}"), name
    wait_until(lambda: caget_fresh(c + "status") == "1 of 1 sources connected", PATIENCE,
               "the restored source")


@pytest.mark.parametrize("pv,value,dtype", [
    ("ColorMode", 5, ChannelType.LONG), ("layout", float("nan"), ChannelType.DOUBLE),
    ("T1:color", "red", ChannelType.STRING), ("T1:ymin", 5.0, ChannelType.DOUBLE),
    ("freeze", 2, ChannelType.LONG), ("clear", 2, ChannelType.LONG),
    ("width", 64.5, ChannelType.DOUBLE), ("Compressor", "zip", ChannelType.STRING),
])
def test_bad_chart_settings_are_refused(chart, pv, value, dtype):
    c = chart.chart
    before = caget_fresh(c + pv, as_string=True)
    with pytest.raises(ErrorResponseReceived):
        ca_write(c + pv, value, data_type=dtype, notify=True, timeout=PATIENCE,
                 repeater=False)
    assert caget_fresh(c + pv, as_string=True) == before
    uid = caget_fresh(c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid, PATIENCE, "still rendering")


# ---- PV Access --------------------------------------------------------------------------
def test_pva_image_is_the_ca_frame_lz4_by_default_and_raw_on_request(chart):
    c = chart.chart
    ctx = pva_context()
    try:
        caput(c + "freeze", "On")                 # hold one frame: CA and PVA must agree
        wait_until(lambda: ctx.get(c + "Pva1:Image", timeout=PATIENCE).uniqueId ==
                   caget_fresh(c + "UniqueId_RBV"), PATIENCE, "the same frame on both")
        value = ctx.get(c + "Pva1:Image", timeout=PATIENCE)
        assert value.codec.name == "lz4" and value.compressedSize < value.uncompressedSize
        assert [a.name for a in value.attribute] == ["ColorMode"]
        assert value.attribute[0].value == 2 and value.codec.parameters == 5
        uid, img = frame(chart.prefix)
        assert value.uniqueId == uid and np.array_equal(decode_ntnd(value), img)
        caput(c + "Compressor", "None")
        caput(c + "freeze", "Off")
        wait_until(lambda: ctx.get(c + "Pva1:Image", timeout=PATIENCE).codec.name == "",
                   PATIENCE, "raw")
        raw = ctx.get(c + "Pva1:Image", timeout=PATIENCE)
        assert raw.compressedSize == raw.uncompressedSize == 640 * 480 * 3
    finally:
        ctx.close()


def test_ten_pva_monitors_each_get_new_frames(chart):
    """Ten monitors of the image each see new frames, in order, none twice (the rate each
    monitor keeps up with is benchmarks/chart_fanout.py's figure)."""
    ctx = pva_context()
    seen = [[] for _ in range(10)]
    subs = [ctx.monitor(chart.chart + "Pva1:Image",
                        lambda v, k=k: seen[k].append(v.uniqueId))
            for k in range(10)]
    try:
        wait_until(lambda: all(len(ids) >= 5 for ids in seen), PATIENCE,
                   "five frames on every monitor")
    finally:
        for sub in subs:
            sub.close()
        ctx.close()
    for ids in seen:
        assert ids == sorted(ids) and len(set(ids)) == len(ids)     # in order, no repeats
