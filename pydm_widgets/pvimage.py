"""PVImage: a PyDM widget that shows an image waveform (charts, areaDetector cameras) as a QImage."""
from __future__ import annotations

import functools
import logging
import os
import time
from typing import Any, Dict, Optional

import numpy as np
from pydm.widgets.base import PostParentClassInitSetup, PyDMWidget
from pydm.widgets.channel import PyDMChannel
from qtpy.QtCore import Property, QRectF, Qt, QTimer, Signal
from qtpy.QtGui import QColor, QFont, QImage, QPainter, QPen
from qtpy.QtWidgets import (QApplication, QFileDialog, QMenu, QMessageBox, QStyle,
                            QStyleOption, QWidget)

from . import codec

logger = logging.getLogger(__name__)

__all__ = ["PVImage"]

#: Names of the areaDetector PVs an ``imagePrefix`` fills in.
AD_SUFFIXES = {"image": "ArrayData", "size0": "ArraySize0_RBV", "size1": "ArraySize1_RBV",
               "size2": "ArraySize2_RBV", "mode": "ColorMode_RBV"}
AD_MODE_NAMES = ("Mono", "Bayer", "RGB1", "RGB2", "RGB3", "YUV444", "YUV422", "YUV421")
LIBCA_DEFAULT_MAX_ARRAY_BYTES = 16384
ERROR_GRACE_MS = 400
FRAME_WATCHDOG_MS = 3000
ALARM_COLORS = {PyDMWidget.ALARM_MINOR: QColor("#e0c000"),
                PyDMWidget.ALARM_MAJOR: QColor("#e00000"),
                PyDMWidget.ALARM_INVALID: QColor("#e000e0"),
                PyDMWidget.ALARM_DISCONNECTED: QColor("#ffffff")}


class ScaleMode:
    """How the image fills the widget."""

    KeepAspect = 0
    Stretch = 1
    Original = 2


class ColorMode:
    """Layout of the waveform when no colour-mode channel says otherwise."""

    Mono = 0
    RGB1 = 1
    RGB2 = 2
    RGB3 = 3
    RGBA = 4


def _address(text: str) -> str:
    text = (text or "").strip()
    if text and "://" not in text:
        text = "ca://" + text
    return text


def max_array_bytes() -> int:
    """What libca in this process accepts per array (its default when unset)."""
    try:
        return int(os.environ.get("EPICS_CA_MAX_ARRAY_BYTES", LIBCA_DEFAULT_MAX_ARRAY_BYTES))
    except ValueError:
        return LIBCA_DEFAULT_MAX_ARRAY_BYTES


