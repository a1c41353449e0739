"""``<prefix>chart:live``, ``end``, ``endText``, ``cursor``, ``back``, ``forward``: the time
range every console shares, as PVs (a SubGroup of the chart with an empty prefix); and
``plotLeft``, ``plotRight``, ``plotEnd``: where the last frame drew that range, so a console
can turn a click on the picture into a time.

``end`` and ``endText`` are one setting in two forms: writing either turns ``live`` Off and
updates the other. While live, both follow the present (refreshed by the chart's data loop).
``back``/``forward`` move by half a span. Nothing here is autosaved: a restart is live.
"""
from __future__ import annotations

import time
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from caproto import SkipWrite

from ..common.caproto_compat import LiteralPrefixGroup
from ..common.channels import RECORD_TYPE_MAP, RECORD_TYPE_MAP_READ_ONLY, channel, is_action
from .settings import CHART
from .timerange import TimeRange, format_local_time, parse_local_time

__all__ = ["TimeRangeGroup"]


async def _put(group: TimeRangeGroup, instance: Any, value: Any) -> Any:
    return await group.put(instance, value)


class TimeRangeGroup(LiteralPrefixGroup):
    """The time-range PVs; :attr:`range` is the chart's :class:`TimeRange`."""

    type_map = RECORD_TYPE_MAP
    type_map_read_only = RECORD_TYPE_MAP_READ_ONLY

    live = CHART["live"].pvproperty().putter(_put)
    end = CHART["end"].pvproperty().putter(_put)
    endText = CHART["endText"].pvproperty().putter(_put)
    cursor = CHART["cursor"].pvproperty().putter(_put)
    back = channel("back", 0, "Write 1: show the half span before (live turns Off)")
    forward = channel("forward", 0, "Write 1: show the half span after (reaching the present: "
                      "live On)")
    plotLeft = channel("plotLeft", 0, "Image column where the last frame's time axis begins "
                       "(0 with plotRight: no time axis)", read_only=True)
    plotRight = channel("plotRight", 0, "Image column where the last frame's time axis ends",
                        read_only=True)
    plotEnd = channel("plotEnd", 0.0, "Time at plotRight in the last frame (POSIX s)",
                      read_only=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.range = TimeRange()
        #: Told of every change of the range (the chart renders at once).
        self.on_change: Callable[[], None] = lambda: None
        self._puts: Dict[str, Callable[[Any, Any], Awaitable[Any]]] = {
            "live": self._put_live, "end": self._put_end, "endText": self._put_end_text,
            "cursor": self._put_cursor,
        }

    async def put(self, instance: Any, value: Any) -> Any:
        name = instance.pvname[len(self.prefix):]
        return await self._puts[name](instance, CHART[name].coerce(value, instance.pvname))

    # live, end and endText are written (and posted, once) by show(): their puts skip the
    # write caproto would make of what they return.
    async def _put_live(self, instance: Any, new: str) -> Any:
        self.range.follow(new == "On", time.time())
        await self.show(time.time())
        self.on_change()
        return SkipWrite

    async def _put_end(self, instance: Any, new: float) -> Any:
        return await self._hold(instance, new)

    async def _put_end_text(self, instance: Any, new: str) -> Any:
        try:
            end = parse_local_time(new)
        except ValueError as ex:
            raise ValueError(f"{instance.pvname}: {ex}") from None
        return await self._hold(instance, end)

    async def _hold(self, instance: Any, end: float) -> Any:
        try:
            self.range.hold(end, time.time())
        except ValueError as ex:
            raise ValueError(f"{instance.pvname}: {ex}") from None
        await self.show(time.time())
        self.on_change()
        return SkipWrite

    async def _put_cursor(self, instance: Any, new: float) -> float:
        self.range.cursor = new
        self.on_change()
        return new

    @back.putter
    async def back(self, instance: Any, value: Any) -> int:
        if is_action(value, instance.pvname):
            await self._page(-1)
        return 0

    @forward.putter
    async def forward(self, instance: Any, value: Any) -> int:
        if is_action(value, instance.pvname):
            await self._page(+1)
        return 0

    async def _page(self, halves: int) -> None:
        self.range.page(halves, time.time())
        await self.show(time.time())
        self.on_change()

    async def drawn(self, axis: Optional[Tuple[int, int, float]]) -> None:
        """Where a frame about to be published drew the time axis (None: it has none)."""
        left, right, end = axis if axis is not None else (0, 0, 0.0)
        for pv, value in ((self.plotLeft, left), (self.plotRight, right),
                          (self.plotEnd, round(end, 3))):
            if pv.value != value:
                await pv.write(value, verify_value=False)

    async def show(self, now: float) -> None:
        """``end``, ``endText`` and ``live`` as the range has them at ``now``."""
        end = self.range.right(now)
        for pv, value in ((self.live, "On" if self.range.live else "Off"),
                          (self.end, round(end, 3)), (self.endText, format_local_time(end))):
            if pv.value != value:
                await pv.write(value, verify_value=False)
