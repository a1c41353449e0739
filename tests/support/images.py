"""Reading the chart IOC's picture over Channel Access, as a client would."""
from __future__ import annotations

from typing import Tuple

import numpy as np

from tests.support.harness import caget_fresh, wait_until

__all__ = ["chart_frame", "fresh_chart_frame"]


def chart_frame(prefix: str, chart: str = "chart") -> Tuple[int, np.ndarray]:
    """(UniqueId, image (h, w, 3) or (h, w)) of one frame, its sizes and data read
    consistently (the same UniqueId before and after)."""
    c = f"{prefix}{chart}:"
    wait_until(lambda: (caget_fresh(c + "UniqueId_RBV") or 0) > 0, 30, "a first frame")
    while True:
        uid = caget_fresh(c + "UniqueId_RBV")
        s0, s1, s2 = (caget_fresh(c + f"ArraySize{i}_RBV") for i in range(3))
        data = caget_fresh(c + "ArrayData", timeout=5)
        if caget_fresh(c + "UniqueId_RBV") == uid:
            break
    data = np.asarray(data, dtype=np.uint8)
    if s0 == 3:
        return uid, data.reshape(s2, s1, 3)
    return uid, data.reshape(s1, s0)


def fresh_chart_frame(prefix: str, chart: str = "chart") -> np.ndarray:
    """A frame rendered after this call (two frames later, so none begun before it)."""
    c = f"{prefix}{chart}:"
    uid = caget_fresh(c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid + 1, 30, "new frames")
    return chart_frame(prefix, chart)[1]
