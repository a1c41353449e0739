"""caproto pieces shared by the IOCs: record-like channel classes and field declarations."""
from __future__ import annotations

import math
from typing import Any, Dict

from caproto import AlarmSeverity, AlarmStatus, ChannelType
from caproto.server import pvproperty
from caproto.server.server import (PvpropertyDouble, PvpropertyEnum, PvpropertyInteger,
                                   PvpropertyString, pvspec_type_map)

__all__ = ["RECORD_TYPE_MAP", "channel", "field", "as_scalar", "finite_float"]


class _ClearsWriteAlarm:
    """A rejected put leaves WRITE/MAJOR on its own channel; the next accepted write clears it."""

    async def write(self, value: Any, **kwargs: Any) -> None:
        await super().write(value, **kwargs)
        if self.alarm.status == AlarmStatus.WRITE:
            await self.alarm.write(status=AlarmStatus.NO_ALARM,
                                   severity=AlarmSeverity.NO_ALARM)


class RecordDouble(_ClearsWriteAlarm, PvpropertyDouble):
    """A double whose putter, when it has one, judges limits itself.

    caproto refuses a put outside the control limits before any putter runs; a motor record
    must see such a put to raise LVIO, so the putter takes over that check.
    """

    async def verify_value(self, value: Any) -> Any:
        if self.putter is None:
            return await super().verify_value(value)
        return await self.putter(self, value)


class RecordInteger(_ClearsWriteAlarm, PvpropertyInteger):
    pass


class RecordEnum(_ClearsWriteAlarm, PvpropertyEnum):
    pass


class RecordString(_ClearsWriteAlarm, PvpropertyString):
    pass


RECORD_TYPE_MAP: Dict[Any, type] = dict(pvspec_type_map)
RECORD_TYPE_MAP.update({
    float: RecordDouble, ChannelType.DOUBLE: RecordDouble,
    int: RecordInteger, ChannelType.LONG: RecordInteger,
    ChannelType.ENUM: RecordEnum, ChannelType.STRING: RecordString,
})


def channel(name: str, value: Any, doc: str, **kwargs: Any) -> pvproperty:
    """A PV ``<prefix><name>`` with its own alarm, so a bad put marks only itself."""
    if isinstance(value, str) and "dtype" not in kwargs:
        kwargs.update(dtype=ChannelType.STRING)
    return pvproperty(name=name, value=value, doc=doc, alarm_group=name, **kwargs)


def field(name: str, value: Any, doc: str, **kwargs: Any) -> pvproperty:
    """A record field ``<prefix>.<name>`` (see :func:`channel`)."""
    return channel(f".{name}", value, doc, **kwargs)


def as_scalar(value: Any) -> Any:
    """The single element of a one-element CA payload, or the value itself."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return value[0]
    shape = getattr(value, "shape", None)
    if shape is not None and getattr(value, "size", 0) == 1:
        return value.reshape(()).item()
    return value


def finite_float(value: Any, what: str) -> float:
    """``value`` as a finite float, or ``ValueError`` naming ``what``."""
    value = as_scalar(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{what}: {number} is not a finite number")
    return number
