"""What no strip chart draws yet, through the chart IOC: alarm limits read from the sources'
CA metadata (and followed when they change), X-Y correlation, a waveform against its X-axis PV,
the Stagger layout; bad values refused or shown as a note; all of it autosaved."""
import json

import epics
import numpy as np
import pytest
from caproto import ChannelType
from caproto.sync.client import ErrorResponseReceived

from tests.support.chart import frame, fresh_frame
from tests.support.harness import PATIENCE, ca_write, caget_fresh, wait_until

pytestmark = pytest.mark.ioc


def put(pv, value, timeout=10):
    assert epics.caput(pv, value, wait=True, timeout=timeout) == 1, pv


def changed_rows(a, b):
    return np.nonzero(np.any(a != b, axis=(1, 2) if a.ndim == 3 else 1))[0]


def frame_with(prefix, condition, what):
    """The first fresh frame for which ``condition(frame)`` holds."""
    found = []

    def check():
        img = fresh_frame(prefix)
        if condition(img):
            found.append(img)
        return bool(found)
    wait_until(check, PATIENCE, what)
    return found[0]


def band_rows(img, severity):
    """Rows holding a light MINOR (yellow) or MAJOR (red) shade across most of the plot."""
    r, g, b = (img[..., k].astype(int) for k in range(3))
    if severity == "MINOR":
        shade = (r > 200) & (r - b > 12) & (g - b > 8) & (abs(r - g) < 40)
    else:
        shade = (r > 200) & (r - g > 12) & (abs(g - b) < 12)
    return np.nonzero(shade.sum(axis=1) > img.shape[1] // 2)[0]


@pytest.fixture
def chart(start_ioc, motor_ioc, prefix, tmp_path):
    c = f"{prefix}chart:"
    start_ioc("chart", "iocs.chart", "--prefix", prefix, "--sources", f"{prefix}motor.VAL",
              "--autosave-dir", str(tmp_path / "autosave"), ready_pv=c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "status") == "1 of 1 sources connected", PATIENCE, "source")
    for name, value in (("T1:autoscale", "Off"), ("T1:ymin", -10.0), ("T1:ymax", 10.0)):
        put(c + name, value)
    return c


def test_alarm_limits_are_drawn_followed_and_switched_off(chart, prefix):
    c = chart
    put(c + "T1:limits", "Auto")                 # the motor record's VAL has none yet
    img = fresh_frame(prefix)
    assert band_rows(img, "MINOR").size == 0 and band_rows(img, "MAJOR").size == 0
    for field, value in (("HIGH", 2.0), ("HIHI", 6.0)):
        put(f"{prefix}motor.{field}", value)     # limits that change at run time
    img = frame_with(prefix, lambda f: band_rows(f, "MINOR").size > 10, "the bands")
    minor, major = band_rows(img, "MINOR"), band_rows(img, "MAJOR")
    assert major.size > 10 and major.max() < minor.min()    # MAJOR above HIHI, MINOR below
    # y from -10 to 10: MINOR covers 2..6, MAJOR 6..10: as tall, within a pixel or two
    assert abs(minor.size - major.size) <= 3
    put(f"{prefix}motor.HIHI", 8.0)               # moved: redrawn
    img = frame_with(prefix, lambda f: band_rows(f, "MINOR").size > minor.size + 5,
                     "moved bands")
    assert band_rows(img, "MAJOR").size < major.size
    put(c + "T1:limits", "Off")
    img = fresh_frame(prefix)
    assert band_rows(img, "MINOR").size == 0 and band_rows(img, "MAJOR").size == 0


