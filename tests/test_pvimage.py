"""PVImage against a real caproto IOC serving known test patterns, painted offscreen.

Most tests push their patterns to an image prefix of the worker's shared pattern IOC
(``pattern``); the disconnect test stops an IOC of its own."""
import logging
import os

import numpy as np
import pytest
from qtpy.QtCore import QBuffer, QIODevice
from qtpy.QtGui import QImage
from qtpy.QtWidgets import QApplication

from pydm_widgets import codec
from pydm_widgets.pvimage import ERROR_GRACE_MS, PVImage
from tests.support.harness import PATIENCE, caput, qimage_rgb

pytestmark = pytest.mark.ioc

W, H = 40, 30
QUADRANTS = {(0, 0): (255, 0, 0), (1, 0): (0, 255, 0), (0, 1): (0, 0, 255),
             (1, 1): (255, 255, 255)}


def pattern(rgb_shift=0):
    img = np.zeros((H, W, 3), dtype=np.uint8)
    for (qx, qy), colour in QUADRANTS.items():
        img[qy * H // 2:(qy + 1) * H // 2, qx * W // 2:(qx + 1) * W // 2] = np.roll(colour,
                                                                               rgb_shift)
    return img


def layout(img, mode):
    """(flat data, ArraySize0..2, ColorMode index) for an (h, w, 3) image."""
    h, w, _ = img.shape
    if mode == "Mono":
        return img[..., 0].reshape(-1), (w, h, 0), 0
    if mode == "RGB1":
        return img.reshape(-1), (3, w, h), 2
    if mode == "RGB2":
        return img.transpose(0, 2, 1).reshape(-1), (w, 3, h), 3
    if mode == "RGB3":
        return img.transpose(2, 0, 1).reshape(-1), (w, h, 3), 4
    raise ValueError(mode)


def push(prefix, data, sizes=None, mode_index=None):
    """Sizes and mode first, then the data, as an areaDetector IOC posts them."""
    if sizes is not None:
        for i, size in enumerate(sizes):
            caput(f"{prefix}ArraySize{i}_RBV", size)
    if mode_index is not None:
        caput(f"{prefix}ColorMode_RBV", mode_index)
    caput(f"{prefix}ArrayData", np.ascontiguousarray(data, dtype=np.uint8))


WAIT_MS = int(PATIENCE * 1000)          #: qtbot's deadlines: liveness only


