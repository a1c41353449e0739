"""PVs another IOC serves, watched and written from inside an IOC through caproto's asyncio client.

caproto runs client callbacks on worker threads; :class:`RemotePV` hands every event back to
the IOC's event loop, so the IOC's own state is only ever touched from one thread. An IOC has
one client :class:`~caproto.asyncio.client.Context` (:func:`client_context`). A put the other
IOC refuses is reported at once with its reason (see
:func:`iocs.common.caproto_compat.relay_put_errors`).
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any, Callable, Optional, Tuple

import caproto as ca
import numpy as np
from caproto.asyncio.client import Context

from .caproto_compat import relay_put_errors
from .tasks import TaskSet

logger = logging.getLogger(__name__)

__all__ = ["RemotePV", "RemoteWriteError", "Limits", "NO_LIMITS", "client_context", "CLOCK_SKEW"]

#: A value time stamped further than this from the IOC's clock is stamped on arrival instead.
CLOCK_SKEW = 60.0


class RemoteWriteError(RuntimeError):
    """The other IOC refused a put; the message is the one it sent."""


#: A PV's alarm limits from its CA control metadata: (LOLO, LOW, HIGH, HIHI), NaN: none.
Limits = Tuple[float, float, float, float]
NO_LIMITS: Limits = (math.nan, math.nan, math.nan, math.nan)


def client_context() -> Context:
    """The IOC's one CA client context (create it inside the IOC's event loop)."""
    relay_put_errors()
    return Context()


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _limit(metadata: Any, name: str) -> float:
    try:
        return float(getattr(metadata, name))
    except (AttributeError, TypeError, ValueError):
        return math.nan


class RemotePV:
    """One remote PV: connection state, latest value (array), severity, units, description,
    alarm limits.

    ``on_value(name, t, values, severity)``, ``on_connection(name, connected)`` and
    ``on_metadata(name)`` run in the IOC's loop; it reconnects by itself when the other IOC
    comes back, and follows changes of the units and alarm limits (DBE_PROPERTY). Values are
    time stamped by the other IOC (within :data:`CLOCK_SKEW` of this one's clock).
    """

    def __init__(self, context: Context, name: str, *,
                 on_value: Optional[Callable[[str, float, np.ndarray, int], None]] = None,
                 on_connection: Optional[Callable[[str, bool], None]] = None,
                 on_metadata: Optional[Callable[[str], None]] = None) -> None:
        self.context = context
        self.name = name
        self.on_value = on_value
        self.on_connection = on_connection
        self.on_metadata = on_metadata
        self.connected = False
        self.value: Optional[float] = None
        self.array: np.ndarray = np.zeros(0)
        self.severity = 0
        self.units = ""
        self.description = ""
        self.limits = NO_LIMITS
        self.pv: Any = None
        self._subs: list = []
        self._loop = asyncio.get_running_loop()
        self._tasks = TaskSet(f"{name} metadata")
        self._warned = False

    async def start(self) -> RemotePV:
        (self.pv,) = await self.context.get_pvs(self.name,
                                                connection_state_callback=self._conn_cb)
        values = self.pv.subscribe(data_type="time")
        values.add_callback(self._value_cb)
        properties = self.pv.subscribe(data_type="control",
                                       mask=ca.SubscriptionType.DBE_PROPERTY)
        properties.add_callback(self._property_cb)
        self._subs = [values, properties]
        return self

    async def stop(self) -> None:
        for sub in self._subs:
            await sub.clear()
        self._subs = []
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
        now = time.time()
        stamp = float(getattr(response.metadata, "timestamp", 0.0) or 0.0)
        if not abs(stamp - now) <= CLOCK_SKEW:
            stamp = now
        severity = int(getattr(response.metadata, "severity", 0))
        self._loop.call_soon_threadsafe(self._set_value, stamp, values, severity)

    def _property_cb(self, sub: Any, response: Any) -> None:
        md = response.metadata
        limits = (_limit(md, "lower_alarm_limit"), _limit(md, "lower_warning_limit"),
                  _limit(md, "upper_warning_limit"), _limit(md, "upper_alarm_limit"))
        units = _text(getattr(md, "units", b""))
        self._loop.call_soon_threadsafe(self._set_properties, units, limits)

    # in the loop
    def _set_connected(self, connected: bool) -> None:
        if connected == self.connected:
            return
        self.connected = connected
        logger.info("%s %s", self.name, "connected" if connected else "disconnected")
        if connected:
            self._tasks.start(self._read_description())
        if self.on_connection:
            self.on_connection(self.name, connected)

    def _set_value(self, t: float, values: np.ndarray, severity: int) -> None:
        if not self.connected:
            self._set_connected(True)
        self.value = float(values[0]) if len(values) else None
        self.array = values
        self.severity = severity
        if self.on_value:
            self.on_value(self.name, t, values, severity)

    def _set_properties(self, units: str, limits: Limits) -> None:
        if units == self.units and np.array_equal(limits, self.limits, equal_nan=True):
            return
        self.units, self.limits = units, limits
        if self.on_metadata:
            self.on_metadata(self.name)

    async def _read_description(self) -> None:
        """The record's DESC: decoration, so failures are only logged."""
        try:
            record = self.name.split(".", 1)[0]
            (desc,) = await self.context.get_pvs(record + ".DESC", timeout=2)
            response = await desc.read(timeout=2)
            description = _text(response.data[0])
        except Exception as ex:
            logger.debug("%s: no description (%s)", self.name, ex)
            return
        if description != self.description:
            self.description = description
            if self.on_metadata:
                self.on_metadata(self.name)

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
