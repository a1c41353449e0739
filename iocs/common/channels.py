"""caproto channel classes that behave like EPICS record fields, and field declarations.

* A refused put returns a CA error and changes nothing: not the value, not the alarm (caproto's
  default marks the channel WRITE/MAJOR; an EPICS record's alarm is the record's business).
* Integer and menu fields check the value as it came over the wire, whatever its type: NaN,
  infinities, fractions and out-of-range menu indices are refused instead of being converted.
* Every channel asks :mod:`iocs.common.access` who may read and write it.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Dict, Optional

import numpy as np
from caproto import AccessRights, ChannelType, SkipWrite
from caproto.server import (
    PvpropertyByte,
    PvpropertyByteRO,
    PvpropertyChar,
    PvpropertyCharRO,
    PvpropertyDouble,
    PvpropertyDoubleRO,
    PvpropertyEnum,
    PvpropertyEnumRO,
    PvpropertyInteger,
    PvpropertyIntegerRO,
    PvpropertyString,
    PvpropertyStringRO,
    pvproperty,
)

from . import access

__all__ = ["RECORD_TYPE_MAP", "RECORD_TYPE_MAP_READ_ONLY", "channel", "field", "as_scalar",
           "finite_float", "exact_int", "menu_choice", "is_action"]

_FLOAT_WIRE = (ChannelType.DOUBLE, ChannelType.FLOAT, ChannelType.TIME_DOUBLE,
               ChannelType.TIME_FLOAT, ChannelType.STS_DOUBLE, ChannelType.STS_FLOAT,
               ChannelType.CTRL_DOUBLE, ChannelType.CTRL_FLOAT, ChannelType.GR_DOUBLE,
               ChannelType.GR_FLOAT)


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
    if isinstance(value, (bytes, bytearray)):
        value = value.decode(errors="replace")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{what}: {number} is not a finite number")
    return number


def exact_int(value: Any, what: str, low: int = -2**31, high: int = 2**31 - 1) -> int:
    """``value`` as an integer within ``low..high``, refusing fractions and non-numbers."""
    number = finite_float(value, what)
    if number != int(number):
        raise ValueError(f"{what}: {number} is not a whole number")
    if not low <= number <= high:
        raise ValueError(f"{what}: {int(number)} outside {low}..{high}")
    return int(number)


def menu_choice(value: Any, choices: tuple, what: str) -> str:
    """The menu string ``value`` names (a string or an exact index), or ``ValueError``."""
    value = as_scalar(value)
    if isinstance(value, (bytes, bytearray)):
        value = value.decode(errors="replace")
    if isinstance(value, str):
        if value in choices:
            return value
        stripped = value.strip()
        if stripped.isdigit() and int(stripped) < len(choices):
            return choices[int(stripped)]
        raise ValueError(f"{what}: {value!r} is not one of {', '.join(map(repr, choices))}")
    return choices[exact_int(value, what, 0, len(choices) - 1)]


def is_action(value: Any, what: str) -> bool:
    """An action field (STOP, TWF, ...): True for exactly 1, False for 0, else ``ValueError``."""
    number = exact_int(value, what, 0, 1)
    return number == 1


class _RecordField:
    """Mixin: EPICS-record put semantics for caproto channels (see the module docstring)."""

    if TYPE_CHECKING:  # the caproto ChannelData this is mixed into
        data_type: ChannelType
        pvname: str
        group: Any

        def preprocess_value(self, value: Any) -> Any: ...

        async def verify_value(self, value: Any) -> Any: ...

    async def write(self, value: Any, *, verify_value: bool = True, **kwargs: Any) -> None:
        if verify_value:
            # Judge the value first, outside caproto's write(), so a refusal leaves the
            # alarm alone; the accepted value is then written without a second verify.
            try:
                value = self.preprocess_value(value)
                checked = await self.verify_value(value)
            except SkipWrite:
                return
            if checked is SkipWrite:
                return
            if checked is not None:
                value = checked
        await super().write(value, verify_value=False, **kwargs)  # type: ignore[misc]

    async def write_from_dbr(self, data: Any, data_type: ChannelType, metadata: Any,
                             **kwargs: Any) -> Any:
        if self.data_type in (ChannelType.LONG, ChannelType.INT, ChannelType.ENUM):
            _check_integral_wire(data, data_type, self.pvname)
        if data_type == ChannelType.CHAR and isinstance(getattr(self, "value", None), str) \
                and not np.any(np.asarray(data)):
            # An empty long string (a char array of NULs) caproto fails to convert.
            return await self.write("")
        return await super().write_from_dbr(  # type: ignore[misc]
            data, data_type, metadata, **kwargs)

    def check_access(self, hostname: str, username: str) -> AccessRights:
        return (super().check_access(hostname, username)  # type: ignore[misc]
                & access.rights(hostname, username, _access_level(self)))


def _access_level(channel: Any) -> int:
    """The channel's access-security level: its group's say, else 0 (like a record's VAL)."""
    level_of = getattr(channel.group, "access_level", None)
    return level_of(channel) if callable(level_of) else 0


def _check_integral_wire(data: Any, data_type: ChannelType, pvname: str) -> None:
    """Refuse NaN, infinities and fractions sent as floating point to an integer field."""
    if data_type not in _FLOAT_WIRE:
        return
    values = np.asarray(data, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{pvname}: {values[~np.isfinite(values)][0]} is not a number")
    if np.any(values != np.round(values)):
        raise ValueError(f"{pvname}: {values[values != np.round(values)][0]} is not a whole "
                         "number")


class RecordDouble(_RecordField, PvpropertyDouble):
    """A double whose putter, when it has one, judges it alone (limits included).

    caproto refuses a put outside the control limits before any putter runs; a motor record
    must see such a put to raise LVIO, so the putter takes over that check.
    """

    async def verify_value(self, value: Any) -> Any:
        if self.putter is None:
            return await super().verify_value(finite_float(value, self.pvname))
        return await self.putter(self, value)


class RecordInteger(_RecordField, PvpropertyInteger):
    async def verify_value(self, value: Any) -> Any:
        number = exact_int(value, self.pvname)
        if self.putter is None:
            return await super().verify_value(number)
        return await self.putter(self, number)


class RecordEnum(_RecordField, PvpropertyEnum):
    async def verify_value(self, value: Any) -> Any:
        choice = menu_choice(value, tuple(self.enum_strings), self.pvname)
        if self.putter is None:
            return choice
        return await self.putter(self, choice)


class RecordString(_RecordField, PvpropertyString):
    pass


class RecordChar(_RecordField, PvpropertyChar):
    pass


class RecordByte(_RecordField, PvpropertyByte):
    pass


class _ReadOnly(_RecordField):
    def check_access(self, hostname: str, username: str) -> AccessRights:
        return AccessRights.READ & access.rights(hostname, username, _access_level(self))


class RecordDoubleRO(_ReadOnly, PvpropertyDoubleRO):
    pass


class RecordIntegerRO(_ReadOnly, PvpropertyIntegerRO):
    pass


class RecordEnumRO(_ReadOnly, PvpropertyEnumRO):
    pass


class RecordStringRO(_ReadOnly, PvpropertyStringRO):
    pass


class RecordCharRO(_ReadOnly, PvpropertyCharRO):
    pass


class RecordByteRO(_ReadOnly, PvpropertyByteRO):
    pass


RECORD_TYPE_MAP: Dict[Any, type] = {
    float: RecordDouble, ChannelType.DOUBLE: RecordDouble,
    int: RecordInteger, ChannelType.LONG: RecordInteger,
    ChannelType.ENUM: RecordEnum, ChannelType.STRING: RecordString,
    str: RecordChar, ChannelType.CHAR: RecordChar, bytes: RecordByte,
}
RECORD_TYPE_MAP_READ_ONLY: Dict[Any, type] = {
    float: RecordDoubleRO, ChannelType.DOUBLE: RecordDoubleRO,
    int: RecordIntegerRO, ChannelType.LONG: RecordIntegerRO,
    ChannelType.ENUM: RecordEnumRO, ChannelType.STRING: RecordStringRO,
    str: RecordCharRO, ChannelType.CHAR: RecordCharRO, bytes: RecordByteRO,
}


def channel(name: str, value: Any, doc: str, *, alarm_group: Optional[str] = None,
            **kwargs: Any) -> pvproperty:
    """A PV ``<prefix><name>``; ``alarm_group`` shares one alarm among channels (a record's)."""
    if isinstance(value, str) and "dtype" not in kwargs:
        kwargs.update(dtype=ChannelType.STRING)
    return pvproperty(name=name, value=value, doc=doc, alarm_group=alarm_group or name,
                      **kwargs)


def field(name: str, value: Any, doc: str, **kwargs: Any) -> pvproperty:
    """A record field ``<prefix>.<name>`` (see :func:`channel`)."""
    return channel(f".{name}", value, doc, **kwargs)