@pytest.fixture
def widget(qtbot):
    w = PVImage()
    w.scaleMode = PVImage.Stretch
    w.resize(2 * W * 5 // 2 + 4, 2 * H * 5 // 2 + 4)     # 200x150 image area + 2 px border
    qtbot.addWidget(w)
    w.show()
    return w


def colour_at(widget, x, y):
    """Colour of image pixel (x, y) as painted (stretched 5x into the bordered area)."""
    img = widget.grab().toImage()
    c = img.pixelColor(2 + int((x + 0.5) * 5), 2 + int((y + 0.5) * 5))
    return c.red(), c.green(), c.blue()


def assert_quadrants(widget, mono=False):
    for (qx, qy), colour in QUADRANTS.items():
        x, y = qx * W // 2 + W // 4, qy * H // 2 + H // 4
        expected = (colour[0],) * 3 if mono else colour
        got = colour_at(widget, x, y)
        assert np.allclose(got, expected, atol=12), ((qx, qy), got, expected)


def wait_frames(qtbot, widget, n):
    qtbot.waitUntil(lambda: widget.frames_shown >= n, timeout=WAIT_MS)


@pytest.mark.parametrize("mode", ["Mono", "RGB1", "RGB2", "RGB3"])
def test_areadetector_modes_paint_the_expected_colours(qtbot, widget, image_prefix, mode):
    data, sizes, index = layout(pattern(), mode)
    push(image_prefix, data, sizes, index)
    widget.imagePrefix = image_prefix
    wait_frames(qtbot, widget, 1)
    qtbot.waitUntil(lambda: widget.current_image().width() == W, timeout=WAIT_MS)
    assert_quadrants(widget, mono=(mode == "Mono"))
    assert widget.error_message == ""


def test_rgba_and_explicit_channels(qtbot, widget, image_prefix):
    rgba = np.dstack([pattern(), np.full((H, W), 255, np.uint8)])
    caput(f"{image_prefix}width", W)
    push(image_prefix, rgba.reshape(-1))
    widget.colorMode = PVImage.RGBA
    widget.widthChannel = f"ca://{image_prefix}width"
    widget.imageChannel = f"{image_prefix}ArrayData"      # height inferred from the length
    wait_frames(qtbot, widget, 1)
    assert widget.current_image().size().height() == H
    assert_quadrants(widget)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_encoded_images_are_recognised(qtbot, widget, image_prefix, fmt):
    img = pattern()
    qimg = QImage(img.tobytes(), W, H, 3 * W, QImage.Format_RGB888)
    buf = QBuffer()
    buf.open(QIODevice.WriteOnly)
    qimg.save(buf, fmt, 100)
    encoded = np.frombuffer(bytes(buf.data()), dtype=np.uint8)
    push(image_prefix, encoded, (0, 0, 0), 0)
    widget.imagePrefix = image_prefix
    wait_frames(qtbot, widget, 1)
    assert_quadrants(widget)


def test_size_and_mode_changes_then_garbage_then_recovery(qtbot, widget, image_prefix,
                                                          caplog):
    widget.imagePrefix = image_prefix
    data, sizes, index = layout(pattern(), "RGB1")
    push(image_prefix, data, sizes, index)
    wait_frames(qtbot, widget, 1)
    # a new size and a new mode, posted the areaDetector way: no error may flicker
    with caplog.at_level(logging.WARNING, logger="pydm_widgets.pvimage"):
        small = pattern()[::2, ::2]
        n = widget.frames_shown
        data, sizes, index = layout(small, "Mono")
        push(image_prefix, data, sizes, index)
        qtbot.waitUntil(lambda: widget.frames_shown > n and
                        widget.current_image().width() == W // 2, timeout=WAIT_MS)
        data, sizes, index = layout(pattern(), "RGB3")
        push(image_prefix, data, sizes, index)
        qtbot.waitUntil(lambda: widget.current_image().width() == W, timeout=WAIT_MS)
        qtbot.wait(2 * ERROR_GRACE_MS)      # an error held back for its grace would show now
    assert widget.error_message == ""
    assert "needs" not in caplog.text
    assert_quadrants(widget)
    # garbage: wrong length, empty, corrupt PNG -> message, last good frame kept
    for garbage, words in ((np.arange(17, dtype=np.uint8), "needs"),
                           (np.zeros(0, np.uint8), "empty"),
                           (np.frombuffer(codec.PNG_SIGNATURE + b"rubbish" * 5, np.uint8),
                            "corrupt PNG")):
        push(image_prefix, garbage)
        qtbot.waitUntil(lambda words=words: words in widget.error_message, timeout=WAIT_MS)
        assert widget.current_image().width() == W
        assert colour_at(widget, 5, 3) == pytest.approx((255, 0, 0), abs=12)
    push(image_prefix, data)                             # the next good frame clears it
    qtbot.waitUntil(lambda: widget.error_message == "", timeout=WAIT_MS)
    # an unknown colour mode is named
    push(image_prefix, data, mode_index=1)
    qtbot.waitUntil(lambda: "Bayer" in widget.error_message, timeout=WAIT_MS)


def test_disconnect_and_reconnect_are_shown(qtbot, widget, start_ioc, prefix):
    ioc = start_ioc("aux", "tests.support.pattern_ioc", "--prefix", prefix,
                    ready_pv=f"{prefix}ArraySize0_RBV")            # its own: it is stopped
    data, sizes, index = layout(pattern(), "RGB1")
    push(prefix, data, sizes, index)
    widget.imagePrefix = prefix
    wait_frames(qtbot, widget, 1)
    assert colour_at(widget, 5, 3) == pytest.approx((255, 0, 0), abs=12)
    ioc.stop()
    qtbot.waitUntil(lambda: not widget.image_connected, timeout=WAIT_MS)
    grey = colour_at(widget, 5, 3)
    assert grey != pytest.approx((255, 0, 0), abs=40)            # dimmed: disconnected look
    border = widget.grab().toImage().pixelColor(0, widget.height() // 2)
    assert (border.red(), border.green(), border.blue()) == (255, 255, 255)
    ioc.start()
    qtbot.waitUntil(lambda: widget.image_connected, timeout=WAIT_MS)
    push(prefix, *layout(pattern(rgb_shift=1), "RGB1"))
    qtbot.waitUntil(lambda: colour_at(widget, 5, 3) == pytest.approx((0, 255, 0), abs=12),
                    timeout=WAIT_MS)


def test_switching_source_never_paints_the_old_one(qtbot, widget, image_prefix):
    data, sizes, index = layout(pattern(), "RGB1")               # red at (5, 3)
    push(image_prefix, data, sizes, index)
    other = image_prefix + "B:"
    data_b, sizes_b, index_b = layout(pattern(rgb_shift=2), "RGB1")    # blue
    push(other, data_b, sizes_b, index_b)
    widget.imagePrefix = image_prefix
    wait_frames(qtbot, widget, 1)
    seen = []
    widget.newImageSignal.connect(lambda w, h: seen.append(
        QImage(widget.current_image()).pixelColor(5, 3).getRgb()[:3]))
    widget.imagePrefix = other
    assert widget.current_image() is None                        # old frame dropped at once
    push(image_prefix, data)                                     # the old source keeps posting
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=WAIT_MS)
    push(image_prefix, data)
    push(other, layout(pattern(rgb_shift=1), "RGB1")[0])         # then the new one: green
    qtbot.waitUntil(lambda: seen[-1] == (0, 255, 0), timeout=WAIT_MS)   # arrives after the
    assert set(seen) <= {(0, 0, 255), (0, 255, 0)}, seen         # old posts: none painted


def test_save_and_copy(qtbot, widget, image_prefix, tmp_path):
    push(image_prefix, *layout(pattern(), "RGB1"))
    widget.imagePrefix = image_prefix
    wait_frames(qtbot, widget, 1)
    path = str(tmp_path / "frame.png")
    assert widget.save_image(path)
    saved = QImage(path)
    assert saved.width() == W and saved.pixelColor(5, 3).getRgb()[:3] == (255, 0, 0)
    widget.copy_image()
    assert QApplication.clipboard().image().width() == W
    menu = widget.widget_ctx_menu()
    assert [a.text() for a in menu.actions()][:2] == ["Save image...", "Copy image"]


def test_max_array_bytes_message(qtbot, widget, monkeypatch):
    monkeypatch.setenv("EPICS_CA_MAX_ARRAY_BYTES", "16384")
    widget.imageWidth, widget.imageHeight = 640, 480
    widget.colorMode = PVImage.RGB1
    widget._image_connected = True            # connected, and libca delivered no frame (no
    widget._check_frame_arrived()             # public way: libca here takes 20 MB arrays)
    assert "EPICS_CA_MAX_ARRAY_BYTES is 16384" in widget.error_message
    assert "921600" in widget.error_message


def test_designer_loads_the_widget_through_the_entry_point(qtbot):
    from pydm.widgets.qtplugin_base import get_widgets_from_entrypoints
    plugin_cls = get_widgets_from_entrypoints()["PVImage"]
    plugin = plugin_cls()
    widget = plugin.createWidget(None)
    qtbot.addWidget(widget)
    assert isinstance(widget, PVImage)
    assert plugin.name() == "PVImage" and plugin.includeFile() == "pydm_widgets.pvimage"
    assert '<widget class="PVImage"' in plugin.domXml()
    assert plugin.group() == "PyDM Display Widgets"
    assert plugin.toolTip() and not plugin.icon().isNull()


def test_ui_file_loads_in_pydm(qtbot, image_prefix):
    from pydm import Display
    push(image_prefix, *layout(pattern(), "RGB1"))
    display = Display(ui_filename=os.path.join(os.path.dirname(__file__), "data",
                                               "pvimage.ui"), macros={"P": image_prefix})
    qtbot.addWidget(display)
    image = display.findChild(PVImage, "image")
    assert image.imagePrefix == image_prefix and image.scaleMode == PVImage.Stretch
    qtbot.waitUntil(lambda: image.frames_shown >= 1, timeout=WAIT_MS)


def test_a_12_bit_mono_ramp_fills_the_grey_range_and_levels_and_colormaps_apply(
        qtbot, widget, image_prefix):
    ramp = np.tile(np.linspace(0, 4095, 64).astype(np.int16), 32)     # 64 x 32, 12 bits
    caput(f"{image_prefix}width", 64)
    caput(f"{image_prefix}Mono16", ramp)
    widget.widthChannel = f"{image_prefix}width"
    widget.imageChannel = f"{image_prefix}Mono16"
    wait_frames(qtbot, widget, 1)
    qtbot.waitUntil(lambda: widget.current_image().width() == 64, timeout=WAIT_MS)

    def grey_span():
        img = widget.current_image()
        row = [QImage(img).pixelColor(x, 10).red() for x in range(64)]
        return min(row), max(row)
    assert grey_span() == (0, 255)                               # automatic levels
    widget.autoLevels = False
    widget.levelMin, widget.levelMax = 0.0, 65535.0               # a 16-bit range: dim
    assert grey_span()[1] <= 20
    widget.levelMax = 4095.0
    assert grey_span() == (0, 255)
    widget.colorMap = PVImage.ColorMap.Viridis
    colour = widget.current_image().pixelColor(63, 10)
    assert (colour.red(), colour.green(), colour.blue()) == pytest.approx((253, 231, 36),
                                                                          abs=3)


def test_a_lost_size_update_is_asked_for_again(qtbot, widget, image_prefix):
    widget.imagePrefix = image_prefix                       # sizes 0: nothing known yet
    qtbot.waitUntil(lambda: widget.image_connected, timeout=WAIT_MS)
    data, sizes, index = layout(pattern(), "RGB1")
    caput(f"{image_prefix}ColorMode_RBV", index)
    caput(f"{image_prefix}silent_sizes", list(sizes))            # the update is lost
    caput(f"{image_prefix}ArrayData", data)
    wait_frames(qtbot, widget, 1)                     # the widget asked for the sizes again
    assert widget.current_image().width() == W and widget.error_message == ""
    assert_quadrants(widget)


def test_pva_image_paints_what_ca_paints(qtbot, chart):
    c = chart.chart
    ca, pva = PVImage(), PVImage()
    for w in (ca, pva):
        w.resize(644, 484)
        qtbot.addWidget(w)
        w.show()
    ca.imagePrefix = c
    pva.imageChannel = f"pva://{c}Pva1:Image"
    qtbot.waitUntil(lambda: ca.frames_shown > 0 and pva.frames_shown > 0, timeout=WAIT_MS)
    caput(c + "freeze", "On")                              # one frame held on both paths
    qtbot.waitUntil(lambda: np.array_equal(qimage_rgb(pva.current_image()),
                                           qimage_rgb(ca.current_image())), timeout=WAIT_MS)
    assert pva.current_image().size() == ca.current_image().size()
    assert pva.error_message == ca.error_message == ""


def test_designer_properties_are_all_meaningful(qtbot):
    w = PVImage()
    qtbot.addWidget(w)
    meta = w.metaObject()
    names = {meta.property(i).name() for i in range(meta.propertyOffset(),
                                                    meta.propertyCount())}
    assert {"imagePrefix", "imageChannel", "widthChannel", "heightChannel",
            "colorModeChannel", "channel", "imageWidth", "imageHeight", "colorMode",
            "scaleMode", "smoothScaling", "maxRedrawRate", "autoLevels", "levelMin",
            "levelMax", "colorMap", "alarmSensitiveBorder",
            "alarmSensitiveContent"} <= names
    for name, count in (("colorMode", 5), ("scaleMode", 3), ("colorMap", 8)):
        prop = meta.property(meta.indexOfProperty(name))
        assert prop.isEnumType() and prop.enumerator().keyCount() == count, name  # dropdowns
        assert w.setProperty(name, count - 1) and w.property(name) == count - 1, name
    w.colorMap = PVImage.ColorMap.Gray
    w.channel = "ca://X:ArrayData"                    # PyDM's channel is the image channel
    assert w.imageChannel == "ca://X:ArrayData" and w.channels_for_tools()


def test_events_of_old_channels_and_of_a_destroyed_widget_are_dropped(qtbot, image_prefix):
    """Events in flight from channels the widget no longer uses, or reaching a source whose
    widget was destroyed (as a queued libca callback delivered late), change nothing and
    raise nothing. (The source's slots are private: no public way to deliver an event.)"""
    from qtpy import sip
    w = PVImage()
    w.imagePrefix = image_prefix
    qtbot.waitUntil(lambda: w.image_connected, timeout=WAIT_MS)
    source, old = w.source, w.source.generation
    source._value(old, "size0", 12345)                  # the current generation's: taken
    assert source.values["size0"] == 12345
    w.imagePrefix = image_prefix + "B:"                 # new channels, a new generation
    assert source.generation > old
    qtbot.waitUntil(lambda: w.image_connected, timeout=WAIT_MS)
    frames = w.frames_shown
    source._value(old, "size0", 54321)                  # the old channels': dropped
    source._image(old, np.zeros(3, np.uint8))
    source._conn(old, False)
    assert source.values.get("size0") != 54321
    assert w.frames_shown == frames and w.image_connected
    current = source.generation
    w.deleteLater()
    qtbot.waitUntil(lambda: sip.isdeleted(source), timeout=WAIT_MS)
    values = dict(source.values)
    source._conn(current, False)                        # would raise on the deleted QObject
    source._image(current, np.zeros(3, np.uint8))
    source._value(current, "size0", 777)
    assert source.values == values
