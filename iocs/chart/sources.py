"""The chart IOC's sources: watching the source PVs and turning their history into traces.

Sources are watched through the IOC's one CA client context. A source that disconnects
leaves a gap in its history and is picked up again when it comes back; ``status`` says how
many are connected. A new source name is accepted only if some IOC answers for it.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

import numpy as np
from caproto.asyncio.client import Context

from ..common.camonitor import RemotePV
from ..common.tasks import TaskSet
from .history import History, Samples
from .plotdata import Trace

logger = logging.getLogger(__name__)

__all__ = ["SourceWatcher", "SEARCH_TIMEOUT"]

SEARCH_TIMEOUT = 2.0


class SourceWatcher:
    """Mixin of the chart IOC: remote source PVs, their history, the traces to draw."""

    if TYPE_CHECKING:        # the rest of the record/IOC/widget this mixes into
        def __getattr__(self, name: str) -> Any: ...

    history: History
    context: Optional[Context]

    def init_sources(self, names: Sequence[str], window: float) -> None:
        self.history = History(names, window)
        self.remotes: Dict[str, RemotePV] = {}
        self.context = None
        self._source_tasks = TaskSet("chart sources")

    async def check_sources(self, names: Sequence[str]) -> None:
        """Refuse a name no IOC answers for within :data:`SEARCH_TIMEOUT`."""
        for name in names:
            if name in self.remotes or self.context is None:
                continue
            (pv,) = await self.context.get_pvs(name)
            try:
                await pv.wait_for_search(timeout=SEARCH_TIMEOUT)
            except (asyncio.TimeoutError, TimeoutError):
                raise ValueError(f"unknown source {name!r}: no IOC answered within "
                                 f"{SEARCH_TIMEOUT:g} s") from None

    async def watch(self, names: Sequence[str]) -> None:
        """Watch exactly ``names`` (in this order)."""
        for name in list(self.remotes):
            if name not in names:
                await self.remotes.pop(name).stop()
        for name in names:
            if name not in self.remotes and self.context is not None:
                self.remotes[name] = await RemotePV(
                    self.context, name, on_value=self.history.add,
                    on_connection=self._on_connection).start()
        self.history.set_sources(names)
        await self.publish_status()

    def _on_connection(self, name: str, connected: bool) -> None:
        if not connected:
            self.history.gap(name, time.time())
        self._source_tasks.start(self.publish_status())

    async def publish_status(self) -> None:
        up = sum(r.connected for r in self.remotes.values())
        text = f"{up} of {len(self.history.names)} sources connected"
        if self.status.value != text:
            await self.status.write(text, verify_value=False)

    def source_state(self) -> tuple:
        """What of the sources changes the picture besides their data."""
        return tuple((r.connected, r.units, r.description) for r in self.remotes.values())

    def traces(self, now: float, samples: Dict[str, Samples]) -> List[Trace]:
        """The traces to draw: times relative to ``now``, the last value held until now."""
        out = []
        for index, (name, s) in enumerate(samples.items()):
            remote = self.remotes.get(name)
            connected = bool(remote and remote.connected)
            t, y, sev = s.t - now, s.y, s.severity
            if s.array:
                t = np.arange(len(y), dtype=np.float64)
            elif connected and len(y) and not math.isnan(y[-1]):
                t, y = np.append(t, 0.0), np.append(y, y[-1])      # hold until now
                sev = np.append(sev, sev[-1])
            style = self.trace_style(index)
            if not style.label and remote is not None and remote.description:
                style = replace(style, label=remote.description)
            out.append(Trace(name, t, y, sev, remote.units if remote else "", connected,
                             style, s.array))
        return out

    async def stop_sources(self) -> None:
        self._source_tasks.cancel()
        for remote in self.remotes.values():
            await remote.stop()
