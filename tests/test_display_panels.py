"""The display's side panels and frame against real IOCs: the named positions say where the
motor is, between positions too, in a box no taller than it needs; the window title carries
the macro defaults; a capture without a screen writes no PV."""
import time

import epics
import pytest
from pydm.main_window import PyDMMainWindow
from pydm.widgets.pushbutton import PyDMPushButton
from qtpy.QtWidgets import QGroupBox

from iocs.ops.display import DEFAULT_MACROS, display_file, render_screenshot
from pydm_widgets.positions import PositionSummary
from tests.support.display import (
    CHANGE_MS,
    child,
    open_display,
    press,
    wait_pv,
    watching,
    widgets_collected,
)
from tests.support.harness import PATIENCE, ca_write, caget_fresh, wait_until

pytestmark = [pytest.mark.ioc, pytest.mark.usefixtures(widgets_collected.__name__)]


def test_named_positions_say_where_the_motor_is(qtbot, chart_ioc, prefix):
    """On IOCs of its own: every field of the motor (limits, resolution) as started."""
    display = open_display(qtbot, {"P": prefix})
    summary = child(display, PositionSummary, "positionSummary")
    qtbot.waitUntil(lambda: summary.text() == "at Retract", timeout=CHANGE_MS)   # at 0
    epics.caput(f"{prefix}motor.VELO", 20.0, wait=True)
    epics.caput(f"{prefix}motor.VAL", 1.234, wait=True, timeout=30)
    try:       # (the shared motor's resolution and precision are whatever they are now)
        qtbot.waitUntil(lambda: summary.text().startswith("between positions, RBV 1.23"),
                        timeout=CHANGE_MS)
    except Exception:
        raise AssertionError(f"the summary says {summary.text()!r}") from None
    press(qtbot, child(display, PyDMPushButton, "insertButton"))      # Insert is at 2
    wait_pv(qtbot, f"{prefix}motor.RBV", lambda v: v == pytest.approx(2.0), 30000)
    qtbot.waitUntil(lambda: summary.text() == "at Insert", timeout=CHANGE_MS)


def test_named_positions_box_takes_no_more_room_than_it_needs(qtbot, chart_view):
    prefix = chart_view.prefix
    display = open_display(qtbot, {"P": prefix})
    summary = child(display, PositionSummary, "positionSummary")
    qtbot.waitUntil(lambda: summary.text() == "at Retract", timeout=CHANGE_MS)
    display.resize(display.width(), 1600)                 # far more room than the side needs
    box = child(display, QGroupBox, "presetGroup")
    qtbot.waitUntil(lambda: display.height() >= 1600, timeout=5000)
    assert box.height() <= box.sizeHint().height()
    for name in ("motorGroup", "chartGroup"):
        group = child(display, QGroupBox, name)
        assert group.height() <= group.sizeHint().height(), name


def test_named_positions_without_their_ioc_say_so(qtbot, prefix):
    summary = PositionSummary()
    qtbot.addWidget(summary)
    summary.presetsPrefix = f"{prefix}SERVER"             # nothing serves it
    summary.motorPrefix = f"{prefix}motor"
    assert summary.text() == "named positions not connected"


@pytest.mark.parametrize("name, title", [
    ("chart.ui", "pvchart: chart BEAMLINE:chart, motor BEAMLINE:motor"),
    ("chart_settings.ui", "pvchart: settings of BEAMLINE:chart"),
])
def test_window_title_without_macros_carries_the_defaults(qtbot, name, title):
    display = open_display(qtbot, {}, name=name)
    assert display.windowTitle() == title
    window = PyDMMainWindow()
    qtbot.addWidget(window)
    window.open(str(display_file(name)), macros=None)
    qtbot.waitUntil(lambda: window.windowTitle() == f"{title} - PyDM", timeout=5000)


def test_window_title_with_some_macros(qtbot):
    display = open_display(qtbot, {"P": "XF:31ID:", "C": "vacuum"})
    assert display.windowTitle() == "pvchart: chart XF:31ID:vacuum, motor XF:31ID:motor"


WATCHED = ["chart:window", "chart:live", "chart:end", "chart:endText", "chart:cursor",
           "chart:rate", "chart:freeze", "chart:back", "chart:forward", "chart:sources",
           "chart:T1:xsource", "motor.VAL", "motor.STOP", "motor.TWV", "motor.TWF",
           "motor.TWR", "SERVER.choices", "SERVER.jog"]


def test_a_capture_without_a_screen_writes_no_pv(qtbot, chart_view, tmp_path):
    """Every PV the display could write is watched from before the capture until a write
    after it is seen."""
    prefix = chart_view.prefix
    c = f"{prefix}chart:"
    wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected", PATIENCE, "sources")
    end = time.time() - 5
    ca_write(c + "end", end, notify=True)                  # held: nothing moves
    ca_write(c + "cursor", end - 2, notify=True)
    wait_until(lambda: caget_fresh(c + "live", as_string=True) == "Off", PATIENCE, "live Off")
    with watching([prefix + name for name in WATCHED]) as updates:
        first = {k: list(v) for k, v in updates.items()}
        render_screenshot(tmp_path / "display.png", dict(DEFAULT_MACROS, P=prefix), frames=3)
        ca_write(c + "rate", 5.0, notify=True)              # a write that does happen ...
        wait_until(lambda: len(updates[c + "rate"]) > len(first[c + "rate"]), PATIENCE,
                   "the rate update")                       # ... seen
    first[c + "rate"].append(5.0)
    assert updates == first
