"""How a PVImage paints: where the frame goes in the widget, the alarm tint and border, the
*Disconnected* veil and the error banner, and how often it repaints.

:func:`target_rect` is pure geometry (widget area, image size, scale mode -> rectangle);
:func:`image_point` maps a point of the widget back to the image's pixels, so clicks on a
picture can say where they landed in it. :func:`paint_frame` draws one :class:`FrameLook`;
:class:`RedrawLimiter` keeps repaints under a maximum rate; :class:`ErrorBanner` holds the
banner's message, shown at once or only when it outlives a short grace.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Optional

from qtpy.QtCore import QPointF, QRectF, Qt, QTimer
from qtpy.QtGui import QColor, QFont, QImage, QPainter, QPen
from qtpy.QtWidgets import QStyle, QStyleOption, QWidget

from .properties import ScaleMode

logger = logging.getLogger(__name__)

__all__ = ["BORDER", "ErrorBanner", "FrameLook", "RedrawLimiter", "image_area", "image_point",
           "paint_frame", "target_rect"]

#: Width of the alarm border (px); the image is painted inside it.
BORDER = 2
VEIL = QColor(90, 90, 90, 170)
BANNER = QColor(0, 0, 0, 200)
BANNER_TEXT = QColor("#ffd040")
TINT_ALPHA = 60


def image_area(widget: QWidget) -> QRectF:
    """The part of ``widget`` an image may fill: its contents inside the alarm border."""
    return QRectF(widget.contentsRect()).adjusted(BORDER, BORDER, -BORDER, -BORDER)


def target_rect(area: QRectF, width: float, height: float, scale_mode: int) -> QRectF:
    """Where a ``width`` x ``height`` image is drawn in ``area`` under ``scale_mode``.

    Parameters
    ----------
    area : QRectF
        The widget's drawable area (:func:`image_area`).
    width, height : float
        The image's size in pixels.
    scale_mode : int
        A :class:`~pydm_widgets.properties.ScaleMode`: ``Stretch`` fills the area,
        ``KeepAspect`` fits the image centred, ``Original`` draws it 1:1, centred.

    Returns
    -------
    QRectF
        The rectangle, in widget coordinates.

    Examples
    --------
    >>> r = target_rect(QRectF(0, 0, 200, 100), 100, 100, ScaleMode.KeepAspect)
    >>> (r.x(), r.y(), r.width(), r.height())
    (50.0, 0.0, 100.0, 100.0)
    """
    w, h = float(width), float(height)
    if scale_mode == ScaleMode.Stretch or w == 0 or h == 0:
        return QRectF(area)
    if scale_mode == ScaleMode.KeepAspect:
        scale = min(area.width() / w, area.height() / h)
        w, h = w * scale, h * scale
    return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)


def image_point(target: QRectF, width: int, height: int, point: QPointF) -> Optional[QPointF]:
    """The image pixel coordinates (x from the left, y from the top; fractional) of a widget
    ``point`` when the ``width`` x ``height`` image is drawn in ``target``; None outside it.

    Examples
    --------
    >>> p = image_point(QRectF(50, 0, 100, 100), 640, 480, QPointF(100, 50))
    >>> (p.x(), p.y())
    (320.0, 240.0)
    """
    if target.width() <= 0 or target.height() <= 0 or not target.contains(point):
        return None
    return QPointF((point.x() - target.x()) * width / target.width(),
                   (point.y() - target.y()) * height / target.height())


@dataclass
class FrameLook:
    """Everything :func:`paint_frame` shows: the frame, the state around it, the options."""

    image: Optional[QImage]
    target: QRectF                      #: where the frame goes (:func:`target_rect`)
    error: str = ""                     #: the banner's text (empty: no banner)
    veiled: bool = False                #: grey veil with "Disconnected"
    alarm: Optional[QColor] = None      #: alarm colour of the image channel, if any
    tint: bool = False                  #: the alarm colour over the picture
    border: bool = False                #: the alarm colour around the widget
    smooth: bool = True                 #: smooth (bilinear) scaling


def paint_frame(widget: QWidget, look: FrameLook) -> None:
    """Paint ``look`` on ``widget`` (from its ``paintEvent``), over its style's background."""
    painter = QPainter(widget)
    opt = QStyleOption()
    opt.initFrom(widget)
    style = widget.style()
    if style is not None:
        style.drawPrimitive(QStyle.PrimitiveElement.PE_Widget, opt, painter, widget)
    area = image_area(widget)
    if look.image is not None:
        painter.setRenderHint(QPainter.SmoothPixmapTransform, look.smooth)
        painter.drawImage(look.target, look.image)
        if look.tint and look.alarm is not None:
            tint = QColor(look.alarm)
            tint.setAlpha(TINT_ALPHA)
            painter.fillRect(look.target, tint)
    if look.veiled:
        painter.fillRect(area, VEIL)
        _draw_text(painter, area, "Disconnected", QColor("white"), Qt.AlignmentFlag.AlignCenter)
    if look.error:
        box = QRectF(area.x(), area.bottom() - 40, area.width(), 40)
        painter.fillRect(box, BANNER)
        _draw_text(painter, box, look.error, BANNER_TEXT,
                   Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
    if look.border and look.alarm is not None:
        painter.setPen(QPen(look.alarm, BORDER))
        painter.drawRect(QRectF(widget.contentsRect()).adjusted(1, 1, -1, -1))
    painter.end()


def _draw_text(painter: QPainter, rect: QRectF, text: str, color: QColor, flags) -> None:
    font = QFont(painter.font())
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(color)
    painter.drawText(rect, int(flags), text)


class RedrawLimiter:
    """Calls ``redraw`` for each :meth:`request`, but at most ``max_rate`` times a second
    (0: every time); a request that comes too soon is served once the interval is up."""

    def __init__(self, parent: QWidget, redraw: Callable[[], None], max_rate: float = 30.0):
        self.max_rate = max_rate
        self._redraw = redraw
        self._last = 0.0
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._now)

    def request(self) -> None:
        wait = (self._last + 1.0 / self.max_rate - time.monotonic()
                if self.max_rate > 0 else 0.0)
        if wait <= 0:
            self._now()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    def _now(self) -> None:
        self._last = time.monotonic()
        self._redraw()


class ErrorBanner:
    """The message over the picture: :meth:`show` it now, or (``at_once=False``) only if it
    is still wanted after ``grace_ms`` (a width and its data arriving apart); an empty message
    clears it. ``changed`` is called whenever the text shown changes; ``name()`` says whose
    message it is in the log."""

    def __init__(self, parent: QWidget, changed: Callable[[], None], name: Callable[[], str],
                 grace_ms: int) -> None:
        self.text = ""
        self._pending = ""
        self._changed = changed
        self._name = name
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.setInterval(grace_ms)
        self._timer.timeout.connect(self._show_pending)

    def show(self, message: str, at_once: bool = True) -> None:
        if not message:
            self._pending = ""
            self._timer.stop()
            if self.text:
                self.text = ""
                self._changed()
            return
        self._pending = message
        if at_once or self.text:
            self._show_pending()
        elif not self._timer.isActive():
            self._timer.start()

    def _show_pending(self) -> None:
        message = self._pending
        if message and message != self.text:
            logger.warning("%s: %s", self._name(), message)
        self.text = message
        self._changed()
