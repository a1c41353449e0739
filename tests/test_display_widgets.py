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



SLOTS = ("connection_slot", "value_slot", "severity_slot", "prec_slot", "unit_slot",
         "enum_strings_slot")


def test_every_channel_delivers_to_declared_qt_slots(qtbot):
    """PyDM's pyepics plugin connects a channel's slots in its thread pool, several at once;
    a plain Python callable there makes PyQt create a proxy in that thread, and the process
    crashed now and then (a segfault in ``add_listener``). Every slot of every channel of
    pvchart's widgets is one declared on a QObject."""
    from pydm_widgets.pvimage import PVImage
    widgets = []
    for cls, prop in ((TraceReadouts, "chartPrefix"), (ChartImage, "chartPrefix"),
                      (PVImage, "imagePrefix")):
        widget = cls()
        qtbot.addWidget(widget)
        setattr(widget, prop, f"NOSUCH:{cls.__name__}:")
        widgets.append(widget)
    channels = [c for w in widgets for c in w.channels()]
    assert len(channels) > 10
    for channel in channels:
        for name in SLOTS:
            slot = getattr(channel, name)
            if slot is None:
                continue
            owner = slot.__self__
            meta = owner.metaObject()
            declared = {bytes(meta.method(i).name()).decode()
                        for i in range(meta.methodOffset(), meta.methodCount())}
            assert slot.__name__ in declared, (channel.address, name, slot)


def test_a_receiver_is_owned_by_its_widget_only_once_hooked_up(qtbot):
    """Until the plugin has hooked a receiver up (its first connection event) it is nobody's
    child: closing it, or deleting its owner, leaves it alive until then; hooked up, it is
    deleted at once, or becomes its owner's child; closed, it passes nothing on."""
    from qtpy import sip
    from qtpy.QtCore import QEvent, QObject
    from qtpy.QtWidgets import QApplication

    from pydm_widgets.receiver import ChannelReceiver

    def deletions_done():
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    got = []
    owner = QObject()
    early = ChannelReceiver(owner, connection=got.append, value=got.append)
    early.close()
    deletions_done()
    assert not sip.isdeleted(early) and early.parent() is None
    early.on_value(1.0)
    early.on_connection(True)                              # hooked up: deleted now
    deletions_done()
    assert sip.isdeleted(early) and got == []

    kept = ChannelReceiver(owner, connection=got.append, value=got.append)
    kept.on_connection(False)
    kept.on_value(2.0)
    assert kept.hooked_up and kept.parent() is owner and got == [False, 2.0]

    orphan = ChannelReceiver(owner, connection=got.append)
    owner.deleteLater()
    deletions_done()
    assert sip.isdeleted(owner) and sip.isdeleted(kept) and not sip.isdeleted(orphan)
    orphan.on_connection(True)                             # its owner gone: deleted, silent
    deletions_done()
    assert sip.isdeleted(orphan) and got == [False, 2.0]
