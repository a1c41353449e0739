"""PVImage: a PyDM widget that shows images from PVs (charts, areaDetector cameras) as a QImage."""
from __future__ import annotations

import logging
import os
import time
from typing import Any, Dict, Optional, Tuple

import numpy as np
from pydm.utilities import ACTIVE_QT_WRAPPER, QtWrapperTypes
from pydm.widgets.base import PostParentClassInitSetup, PyDMWidget
from pydm.widgets.colormaps import cmaps
from qtpy.QtCore import Property, QRectF, Qt, QTimer, Signal
from qtpy.QtGui import QColor, QFont, QImage, QPainter, QPen
from qtpy.QtWidgets import (
    QApplication,
    QFileDialog,
    QMenu,
    QMessageBox,
    QStyle,
    QStyleOption,
    QWidget,
)

from iocs.common import names

from . import codec
from .properties import ColorMap, ColorMode, ImageProperties, ScaleMode, designer_enums
from .source import ImageSource

if ACTIVE_QT_WRAPPER == QtWrapperTypes.PYQT5:
    from PyQt5.QtCore import Q_ENUM

logger = logging.getLogger(__name__)

__all__ = ["PVImage"]

LIBCA_DEFAULT_MAX_ARRAY_BYTES = 16384
ERROR_GRACE_MS = 400
FRAME_WATCHDOG_MS = 3000
RESUBSCRIBE_MS = 1000
ALARM_COLORS = {PyDMWidget.ALARM_MINOR: QColor(names.ALARM_COLORS["MINOR"]),
                PyDMWidget.ALARM_MAJOR: QColor(names.ALARM_COLORS["MAJOR"]),
                PyDMWidget.ALARM_INVALID: QColor(names.ALARM_COLORS["INVALID"]),
                PyDMWidget.ALARM_DISCONNECTED: QColor("#ffffff")}
#: PyDM's colormaps by ColorMap value (Gray: none).
COLORMAP_POINTS = dict(zip(range(1, 8), (cmaps[k] for k in sorted(cmaps))))


def _timer(parent: QWidget, slot: Any, interval_ms: int, single_shot: bool) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(single_shot)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer


def max_array_bytes() -> int:
    """What libca in this process accepts per array (its default when unset)."""
    try:
        return int(os.environ.get("EPICS_CA_MAX_ARRAY_BYTES", LIBCA_DEFAULT_MAX_ARRAY_BYTES))
    except ValueError:
        return LIBCA_DEFAULT_MAX_ARRAY_BYTES


