"""The chart as an operator's tool (issue 14) and its PV Access image (issue 12), against real
motor, pattern and chart IOCs on loopback, read with pyepics and p4p."""
import time

import epics
import lz4.block
import numpy as np
import pytest
from caproto import ChannelType
from caproto.sync.client import ErrorResponseReceived

from tests.support.harness import ca_write, caget_fresh, wait_until
from tests.test_chart_ioc import frame

RED, GREEN = (255, 0, 0), (0, 200, 0)


def put(pv, value, timeout=10):
    assert epics.caput(pv, value, wait=True, timeout=timeout) == 1, pv


def colour_rows(img, rgb, tol=40):
    mask = np.all(np.abs(img.astype(int) - np.array(rgb)) < tol, axis=-1)
    return np.nonzero(mask.any(axis=1))[0]


def fresh_frame(prefix):
    """A frame rendered after this call."""
    uid = caget_fresh(f"{prefix}chart:UniqueId_RBV")
    wait_until(lambda: caget_fresh(f"{prefix}chart:UniqueId_RBV") > uid + 1, 10, "new frames")
    return frame(prefix)[1]


@pytest.fixture
def chart(chart_ioc, prefix):
    c = f"{prefix}chart:"
    wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected", 10, "sources")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") >= 1, 20, "the first frame")
    put(f"{prefix}motor.VELO", 20.0)
    put(c + "T1:color", "#ff0000")
    put(c + "T2:color", "#00c800")
    return c


def test_trace_data_colours_layouts_and_fixed_range(chart, prefix):
    c = chart
    put(f"{prefix}motor.VAL", 4.0)
    wait_until(lambda: len(caget_fresh(c + "T1:values", timeout=5)) >= 3 and
               caget_fresh(c + "T1:values", timeout=5)[-1] == pytest.approx(4.0), 5, "history")
    times, values = caget_fresh(c + "T1:times"), caget_fresh(c + "T1:values")
    assert len(times) == len(values) and np.all(np.diff(times) >= 0)
    assert abs(times[-1] - time.time()) < 30 and values.max() == pytest.approx(4.0)
    assert len(caget_fresh(c + "T1:severity")) == len(values)
    img = fresh_frame(prefix)                                # Stacked: red above green
    red, green = colour_rows(img, RED), colour_rows(img, GREEN)
    assert len(red) and len(green) and red.max() < img.shape[0] / 2 <= green.min()
    put(c + "layout", "Overlay")                             # shared axes: same band
    img = fresh_frame(prefix)
    red, green = colour_rows(img, RED), colour_rows(img, GREEN)
    assert red.max() > img.shape[0] / 2 and green.max() > img.shape[0] / 2
    put(c + "layout", "Stacked")
    span = np.ptp(colour_rows(fresh_frame(prefix), RED))
    for name, value in (("autoscale", "Off"), ("ymin", -100.0), ("ymax", 100.0)):
        put(c + f"T1:{name}", value)
    put(f"{prefix}motor.VAL", 0.0)
    flat = np.ptp(colour_rows(fresh_frame(prefix), RED))
    assert flat < span / 4                                   # 4 mm of 200: a flat line


def test_freeze_holds_the_picture_while_history_grows(chart, prefix):
    c = chart
    put(c + "freeze", "On")                  # no frame after the put completes
    held = caget_fresh(c + "UniqueId_RBV")
    n = len(caget_fresh(c + "T1:values"))
    put(f"{prefix}motor.VAL", 2.0)
    wait_until(lambda: len(caget_fresh(c + "T1:values")) > n, 5, "history to grow")
    assert caget_fresh(c + "UniqueId_RBV") == held
    put(c + "freeze", "Off")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > held, 5, "frames again")


@pytest.fixture
def pattern(start_ioc, prefix):
    return start_ioc("aux", "tests.support.pattern_ioc", "--prefix", f"{prefix}pat:",
                     ready_pv=f"{prefix}pat:Mono16")


def test_waveform_and_alarm_sources(start_ioc, prefix, pattern, tmp_path):
    start_ioc("motor", "iocs.motor", "--prefix", prefix, "--hard-limits=-5,5",
              ready_pv=f"{prefix}motor.RTYP")
    c = f"{prefix}chart:"
    start_ioc("chart", "iocs.chart", "--prefix", prefix, "--sources",
              f"{prefix}pat:Mono16,{prefix}motor.RBV", ready_pv=c + "UniqueId_RBV")
    wave = np.arange(100) * 3 - 50
    put(f"{prefix}pat:Mono16", wave)
    wait_until(lambda: np.array_equal(caget_fresh(c + "T1:values"), wave), 5, "the waveform")
    for field, value in (("VELO", 50.0), ("DHLM", 0.0), ("DLLM", 0.0), ("HLSV", "MAJOR")):
        put(f"{prefix}motor.{field}", value)
    put(f"{prefix}motor.VAL", 6.0)                           # into the switch: MAJOR
    wait_until(lambda: 2 in caget_fresh(c + "T2:severity"), 5, "severity 2")
    assert caget_fresh(c + "T2:values")[-1] == pytest.approx(5.0)


