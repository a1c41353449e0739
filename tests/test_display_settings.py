"""The chart settings screen against a real chart IOC: mode, XY pairing, layout (Stagger too)
and, per trace, alarm limits and the X axis PV are written as an operator sets them."""
import pytest
from pydm.main_window import PyDMMainWindow
from pydm.widgets.enum_combo_box import PyDMEnumComboBox
from pydm.widgets.line_edit import PyDMLineEdit

from iocs.ops.display import display_file
from tests.support.display import (
    child,
    choose,
    display_on,
    type_and_enter,
    wait_pv,
    widgets_collected,
)
from tests.support.harness import caget_fresh

pytestmark = [pytest.mark.ioc, pytest.mark.usefixtures(widgets_collected.__name__)]


@pytest.fixture
def prefix(shared_prefix):
    return shared_prefix


@pytest.fixture
def settings(qtbot, chart_view):
    """The chart settings screen on the shared chart IOC, and the chart's PV prefix."""
    return display_on(qtbot, chart_view, "chart_settings.ui")


def trace_widget(display, cls, field, n):
    """The widget of trace ``n``'s ``field`` in the repeated trace rows."""
    suffix = f":T{n}:{field}"
    found = [w for w in display.findChildren(cls, field) if w.channel.endswith(suffix)]
    assert len(found) == 1, [w.channel for w in display.findChildren(cls, field)]
    return found[0]


def test_mode_pairing_and_layout(qtbot, settings):
    display, c = settings
    choose(qtbot, child(display, PyDMEnumComboBox, "mode"), "XY")
    wait_pv(qtbot, c + "mode", lambda v: v == "XY", as_string=True)
    type_and_enter(qtbot, child(display, PyDMLineEdit, "pairing"), "2.5")
    wait_pv(qtbot, c + "pairing", lambda v: v == 2.5)
    choose(qtbot, child(display, PyDMEnumComboBox, "layoutMenu"), "Stagger")
    wait_pv(qtbot, c + "layout", lambda v: v == "Stagger", as_string=True)
    choose(qtbot, child(display, PyDMEnumComboBox, "mode"), "Time")
    wait_pv(qtbot, c + "mode", lambda v: v == "Time", as_string=True)


def test_trace_limits_and_x_axis(qtbot, settings, prefix):
    display, c = settings
    choose(qtbot, trace_widget(display, PyDMEnumComboBox, "limits", 2), "On")
    wait_pv(qtbot, c + "T2:limits", lambda v: v == "On", as_string=True)
    assert caget_fresh(c + "T1:limits", as_string=True) == "Auto"        # only trace 2's
    axis = f"{prefix}m2.RBV"
    type_and_enter(qtbot, trace_widget(display, PyDMLineEdit, "xsource", 1), axis)
    wait_pv(qtbot, c + "T1:xsource", lambda v: v == axis, as_string=True)
    edit = trace_widget(display, PyDMLineEdit, "xsource", 1)
    qtbot.waitUntil(lambda: edit.text() == axis, timeout=10000)    # shown as text


def test_sources_field_shows_the_sources_as_text(qtbot, settings, prefix):
    display, _ = settings
    edit = child(display, PyDMLineEdit, "sources")
    qtbot.waitUntil(lambda: edit.text() == f"{prefix}motor.RBV,{prefix}motor.VAL",
                    timeout=10000)


def test_settings_screen_opens_in_pydms_window(qtbot):
    """Its widgets' names shadow no QWidget method (a combo named "layout" did: PyDM's
    window calls the display's ``layout()``)."""
    window = PyDMMainWindow()
    qtbot.addWidget(window)
    shown = window.open(str(display_file("chart_settings.ui")), macros={})
    assert window.display_widget() is shown
    qtbot.waitUntil(lambda: window.windowTitle().startswith(
        "pvchart: settings of BEAMLINE:chart"), timeout=5000)
