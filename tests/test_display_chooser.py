"""The chart chooser switches a display between two real chart IOCs, PyDM-style: through
PyDM's main window (with Back to return), or in place outside one; ``--macro C=vacuum``
opens the other chart directly."""
from contextlib import contextmanager

import pytest
from pydm.main_window import PyDMMainWindow
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QApplication, QVBoxLayout, QWidget

from iocs.ops.display import display_file, main
from pydm_widgets.chartimage import ChartImage
from pydm_widgets.chooser import ChartChooser
from tests.support.display import CONNECT_MS, child, open_display, widgets_collected
from tests.support.harness import PATIENCE, caget_fresh, wait_until

pytestmark = [pytest.mark.ioc, pytest.mark.xdist_group("chooser"),
              pytest.mark.usefixtures(widgets_collected.__name__)]

VACUUM_WIDTH = 320        # the vacuum chart renders narrower: its frames are told apart


@pytest.fixture
def prefix(shared_prefix):
    return shared_prefix


@pytest.fixture
def vacuum(lasting, request, ioc_factory, tmp_path_factory, prefix):
    """A second chart IOC, ``vacuum``, beside the shared one, from the module's first test to
    its last."""
    yield lasting.get(request, lambda: running_vacuum(ioc_factory, tmp_path_factory, prefix))
    lasting.release(request)


@contextmanager
def running_vacuum(ioc_factory, tmp_path_factory, prefix):
    ioc = ioc_factory("aux", tmp_path_factory.mktemp("vacuum"), "iocs.chart",
                      "--prefix", prefix, "--name", "vacuum", "--width", str(VACUUM_WIDTH),
                      "--sources", f"{prefix}motor.RBV", ready_pv=f"{prefix}vacuum:UniqueId_RBV")
    ioc.start()
    try:
        yield ioc
    finally:
        ioc.stop()


@pytest.fixture
def two_charts(chart_view, vacuum, prefix):
    """The shared chart IOC (``chart``, 640 px wide) and a second one named ``vacuum``."""
    assert vacuum.alive(), vacuum.log()
    for name in ("chart", "vacuum"):
        wait_until(lambda name=name: "connected" in str(caget_fresh(f"{prefix}{name}:status")),
                   PATIENCE, f"{name} sources")
    return vacuum


def frames_of(qtbot, display, width, more=2):
    """Until the display's chart shows ``more`` new frames ``width`` pixels wide."""
    chart = child(display, ChartImage, "chart")
    start = chart.frames_shown
    qtbot.waitUntil(lambda: chart.frames_shown >= start + more and
                    chart.current_image() is not None and
                    chart.current_image().width() == width, timeout=CONNECT_MS)
    return chart


def choose_chart(qtbot, display, name):
    """Pick chart ``name`` in the display's chooser with the keyboard, as an operator."""
    chooser = child(display, ChartChooser, "chartChooser")
    chooser.setFocus()
    target = chooser.findText(name)
    assert target >= 0, [chooser.itemText(i) for i in range(chooser.count())]
    key = Qt.Key.Key_Down if target > chooser.currentIndex() else Qt.Key.Key_Up
    for _ in range(abs(target - chooser.currentIndex())):
        qtbot.keyClick(chooser, key)


def test_chooser_lists_the_charts_and_switches_pydms_window_with_history(qtbot, two_charts,
                                                                        prefix):
    window = PyDMMainWindow()
    qtbot.addWidget(window)
    window.show()
    first = window.open(str(display_file()), macros={"P": prefix, "CHARTS": "chart,vacuum"})
    chooser = child(first, ChartChooser, "chartChooser")
    qtbot.waitUntil(lambda: chooser.count() == 2, timeout=5000)
    assert [chooser.itemText(i) for i in range(2)] == ["chart", "vacuum"]
    assert chooser.currentText() == "chart"
    old_chart = frames_of(qtbot, first, 640)
    qtbot.waitUntil(lambda: "chart" in window.windowTitle(), timeout=5000)

    choose_chart(qtbot, first, "vacuum")
    qtbot.waitUntil(lambda: window.display_widget() is not first, timeout=CONNECT_MS)
    second = window.display_widget()
    assert second.macros()["C"] == "vacuum" and second.macros()["P"] == prefix
    frames_of(qtbot, second, VACUUM_WIDTH)                # the vacuum IOC's frames
    assert child(second, ChartChooser, "chartChooser").currentText() == "vacuum"
    assert f"chart {prefix}vacuum," in window.windowTitle()
    seen = old_chart.frames_shown
    frames_of(qtbot, second, VACUUM_WIDTH)
    assert old_chart.frames_shown == seen                  # its channels were closed

    window.back()                                          # PyDM's history: the first chart
    assert window.display_widget() is first
    frames_of(qtbot, first, 640)


def test_chooser_outside_pydms_window_replaces_its_display_in_place(qtbot, two_charts,
                                                                    prefix):
    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    display = open_display(qtbot, {"P": prefix, "CHARTS": "chart vacuum"}, show=False,
                           owned=False)                   # the holder owns it
    layout.addWidget(display)
    holder.show()
    frames_of(qtbot, display, 640)
    choose_chart(qtbot, display, "vacuum")
    qtbot.waitUntil(lambda: layout.count() == 1 and layout.itemAt(0).widget() is not display,
                    timeout=CONNECT_MS)
    new = layout.itemAt(0).widget()
    frames_of(qtbot, new, VACUUM_WIDTH)
    assert new.macros()["C"] == "vacuum"


def test_chooser_of_a_display_shown_alone_opens_the_other_chart_in_its_place(
        qtbot, two_charts, prefix):
    display = open_display(qtbot, {"P": prefix, "CHARTS": "chart,vacuum"}, owned=False)
    frames_of(qtbot, display, 640)
    geometry = display.geometry()
    new = child(display, ChartChooser, "chartChooser").switch_to("vacuum")
    qtbot.addWidget(new)
    assert new.isVisible() and new.geometry() == geometry
    destroyed = []
    display.destroyed.connect(lambda *_: destroyed.append(True))
    qtbot.waitUntil(lambda: bool(destroyed), timeout=5000)   # closed, channels and all
    frames_of(qtbot, new, VACUUM_WIDTH)
    assert "vacuum" in new.windowTitle()


def test_the_chooser_switches_only_when_the_operator_chooses(qtbot):
    chooser = ChartChooser()
    qtbot.addWidget(chooser)
    switched = []
    chooser.chartChosen.connect(switched.append)
    chooser.charts = "chart,vacuum,rf"
    chooser.chart = "vacuum"
    chooser.chart = "rf"
    assert chooser.currentText() == "rf" and switched == []
    chooser.charts = "${CHARTS}"                          # macros not filled yet: only C
    assert [chooser.itemText(i) for i in range(chooser.count())] == ["rf"]
    assert not chooser.isEnabled()                        # nothing to choose from


def test_pvchart_display_takes_the_chart_by_macro(qtbot, two_charts, prefix, tmp_path,
                                                  capsys):
    png = tmp_path / "vacuum.png"
    rc = main(["--prefix", prefix, "--macro", "C=vacuum", "--macro", "CHARTS=chart,vacuum",
               "--screenshot", str(png), "--timeout", "60"])
    assert rc == 0, capsys.readouterr().err
    from qtpy.QtGui import QImage
    assert QImage(str(png)).width() > VACUUM_WIDTH
    assert "rendered the display offscreen" in capsys.readouterr().out
    QApplication.processEvents()