def test_settings_survive_a_restart(chart_ioc, prefix):
    c = f"{prefix}chart:"
    settings = {"sources": f"{prefix}motor.RBV", "rate": 5.0, "layout": "Overlay",
                "T1:color": "#123456", "T1:log": "On", "window": 30.0}
    for name, value in settings.items():
        put(c + name, value)
    wait_until(lambda: "saved" in caget_fresh(c + "autosave"), 5, "autosave")
    chart_ioc.restart()
    for name, value in settings.items():
        assert caget_fresh(c + name, as_string=True) == (value if isinstance(value, str)
                                                           else f"{value:.1f}"), name
    assert caget_fresh(c + "status") == "1 of 1 sources connected"


@pytest.mark.parametrize("pv,value,dtype", [
    ("ColorMode", 5, ChannelType.LONG), ("layout", float("nan"), ChannelType.DOUBLE),
    ("T1:color", "red", ChannelType.STRING), ("T1:ymin", 5.0, ChannelType.DOUBLE),
    ("freeze", 2, ChannelType.LONG), ("clear", 2, ChannelType.LONG),
    ("width", 64.5, ChannelType.DOUBLE), ("Compressor", "zip", ChannelType.STRING),
])
def test_bad_chart_settings_are_refused(chart, prefix, pv, value, dtype):
    c = chart
    before = caget_fresh(c + pv, as_string=True)
    with pytest.raises(ErrorResponseReceived):
        ca_write(c + pv, value, data_type=dtype, notify=True, timeout=10, repeater=False)
    assert caget_fresh(c + pv, as_string=True) == before
    uid = caget_fresh(c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid, 5, "still rendering")


# ---- PV Access --------------------------------------------------------------------------
def pva_context():
    from p4p.client.thread import Context
    return Context("pva", nt=False)


def decode(value):
    data = value.value
    if value.codec.name == "lz4":
        data = np.frombuffer(lz4.block.decompress(data.tobytes(),
                                                  uncompressed_size=value.uncompressedSize),
                             dtype=np.uint8)
    dims = [d.size for d in value.dimension]
    return np.asarray(data).reshape(list(reversed(dims)))


def test_pva_image_is_the_ca_frame_lz4_by_default_and_raw_on_request(chart, prefix):
    c = chart
    ctx = pva_context()
    try:
        put(c + "freeze", "On")                 # hold one frame: CA and PVA must agree
        wait_until(lambda: ctx.get(c + "Pva1:Image", timeout=5).uniqueId ==
                   caget_fresh(c + "UniqueId_RBV"), 5, "the same frame on both")
        value = ctx.get(c + "Pva1:Image", timeout=5)
        assert value.codec.name == "lz4" and value.compressedSize < value.uncompressedSize
        assert [a.name for a in value.attribute] == ["ColorMode"]
        assert value.attribute[0].value == 2 and value.codec.parameters == 5
        uid, img = frame(prefix)
        assert value.uniqueId == uid and np.array_equal(decode(value), img)
        put(c + "Compressor", "None")
        put(c + "freeze", "Off")
        wait_until(lambda: ctx.get(c + "Pva1:Image", timeout=5).codec.name == "", 5, "raw")
        raw = ctx.get(c + "Pva1:Image", timeout=5)
        assert raw.compressedSize == raw.uncompressedSize == 640 * 480 * 3
    finally:
        ctx.close()


def test_ten_pva_monitors_each_get_the_frame_rate(chart, prefix):
    ctx = pva_context()
    counts = [[] for _ in range(10)]
    subs = [ctx.monitor(chart + "Pva1:Image",
                        lambda v, k=k: counts[k].append(time.monotonic()))
            for k in range(10)]
    try:
        wait_until(lambda: all(len(n) >= 3 for n in counts), 10, "every monitor updates")
        start = [len(n) for n in counts]
        time.sleep(3.0)                          # the measurement window itself
        rates = [(len(n) - s) / 3.0 for n, s in zip(counts, start)]
        assert min(rates) >= 9.0, rates
    finally:
        for sub in subs:
            sub.close()
        ctx.close()
