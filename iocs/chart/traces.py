"""``<prefix>chart:T<n>:``: how trace n is drawn, and the data behind the picture.

Trace n is the n-th source, in the order of ``sources``. Its settings (label, color,
autoscale, ymin, ymax, log) come from :data:`iocs.chart.settings.TRACE`; ``times`` (epoch
seconds), ``values`` and ``severity`` hold what the chart plots of it now (a waveform source:
its latest array), refreshed twice a second, so a script or the display can export or re-plot
exactly what the operator sees.
"""
from __future__ import annotations

from typing import Any, Dict

import numpy as np
from caproto.server import PVGroup, pvproperty

from ..common.channels import RECORD_TYPE_MAP, RECORD_TYPE_MAP_READ_ONLY
from ..common.names import HISTORY_CAPACITY
from .history import Samples
from .plotdata import TraceStyle
from .settings import PALETTE, TRACE

__all__ = ["TraceGroup", "CAPACITY"]

#: Samples kept per source (and the length of the data waveforms).
CAPACITY = HISTORY_CAPACITY


async def _setting(group: TraceGroup, instance: Any, value: Any) -> Any:
    return await group.apply_setting(instance, value)


def _data(name: str, dtype: type, doc: str) -> pvproperty:
    return pvproperty(name=name, value=[], dtype=dtype, max_length=CAPACITY, read_only=True,
                      doc=doc, max_subscription_backlog=10, alarm_group=name)


class TraceGroup(PVGroup):
    """One trace's settings and data (a SubGroup of the chart IOC, ``T1:`` .. ``T8:``)."""

    type_map = RECORD_TYPE_MAP
    type_map_read_only = RECORD_TYPE_MAP_READ_ONLY
    for _s in TRACE:
        locals()[_s.name] = _s.pvproperty().putter(_setting)
    del _s
    times = _data("times", float, "Times of the plotted samples (s since the epoch)")
    values = _data("values", float, "Values of the plotted samples (a waveform: its array)")
    severity = _data("severity", int, "Alarm severity of each plotted sample")

    @property
    def index(self) -> int:
        """0 for ``T1:``, 1 for ``T2:`` ..."""
        return int(self.prefix.rstrip(":").rsplit("T", 1)[1]) - 1

    def defaults(self) -> Dict[str, Any]:
        return dict(TRACE.defaults(), color=PALETTE[self.index % len(PALETTE)])

    def settings(self) -> Dict[str, Any]:
        return {s.name: getattr(self, s.name).value for s in TRACE}

    async def restore(self, values: Dict[str, Any]) -> None:
        for name, value in dict(self.defaults(), **values).items():
            await getattr(self, name).write(value, verify_value=False)

    def style(self) -> TraceStyle:
        return TraceStyle(self.label.value, self.color.value, self.autoscale.value == "On",
                          self.ymin.value, self.ymax.value, self.log.value == "On")

    async def apply_setting(self, instance: Any, value: Any) -> Any:
        name = instance.pvname[len(self.prefix):]
        new = TRACE[name].coerce(value, instance.pvname)
        settings = dict(self.settings(), **{name: new})
        if settings["ymin"] >= settings["ymax"]:
            raise ValueError(f"{instance.pvname}: ymin {settings['ymin']:g} must be below "
                             f"ymax {settings['ymax']:g}")
        if settings["log"] == "On" and settings["autoscale"] == "Off" and \
                settings["ymin"] <= 0:
            raise ValueError(f"{instance.pvname}: a log axis needs ymin > 0")
        await instance.write(new, verify_value=False)
        self.parent.settings_changed()
        return new

    async def publish(self, samples: Samples) -> None:
        """Show what is plotted of this trace (empty arrays for no source)."""
        await self.times.write(samples.t, verify_value=False)
        await self.values.write(samples.y, verify_value=False)
        await self.severity.write(samples.severity.astype(np.int32), verify_value=False)
