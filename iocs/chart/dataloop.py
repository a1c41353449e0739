"""The chart's data loop: twice a second, what the chart plots and its statistics go out on
the ``T<n>:`` PVs (only for traces whose data, range or settings changed), the time-range PVs
follow the present while live, and the history forgets what is older than its retention."""
from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any, Awaitable, Callable, Dict, Sequence

from .history import History
from .rangepvs import TimeRangeGroup
from .scene import SceneBuilder
from .series import until
from .stats import statistics, value_at
from .traces import TraceGroup

logger = logging.getLogger(__name__)

__all__ = ["DataLoop", "DATA_PERIOD"]

#: Seconds between refreshes of the data, statistics and time-range PVs.
DATA_PERIOD = 0.5
#: A live range slides: its data PVs are refreshed when it has moved this part of a window.
SLIDE = 1 / 20


class DataLoop:
    """Publishes the visible data of ``groups`` (trace 1 first) from ``builder``.

    ``columns()`` is the plot's width (archived bins at most); ``version()`` changes with
    any setting or source state; ``after()`` runs after each refresh (status PVs).
    """

    def __init__(self, history: History, builder: SceneBuilder,
                 groups: Sequence[TraceGroup], timerange: TimeRangeGroup, *,
                 columns: Callable[[], int], version: Callable[[], int],
                 after: Callable[[], Awaitable[None]]) -> None:
        self.history = history
        self.builder = builder
        self.groups = list(groups)
        self.timerange = timerange
        self.columns = columns
        self.version = version
        self.after = after
        self._published: Dict[int, Any] = {}

    async def run(self) -> None:
        """Refresh until cancelled; a failing refresh is logged and the next one tried."""
        while True:
            try:
                await self.refresh(time.time())
            except Exception:
                logger.exception("publishing the trace data failed")
            await asyncio.sleep(DATA_PERIOD)

    async def refresh(self, now: float) -> None:
        time_range = self.timerange.range
        self.history.trim(now)
        if time_range.live:
            await self.timerange.show(now)
        visible = self.builder.visible(now, self.columns())
        slide = int(now / (time_range.window * SLIDE)) if time_range.live else 0
        cursor = time_range.cursor
        for index, group in enumerate(self.groups):
            if index < len(visible.samples):
                name, samples = visible.samples[index]
            else:
                name, samples = "", self.history.samples("", 0.0, 0.0)
            data = self.history.data_version(name) if time_range.live else \
                self.history.range_version(name, visible.t0, visible.t1)
            key = (name, data, time_range.key(now), slide, cursor, self.version())
            if self._published.get(index) == key:
                continue
            self._published[index] = key
            if not samples.array:        # not the sample after the range that draws its edge
                samples = until(samples, visible.t1)
            await group.publish(samples)
            await group.publish_stats(statistics(samples, visible.t0, visible.t1),
                                      value_at(samples, cursor) if cursor else math.nan)
        await self.after()
