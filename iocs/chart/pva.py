"""The chart over PV Access: each frame as an areaDetector NTNDArray (NDPluginPva's layout).

``<prefix>chart:Pva1:Image`` carries the same frame as the CA image PVs, with ``uniqueId``,
``timeStamp``/``dataTimeStamp``, ``dimension`` (x fastest: ``[3, width, height]`` for RGB1,
``[width, height]`` for Mono) and the ``ColorMode`` attribute, compressed as
NDPluginCodec does: ``codec.name`` ``lz4`` (an LZ4 block) or empty, ``codec.parameters`` the
uncompressed pvData scalar type, ``compressedSize`` and ``uncompressedSize``. Phoebus,
ImageJ's NTNDA viewer, PyDM ``pva://`` and p4p clients all read it. The server (p4p) follows
the EPICS_PVAS_* environment like any PVA server.
"""
from __future__ import annotations

import logging
import math
from typing import Any, Dict, Tuple

import lz4.block
import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["encode_frame", "ImageServer", "UBYTE", "COLOR_MODE_CODES"]

UBYTE = 5                                   #: pvData ScalarType of uint8 (pvUByte)
COLOR_MODE_CODES = {"Mono": 0, "RGB1": 2}   #: NDColorMode_t


def encode_frame(frame: np.ndarray, codec: str, unique_id: int,
                 stamp: float) -> Dict[str, Any]:
    """The NTNDArray fields of a (height, width[, 3]) uint8 frame, compressed by ``codec``."""
    raw = np.ascontiguousarray(frame, dtype=np.uint8).reshape(-1)
    if codec == "LZ4":
        payload = np.frombuffer(lz4.block.compress(raw, store_size=False), dtype=np.uint8)
        name = "lz4"
    else:
        payload, name = raw, ""
    dims = ([3, frame.shape[1], frame.shape[0]] if frame.ndim == 3
            else [frame.shape[1], frame.shape[0]])
    mode = "RGB1" if frame.ndim == 3 else "Mono"
    seconds = math.floor(stamp)
    when = {"secondsPastEpoch": int(seconds), "nanoseconds": int((stamp - seconds) * 1e9)}
    return {
        "value": ("ubyteValue", payload),
        "codec": {"name": name, "parameters": ("i", UBYTE)},
        "compressedSize": int(payload.nbytes),
        "uncompressedSize": int(raw.nbytes),
        "uniqueId": int(unique_id) & 0x7FFFFFFF,
        "dataTimeStamp": when,
        "timeStamp": when,
        "dimension": [{"size": n, "offset": 0, "fullSize": n, "binning": 1, "reverse": False}
                      for n in dims],
        "attribute": [{"name": "ColorMode", "value": ("i", COLOR_MODE_CODES[mode]),
                       "descriptor": "Color mode", "source": "Driver", "sourceType": 0}],
    }


class ImageServer:
    """A PVA server with one NTNDArray PV; :meth:`post` may be called from any thread."""

    def __init__(self, name: str) -> None:
        from p4p import Value
        from p4p.nt import NTNDArray
        from p4p.server import Server
        from p4p.server.thread import SharedPV

        self.name = name
        self._Value = Value
        self._type = NTNDArray().type
        self.pv = SharedPV(initial=Value(self._type, {}))
        self.server = Server(providers=[{name: self.pv}])
        logger.info("PV Access: %s on %s", name, _describe(self.server.conf()))

    def post(self, fields: Dict[str, Any]) -> None:
        self.pv.post(self._Value(self._type, fields))

    def close(self) -> None:
        self.pv.close()
        self.server.stop()


def _describe(conf: Dict[str, str]) -> str:
    keys: Tuple[str, ...] = ("EPICS_PVAS_INTF_ADDR_LIST", "EPICS_PVAS_SERVER_PORT",
                             "EPICS_PVAS_BROADCAST_PORT")
    return ", ".join(f"{k}={conf.get(k, '')}" for k in keys)
