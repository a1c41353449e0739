"""pvchart's display widgets without IOCs: their Designer plugins load through the entry
points, and they say plainly what they lack."""
import pytest

from pydm_widgets.chartimage import ChartImage
from pydm_widgets.readouts import TraceReadouts
from pydm_widgets.timeedit import TimeEdit
from tests.support.display import widgets_collected

pytestmark = [pytest.mark.qt, pytest.mark.usefixtures(widgets_collected.__name__)]

WIDGETS = ["PVImage", "ChartImage", "ChartChooser", "TraceReadouts", "PositionSummary",
           "TimeEdit", "MacroDefaults", "ChartExportButton"]


@pytest.mark.parametrize("name", WIDGETS)
def test_designer_loads_each_widget_through_its_entry_point(qtbot, name):
    from pydm.widgets.qtplugin_base import get_widgets_from_entrypoints
    plugin = get_widgets_from_entrypoints()[name]()
    widget = plugin.createWidget(None)
    qtbot.addWidget(widget)
    assert type(widget).__name__ == name
    assert f'class="{name}"' in plugin.domXml()


def test_readouts_without_a_chart_say_so(qtbot):
    readouts = TraceReadouts()
    qtbot.addWidget(readouts)
    assert readouts.row_texts() == [["no chart", "", "", "", ""]]
    readouts.chartPrefix = "NOSUCH:chart:"
    assert readouts.row_texts() == [["chart IOC not connected", "", "", "", ""]]
    assert readouts.header_texts() == ["Trace", "At cursor", "Min", "Max", "Mean"]
    assert readouts.sizeHint().height() < 120                 # a header and one row


def test_time_edit_accepts_what_the_ioc_accepts(qtbot):
    edit = TimeEdit()
    qtbot.addWidget(edit)
    sent = []
    edit.send_value_signal[str].connect(sent.append)
    edit.channeltype = str
    edit.setText("2025-03-04T05:06")
    edit.send_value()
    assert sent == ["2025-03-04 05:06:00"] and edit.error == ""
    edit.setText("04/03/2025")
    edit.send_value()
    assert sent == ["2025-03-04 05:06:00"] and "not a local time" in edit.error
    qtbot.keyClicks(edit, "x")                                  # typing again: unmarked
    assert edit.error == ""


def test_chart_image_without_its_axis_pvs_sets_no_cursor(qtbot):
    chart = ChartImage()
    qtbot.addWidget(chart)
    chart.chartPrefix = "NOSUCH:chart:"
    assert chart.time_at(100) is None and not chart.set_cursor_at(100)
    assert not chart.clear_cursor()                             # not connected: nothing sent
    texts = [a.text() for a in chart.widget_ctx_menu().actions()]
    assert texts[:2] == ["Save image...", "Copy image"] and "Clear cursor" in texts
