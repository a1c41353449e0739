"""Reading a chart IOC's image the way a client does: CA frames, PVA NTNDArrays, colours."""
from __future__ import annotations

from typing import Tuple

import numpy as np

from iocs.chart.render import DISCONNECTED_COLOR
from tests.support.harness import caget_fresh, wait_until

__all__ = ["chart_ready", "frame", "fresh_frame", "red_pixels", "colour_rows", "pva_context",
           "decode_ntnd", "RED", "GREEN"]

#: The trace colours tests give T1 and T2, far from the palette and each other.
RED, GREEN = (255, 0, 0), (0, 200, 0)


def frame(prefix: str) -> Tuple[int, np.ndarray]:
    """(UniqueId, image (h, w, 3) or (h, w)) of one frame of ``<prefix>chart:``, its sizes and
    data read consistently (the same UniqueId before and after)."""
    c = f"{prefix}chart:"
    wait_until(lambda: (caget_fresh(c + "UniqueId_RBV") or 0) > 0, 60, "a first frame")
    while True:
        uid = caget_fresh(c + "UniqueId_RBV")
        s0, s1, s2 = (caget_fresh(c + f"ArraySize{i}_RBV") for i in range(3))
        data = caget_fresh(c + "ArrayData", timeout=10)
        complete = not any(v is None for v in (uid, s0, s1, s2, data))
        if complete and caget_fresh(c + "UniqueId_RBV") == uid:
            break
    data = np.asarray(data, dtype=np.uint8)
    if s0 == 3:
        return uid, data.reshape(s2, s1, 3)
    return uid, data.reshape(s1, s0)


def fresh_frame(prefix: str) -> np.ndarray:
    """The image of a frame rendered after this call began (two frames on: the one in
    progress may predate the call)."""
    c = f"{prefix}chart:"
    uid = caget_fresh(c + "UniqueId_RBV")
    wait_until(lambda: (caget_fresh(c + "UniqueId_RBV") or 0) > uid + 1, 60, "new frames")
    return frame(prefix)[1]


def red_pixels(img: np.ndarray) -> int:
    """How many pixels have the DISCONNECTED mark's colour."""
    r = int(DISCONNECTED_COLOR[1:3], 16)
    return int(np.sum((abs(img[..., 0].astype(int) - r) < 30) & (img[..., 1] < 90)
                      & (img[..., 2] < 90)))


def colour_rows(img: np.ndarray, rgb: Tuple[int, int, int], tol: int = 40) -> np.ndarray:
    """Indices of the rows that hold a pixel of colour ``rgb``."""
    mask = np.all(np.abs(img.astype(int) - np.array(rgb)) < tol, axis=-1)
    return np.nonzero(mask.any(axis=1))[0]


def pva_context():
    """A p4p client context returning raw structures (no NT unwrapping)."""
    from p4p.client.thread import Context
    return Context("pva", nt=False)


def decode_ntnd(value) -> np.ndarray:
    """The pixels of an NTNDArray as an (h, w[, 3]) array, LZ4 decompressed if need be."""
    import lz4.block
    data = value.value
    if value.codec.name == "lz4":
        data = np.frombuffer(lz4.block.decompress(data.tobytes(),
                                                  uncompressed_size=value.uncompressedSize),
                             dtype=np.uint8)
    dims = [d.size for d in value.dimension]
    return np.asarray(data).reshape(list(reversed(dims)))


def chart_ready(chart: str, sources: int = 2) -> str:
    """Wait until the chart IOC at ``chart`` (``<prefix>chart:``) has its ``sources``
    connected and has published a frame; returns ``chart``."""
    from tests.support.harness import PATIENCE
    wait_until(lambda: caget_fresh(chart + "status") ==
               f"{sources} of {sources} sources connected", PATIENCE, "sources")
    wait_until(lambda: (caget_fresh(chart + "UniqueId_RBV") or 0) >= 1, PATIENCE,
               "the first frame")
    return chart
