"""PVs another IOC serves, watched and written from inside an IOC through caproto's asyncio client.

caproto runs client callbacks on worker threads; :class:`RemotePV` hands every event back to
the IOC's event loop, so the IOC's own state is only ever touched from one thread. An IOC has
one client :class:`~caproto.asyncio.client.Context` (:func:`client_context`).

A put the other IOC refuses is reported at once with its reason (see
:func:`iocs.common.caproto_compat.relay_put_errors`).
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Optional

import caproto as ca
import numpy as np
from caproto.asyncio.client import Context

from .caproto_compat import relay_put_errors
from .tasks import TaskSet

logger = logging.getLogger(__name__)

__all__ = ["RemotePV", "RemoteWriteError", "client_context"]


class RemoteWriteError(RuntimeError):
    """The other IOC refused a put; the message is the one it sent."""


def client_context() -> Context:
    """The IOC's one CA client context (create it inside the IOC's event loop)."""
    relay_put_errors()
    return Context()


class RemotePV:
    """One remote PV: connection state, latest value (array), severity, units, description.

    ``on_value(name, t, values, severity)`` and ``on_connection(name, connected)`` run in the
    IOC's loop; it reconnects by itself when the other IOC comes back.
    """

    def __init__(self, context: Context, name: str, *,
                 on_value: Optional[Callable[[str, float, np.ndarray, int], None]] = None,
                 on_connection: Optional[Callable[[str, bool], None]] = None) -> None:
        self.context = context
        self.name = name
        self.on_value = on_value
        self.on_connection = on_connection
        self.connected = False
        self.value: Optional[float] = None
        self.severity = 0
        self.units = ""
        self.description = ""
        self.pv: Any = None
        self._sub: Any = None
        self._loop = asyncio.get_running_loop()
        self._tasks = TaskSet(f"{name} metadata")
        self._warned = False

    async def start(self) -> RemotePV:
        (self.pv,) = await self.context.get_pvs(self.name,
                                                connection_state_callback=self._conn_cb)
        self._sub = self.pv.subscribe(data_type="time")
        self._sub.add_callback(self._value_cb)
        return self

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.clear()
            self._sub = None
        self._tasks.cancel()

    # caproto worker threads -> loop
    def _conn_cb(self, pv: Any, state: str) -> None:
        self._loop.call_soon_threadsafe(self._set_connected, state == "connected")

    def _value_cb(self, sub: Any, response: Any) -> None:
        try:
            values = np.asarray(response.data, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            if not self._warned:
                self._warned = True
                logger.warning("%s: value %r is not numeric; ignored", self.name,
                               response.data[:4])
            return
        severity = int(getattr(response.metadata, "severity", 0))
        self._loop.call_soon_threadsafe(self._set_value, time.time(), values, severity)

    # in the loop
    def _set_connected(self, connected: bool) -> None:
        if connected == self.connected:
            return
        self.connected = connected
        logger.info("%s %s", self.name, "connected" if connected else "disconnected")
        if connected:
            self._tasks.start(self._read_metadata())
        if self.on_connection:
            self.on_connection(self.name, connected)

    def _set_value(self, t: float, values: np.ndarray, severity: int) -> None:
        if not self.connected:
            self._set_connected(True)
        self.value = float(values[0]) if len(values) else None
        self.severity = severity
        if self.on_value:
            self.on_value(self.name, t, values, severity)

    async def _read_metadata(self) -> None:
        """Units (and the record's DESC): decoration, so failures are only logged."""
        try:
            response = await self.pv.read(data_type="control", timeout=5)
            units = getattr(response.metadata, "units", b"")
            self.units = units.decode(errors="replace") if isinstance(units, bytes) \
                else str(units)
            record = self.name.split(".", 1)[0]
            (desc,) = await self.context.get_pvs(record + ".DESC", timeout=2)
            response = await desc.read(timeout=2)
            text = response.data[0]
            self.description = text.decode(errors="replace") if isinstance(text, bytes) \
                else str(text)
        except Exception as ex:
            logger.debug("%s: metadata incomplete (%s)", self.name, ex)

    async def write(self, value: float, timeout: float) -> None:
        """Put ``value`` and wait for its completion (a motor's VAL: until the move is done)."""
        if not self.connected:
            raise ConnectionError(f"{self.name} is not connected")
        response = await self.pv.write([value], wait=True, timeout=timeout)
        if isinstance(response, ca.ErrorResponse):
            raise RemoteWriteError(_error_text(response) or f"{self.name} refused {value!r}")


def _error_text(response: Any) -> str:
    """The reason in a caproto ErrorResponse, without "Python exception: ValueError"."""
    text = bytes(response.error_message).split(b"\0", 1)[0].decode(errors="replace")
    text = text.replace("Python exception: ", "").strip()
    first, _, rest = text.partition(" ")
    return rest if first.endswith(("Error", "Exception")) and rest else text
