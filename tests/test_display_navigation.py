"""The chart display's time navigation against a real chart IOC: span buttons, back and
forward by half a span, Live, a typed end time, the readout table and its cursor column."""
import time

import epics
import pytest
from pydm.widgets.pushbutton import PyDMPushButton

from iocs.chart.timerange import format_local_time, parse_local_time
from pydm_widgets.readouts import TraceReadouts, format_value
from pydm_widgets.timeedit import TimeEdit
from tests.support.display import (
    CHANGE_MS,
    child,
    display_on,
    press,
    type_and_enter,
    wait_pv,
    watching,
    widgets_collected,
)
from tests.support.harness import caget_fresh

pytestmark = [pytest.mark.ioc, pytest.mark.usefixtures(widgets_collected.__name__)]

SPANS = [("span1min", 60.0), ("span10min", 600.0), ("span1h", 3600.0), ("span1day", 86400.0),
         ("span1week", 604800.0)]


@pytest.fixture
def prefix(shared_prefix):
    return shared_prefix


@pytest.fixture
def chart(qtbot, chart_view):
    """The chart display on the shared chart IOC, and the chart's PV prefix."""
    return display_on(qtbot, chart_view)


def pressed(qtbot, display, name):
    press(qtbot, child(display, PyDMPushButton, name))


def live_is(qtbot, c, state):
    wait_pv(qtbot, c + "live", lambda v: v == state, as_string=True)


def test_span_buttons_write_the_window(qtbot, chart):
    display, c = chart
    for name, seconds in SPANS:
        pressed(qtbot, display, name)
        wait_pv(qtbot, c + "window", lambda v, s=seconds: v == s)


def test_back_forward_and_live_move_the_range_by_half_a_span(qtbot, chart):
    display, c = chart
    pressed(qtbot, display, "span10min")
    wait_pv(qtbot, c + "window", lambda v: v == 600.0)
    assert caget_fresh(c + "live", as_string=True) == "On"
    before = time.time()
    pressed(qtbot, display, "backButton")
    live_is(qtbot, c, "Off")
    after = time.time()
    end = caget_fresh(c + "end")
    assert before - 300 - 0.01 <= end <= after - 300 + 0.01    # the present then, less 300 s

    pressed(qtbot, display, "backButton")                      # held: exactly 300 s more
    wait_pv(qtbot, c + "end", lambda v: v == pytest.approx(end - 300, abs=1e-3))
    pressed(qtbot, display, "forwardButton")
    wait_pv(qtbot, c + "end", lambda v: v == pytest.approx(end, abs=1e-3))
    assert caget_fresh(c + "live", as_string=True) == "Off"
    pressed(qtbot, display, "forwardButton")      # where the range ended when live
    wait_pv(qtbot, c + "end", lambda v: v == pytest.approx(end + 300, abs=1e-3))
    assert caget_fresh(c + "live", as_string=True) == "Off"
    pressed(qtbot, display, "forwardButton")      # half a span on lies after the present
    live_is(qtbot, c, "On")

    pressed(qtbot, display, "backButton")
    live_is(qtbot, c, "Off")
    pressed(qtbot, display, "liveButton")
    live_is(qtbot, c, "On")


def test_end_time_shows_the_right_edge_and_a_typed_time_holds_the_range(qtbot, chart):
    display, c = chart
    edit = child(display, TimeEdit, "endText")
    qtbot.waitUntil(lambda: edit.text() != "" and abs(parse_local_time(edit.text()) -
                                                      time.time()) < 60, timeout=CHANGE_MS)
    target = format_local_time(time.time() - 3600)
    type_and_enter(qtbot, edit, target)
    live_is(qtbot, c, "Off")
    assert caget_fresh(c + "end") == pytest.approx(parse_local_time(target), abs=1e-3)
    assert caget_fresh(c + "endText") == target
    qtbot.waitUntil(lambda: edit.text() == target, timeout=CHANGE_MS)


@pytest.mark.parametrize("text", ["yesterday", "2024-13-45 99:00:00", "12:00", " "])
def test_a_typed_end_that_is_no_time_is_refused_on_screen_and_writes_nothing(qtbot, chart,
                                                                             text):
    display, c = chart
    pressed(qtbot, display, "backButton")                      # a held range to keep
    live_is(qtbot, c, "Off")
    end = caget_fresh(c + "end")
    with watching([c + "end", c + "endText", c + "window"]) as updates:
        edit = child(display, TimeEdit, "endText")
        type_and_enter(qtbot, edit, text)
        assert "not a local time" in edit.error
        assert "Not written" in edit.toolTip() and edit.text() == text    # nothing lost
        pressed(qtbot, display, "span1min")                    # a write that does land
        qtbot.waitUntil(lambda: updates[c + "window"][-1] == 60.0, timeout=CHANGE_MS)
    assert updates[c + "end"] == [end] and len(updates[c + "endText"]) == 1   # not written


def test_readout_table_shows_the_iocs_statistics(qtbot, chart, prefix):
    display, c = chart
    readouts = child(display, TraceReadouts, "readouts")
    epics.caput(f"{prefix}motor.VELO", 20.0, wait=True)
    epics.caput(f"{prefix}motor.VAL", 1.5, wait=True, timeout=30)
    epics.caput(c + "T2:label", "Setpoint", wait=True)
    wait_pv(qtbot, c + "T1:max", lambda v: v == 1.5)           # the IOC has the move

    def matches():
        want = [[name] + [format_value(caget_fresh(f"{c}T{n}:{s}"), 4)
                          for s in ("cursorValue", "min", "max", "mean")]
                for n, name in ((1, f"{prefix}motor.RBV"), (2, "Setpoint"))]
        return readouts.row_texts() == want
    qtbot.waitUntil(matches, timeout=CHANGE_MS)
    assert readouts.row_texts()[0][1] == "\u2013"              # no cursor: no value at it
    assert readouts.row_texts()[0][3] == "1.5000"               # the move's end: the maximum

    end = time.time()                      # a held range that holds the move, its end ...
    epics.caput(c + "end", end, wait=True)
    live_is(qtbot, c, "Off")
    epics.caput(c + "cursor", end, wait=True)                  # ... and the cursor there
    stamp = time.strftime("%H:%M:%S", time.localtime(end))
    qtbot.waitUntil(lambda: readouts.header_texts()[1] == f"At {stamp}", timeout=CHANGE_MS)
    qtbot.waitUntil(lambda: readouts.row_texts()[0][1] == "1.5000",   # where it stopped
                    timeout=CHANGE_MS)
    qtbot.waitUntil(matches, timeout=CHANGE_MS)


def test_readout_table_has_a_row_per_configured_source_only(qtbot, chart, prefix):
    display, c = chart
    readouts = child(display, TraceReadouts, "readouts")
    qtbot.waitUntil(lambda: len(readouts.row_texts()) == 2, timeout=CHANGE_MS)
    epics.caput(c + "sources", f"{prefix}motor.RBV", wait=True)
    qtbot.waitUntil(lambda: [r[0] for r in readouts.row_texts()] == [f"{prefix}motor.RBV"],
                    timeout=CHANGE_MS)
    epics.caput(c + "sources", " ", wait=True)        # (pyepics does not send an empty text)
    qtbot.waitUntil(lambda: readouts.row_texts() == [["no sources configured", "", "", "",
                                                       ""]], timeout=CHANGE_MS)