def test_xy_mode_pairs_and_bad_modes_are_refused(chart, prefix):
    c = chart
    put(c + "sources", f"{prefix}motor.VAL,{prefix}motor.RBV")
    put(f"{prefix}motor.VELO", 20.0)
    put(f"{prefix}motor.VAL", 3.0, timeout=30)
    time_picture = fresh_frame(prefix)
    put(c + "mode", "XY")
    put(c + "pairing", 0.5)
    xy = fresh_frame(prefix)
    assert changed_rows(time_picture, xy).size > 100
    times = caget_fresh(c + "T2:times", timeout=5)       # T<n>:times keep their meaning
    assert len(times) and abs(times[-1] - caget_fresh(c + "t1")) < 60
    for pv, value, dtype in (("mode", 2, ChannelType.LONG), ("mode", "Polar",
                                                             ChannelType.STRING),
                             ("pairing", 0.0, ChannelType.DOUBLE),
                             ("layout", 3, ChannelType.LONG)):
        with pytest.raises(ErrorResponseReceived):
            ca_write(c + pv, value, data_type=dtype, notify=True, timeout=10,
                     repeater=False)
    assert caget_fresh(c + "mode", as_string=True) == "XY"
    assert caget_fresh(c + "pairing") == pytest.approx(0.5)


@pytest.fixture
def spectrum(start_ioc, prefix):
    return start_ioc("aux", "tests.support.spectrum_ioc", "--prefix", f"{prefix}spec:",
                     ready_pv=f"{prefix}spec:energy")


def test_a_waveform_against_its_x_axis_and_bad_axes(start_ioc, prefix, spectrum, tmp_path):
    c = f"{prefix}chart:"
    s = f"{prefix}spec:"
    start_ioc("chart", "iocs.chart", "--prefix", prefix, "--sources", f"{s}spectrum",
              "--autosave-dir", str(tmp_path / "autosave"), ready_pv=c + "UniqueId_RBV")
    energy = caget_fresh(s + "energy")
    wait_until(lambda: len(caget_fresh(c + "T1:values")) == len(energy), PATIENCE, "the spectrum")
    assert np.array_equal(caget_fresh(c + "T1:times"), np.arange(len(energy)))   # index
    put(c + "T1:xsource", s + "energy")
    wait_until(lambda: np.allclose(caget_fresh(c + "T1:times"), energy), PATIENCE,
               "times holding the energies")
    against_energy = fresh_frame(prefix)
    with pytest.raises(ErrorResponseReceived):                  # no such PV: refused
        ca_write(c + "T1:xsource", "NO:SUCH:AXIS", data_type=ChannelType.CHAR,
                 notify=True, timeout=15, repeater=False)
    assert caget_fresh(c + "T1:xsource", as_string=True) == s + "energy"
    put(c + "T1:xsource", s + "short")                          # too few values: a note
    wait_until(lambda: np.array_equal(caget_fresh(c + "T1:times"),
                                      np.arange(len(energy))), PATIENCE, "back to the index")
    noted = fresh_frame(prefix)
    assert changed_rows(against_energy, noted).size > 0
    put(c + "T1:xsource", s + "scalar")                         # a scalar: a note too
    uid = caget_fresh(c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid, PATIENCE, "still rendering")


def test_the_new_settings_survive_a_restart(start_ioc, motor_ioc, prefix, tmp_path):
    c = f"{prefix}chart:"
    chart_ioc = start_ioc("chart", "iocs.chart", "--prefix", prefix, "--autosave-dir",
                          str(tmp_path / "autosave"), ready_pv=c + "UniqueId_RBV")
    settings = {"layout": "Stagger", "mode": "XY", "pairing": 2.5, "T1:limits": "On",
                "T1:xsource": f"{prefix}motor.RBV"}
    for name, value in settings.items():
        put(c + name, value)

    def saved():
        files = list((tmp_path / "autosave").glob("*.chart.json"))
        kept = json.loads(files[0].read_text()) if files else {}
        return kept.get("chart", {}).get("pairing") == 2.5 and \
            kept.get("traces", {}).get("T1", {}).get("xsource") == f"{prefix}motor.RBV"
    wait_until(saved, PATIENCE, "the settings in the autosave file")
    chart_ioc.restart()
    for name, value in settings.items():
        got = caget_fresh(c + name, as_string=True)
        assert got == (value if isinstance(value, str) else f"{value:.3f}"), name
    assert frame(prefix)[1].shape == (480, 640, 3)
