"""The shipped display: PyDM macros (issue 10.2) and the CSV export of the chart's data (from
the worker's shared chart IOC)."""
import csv
import json

import numpy as np
import pytest
from qtpy.QtWidgets import QWidget

from iocs.ops.display import display_file
from pydm_widgets.export import ChartExportButton
from tests.support.harness import PATIENCE, caget_fresh, caput, wait_until

pytestmark = pytest.mark.ioc


def addresses(display):
    """Every PV address the display's widgets use, and the macros its buttons pass on."""
    out = []
    for widget in [display, *display.findChildren(QWidget)]:
        channels = getattr(widget, "channels", None)
        if callable(channels):
            out += [c.address for c in (channels() or []) if c is not None and c.address]
        prefix = getattr(widget, "chartPrefix", None)
        if isinstance(prefix, str) and prefix:
            out.append(prefix)
    return out


def related_macros(display):
    from pydm.widgets.related_display_button import PyDMRelatedDisplayButton
    button = display.findChild(PyDMRelatedDisplayButton, "settingsButton")
    return [json.loads(m) if m.strip().startswith("{") else m for m in button.macros]


@pytest.mark.parametrize("macros, expected", [
    ({"P": "XMAC:"}, "XMAC:"),
    ({}, "BEAMLINE:"),
    ({"P": "XF:31ID:", "M": "m7", "C": "plot"}, "XF:31ID:"),
])
def test_chart_ui_addresses_only_the_prefix_it_was_given(qtbot, macros, expected):
    from pydm import Display
    display = Display(ui_filename=str(display_file()), macros=dict(macros))
    qtbot.addWidget(display)

    def settled():
        found = addresses(display)
        return found and not any("${" in a for a in found)
    qtbot.waitUntil(settled, timeout=int(PATIENCE * 1000))   # MacroDefaults fills the rest
    found = addresses(display)
    assert len(found) > 10
    strip = [a.split("://", 1)[-1] for a in found]
    assert all(a.startswith(expected) for a in strip), [a for a in strip
                                                        if not a.startswith(expected)]
    if "M" in macros:
        assert any(a.startswith(f"{expected}m7.") for a in strip)
        assert any(a.startswith(f"{expected}plot:") for a in strip)
        assert not any(".motor." in a or a.startswith(f"{expected}motor.") for a in strip)
    given = related_macros(display)
    assert any(expected in json.dumps(m) for m in given)   # the settings display gets them


def test_csv_export_holds_what_the_chart_plots(qtbot, chart, tmp_path, monkeypatch):
    c = chart.chart
    caput(f"{chart.motor}.VELO", 2.0)      # 0.75 s of readbacks at 20 Hz: a history
    caput(f"{chart.motor}.VAL", 1.5)
    wait_until(lambda: np.size(values := caget_fresh(c + "T1:values")) >= 5 and
               values[-1] == pytest.approx(1.5), PATIENCE,
               "the history up to the end of the move")

    button = ChartExportButton()
    qtbot.addWidget(button)
    button.chartPrefix = c
    path = tmp_path / "chart.csv"
    from qtpy.QtWidgets import QFileDialog  # the operator's choice of file, answered
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    button.click()
    rows = list(csv.DictReader(path.open()))
    assert {r["source"] for r in rows} == {f"{chart.motor}.RBV", f"{chart.motor}.VAL"}
    rbv = [r for r in rows if r["trace"] == "1"]
    times = [float(r["epoch_s"]) for r in rbv]
    assert times == sorted(times) and len(rbv) >= 5
    assert float(rbv[-1]["value"]) == pytest.approx(1.5, abs=1e-6)
    assert all(r["severity"] in ("0", "1", "2", "3") for r in rows)


def test_csv_export_of_a_silent_chart_says_so_and_writes_nothing(qtbot, tmp_path,
                                                                 monkeypatch):
    from qtpy.QtWidgets import QFileDialog, QMessageBox
    button = ChartExportButton()
    qtbot.addWidget(button)
    button.chartPrefix = "NOSUCHCHART:chart:"
    path = tmp_path / "chart.csv"
    warnings = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text: warnings.append(text)))
    button.click()
    assert warnings and "NOSUCHCHART:chart:sources does not answer" in warnings[0]
    assert not path.exists()
