"""A chart from its file: ``--chart`` loads it (options given win), ``chart:file`` names it,
``chart:save`` writes the running settings to a file that loads again, never over an import."""
import shutil
from pathlib import Path

import epics
import pytest
from caproto import ChannelType
from caproto.sync.client import ErrorResponseReceived

from iocs.chart.chartfile import load_chart
from tests.support.harness import PATIENCE, ca_write, caget_fresh, wait_until

pytestmark = pytest.mark.ioc

DATA = Path(__file__).resolve().parent / "data"


def put(pv, value, timeout=10):
    assert epics.caput(pv, value, wait=True, timeout=timeout) == 1, pv


def toml_for(prefix: str) -> str:
    return f'''# a chart of the motor
version = 1
title = "Motor"

[chart]
sources = "{prefix}motor.RBV,{prefix}motor.VAL"
window = 120.0
layout = "Overlay"

[T1]
label = "readback"
color = "#d55e00"
'''


def test_save_round_trips_the_running_settings_through_the_chart_file(start_ioc, motor_ioc,
                                                                      prefix, tmp_path):
    chart_file = tmp_path / "motor.toml"
    chart_file.write_text(toml_for(prefix))
    c = f"{prefix}chart:"
    chart = start_ioc("chart", "iocs.chart", "--prefix", prefix, "--chart", str(chart_file),
                      "--rate", "5", ready_pv=c + "UniqueId_RBV")
    assert caget_fresh(c + "file", as_string=True) == str(chart_file.resolve())
    assert caget_fresh(c + "window") == 120.0 and caget_fresh(c + "rate") == 5.0   # option won
    assert caget_fresh(c + "T1:label") == "readback"
    assert caget_fresh(c + "layout", as_string=True) == "Overlay"
    put(c + "T2:color", "#123456")
    put(c + "window", 300.0)
    put(c + "save", 1)
    assert "saved to motor.toml" in caget_fresh(c + "autosave")
    saved = load_chart(chart_file)                       # a file that loads again
    assert saved.chart["window"] == 300.0 and saved.traces["T2"]["color"] == "#123456"
    assert saved.traces["T1"]["label"] == "readback" and saved.title == "Motor"
    chart.restart()                                      # and the chart comes back from it
    assert caget_fresh(c + "T2:color") == "#123456" and caget_fresh(c + "window") == 300.0


def test_an_imported_file_is_never_overwritten(start_ioc, motor_ioc, prefix, tmp_path):
    stp = tmp_path / "vacuum.stp"
    shutil.copy(DATA / "vacuum.stp", stp)
    before = stp.read_bytes()
    c = f"{prefix}chart:"
    start_ioc("chart", "iocs.chart", "--prefix", prefix, "--chart", str(stp),
              ready_pv=c + "UniqueId_RBV")
    assert caget_fresh(c + "window") == 1800.0                     # Strip.Time.Timespan
    put(c + "save", 1)
    assert stp.read_bytes() == before
    assert load_chart(tmp_path / "vacuum.toml").chart["window"] == 1800.0


def test_without_a_file_save_writes_to_the_autosave_directory(chart_ioc, prefix, tmp_path):
    c = f"{prefix}chart:"
    # chart_ioc has an autosave directory: the chart file goes there
    put(c + "save", 1)
    assert "saved to" in caget_fresh(c + "autosave")
    (saved,) = (tmp_path / "autosave").glob("*.toml")
    assert load_chart(saved).chart["window"] == caget_fresh(c + "window")
    with pytest.raises(ErrorResponseReceived):
        ca_write(c + "save", 2, data_type=ChannelType.LONG, notify=True, timeout=10,
                 repeater=False)
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > 0, PATIENCE, "still serving")
