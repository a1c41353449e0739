"""The chart IOC's sources: the source PVs and the X-axis PVs of waveform traces, watched
through the IOC's one CA client context, feeding the history.

A source that disconnects leaves a gap in its history and is picked up again when it comes
back; :meth:`SourceSet.status_text` says how many are connected. A new source name is
accepted only if some IOC answers for it within :data:`SEARCH_TIMEOUT`.
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
from caproto.asyncio.client import Context

from ..common.camonitor import NO_LIMITS, Limits, RemotePV
from .history import History

logger = logging.getLogger(__name__)

__all__ = ["SourceSet", "SEARCH_TIMEOUT", "SourceInfo"]

SEARCH_TIMEOUT = 2.0

#: What the chart shows of a source besides its data: (connected, units, description,
#: alarm limits).
SourceInfo = Tuple[bool, str, str, Limits]
UNKNOWN: SourceInfo = (False, "", "", NO_LIMITS)


class SourceSet:
    """The remote PVs a chart draws: its sources (in trace order) and X-axis PVs.

    ``on_change()`` runs in the IOC's loop whenever a connection, units, description or alarm
    limits change (the data goes straight into ``history``).
    """

    def __init__(self, history: History, on_change: Callable[[], None]) -> None:
        self.history = history
        self.on_change = on_change
        self.context: Optional[Context] = None
        self.remotes: Dict[str, RemotePV] = {}
        self.axes: Dict[str, RemotePV] = {}
        self._axis_versions: Dict[str, int] = {}

    def start(self, context: Context) -> None:
        """Use ``context`` (the IOC's client context, made in its event loop)."""
        self.context = context

    async def check(self, names: Sequence[str], what: str = "source") -> None:
        """Refuse a name no IOC answers for within :data:`SEARCH_TIMEOUT`."""
        for name in names:
            if name in self.remotes or name in self.axes or self.context is None:
                continue
            (pv,) = await self.context.get_pvs(name)
            try:
                await pv.wait_for_search(timeout=SEARCH_TIMEOUT)
            except TimeoutError:
                raise ValueError(f"unknown {what} {name!r}: no IOC answered within "
                                 f"{SEARCH_TIMEOUT:g} s") from None

    async def watch(self, names: Sequence[str]) -> None:
        """Watch exactly the sources ``names`` (in this order)."""
        self.history.set_sources(names, time.time())
        await self._follow(self.remotes, names, self.history.add)
        self.on_change()

    async def watch_axes(self, names: Sequence[str]) -> None:
        """Watch exactly the X-axis PVs ``names`` (empty names are skipped)."""
        await self._follow(self.axes, [n for n in names if n], None)
        self.on_change()

    async def _follow(self, watched: Dict[str, RemotePV], names: Sequence[str],
                      on_value: Optional[Callable[[str, float, np.ndarray, int], None]]
                      ) -> None:
        for name in list(watched):
            if name not in names:
                await watched.pop(name).stop()
        if self.context is None:
            return
        for name in names:
            if name not in watched:
                watched[name] = await RemotePV(
                    self.context, name, on_value=on_value or self._axis_value,
                    on_connection=self._on_connection,
                    on_metadata=lambda _name: self.on_change()).start()

    def _on_connection(self, name: str, connected: bool) -> None:
        if not connected and name in self.remotes:
            self.history.gap(name, time.time())
        self.on_change()

    def _axis_value(self, name: str, t: float, values: np.ndarray, severity: int) -> None:
        self._axis_versions[name] = self._axis_versions.get(name, 0) + 1
        self.on_change()

    def info(self, name: str) -> SourceInfo:
        """(connected, units, description, alarm limits) of a source or axis PV."""
        remote = self.remotes.get(name) or self.axes.get(name)
        if remote is None:
            return UNKNOWN
        return (remote.connected, remote.units, remote.description, remote.limits)

    def axis(self, name: str) -> Optional[np.ndarray]:
        """The latest array of X-axis PV ``name`` (None: not connected or no value yet)."""
        remote = self.axes.get(name)
        if remote is None or not remote.connected or remote.value is None:
            return None
        return remote.array

    def state(self) -> tuple:
        """What of the sources changes the picture besides their data."""
        return tuple((n, self.info(n), self._axis_versions.get(n))
                     for n in (*self.remotes, *self.axes))

    def status_text(self) -> str:
        up = sum(r.connected for r in self.remotes.values())
        return f"{up} of {len(self.history.names)} sources connected"

    async def stop(self) -> None:
        for remote in (*self.remotes.values(), *self.axes.values()):
            await remote.stop()
        self.remotes.clear()
        self.axes.clear()
