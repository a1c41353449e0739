"""One chart's Channel Access side: its settings and readouts watched, its data read, its
controls written; and whether each of its sources answers.

caproto's asyncio client (the IOCs' own, :func:`iocs.common.camonitor.client_context`) runs in
the web server's event loop: no second CA library, no threads of ours; its callbacks come on
caproto's worker threads and are handed to the loop. Every PV is subscribed in its *control*
form, so menus arrive with their strings. A PV the IOC does not serve never connects and is
never shown; one whose IOC goes away drops out until it comes back.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Dict, List, Optional

import caproto as ca
from caproto import ChannelType

from ..chart.csvexport import DATA_FIELDS, Series, series, trace_sources
from ..common.camonitor import RemoteWriteError, _error_text
from ..common.tasks import TaskSet
from .state import plain_value, source_names, watched_pvs

logger = logging.getLogger(__name__)

__all__ = ["ChartPVs", "RemoteWriteError", "WRITE_TIMEOUT", "READ_TIMEOUT"]

WRITE_TIMEOUT = 10.0
READ_TIMEOUT = 5.0
#: Reads of a trace's three data PVs that may straddle one of the IOC's refreshes.
DATA_ATTEMPTS = 3


class _Watched:
    """One subscribed PV: its plain value while connected."""

    def __init__(self, owner: ChartPVs, suffix: str) -> None:
        self.owner = owner
        self.suffix = suffix
        self.pv: Any = None
        self.sub: Any = None
        self.connected = False

    async def start(self, context: Any) -> None:
        (self.pv,) = await context.get_pvs(self.owner.prefix + self.suffix,
                                           connection_state_callback=self._on_connection)
        self.sub = self.pv.subscribe(data_type="control")
        self.sub.add_callback(self._on_value)

    async def stop(self) -> None:
        if self.sub is not None:
            await self.sub.clear()
            self.sub = None

    # caproto's worker threads -> the loop
    def _on_connection(self, pv: Any, state: str) -> None:
        self.owner.loop.call_soon_threadsafe(self.owner.connection, self.suffix,
                                             state == "connected")

    def _on_value(self, sub: Any, response: Any) -> None:
        try:
            value = plain_value(response.data_type, response.data,
                                getattr(response.metadata, "enum_strings", ()))
        except (TypeError, ValueError) as ex:
            logger.warning("%s%s: %s", self.owner.prefix, self.suffix, ex)
            return
        self.owner.loop.call_soon_threadsafe(self.owner.update, self.suffix, value)


class ChartPVs:
    """The CA PVs of the chart at ``prefix`` (``<P><name>:``); ``on_change()`` on news."""

    def __init__(self, prefix: str, on_change: Callable[[], None]) -> None:
        self.prefix = prefix
        self.on_change = on_change
        self.values: Dict[str, Any] = {}          #: suffix -> value, connected PVs only
        self.sources_connected: Dict[str, bool] = {}
        self.loop = asyncio.get_running_loop()
        self.context: Any = None
        self._watched: Dict[str, _Watched] = {}
        self._sources: Dict[str, Any] = {}        # source PV -> (pv, callback id)
        self._source_callbacks: Dict[str, Callable[[Any, str], None]] = {}  # caproto holds
        self._tasks = TaskSet(f"{prefix} sources")                      # them weakly

    async def start(self, context: Any) -> None:
        self.context = context
        for suffix in watched_pvs():
            watched = _Watched(self, suffix)
            self._watched[suffix] = watched
            await watched.start(context)

    async def stop(self) -> None:
        for watched in self._watched.values():
            await watched.stop()
        self._follow_sources([])
        self._tasks.cancel()

    # ---- in the loop ---------------------------------------------------------------------
    def connection(self, suffix: str, connected: bool) -> None:
        watched = self._watched.get(suffix)
        if watched is None or watched.connected == connected:
            return
        watched.connected = connected
        if not connected and self.values.pop(suffix, None) is not None:
            if suffix == "sources":
                self._follow_sources([])
            self.on_change()

    def update(self, suffix: str, value: Any) -> None:
        watched = self._watched.get(suffix)
        if watched is None or self.values.get(suffix, object()) == value:
            return
        watched.connected = True
        self.values[suffix] = value
        if suffix == "sources":
            self._follow_sources(source_names(self.values) or [])
        self.on_change()

    def _follow_sources(self, names: List[str]) -> None:
        """Watch the connection (only) of exactly these source PVs."""
        for name in [n for n in self._sources if n not in names]:
            watching = self._sources.pop(name)
            if watching is not None:
                pv, token = watching
                pv.connection_state_callback.remove_callback(token)
            self._source_callbacks.pop(name, None)
            self.sources_connected.pop(name, None)
        for name in [n for n in names if n not in self._sources]:
            self._sources[name] = None
            self._tasks.start(self._watch_source(name))

    async def _watch_source(self, name: str) -> None:
        (pv,) = await self.context.get_pvs(name)
        if name not in self._sources:                   # dropped meanwhile
            return

        def on_connection(pv: Any, state: str) -> None:
            self.loop.call_soon_threadsafe(self._source_state, name, state == "connected")
        self._source_callbacks[name] = on_connection
        token = pv.connection_state_callback.add_callback(on_connection, run=True)
        self._sources[name] = (pv, token)

    def _source_state(self, name: str, connected: bool) -> None:
        if name in self._sources and self.sources_connected.get(name) != connected:
            self.sources_connected[name] = connected
            self.on_change()

    # ---- requests ------------------------------------------------------------------------
    async def write(self, suffix: str, value: Any) -> None:
        """Put ``value`` to ``<chart>suffix`` and wait for the IOC's answer."""
        watched = self._watched.get(suffix)
        if watched is None or not watched.connected:
            raise ConnectionError(f"{self.prefix}{suffix} is not connected")
        data_type = ChannelType.STRING if isinstance(value, str) else None
        response = await watched.pv.write([value], wait=True, timeout=WRITE_TIMEOUT,
                                          data_type=data_type)
        if isinstance(response, ca.ErrorResponse):
            raise RemoteWriteError(_error_text(response) or
                                   f"{self.prefix}{suffix} refused {value!r}")

    async def _read(self, suffix: str) -> Any:
        (pv,) = await self.context.get_pvs(self.prefix + suffix, timeout=READ_TIMEOUT)
        try:
            return await pv.read(timeout=READ_TIMEOUT)
        except (ca.CaprotoTimeoutError, TimeoutError):
            raise ConnectionError(f"{self.prefix}{suffix} does not answer") from None

    async def read_data(self) -> List[Series]:
        """What each trace plots now (the chart's data PVs, read fresh)."""
        response = await self._read("sources")
        out = []
        for n, source in trace_sources(plain_value(response.data_type, response.data)):
            out.append(await self._read_trace(n, source))
        return out

    async def _read_trace(self, n: int, source: str) -> Series:
        """Times, values and severities read as one: again if the times changed meanwhile
        (the IOC refreshes them together twice a second)."""
        arrays: Optional[List[Any]] = None
        for _ in range(DATA_ATTEMPTS):
            arrays = [(await self._read(f"T{n}:{name}")).data for name in DATA_FIELDS]
            again = (await self._read(f"T{n}:{DATA_FIELDS[0]}")).data
            if len(again) == len(arrays[0]) and (not len(again) or
                                                 (again[0], again[-1]) ==
                                                 (arrays[0][0], arrays[0][-1])):
                break
        assert arrays is not None
        return series(n, source, *arrays)
