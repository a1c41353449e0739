"""PVs another IOC serves, watched from inside an IOC through caproto's asyncio client.

caproto runs client callbacks on worker threads; :class:`RemotePV` hands every event back to
the IOC's event loop, so the IOC's own state is only ever touched from one thread.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Optional

from caproto.asyncio.client import Context

logger = logging.getLogger(__name__)

__all__ = ["RemotePV"]


class RemotePV:
    """One remote PV: connection state, latest numeric value, units; reconnects by itself.

    ``on_value(name, t, value)`` and ``on_connection(name, connected)`` run in the IOC's loop.
    """

    def __init__(self, context: Context, name: str, *,
                 on_value: Optional[Callable[[str, float, float], None]] = None,
                 on_connection: Optional[Callable[[str, bool], None]] = None) -> None:
        self.context = context
        self.name = name
        self.on_value = on_value
        self.on_connection = on_connection
        self.connected = False
        self.value: Optional[float] = None
        self.units = ""
        self.pv = None
        self._sub = None
        self._loop = asyncio.get_running_loop()

    async def start(self) -> "RemotePV":
        (self.pv,) = await self.context.get_pvs(self.name,
                                                connection_state_callback=self._conn_cb)
        self._sub = self.pv.subscribe(data_type="time")
        self._sub.add_callback(self._value_cb)
        return self

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.clear()
            self._sub = None

    # caproto worker threads -> loop
    def _conn_cb(self, pv: Any, state: str) -> None:
        self._loop.call_soon_threadsafe(self._set_connected, state == "connected")

    def _value_cb(self, sub: Any, response: Any) -> None:
        try:
            value = float(response.data[0])
        except (TypeError, ValueError, IndexError):
            logger.warning("%s: value %r is not numeric; ignored", self.name, response.data)
            return
        self._loop.call_soon_threadsafe(self._set_value, time.time(), value)

    # in the loop
    def _set_connected(self, connected: bool) -> None:
        if connected == self.connected:
            return
        self.connected = connected
        logger.info("%s %s", self.name, "connected" if connected else "disconnected")
        if connected:
            self._loop.create_task(self._read_units())
        if self.on_connection:
            self.on_connection(self.name, connected)

    def _set_value(self, t: float, value: float) -> None:
        if not self.connected:
            self._set_connected(True)
        self.value = value
        if self.on_value:
            self.on_value(self.name, t, value)

    async def _read_units(self) -> None:
        try:
            response = await self.pv.read(data_type="control", timeout=5)
            units = getattr(response.metadata, "units", b"")
            self.units = units.decode(errors="replace") if isinstance(units, bytes) else str(units)
        except Exception as ex:          # units are decoration: never let them kill the IOC
            logger.debug("%s: no units (%s)", self.name, ex)

    async def write(self, value: float, timeout: float = 60.0) -> None:
        """Put ``value`` and wait for its completion (a motor's VAL: until the move is done)."""
        if not self.connected:
            raise ConnectionError(f"{self.name} is not connected")
        await self.pv.write([value], wait=True, timeout=timeout)
