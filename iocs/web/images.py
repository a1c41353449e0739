"""From the chart IOC's NTNDArray to the PNG a browser shows (pure: no PVA, no HTTP).

:class:`RawImage` holds the fields of one ``Pva1:Image`` update that matter (payload, codec,
sizes, ``uniqueId``, time); :func:`decode` turns it into pixels as NDPluginCodec and
NDPluginPva lay them out (``lz4`` or no codec, ``uint8``, dimensions x fastest: ``[w, h]``
Mono or ``[3, w, h]`` RGB1); :func:`encode_png` writes those pixels losslessly as a PNG.
The PNG is written here rather than by Pillow: rows filtered with numpy ("Up") and one zlib
pass cost about half of Pillow's adaptive filtering, and the encode happens for every frame.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any, Sequence, Tuple

import lz4.block
import numpy as np

__all__ = ["RawImage", "raw_image", "decode", "encode_png", "frame_message",
           "FRAME_HEADER", "MAX_PIXELS"]

#: Largest frame accepted (pixels): the chart IOC renders at most 1920 x 1200.
MAX_PIXELS = 4096 * 4096
#: The header before the PNG in each WebSocket frame message: uniqueId (uint32), the frame's
#: time (float64, s since the epoch), big-endian.
FRAME_HEADER = struct.Struct(">Id")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_UBYTE = 5                      # pvData ScalarType of uint8 (codec.parameters)


@dataclass(frozen=True)
class RawImage:
    """One NTNDArray update as received (still compressed)."""

    payload: np.ndarray             #: the ``value`` union's array (``ubyteValue``: uint8)
    codec: str                      #: ``codec.name``: ``lz4`` or empty
    uncompressed_size: int
    dims: Sequence[int]             #: ``dimension[].size``, x fastest
    unique_id: int
    stamp: float                    #: ``timeStamp`` in s since the epoch


def raw_image(value: Any) -> RawImage:
    """The :class:`RawImage` of a p4p NTNDArray ``Value`` (raw, not unwrapped)."""
    stamp = value.timeStamp
    return RawImage(payload=np.asarray(value.value), codec=str(value.codec.name),
                    uncompressed_size=int(value.uncompressedSize),
                    dims=[int(d.size) for d in value.dimension],
                    unique_id=int(value.uniqueId),
                    stamp=stamp.secondsPastEpoch + stamp.nanoseconds * 1e-9)


def decode(raw: RawImage) -> np.ndarray:
    """The image as a (height, width) or (height, width, 3) uint8 array, or ValueError."""
    dims = list(raw.dims)
    shape: Tuple[int, ...]
    if len(dims) == 2:
        width, height, shape = dims[0], dims[1], (dims[1], dims[0])
    elif len(dims) == 3 and dims[0] == 3:
        width, height, shape = dims[1], dims[2], (dims[2], dims[1], 3)
    else:
        raise ValueError(f"unsupported image dimensions {dims} (Mono [w, h] or RGB1 [3, w, h])")
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise ValueError(f"image size {width}x{height} outside 1..{MAX_PIXELS} pixels")
    if raw.payload.dtype != np.uint8:
        raise ValueError(f"image data of type {raw.payload.dtype}, not uint8")
    expected = int(np.prod(shape))
    if raw.codec == "lz4":
        if raw.uncompressed_size != expected:
            raise ValueError(f"uncompressedSize {raw.uncompressed_size} is not the "
                             f"{expected} bytes of a {width}x{height} image")
        try:
            data = lz4.block.decompress(raw.payload.tobytes(), uncompressed_size=expected)
        except lz4.block.LZ4BlockError as ex:
            raise ValueError(f"corrupt LZ4 image: {ex}") from None
        pixels = np.frombuffer(data, dtype=np.uint8)
    elif raw.codec == "":
        pixels = raw.payload
    else:
        raise ValueError(f"unsupported codec {raw.codec!r} (lz4 or none)")
    if pixels.size != expected:
        raise ValueError(f"{pixels.size} bytes for a {width}x{height} image of {expected}")
    return pixels.reshape(shape)


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def encode_png(pixels: np.ndarray, level: int = 1) -> bytes:
    """A PNG of a (h, w) grey or (h, w, 3) RGB uint8 array (lossless)."""
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or \
            (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ValueError(f"cannot write a PNG of a {pixels.dtype} array {pixels.shape}")
    height, width = pixels.shape[:2]
    channels = 3 if pixels.ndim == 3 else 1
    rows = np.ascontiguousarray(pixels).reshape(height, width * channels)
    filtered = np.empty((height, width * channels + 1), dtype=np.uint8)
    filtered[:, 0] = 2                                  # filter type Up: row - row above
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 0, 0, 0, 0)
    return (_PNG_SIGNATURE + _chunk(b"IHDR", header) +
            _chunk(b"IDAT", zlib.compress(filtered.tobytes(), level)) + _chunk(b"IEND", b""))


def frame_message(unique_id: int, stamp: float, png: bytes) -> bytes:
    """What a browser's WebSocket receives per frame: :data:`FRAME_HEADER` then the PNG."""
    return FRAME_HEADER.pack(unique_id & 0xFFFFFFFF, stamp) + png
