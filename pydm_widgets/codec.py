"""Pure image decoding: (waveform, width, height, colour mode, levels, colormap) -> QImage.

Byte layouts (areaDetector's colour modes, plus RGBA and encoded files):

========  ============================================  ==================================
mode      element order (x fastest)                     shape of an NTNDArray (``pva://``)
========  ============================================  ==================================
Mono      ``[y][x]``                                    ``(width, height)``
RGB1      ``[y][x][c]`` pixel-interleaved               ``(3, width, height)``
RGB2      ``[y][c][x]`` row-interleaved                 ``(width, 3, height)``
RGB3      ``[c][y][x]`` plane-interleaved               ``(width, height, 3)``
RGBA      ``[y][x][c]`` with alpha, 4 bytes per pixel   ``(4, width, height)``
PNG/JPEG  an encoded file, recognised by its signature  --
========  ============================================  ==================================

Mono data of any type (8, 16, 32 bit, float) is mapped to 0..255 by *levels*: automatic (the
frame's own min..max; 8-bit data is shown as it is) or set (``low``..``high``), then through a
colormap (a 256-entry RGBA table) if one is given. Every image comes out in a 32-bit format,
which Qt scales and paints fastest.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
from qtpy.QtGui import QImage

__all__ = ["COLOR_MODES", "ImageError", "DecodedImage", "decode", "expected_length",
           "size_from_ad_dims", "channels_of", "geometry_from_shape", "to_uint8",
           "colormap_table", "frame_geometry"]

COLOR_MODES = ("Mono", "RGB1", "RGB2", "RGB3", "RGBA")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
Levels = Optional[Tuple[float, float]]


class ImageError(ValueError):
    """The data cannot be shown as an image; the message says why, for the operator."""


@dataclass
class DecodedImage:
    """A QImage and the buffer it points into (None when Qt owns the pixels)."""

    image: QImage
    buffer: Optional[np.ndarray] = None

    @property
    def size(self) -> Tuple[int, int]:
        return self.image.width(), self.image.height()


def channels_of(mode: str) -> int:
    if mode == "Mono":
        return 1
    if mode == "RGBA":
        return 4
    if mode in ("RGB1", "RGB2", "RGB3"):
        return 3
    raise ImageError(f"unsupported colour mode {mode!r} (use one of {', '.join(COLOR_MODES)})")


def expected_length(width: int, height: int, mode: str) -> int:
    """Number of elements a ``width`` x ``height`` frame has in ``mode``."""
    return int(width) * int(height) * channels_of(mode)


def size_from_ad_dims(size0: int, size1: int, size2: int, mode: str) -> Tuple[int, int]:
    """(width, height) from areaDetector's ArraySize0..2 for a colour mode."""
    if mode in ("RGB1", "RGBA"):
        return size1, size2
    if mode == "RGB2":
        return size0, size2
    if mode == "RGB3":
        return size0, size1
    return size0, size1


def geometry_from_shape(shape: Sequence[int]) -> Tuple[int, int, str]:
    """(width, height, mode) of an NTNDArray reshaped by its dimensions (x first)."""
    if len(shape) == 2:
        return shape[0], shape[1], "Mono"
    if len(shape) == 3:
        if shape[0] in (3, 4):
            return shape[1], shape[2], "RGB1" if shape[0] == 3 else "RGBA"
        if shape[1] == 3:
            return shape[0], shape[2], "RGB2"
        if shape[2] == 3:
            return shape[0], shape[1], "RGB3"
    raise ImageError(f"an array of shape {tuple(shape)} is not an image")


def frame_geometry(data: Any, values: Dict[str, Any], mode_strings: Sequence[str],
                   fallback: Dict[str, Any]) -> Tuple[int, int, str]:
    """(width, height, mode) of a frame ``data`` by what describes it, first found first:
    its own dimensions (an NTNDArray), areaDetector's ``size0``..``size2`` in ``values``, or
    ``width``/``height`` from ``values`` else ``fallback`` (a height of 0 inferred from the data
    length). The mode is ``values["mode"]`` (a name, or an index into ``mode_strings``),
    else ``fallback["mode"]``."""
    raw = values.get("mode")
    if raw is None:
        mode = fallback["mode"]
    elif isinstance(raw, str):
        mode = raw
    else:
        try:
            mode = mode_strings[int(raw)]
        except (IndexError, ValueError, TypeError):
            mode = f"mode #{raw}"
    shape = getattr(data, "shape", ())
    if len(shape) >= 2:                          # an NTNDArray: its dimensions say it all
        return geometry_from_shape(shape)
    if all(k in values for k in ("size0", "size1", "size2")):
        return size_from_ad_dims(int(values["size0"]), int(values["size1"]),
                                 int(values["size2"]), mode) + (mode,)
    width = int(values.get("width", fallback["width"]) or 0)
    height = int(values.get("height", fallback["height"]) or 0)
    if width > 0 and height <= 0 and data is not None:
        try:                                     # infer the height from the data length
            height = len(data) // (width * channels_of(mode))
        except ImageError:
            pass
    return width, height, mode


