"""PVImage: a PyDM widget that shows images from PVs (charts, areaDetector cameras) as a QImage.

This module holds the widget and what it does with frames: channels (through
:class:`~pydm_widgets.source.ImageSource`), decoding (:mod:`~pydm_widgets.codec`) and the
messages about bad or missing frames. How it paints is :mod:`~pydm_widgets.painting`, its
Designer properties :mod:`~pydm_widgets.properties`, its *Save image...* / *Copy image* menu
:mod:`~pydm_widgets.imagemenu`.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional, Tuple

import numpy as np
from pydm.utilities import ACTIVE_QT_WRAPPER, QtWrapperTypes
from pydm.widgets.base import PostParentClassInitSetup, PyDMWidget
from pydm.widgets.colormaps import cmaps
from qtpy.QtCore import Property, QPointF, QRectF, Qt, QTimer, Signal
from qtpy.QtGui import QColor, QImage
from qtpy.QtWidgets import QMenu, QWidget

from iocs.common import names

from . import codec
from .imagemenu import copy_image, image_menu, save_image
from .painting import (
    ErrorBanner,
    FrameLook,
    RedrawLimiter,
    image_area,
    image_point,
    paint_frame,
    target_rect,
)
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

    Parameters
    ----------
    parent : QWidget, optional
        The widget this one belongs to.
    init_channel : str, optional
        The image channel (``imageChannel``), e.g. ``pva://BEAMLINE:chart:Pva1:Image``.

    Examples
    --------
    >>> chart = PVImage(init_channel="pva://BEAMLINE:chart:Pva1:Image")  # doctest: +SKIP
    >>> camera = PVImage()                                               # doctest: +SKIP
    >>> camera.imagePrefix = "13SIM1:image1:"      # ArrayData, sizes, colour mode over CA
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
    #: Emitted when the frame on show is clicked (left button): the pixel (x, y) in it.
    imageClicked = Signal(float, float)

    _qt_designer_ = {"group": "PyDM Display Widgets", "is_container": False}

    def __init__(self, parent: Optional[QWidget] = None, init_channel: Optional[str] = None):
        QWidget.__init__(self, parent)
        self.source = ImageSource(self)
        self.source.frame.connect(self._on_frame)
        self.source.values_changed.connect(self.try_decode)
        self.source.connection.connect(self._on_connection)
        self.source.severity.connect(self._on_severity)
        self._fallback: Dict[str, Any] = {"width": 0, "height": 0, "mode": "Mono"}
        self._scale_mode, self._smooth = ScaleMode.KeepAspect, True
        self._auto_levels, self._levels, self._colormap = True, (0.0, 255.0), ColorMap.Gray
        self._data: Optional[np.ndarray] = None
        self._decoded: Optional[codec.DecodedImage] = None
        self._image_connected = False
        self._frames = 0
        self._banner = ErrorBanner(self, self.update, lambda: str(self._channel),
                                   ERROR_GRACE_MS)
        self._frame_watchdog = _timer(self, self._check_frame_arrived, FRAME_WATCHDOG_MS, True)
        self._limiter = RedrawLimiter(self, self.update)
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
        self._banner.show("")
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
    def _geometry(self) -> Tuple[int, int, str]:
        return codec.frame_geometry(self._data, self.source.values, self.source.mode_strings,
                                    self._fallback)

    def try_decode(self) -> None:
        """Decode the last frame again with the current sizes, mode and levels; show it, or
        (after a short grace) what is wrong with it."""
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
            self._banner.show(str(ex), at_once=False)
            return
        self._decoded = decoded
        self._frames += 1
        self._banner.show("")
        self.newImageSignal.emit(*decoded.size)
        self._limiter.request()

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
            self._banner.show(f"no frame: {width}x{height} {mode} needs {expected} bytes, "
                            f"EPICS_CA_MAX_ARRAY_BYTES is {limit}; set it larger before "
                            "PyDM starts")

    # ---- painting -------------------------------------------------------------------------
    def _target(self) -> Optional[QRectF]:
        if self._decoded is None:
            return None
        image = self._decoded.image
        return target_rect(image_area(self), image.width(), image.height(), self._scale_mode)

    def paintEvent(self, event) -> None:
        color = ALARM_COLORS.get(self._alarm_state)
        channel = bool(self.source.image_channel)
        paint_frame(self, FrameLook(
            image=self._decoded.image if self._decoded is not None else None,
            target=self._target() or QRectF(), error=self._banner.text,
            veiled=channel and not self._image_connected, alarm=color,
            tint=self._alarm_sensitive_content and self._image_connected,
            border=self._alarm_sensitive_border and channel, smooth=self._smooth))

    def image_position(self, point: QPointF) -> Optional[QPointF]:
        """Where a point of the widget lies in the frame on show.

        Parameters
        ----------
        point : QPointF
            A position in widget coordinates, e.g. a mouse event's ``position()``.

        Returns
        -------
        QPointF or None
            Pixel coordinates in the frame (x from its left edge, y from its top edge,
            fractional), or None when no frame is shown or the point lies outside it.
        """
        target = self._target()
        if target is None or self._decoded is None:
            return None
        width, height = self._decoded.size
        return image_point(target, width, height, point)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            where = self.image_position(QPointF(event.pos()))
            if where is not None:
                self.imageClicked.emit(where.x(), where.y())
        super().mouseReleaseEvent(event)

    # ---- the frame on show ----------------------------------------------------------------
    def widget_ctx_menu(self) -> QMenu:
        """PyDM's context menu hook: *Save image...* and *Copy image*."""
        return image_menu(self, self.current_image)

    def current_image(self) -> Optional[QImage]:
        """A copy of the frame on show.

        Returns
        -------
        QImage or None
            The frame as painted before scaling (32-bit), None before the first frame.
        """
        return self._decoded.image.copy() if self._decoded is not None else None

    def save_image(self, path: str) -> bool:
        """Write the frame on show to a file.

        Parameters
        ----------
        path : str
            The file; its extension (``.png``, ``.jpg``, ``.bmp``, ``.tiff``) sets the format.

        Returns
        -------
        bool
            True if written; False before the first frame or when the file cannot be written.
        """
        return save_image(self.current_image(), path)

    def copy_image(self) -> None:
        """Put the frame on show on the clipboard (nothing before the first frame)."""
        copy_image(self.current_image())

    @property
    def error_message(self) -> str:
        """The message shown over the picture (empty: none)."""
        return self._banner.text

    @property
    def frames_shown(self) -> int:
        """How many frames were decoded and shown since the widget was made."""
        return self._frames

    @property
    def image_connected(self) -> bool:
        """Whether the image channel is connected."""
        return self._image_connected
