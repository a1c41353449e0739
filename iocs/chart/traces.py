"""``<prefix>chart:T<n>:``: how trace n is drawn, the data behind the picture, its statistics.

Trace n is the n-th source, in the order of ``sources``. Its settings come from
:data:`iocs.chart.settings.TRACE`. ``times`` (POSIX s; a waveform's: the x of each element),
``values`` and ``severity`` hold what the chart plots of it now (archived bins: their mean),
refreshed twice a second while it changes, so a script or the display can export or re-plot
exactly what the operator sees. ``min``, ``max``, ``mean``, ``std`` and ``count`` are its
statistics over the visible range (archived bins weighted by their count), ``cursorValue`` its
value at the chart's cursor.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict

import numpy as np
from caproto import SkipWrite
from caproto.server import pvproperty

from ..common.caproto_compat import LiteralPrefixGroup
from ..common.channels import RECORD_TYPE_MAP, RECORD_TYPE_MAP_READ_ONLY
from ..common.names import HISTORY_CAPACITY, PALETTE
from .history import Samples
from .plotdata import TraceStyle
from .scene import TraceSpec
from .settings import TRACE
from .stats import Stats

logger = logging.getLogger(__name__)

__all__ = ["TraceGroup"]


async def _put(group: TraceGroup, instance: Any, value: Any) -> Any:
    return await group.put(instance, value)


def _data(name: str, dtype: type, doc: str) -> pvproperty:
    return pvproperty(name=name, value=[], dtype=dtype, max_length=HISTORY_CAPACITY,
                      read_only=True, doc=doc, max_subscription_backlog=10, alarm_group=name)


def _stat(name: str, doc: str, dtype: type = float) -> pvproperty:
    return pvproperty(name=name, value=dtype(0) if dtype is int else float("nan"),
                      dtype=dtype, read_only=True, doc=doc, alarm_group=name,
                      **({"precision": 4} if dtype is float else {}))


class TraceGroup(LiteralPrefixGroup):
    """One trace's settings, data and statistics (a SubGroup of the chart, ``T1:`` ..)."""

    type_map = RECORD_TYPE_MAP
    type_map_read_only = RECORD_TYPE_MAP_READ_ONLY

    label = TRACE["label"].pvproperty().putter(_put)
    color = TRACE["color"].pvproperty().putter(_put)
    autoscale = TRACE["autoscale"].pvproperty().putter(_put)
    ymin = TRACE["ymin"].pvproperty().putter(_put)
    ymax = TRACE["ymax"].pvproperty().putter(_put)
    log = TRACE["log"].pvproperty().putter(_put)
    limits = TRACE["limits"].pvproperty().putter(_put)
    xsource = TRACE["xsource"].pvproperty().putter(_put)
    times = _data("times", float, "Times of the plotted samples (POSIX s), or a waveform's x")
    values = _data("values", float, "Values of the plotted samples (a waveform: its array)")
    severity = _data("severity", int, "Alarm severity of each plotted sample")
    min = _stat("min", "Smallest value in the visible range")
    max = _stat("max", "Largest value in the visible range")
    mean = _stat("mean", "Mean over the visible range (archived bins weighted by count)")
    std = _stat("std", "Standard deviation over the visible range")
    count = _stat("count", "Number of samples in the visible range", int)
    cursorValue = _stat("cursorValue", "Value at the chart's cursor (the last sample at or "
                        "before it)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Told of every accepted change (the chart renders and autosaves).
        self.on_change: Callable[[], None] = lambda: None
        #: Checks and watches a new X-axis PV (raises ValueError for an unknown one).
        self.use_axis: Callable[[str], Awaitable[None]] = _no_axis
        self._puts: Dict[str, Callable[[Any, Any], Awaitable[Any]]] = {
            "label": self._put_style, "color": self._put_style,
            "autoscale": self._put_style, "ymin": self._put_style, "ymax": self._put_style,
            "log": self._put_style, "limits": self._put_style, "xsource": self._put_xsource,
        }

    @property
    def index(self) -> int:
        """0 for ``T1:``, 1 for ``T2:`` ..."""
        return int(self.prefix.rstrip(":").rsplit("T", 1)[1]) - 1

    def defaults(self) -> Dict[str, Any]:
        return dict(TRACE.defaults(), color=PALETTE[self.index % len(PALETTE)])

    def settings(self) -> Dict[str, Any]:
        return {s.name: getattr(self, s.name).value for s in TRACE}

    async def restore(self, values: Dict[str, Any]) -> None:
        """Show ``values`` (validated already) over the defaults."""
        for name, value in dict(self.defaults(), **values).items():
            await getattr(self, name).write(value, verify_value=False)

    def spec(self) -> TraceSpec:
        style = TraceStyle(label=self.label.value, color=self.color.value,
                           autoscale=self.autoscale.value == "On", ymin=self.ymin.value,
                           ymax=self.ymax.value, log=self.log.value == "On",
                           limits=self.limits.value)
        return TraceSpec(style, self.xsource.value)

    # ---- puts ------------------------------------------------------------------------------
    async def put(self, instance: Any, value: Any) -> Any:
        name = instance.pvname[len(self.prefix):]
        new = TRACE[name].coerce(value, instance.pvname)
        return await self._puts[name](instance, new)

    async def _put_style(self, instance: Any, new: Any) -> Any:
        name = instance.pvname[len(self.prefix):]
        settings = dict(self.settings(), **{name: new})
        if settings["ymin"] >= settings["ymax"]:
            raise ValueError(f"{instance.pvname}: ymin {settings['ymin']:g} must be below "
                             f"ymax {settings['ymax']:g}")
        if settings["log"] == "On" and settings["autoscale"] == "Off" and \
                settings["ymin"] <= 0:
            raise ValueError(f"{instance.pvname}: a log axis needs ymin > 0")
        await instance.write(new, verify_value=False)
        self.on_change()
        return SkipWrite                 # written (and posted) once, above

    async def _put_xsource(self, instance: Any, new: str) -> str:
        if new:
            try:
                await self.use_axis(new)
            except ValueError as ex:
                raise ValueError(f"{instance.pvname}: {ex}") from None
        await instance.write(new, verify_value=False)
        self.on_change()
        return SkipWrite                 # written (and posted) once, above

    # ---- what is plotted -------------------------------------------------------------------
    async def publish(self, samples: Samples) -> None:
        """Show what is plotted of this trace (empty arrays for no source)."""
        n = len(samples.t)
        if n > HISTORY_CAPACITY:
            samples = Samples(samples.t[-HISTORY_CAPACITY:], samples.y[-HISTORY_CAPACITY:],
                              samples.severity[-HISTORY_CAPACITY:], samples.array)
        await self.times.write(samples.t, verify_value=False)
        await self.values.write(samples.y, verify_value=False)
        await self.severity.write(samples.severity.astype(np.int32), verify_value=False)

    async def publish_stats(self, stats: Stats, cursor_value: float) -> None:
        """Statistics over the visible range and the value at the cursor."""
        for pv, value in ((self.min, stats.min), (self.max, stats.max),
                          (self.mean, stats.mean), (self.std, stats.std),
                          (self.cursorValue, cursor_value)):
            if not _same(pv.value, value):
                await pv.write(value, verify_value=False)
        if self.count.value != stats.count:
            await self.count.write(stats.count, verify_value=False)


async def _no_axis(name: str) -> None:
    raise ValueError("no X-axis PVs here")


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)