def colormap_table(points: np.ndarray) -> np.ndarray:
    """A 256 x 4 uint8 RGBA table interpolating a colormap's control points (0..255)."""
    points = np.asarray(points, dtype=np.float64)
    x = np.linspace(0.0, 1.0, len(points))
    grid = np.linspace(0.0, 1.0, 256)
    table = np.stack([np.interp(grid, x, points[:, k]) for k in range(points.shape[1])], 1)
    if table.shape[1] == 3:
        table = np.hstack([table, np.full((256, 1), 255.0)])
    return np.clip(np.round(table), 0, 255).astype(np.uint8)


def to_uint8(array: np.ndarray, levels: Levels = None) -> np.ndarray:
    """Map to 0..255: by ``levels`` (low, high), else 8-bit data as it is, else min..max."""
    if levels is None and array.dtype == np.uint8:
        return array
    if levels is None and array.dtype == np.int8:
        return array.view(np.uint8)
    if levels is None:
        finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
        if not len(finite):
            raise ImageError("image has no finite values")
        lo, hi = float(finite.min()), float(finite.max())
    else:
        lo, hi = levels
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    scaled = np.nan_to_num((array.astype(np.float32) - lo) * scale, nan=0.0)
    return np.clip(scaled, 0, 255).astype(np.uint8)


def _as_array(data: Any) -> np.ndarray:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return np.frombuffer(data, dtype=np.uint8)
    array = np.asarray(data)
    return array.reshape(-1) if array.ndim != 1 else array


def _encoded(array: np.ndarray) -> Optional[bytes]:
    if array.dtype.itemsize != 1 or len(array) < 8:
        return None
    head = array[:8].astype(np.uint8).tobytes()
    if head.startswith(PNG_SIGNATURE) or head.startswith(JPEG_SIGNATURE):
        return array.astype(np.uint8, copy=False).tobytes()
    return None


def decode(data: Any, width: int, height: int, mode: str, *, levels: Levels = None,
           colormap: Optional[np.ndarray] = None) -> DecodedImage:
    """A 32-bit QImage for a flat waveform, or :class:`ImageError` saying what is wrong."""
    array = _as_array(data)
    if len(array) == 0:
        raise ImageError("empty image (no data)")
    encoded = _encoded(array)
    if encoded is not None:
        image = QImage.fromData(encoded)
        if image.isNull():
            kind = "PNG" if encoded.startswith(PNG_SIGNATURE) else "JPEG"
            raise ImageError(f"corrupt {kind} data ({len(encoded)} bytes)")
        return DecodedImage(image.convertToFormat(QImage.Format_RGB32))
    channels = channels_of(mode)
    width, height = int(width), int(height)
    if width <= 0 or height <= 0:
        raise ImageError(f"image size {width}x{height} unknown or invalid")
    need = width * height * channels
    if len(array) != need:
        raise ImageError(f"{len(array)} elements for a {width}x{height} {mode} image "
                         f"that needs {need}")
    pixels = to_uint8(array, levels)
    if mode == "Mono":
        if colormap is not None:
            rgba = np.ascontiguousarray(colormap[pixels])
            image = QImage(rgba.data, width, height, 4 * width,  # type: ignore[call-overload]
                           QImage.Format_RGBA8888)
            return DecodedImage(image.convertToFormat(QImage.Format_RGB32))
        buf = np.ascontiguousarray(pixels)
        gray = QImage(buf.data, width, height, width,  # type: ignore[call-overload]
                      QImage.Format_Grayscale8)
        return DecodedImage(gray.convertToFormat(QImage.Format_RGB32))
    if mode in ("RGB2", "RGB3"):
        shape = (height, 3, width) if mode == "RGB2" else (3, height, width)
        order = (0, 2, 1) if mode == "RGB2" else (1, 2, 0)
        pixels = pixels.reshape(shape).transpose(order).reshape(-1)
    buf = np.ascontiguousarray(pixels)
    fmt = QImage.Format_RGBA8888 if channels == 4 else QImage.Format_RGB888
    image = QImage(buf.data, width, height, channels * width, fmt)  # type: ignore[call-overload]
    return DecodedImage(image.convertToFormat(
        QImage.Format_ARGB32 if channels == 4 else QImage.Format_RGB32))