class PVImage(QWidget, ImageProperties, PyDMWidget):
    """Shows an image from PVs: a CA waveform (Mono, RGB1/2/3, RGBA, PNG/JPEG) or a PVA NTNDArray.

    Set ``imagePrefix`` to an areaDetector-style prefix (``BEAMLINE:chart:``) to use its
    ``ArrayData``, ``ArraySize0_RBV``..``ArraySize2_RBV`` and ``ColorMode_RBV``, or set the
    channels one by one (``imageChannel = pva://BEAMLINE:chart:Pva1:Image`` needs no size
    channels); ``imageWidth``, ``imageHeight`` and ``colorMode`` are the fallbacks. Mono data
    of any type is shown with automatic or set levels, in grey or a PyDM colormap.
    """

    if ACTIVE_QT_WRAPPER == QtWrapperTypes.PYQT5:
        Q_ENUM(ScaleMode)
        Q_ENUM(ColorMode)
        Q_ENUM(ColorMap)
    ScaleMode, ColorMode, ColorMap = designer_enums("PVImage", ScaleMode, ColorMode, ColorMap)
    colorMode = Property(ColorMode, ImageProperties.readColorMode, ImageProperties.setColorMode)
    scaleMode = Property(ScaleMode, ImageProperties.readScaleMode, ImageProperties.setScaleMode)
    colorMap = Property(ColorMap, ImageProperties.readColorMap, ImageProperties.setColorMap)
    KeepAspect, Stretch, Original = (ScaleMode.KeepAspect, ScaleMode.Stretch,
                                     ScaleMode.Original)
    Mono, RGB1, RGB2, RGB3, RGBA = (ColorMode.Mono, ColorMode.RGB1, ColorMode.RGB2,
                                    ColorMode.RGB3, ColorMode.RGBA)

    #: Emitted with each new frame shown: (width, height).
    newImageSignal = Signal(int, int)

    _qt_designer_ = {"group": "PyDM Display Widgets", "is_container": False}

    def __init__(self, parent: Optional[QWidget] = None, init_channel: Optional[str] = None):
        QWidget.__init__(self, parent)
        self.source = ImageSource(self)
        self.source.frame.connect(self._on_frame)
        self.source.values_changed.connect(self.try_decode)
        self.source.connection.connect(self._on_connection)
        self.source.severity.connect(self._on_severity)
        self._fallback: Dict[str, Any] = {"width": 0, "height": 0, "mode": "Mono"}
        self._scale_mode, self._smooth, self._max_rate = ScaleMode.KeepAspect, True, 30.0
        self._auto_levels, self._levels, self._colormap = True, (0.0, 255.0), ColorMap.Gray
        self._data: Optional[np.ndarray] = None
        self._decoded: Optional[codec.DecodedImage] = None
        self._error = self._pending_error = ""
        self._image_connected = False
        self._last_paint = 0.0
        self._frames = 0
        self._error_timer = _timer(self, self._show_pending_error, ERROR_GRACE_MS, True)
        self._frame_watchdog = _timer(self, self._check_frame_arrived, FRAME_WATCHDOG_MS, True)
        self._redraw_timer = _timer(self, self._redraw_now, 0, True)
        self._resubscribe_timer = _timer(self, self.source.resubscribe_image, RESUBSCRIBE_MS,
                                         False)
        PyDMWidget.__init__(self)
        self.setMinimumSize(64, 48)
        if init_channel:
            self.imageChannel = init_channel
        PostParentClassInitSetup(self)

    @classmethod
    def get_designer_icon(cls):
        from pydm.utilities.iconfont import IconFont
        return IconFont().icon("image")

    # ---- channels -----------------------------------------------------------------------
    def reconnect(self) -> None:
        """Drop every channel and frame, then connect what the properties now name."""
        self._frame_watchdog.stop()
        self._resubscribe_timer.stop()
        self.source.reconnect()
        self._data = self._decoded = None
        self._set_error("")
        self._image_connected = False
        self._channel = self.source.addresses()["image"] or None
        self._channels = self.source.channels()
        self.update()

    def channels(self):
        return self.source.channels() or None

    def channels_for_tools(self):
        return [self.source.image_channel] if self.source.image_channel else []

    def _on_connection(self, connected: bool) -> None:
        self._image_connected = connected
        self.connection_changed(connected)
        if connected or not self.source.is_pva:
            self._resubscribe_timer.stop()
        elif not self._resubscribe_timer.isActive():
            self._resubscribe_timer.start()
        if connected and self._data is None:
            self._frame_watchdog.start()         # says so if no frame can arrive
        self.update()

    def _on_severity(self, severity: int) -> None:
        self.alarm_severity_changed(severity)
        self.update()

    def _on_frame(self, value: Any) -> None:
        self._frame_watchdog.stop()
        self._data = value
        self.try_decode()

    # ---- decoding -------------------------------------------------------------------------
    def _mode(self) -> str:
        value = self.source.values.get("mode")
        if value is None:
            return self._fallback["mode"]
        if isinstance(value, str):
            return value
        try:
            return self.source.mode_strings[int(value)]
        except (IndexError, ValueError, TypeError):
            return f"mode #{value}"

    def _geometry(self) -> Tuple[int, int, str]:
        mode = self._mode()
        shape = getattr(self._data, "shape", ())
        if len(shape) >= 2:                      # an NTNDArray: its dimensions say it all
            return codec.geometry_from_shape(shape)
        v = self.source.values
        if all(k in v for k in ("size0", "size1", "size2")):
            return codec.size_from_ad_dims(int(v["size0"]), int(v["size1"]),
                                           int(v["size2"]), mode) + (mode,)
        width = int(v.get("width", self._fallback["width"]) or 0)
        height = int(v.get("height", self._fallback["height"]) or 0)
        if width > 0 and height <= 0 and self._data is not None:
            try:                                 # infer the height from the data length
                height = len(self._data) // (width * codec.channels_of(mode))
            except codec.ImageError:
                pass
        return width, height, mode

    def try_decode(self) -> None:
        if self._data is None:
            return
        try:
            width, height, mode = self._geometry()
            levels = None if self._auto_levels else self._levels
            table = (codec.colormap_table(COLORMAP_POINTS[self._colormap])
                     if self._colormap in COLORMAP_POINTS else None)
            decoded = codec.decode(self._data, width, height, mode, levels=levels,
                                   colormap=table)
        except codec.ImageError as ex:
            if "unknown" in str(ex) and self.source.refetch_sizes():
                logger.info("%s: sizes unknown while frames arrive; read them again",
                            self._channel)
                return
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
        if at_once or self._error:
            self._show_pending_error()
        elif not self._error_timer.isActive():
            self._error_timer.start()

    def _show_pending_error(self) -> None:
        message = self._pending_error
        if message and message != self._error:
            logger.warning("%s: %s", self._channel, message)
        self._error = message
        self.update()

    def _check_frame_arrived(self) -> None:
        """Connected for a while and still no frame: name the likely cause if we know it."""
        if not self._image_connected or self._data is not None or self.source.is_pva:
            return
        width, height, mode = self._geometry()
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
        wait = (self._last_paint + 1.0 / self._max_rate - time.monotonic()
                if self._max_rate > 0 else 0.0)
        if wait <= 0:
            self._redraw_now()
        elif not self._redraw_timer.isActive():
            self._redraw_timer.start(int(wait * 1000) + 1)

    def _redraw_now(self) -> None:
        self._last_paint = time.monotonic()
        self.update()

    def _target_rect(self, area: QRectF, image: QImage) -> QRectF:
        w, h = float(image.width()), float(image.height())
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
        self.style().drawPrimitive(  # type: ignore[union-attr]
            QStyle.PrimitiveElement.PE_Widget, opt, painter, self)
        border = 2
        area = QRectF(self.contentsRect()).adjusted(border, border, -border, -border)
        color = ALARM_COLORS.get(self._alarm_state)
        if self._decoded is not None:
            painter.setRenderHint(QPainter.SmoothPixmapTransform, self._smooth)
            target = self._target_rect(area, self._decoded.image)
            painter.drawImage(target, self._decoded.image)
            if self._alarm_sensitive_content and color is not None and self._image_connected:
                tint = QColor(color)
                tint.setAlpha(60)                # the alarm colour over the picture
                painter.fillRect(target, tint)
        if not (self._image_connected or not self.source.image_channel):
            painter.fillRect(area, QColor(90, 90, 90, 170))
            self._draw_text(painter, area, "Disconnected", QColor("white"),
                            Qt.AlignmentFlag.AlignCenter)
        if self._error:
            box = QRectF(area.x(), area.bottom() - 40, area.width(), 40)
            painter.fillRect(box, QColor(0, 0, 0, 200))
            self._draw_text(painter, box, self._error, QColor("#ffd040"),
                            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
        if self._alarm_sensitive_border and color is not None and self.source.image_channel:
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

    # ---- the frame on show ----------------------------------------------------------------
    def widget_ctx_menu(self) -> QMenu:
        menu = QMenu(self)
        for text, slot in (("Save image...", self._ask_save), ("Copy image", self.copy_image)):
            action = menu.addAction(text, slot)
            if action is not None:
                action.setEnabled(self._decoded is not None)
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
        clipboard = QApplication.clipboard()
        if image is not None and clipboard is not None:
            clipboard.setImage(image)

    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save image", "image.png",
                                              "Images (*.png *.jpg *.bmp *.tiff)")
        if path and not self.save_image(path):
            QMessageBox.warning(self, "Save image", f"Could not write {path}")

    @property
    def error_message(self) -> str:
        return self._error

    @property
    def frames_shown(self) -> int:
        return self._frames

    @property
    def image_connected(self) -> bool:
        return self._image_connected
