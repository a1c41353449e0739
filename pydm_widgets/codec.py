"""Pure image decoding: (waveform, width, height, colour mode) -> QImage, or a clear error.

Byte layouts (areaDetector's colour modes, plus RGBA and encoded files):

========  ============================================  ==================
mode      element order (x fastest)                     zero-copy
========  ============================================  ==================
Mono      ``[y][x]``                                    yes (8 and 16 bit)
RGB1      ``[y][x][c]`` pixel-interleaved               yes
RGB2      ``[y][c][x]`` row-interleaved                 no (one reorder)
RGB3      ``[c][y][x]`` plane-interleaved               no (one reorder)
RGBA      ``[y][x][c]`` with alpha, 4 bytes per pixel   yes
PNG/JPEG  an encoded file, recognised by its signature  decoded by Qt
========  ============================================  ==================

A zero-copy :class:`DecodedImage` keeps the numpy buffer alive as long as its QImage.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np
from qtpy.QtGui import QImage

__all__ = ["COLOR_MODES", "ImageError", "DecodedImage", "decode", "expected_length",
           "size_from_ad_dims", "channels_of"]

COLOR_MODES = ("Mono", "RGB1", "RGB2", "RGB3", "RGBA")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"


class ImageError(ValueError):
    """The data cannot be shown as an image; the message says why, for the operator."""


@dataclass
class DecodedImage:
    """A QImage and the buffer it points into (None when Qt owns the pixels)."""

    image: QImage
    buffer: Optional[np.ndarray] = None
    copied: bool = False

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
    if mode == "RGB1":
        return size1, size2
    if mode == "RGB2":
        return size0, size2
    if mode == "RGB3":
        return size0, size1
    return size0, size1


def _as_array(data: Any) -> np.ndarray:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return np.frombuffer(data, dtype=np.uint8)
    array = np.asarray(data)
    if array.ndim != 1:
        array = array.reshape(-1)
    return array


def _encoded(array: np.ndarray) -> Optional[bytes]:
    if array.dtype.itemsize != 1 or len(array) < 8:
        return None
    head = array[:8].astype(np.uint8).tobytes()
    if head.startswith(PNG_SIGNATURE) or head.startswith(JPEG_SIGNATURE):
        return array.astype(np.uint8, copy=False).tobytes()
    return None


def _to_uint8(array: np.ndarray) -> Tuple[np.ndarray, bool]:
    """8-bit view or scaled copy of ``array``; (result, copied)."""
    if array.dtype == np.uint8:
        return array, False
    if array.dtype == np.int8:
        return array.view(np.uint8), False
    finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
    if not len(finite):
        raise ImageError("image has no finite values")
    lo, hi = float(finite.min()), float(finite.max())
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    scaled = np.nan_to_num((array.astype(np.float32) - lo) * scale, nan=0.0)
    return np.clip(scaled, 0, 255).astype(np.uint8), True


def decode(data: Any, width: int, height: int, mode: str) -> DecodedImage:
    """A QImage for a flat waveform, or :class:`ImageError` saying what is wrong."""
    array = _as_array(data)
    if len(array) == 0:
        raise ImageError("empty image (no data)")
    encoded = _encoded(array)
    if encoded is not None:
        image = QImage.fromData(encoded)
        if image.isNull():
            kind = "PNG" if encoded.startswith(PNG_SIGNATURE) else "JPEG"
            raise ImageError(f"corrupt {kind} data ({len(encoded)} bytes)")
        return DecodedImage(image, None, True)
    channels = channels_of(mode)
    width, height = int(width), int(height)
    if width <= 0 or height <= 0:
        raise ImageError(f"image size {width}x{height} unknown or invalid")
    need = width * height * channels
    if len(array) != need:
        raise ImageError(f"{len(array)} elements for a {width}x{height} {mode} image "
                         f"that needs {need}")

    if mode == "Mono" and array.dtype in (np.uint16, np.int16):
        buf = np.ascontiguousarray(array.view(np.uint16))
        image = QImage(buf.data, width, height, 2 * width, QImage.Format_Grayscale16)
        return DecodedImage(image, buf, buf is not array)
    buf, copied = _to_uint8(array)
    if mode in ("RGB2", "RGB3"):
        shape = (height, 3, width) if mode == "RGB2" else (3, height, width)
        order = (0, 2, 1) if mode == "RGB2" else (1, 2, 0)
        buf = np.ascontiguousarray(buf.reshape(shape).transpose(order)).reshape(-1)
        copied = True
    elif not buf.flags.c_contiguous:
        buf, copied = np.ascontiguousarray(buf), True
    fmt, line = {1: (QImage.Format_Grayscale8, width), 3: (QImage.Format_RGB888, 3 * width),
                 4: (QImage.Format_RGBA8888, 4 * width)}[channels]
    image = QImage(buf.data, width, height, line, fmt)
    return DecodedImage(image, buf, copied)
