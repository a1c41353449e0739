"""One served chart: its image feed (PVA), its PVs (CA), its page state and its viewers.

Viewers (browsers) are woken when a new frame is encoded or the page state changes; each
fetches only the latest of both when it is ready (:mod:`iocs.web.viewers`), so nothing queues
per viewer. State changes (a readout, a setting, a connection) are gathered for
:data:`STATE_PERIOD` and published as one new state version, however many PVs changed.
"""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import Executor
from typing import Any, Dict, Optional, Set

from ..common.names import PVA_IMAGE, chart_prefix
from .capvs import ChartPVs
from .feed import ImageFeed
from .state import chart_state

__all__ = ["Viewer", "WebChart", "STATE_PERIOD"]

#: Seconds over which state changes are gathered into one update for the pages.
STATE_PERIOD = 0.2


class Viewer:
    """One browser watching a chart: woken on news; ``unacked`` frames sent but not shown."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.unacked = 0


class WebChart:
    """Chart ``name``: the IOC at ``<prefix><name>:``."""

    def __init__(self, name: str, prefix: str, executor: Executor, writable: bool) -> None:
        self.name = name
        self.prefix = chart_prefix(prefix, name)
        self.writable = writable
        self.feed = ImageFeed(self.prefix + PVA_IMAGE, executor, self._state_changed,
                              self._wake)
        self.pvs: Optional[ChartPVs] = None
        self.viewers: Set[Viewer] = set()
        self.version = 0                    #: state version the viewers compare
        self._state_json = ""
        self._json_version = -1
        self._flush: Optional[asyncio.TimerHandle] = None

    async def start(self, pva_context: Any, ca_context: Any) -> None:
        self.feed.start(pva_context)
        self.pvs = ChartPVs(self.prefix, self._state_changed)
        await self.pvs.start(ca_context)

    async def stop(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
        await self.feed.stop()
        if self.pvs is not None:
            await self.pvs.stop()

    # ---- viewers -------------------------------------------------------------------------
    def watch(self, viewer: Viewer) -> None:
        self.viewers.add(viewer)
        self.feed.watchers = len(self.viewers)

    def unwatch(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        self.feed.watchers = len(self.viewers)

    def _wake(self) -> None:
        for viewer in self.viewers:
            viewer.wake.set()

    def _state_changed(self) -> None:
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(STATE_PERIOD,
                                                                self._publish_state)

    def _publish_state(self) -> None:
        self._flush = None
        self.version += 1
        self._wake()

    # ---- what pages show -----------------------------------------------------------------
    def state(self) -> Dict[str, Any]:
        pvs = self.pvs
        return chart_state(self.name, pvs.values if pvs else {},
                           pvs.sources_connected if pvs else {}, self.feed.status(),
                           self.writable)

    def state_json(self) -> str:
        """The state as the WebSocket sends it (serialised once per version)."""
        if self._json_version != self.version:
            self._state_json = json.dumps(dict(self.state(), type="state"))
            self._json_version = self.version
        return self._state_json