class PVImage(QWidget, PyDMWidget):
    """Shows a flat image waveform (Mono, RGB1/2/3, RGBA, PNG/JPEG) from Channel Access.

    Set ``imagePrefix`` to an areaDetector-style prefix (``BEAMLINE:chart:``) to use its
    ``ArrayData``, ``ArraySize0_RBV``..``ArraySize2_RBV`` and ``ColorMode_RBV``, or set the
    channels one by one; ``imageWidth``, ``imageHeight`` and ``colorMode`` are the fallbacks.
    """

    from PyQt5.QtCore import Q_ENUM
    Q_ENUM(ScaleMode)
    Q_ENUM(ColorMode)
    ScaleMode = ScaleMode
    ColorMode = ColorMode
    KeepAspect, Stretch, Original = (ScaleMode.KeepAspect, ScaleMode.Stretch,
                                     ScaleMode.Original)
    Mono, RGB1, RGB2, RGB3, RGBA = (ColorMode.Mono, ColorMode.RGB1, ColorMode.RGB2,
                                    ColorMode.RGB3, ColorMode.RGBA)

    #: Emitted with each new frame shown: (width, height).
    newImageSignal = Signal(int, int)

    _qt_designer_ = {"group": "PyDM Display Widgets", "is_container": False}

    def __init__(self, parent: Optional[QWidget] = None, init_channel: Optional[str] = None):
        QWidget.__init__(self, parent)
        PyDMWidget.__init__(self)
        self._prefix = ""
        self._explicit: Dict[str, str] = {"image": "", "width": "", "height": "", "mode": ""}
        self._aux: Dict[str, PyDMChannel] = {}
        self._image_channel: Optional[PyDMChannel] = None
        self._generation = 0
        self._fallback = {"width": 0, "height": 0, "mode": "Mono"}
        self._scale_mode = ScaleMode.KeepAspect
        self._smooth = True
        self._max_rate = 30.0
        self._values: Dict[str, Any] = {}
        self._mode_strings = AD_MODE_NAMES
        self._data: Optional[np.ndarray] = None
        self._decoded: Optional[codec.DecodedImage] = None
        self._error = ""
        self._pending_error = ""
        self._image_connected = False
        self._last_paint = 0.0
        self._frames = 0
        self._error_timer = QTimer(self, singleShot=True, interval=ERROR_GRACE_MS)
        self._error_timer.timeout.connect(self._show_pending_error)
        self._frame_watchdog = QTimer(self, singleShot=True, interval=FRAME_WATCHDOG_MS)
        self._frame_watchdog.timeout.connect(self._check_frame_arrived)
        self._redraw_timer = QTimer(self, singleShot=True)
        self._redraw_timer.timeout.connect(self._redraw_now)
        self.setMinimumSize(64, 48)
        if init_channel:
            self.imageChannel = init_channel
        PostParentClassInitSetup(self)

    @classmethod
    def get_designer_icon(cls):
        from pydm.utilities.iconfont import IconFont
        return IconFont().icon("image")

    # ---- channels -----------------------------------------------------------------------
    def _effective(self) -> Dict[str, str]:
        """Addresses in use, explicit channels winning over the prefix."""
        prefix = _address(self._prefix)
        eff = {}
        for key in ("image", "mode"):
            eff[key] = _address(self._explicit[key]) or (prefix + AD_SUFFIXES[key]
                                                         if prefix else "")
        for key in ("width", "height"):
            eff[key] = _address(self._explicit[key])
        for key in ("size0", "size1", "size2"):
            eff[key] = prefix + AD_SUFFIXES[key] if prefix and not (
                eff["width"] and eff["height"]) else ""
        return eff

    def _reconnect(self) -> None:
        """Drop every channel and frame, then connect what the properties now name."""
        self._generation += 1
        gen = self._generation
        self._frame_watchdog.stop()
        for ch in list(self._aux.values()) + [self._image_channel]:
            if ch is not None:
                ch.disconnect()
        self._aux.clear()
        self._image_channel = None
        self._values.clear()
        self._data = None
        self._decoded = None
        self._set_error("")
        self._image_connected = False
        eff = self._effective()
        self._channel = eff["image"] or None
        if eff["image"]:
            self._image_channel = PyDMChannel(
                address=eff["image"],
                connection_slot=functools.partial(self._on_image_connection, gen),
                value_slot=functools.partial(self._on_image, gen),
                severity_slot=functools.partial(self._on_severity, gen))
            self._image_channel.connect()
        for key in ("width", "height", "mode", "size0", "size1", "size2"):
            if eff[key]:
                ch = PyDMChannel(address=eff[key],
                                 value_slot=functools.partial(self._on_value, gen, key),
                                 enum_strings_slot=(functools.partial(self._on_enums, gen)
                                                    if key == "mode" else None))
                ch.connect()
                self._aux[key] = ch
        self._channels = [c for c in [self._image_channel, *self._aux.values()] if c]
        self.update()

    def channels(self):
        return self._channels or None

    def channels_for_tools(self):
        return [self._image_channel] if self._image_channel else []

    # ---- slots (each carries the generation it was connected under) ---------------------
    def _on_image_connection(self, gen: int, connected: bool) -> None:
        if gen != self._generation:
            return
        self._image_connected = bool(connected)
        self.connection_changed(connected)
        if connected and self._data is None:
            self._frame_watchdog.start()         # says so if no frame can arrive
        self.update()

    def _on_severity(self, gen: int, severity: int) -> None:
        if gen == self._generation:
            self.alarm_severity_changed(severity)
            self.update()

    def _on_enums(self, gen: int, strings) -> None:
        if gen == self._generation and strings:
            self._mode_strings = tuple(strings)
            self._try_decode()

    def _on_value(self, gen: int, key: str, value: Any) -> None:
        if gen != self._generation:
            return
        self._values[key] = value
        self._try_decode()

    def _on_image(self, gen: int, value: Any) -> None:
        if gen != self._generation:
            return
        self._frame_watchdog.stop()
        self._data = value
        self._try_decode()

    # ---- decoding -------------------------------------------------------------------------
    def _mode(self) -> str:
        value = self._values.get("mode")
        if value is None:
            return self._fallback["mode"]
        if isinstance(value, str):
            return value
        try:
            return self._mode_strings[int(value)]
        except (IndexError, ValueError, TypeError):
            return f"mode #{value}"

    def _geometry(self, mode: str) -> tuple:
        v = self._values
        if "size0" in self._aux and all(k in v for k in ("size0", "size1", "size2")):
            return codec.size_from_ad_dims(int(v["size0"]), int(v["size1"]), int(v["size2"]),
                                           mode)
        width = int(v.get("width", self._fallback["width"]) or 0)
        height = int(v.get("height", self._fallback["height"]) or 0)
        if width > 0 and height <= 0 and self._data is not None:
            try:                                 # infer the height from the data length
                height = len(self._data) // (width * codec.channels_of(mode))
            except codec.ImageError:
                pass
        return width, height

    def _try_decode(self) -> None:
        if self._data is None:
            return
        mode = self._mode()
        width, height = self._geometry(mode)
        try:
            decoded = codec.decode(self._data, width, height, mode)
        except codec.ImageError as ex:
            self._set_error(str(ex), at_once=False)
            return
        self._decoded = decoded
        self._frames += 1
        self._set_error("")
        self.newImageSignal.emit(*decoded.size)
        self._schedule_redraw()

    def _set_error(self, message: str, at_once: bool = True) -> None:
        """Show ``message`` now, or (``at_once=False``) only if it outlives a short grace."""
        if not message:
            self._pending_error = ""
            self._error_timer.stop()
            if self._error:
                self._error = ""
                self.update()
            return
        self._pending_error = message
        if at_once:
            self._show_pending_error()
        elif not self._error_timer.isActive() and not self._error:
            self._error_timer.start()
        elif self._error:
            self._show_pending_error()

    def _show_pending_error(self) -> None:
        message = self._pending_error
        if message and message != self._error:
            logger.warning("%s: %s", self._channel, message)
        self._error = message
        self.update()

    def _check_frame_arrived(self) -> None:
        """Connected for a while and still no frame: name the likely cause if we know it."""
        if not self._image_connected or self._data is not None:
            return
        mode = self._mode()
        width, height = self._geometry(mode)
        try:
            expected = codec.expected_length(width, height, mode)
        except codec.ImageError:
            return
        limit = max_array_bytes()
        if expected > limit:
            self._set_error(f"no frame: {width}x{height} {mode} needs {expected} bytes, "
                            f"EPICS_CA_MAX_ARRAY_BYTES is {limit}; set it larger before "
                            "PyDM starts")

    # ---- painting -------------------------------------------------------------------------
    def _schedule_redraw(self) -> None:
        if self._max_rate <= 0:
            self._redraw_now()
            return
        wait = self._last_paint + 1.0 / self._max_rate - time.monotonic()
        if wait <= 0:
            self._redraw_now()
        elif not self._redraw_timer.isActive():
            self._redraw_timer.start(int(wait * 1000) + 1)

    def _redraw_now(self) -> None:
        self._last_paint = time.monotonic()
        self.update()

    def _target_rect(self, area: QRectF, image: QImage) -> QRectF:
        w, h = image.width(), image.height()
        if self._scale_mode == ScaleMode.Stretch or w == 0 or h == 0:
            return area
        if self._scale_mode == ScaleMode.KeepAspect:
            scale = min(area.width() / w, area.height() / h)
            w, h = w * scale, h * scale
        return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2,
                      w, h)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        opt = QStyleOption()
        opt.initFrom(self)
        self.style().drawPrimitive(QStyle.PE_Widget, opt, painter, self)
        border = 2
        area = QRectF(self.contentsRect()).adjusted(border, border, -border, -border)
        if self._decoded is not None:
            painter.setRenderHint(QPainter.SmoothPixmapTransform, self._smooth)
            painter.drawImage(self._target_rect(area, self._decoded.image),
                              self._decoded.image)
        connected = self._image_connected or not self._image_channel
        if not connected:
            painter.fillRect(area, QColor(90, 90, 90, 170))
            self._draw_text(painter, area, "Disconnected", QColor("white"), Qt.AlignCenter)
        if self._error:
            box = QRectF(area.x(), area.bottom() - 40, area.width(), 40)
            painter.fillRect(box, QColor(0, 0, 0, 200))
            self._draw_text(painter, box, self._error, QColor("#ffd040"),
                            Qt.AlignCenter | Qt.TextWordWrap)
        color = ALARM_COLORS.get(self._alarm_state)
        if self._alarm_sensitive_border and color is not None and self._image_channel:
            painter.setPen(QPen(color, border))
            painter.drawRect(QRectF(self.contentsRect()).adjusted(1, 1, -1, -1))
        painter.end()

    @staticmethod
    def _draw_text(painter: QPainter, rect: QRectF, text: str, color: QColor, flags) -> None:
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(color)
        painter.drawText(rect, int(flags), text)

    # ---- context menu ---------------------------------------------------------------------
    def widget_ctx_menu(self) -> QMenu:
        menu = QMenu(self)
        save = menu.addAction("Save image...", self._ask_save)
        copy = menu.addAction("Copy image", self.copy_image)
        save.setEnabled(self._decoded is not None)
        copy.setEnabled(self._decoded is not None)
        return menu

    def current_image(self) -> Optional[QImage]:
        """A copy of the frame on show (None before the first)."""
        return self._decoded.image.copy() if self._decoded is not None else None

    def save_image(self, path: str) -> bool:
        """Write the frame on show to ``path`` (format from the extension)."""
        image = self.current_image()
        return bool(image is not None and image.save(path))

    def copy_image(self) -> None:
        image = self.current_image()
        if image is not None:
            QApplication.clipboard().setImage(image)

    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save image", "image.png",
                                              "Images (*.png *.jpg *.bmp *.tiff)")
        if path and not self.save_image(path):
            QMessageBox.warning(self, "Save image", f"Could not write {path}")

    # ---- state for tests and tools --------------------------------------------------------
    @property
    def error_message(self) -> str:
        return self._error

    @property
    def frames_shown(self) -> int:
        return self._frames

    # ---- Qt properties --------------------------------------------------------------------
    def _channel_property(key: str):
        def read(self) -> str:
            return self._explicit[key]

        def write(self, value: str) -> None:
            value = str(value or "")
            if value != self._explicit[key]:
                self._explicit[key] = value
                self._reconnect()
        return Property(str, read, write)

    imageChannel = _channel_property("image")
    widthChannel = _channel_property("width")
    heightChannel = _channel_property("height")
    colorModeChannel = _channel_property("mode")
    del _channel_property

    def readImagePrefix(self) -> str:
        return self._prefix

    def setImagePrefix(self, value: str) -> None:
        value = str(value or "")
        if value != self._prefix:
            self._prefix = value
            self._reconnect()

    imagePrefix = Property(str, readImagePrefix, setImagePrefix)

    def readImageWidth(self) -> int:
        return self._fallback["width"]

    def setImageWidth(self, value: int) -> None:
        self._fallback["width"] = max(int(value), 0)
        self._try_decode()

    imageWidth = Property(int, readImageWidth, setImageWidth)

    def readImageHeight(self) -> int:
        return self._fallback["height"]

    def setImageHeight(self, value: int) -> None:
        self._fallback["height"] = max(int(value), 0)
        self._try_decode()

    imageHeight = Property(int, readImageHeight, setImageHeight)

    def readColorMode(self) -> int:
        return codec.COLOR_MODES.index(self._fallback["mode"])

    def setColorMode(self, value: int) -> None:
        self._fallback["mode"] = codec.COLOR_MODES[int(value)]
        self._try_decode()

    colorMode = Property(ColorMode, readColorMode, setColorMode)

    def readScaleMode(self) -> int:
        return self._scale_mode

    def setScaleMode(self, value: int) -> None:
        self._scale_mode = int(value)
        self.update()

    scaleMode = Property(ScaleMode, readScaleMode, setScaleMode)

    def readSmoothScaling(self) -> bool:
        return self._smooth

    def setSmoothScaling(self, value: bool) -> None:
        self._smooth = bool(value)
        self.update()

    smoothScaling = Property(bool, readSmoothScaling, setSmoothScaling)

    def readMaxRedrawRate(self) -> float:
        return self._max_rate

    def setMaxRedrawRate(self, value: float) -> None:
        self._max_rate = max(float(value), 0.0)

    maxRedrawRate = Property(float, readMaxRedrawRate, setMaxRedrawRate)
