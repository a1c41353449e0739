"""A click on the chart sets the chart's cursor to the time under the mouse: against a test
IOC serving the time-axis PVs, and against the real chart IOC once it serves them."""
import epics
import pytest
from qtpy.QtCore import QPoint, QPointF, Qt

from pydm_widgets.chartimage import ChartImage, column_time
from tests.support.axis_ioc import HEIGHT, WIDTH
from tests.support.display import CONNECT_MS, child, open_display, wait_pv, widgets_collected
from tests.support.harness import PATIENCE, caget_fresh, wait_until

pytestmark = [pytest.mark.ioc, pytest.mark.usefixtures(widgets_collected.__name__)]


@pytest.fixture
def axis_ioc(start_ioc, prefix):
    return start_ioc("aux", "tests.support.axis_ioc", "--prefix", prefix,
                     ready_pv=f"{prefix}plotLeft")


@pytest.fixture
def chart(qtbot, axis_ioc, prefix):
    widget = ChartImage()
    qtbot.addWidget(widget)
    widget.resize(WIDTH + 40, HEIGHT + 40)
    widget.imagePrefix = prefix
    widget.chartPrefix = prefix
    widget.show()
    qtbot.waitUntil(lambda: widget.frames_shown > 0 and all(
        widget.time_pvs.value(k) is not None
        for k in ("plotLeft", "plotRight", "end", "window", "live", "mode", "cursor")),
        timeout=CONNECT_MS)
    return widget


def widget_point(widget, column):
    """The widget point over image column ``column`` (half-way down)."""
    target = widget._target()
    return QPoint(round(target.x() + (column + 0.5) * target.width() / WIDTH),
                  round(target.y() + target.height() / 2))


def click(qtbot, widget, point):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=point)


def test_a_click_sets_the_cursor_to_the_time_under_the_mouse(qtbot, chart, prefix):
    point = widget_point(chart, 300)
    column = chart.image_position(QPointF(point)).x()
    expected = column_time(column, 100, 500, 1_700_000_000.0, 60.0)
    assert expected == pytest.approx(1_700_000_000.0 - 30, abs=0.5)
    click(qtbot, chart, point)
    wait_pv(qtbot, f"{prefix}cursor", lambda v: v == pytest.approx(expected, abs=1e-3))

    epics.caput(f"{prefix}live", "On", wait=True)                  # live: from the frame time
    qtbot.waitUntil(lambda: chart.time_pvs.value("live") == 1, timeout=CONNECT_MS)
    click(qtbot, chart, point)
    expected = column_time(column, 100, 500, 1_700_000_100.0, 60.0)
    wait_pv(qtbot, f"{prefix}cursor", lambda v: v == pytest.approx(expected, abs=1e-3))

    menu = chart.widget_ctx_menu()                                  # Clear cursor: 0
    clear = next(a for a in menu.actions() if a.text() == "Clear cursor")
    assert clear.isEnabled()
    clear.trigger()
    wait_pv(qtbot, f"{prefix}cursor", lambda v: v == 0.0)


@pytest.mark.parametrize("where", ["left of the axis", "right of the axis", "XY mode"])
def test_a_click_off_the_time_axis_writes_nothing(qtbot, chart, prefix, where):
    column = {"left of the axis": 50, "right of the axis": 600}.get(where, 300)
    if where == "XY mode":
        epics.caput(f"{prefix}mode", "XY", wait=True)
        qtbot.waitUntil(lambda: chart.time_pvs.value("mode") == 1, timeout=CONNECT_MS)
    updates = []
    pv = epics.PV(f"{prefix}cursor", callback=lambda value=None, **kw: updates.append(value))
    qtbot.waitUntil(lambda: len(updates) == 1, timeout=CONNECT_MS)
    assert not chart.set_cursor_at(column)
    click(qtbot, chart, widget_point(chart, column))
    epics.caput(f"{prefix}window", 61.0, wait=True)               # a later write, seen
    qtbot.waitUntil(lambda: chart.time_pvs.value("window") == 61.0, timeout=CONNECT_MS)
    pv.disconnect()
    assert updates == [0.0]


def test_on_the_real_chart_ioc(qtbot, chart_view):
    prefix = chart_view.prefix
    c = f"{prefix}chart:"
    wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected", PATIENCE, "sources")
    display = open_display(qtbot, {"P": prefix})
    chart = child(display, ChartImage, "chart")
    qtbot.waitUntil(lambda: chart.frames_shown > 0 and
                    chart.time_pvs.value("plotLeft") is not None and
                    chart.time_at(chart.time_pvs.value("plotLeft") + 1) is not None,
                    timeout=CONNECT_MS)
    epics.caput(c + "end", caget_fresh(c + "t1"), wait=True)       # held: times stand still
    qtbot.waitUntil(lambda: chart.time_pvs.value("live") == 0, timeout=CONNECT_MS)
    left, right = chart.time_pvs.value("plotLeft"), chart.time_pvs.value("plotRight")
    target = chart._target()
    width = chart.current_image().width()
    point = QPoint(round(target.x() + (left + right) / 2 * target.width() / width),
                   round(target.center().y()))
    expected = chart.time_at(chart.image_position(QPointF(point)).x())
    click(qtbot, chart, point)
    wait_pv(qtbot, c + "cursor", lambda v: v == pytest.approx(expected, abs=1e-3))
