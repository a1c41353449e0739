"""The Qt Designer properties of PVImage, each a read/set pair (PyDM's style).

``imagePrefix`` or the explicit channels say where the image comes from; ``imageWidth``,
``imageHeight`` and ``colorMode`` are fallbacks when no channel gives them; ``scaleMode``,
``smoothScaling`` and ``maxRedrawRate`` say how it is painted; ``autoLevels``, ``levelMin``,
``levelMax`` and ``colorMap`` how mono data of any type becomes grey levels or colours.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydm.utilities import ACTIVE_QT_WRAPPER, QtWrapperTypes
from qtpy.QtCore import Property

from . import codec

__all__ = ["ScaleMode", "ColorMode", "ColorMap", "ImageProperties", "designer_enums"]


class ScaleMode:
    """How the image fills the widget."""

    KeepAspect = 0
    Stretch = 1
    Original = 2


class ColorMode:
    """Layout of a CA waveform when no colour-mode channel says otherwise."""

    Mono = 0
    RGB1 = 1
    RGB2 = 2
    RGB3 = 3
    RGBA = 4


class ColorMap:
    """Colours of mono images: Gray, or one of PyDM's colormaps."""

    Gray = 0
    Magma = 1
    Inferno = 2
    Plasma = 3
    Viridis = 4
    Jet = 5
    Monochrome = 6
    Hot = 7


def designer_enums(owner: str, *enums: type) -> tuple:
    """The enums as Designer shows them under the active Qt wrapper (dropdowns in PyQt5/6)."""
    if ACTIVE_QT_WRAPPER == QtWrapperTypes.PYQT6:
        from pydm.utilities import pyqt6_designer_enum
        return tuple(pyqt6_designer_enum(owner, e) for e in enums)
    return enums


def _reconnecting(key: str) -> Property:
    def read(self) -> str:
        return self.source.explicit[key]

    def write(self, value: str) -> None:
        value = str(value or "")
        if value != self.source.explicit[key]:
            self.source.explicit[key] = value
            self.reconnect()
    return Property(str, read, write)


class ImageProperties:
    """Mixin of :class:`~pydm_widgets.pvimage.PVImage`: its Designer properties (the enum
    ones, ``colorMode``, ``scaleMode`` and ``colorMap``, are declared in PVImage's class body,
    after its ``Q_ENUM`` calls, so Designer and ``QObject.property`` see enums)."""

    if TYPE_CHECKING:        # the rest of the widget this mixes into
        _levels: tuple[float, float]

        def __getattr__(self, name: str) -> Any: ...

    imageChannel = _reconnecting("image")
    widthChannel = _reconnecting("width")
    heightChannel = _reconnecting("height")
    colorModeChannel = _reconnecting("mode")
    #: PyDM's ``channel`` (rules, tools) is the image channel.
    channel = _reconnecting("image")

    def readImagePrefix(self) -> str:
        return self.source.prefix

    def setImagePrefix(self, value: str) -> None:
        value = str(value or "")
        if value != self.source.prefix:
            self.source.prefix = value
            self.reconnect()

    imagePrefix = Property(str, readImagePrefix, setImagePrefix)

    def readImageWidth(self) -> int:
        return self._fallback["width"]

    def setImageWidth(self, value: int) -> None:
        self._fallback["width"] = max(int(value), 0)
        self.try_decode()

    imageWidth = Property(int, readImageWidth, setImageWidth)

    def readImageHeight(self) -> int:
        return self._fallback["height"]

    def setImageHeight(self, value: int) -> None:
        self._fallback["height"] = max(int(value), 0)
        self.try_decode()

    imageHeight = Property(int, readImageHeight, setImageHeight)

    def readColorMode(self) -> int:
        return codec.COLOR_MODES.index(self._fallback["mode"])

    def setColorMode(self, value: int) -> None:
        self._fallback["mode"] = codec.COLOR_MODES[int(value)]
        self.try_decode()

    def readScaleMode(self) -> int:
        return self._scale_mode

    def setScaleMode(self, value: int) -> None:
        self._scale_mode = int(value)
        self.update()

    def readSmoothScaling(self) -> bool:
        return self._smooth

    def setSmoothScaling(self, value: bool) -> None:
        self._smooth = bool(value)
        self.update()

    smoothScaling = Property(bool, readSmoothScaling, setSmoothScaling)

    def readMaxRedrawRate(self) -> float:
        return self._limiter.max_rate

    def setMaxRedrawRate(self, value: float) -> None:
        self._limiter.max_rate = max(float(value), 0.0)

    maxRedrawRate = Property(float, readMaxRedrawRate, setMaxRedrawRate)

    def readAutoLevels(self) -> bool:
        return self._auto_levels

    def setAutoLevels(self, value: bool) -> None:
        self._auto_levels = bool(value)
        self.try_decode()

    autoLevels = Property(bool, readAutoLevels, setAutoLevels)

    def readLevelMin(self) -> float:
        return self._levels[0]

    def setLevelMin(self, value: float) -> None:
        self._levels = (float(value), self._levels[1])
        self.try_decode()

    levelMin = Property(float, readLevelMin, setLevelMin)

    def readLevelMax(self) -> float:
        return self._levels[1]

    def setLevelMax(self, value: float) -> None:
        self._levels = (self._levels[0], float(value))
        self.try_decode()

    levelMax = Property(float, readLevelMax, setLevelMax)

    def readColorMap(self) -> int:
        return self._colormap

    def setColorMap(self, value: int) -> None:
        self._colormap = int(value)
        self.try_decode()
