"""One mock EPICS motor record as a caproto PVGroup: fields, readbacks, status, alarms, autosave.

The fields come from :mod:`iocs.motor.fields`; a put to any writable field goes to the handler
named after it (``_put_VAL`` ...) in :class:`~iocs.motor.moves.MoveRequests` or
:class:`~iocs.motor.coords.CoordinateSettings`. :mod:`iocs.motor.rules` holds the record's rules
and :mod:`iocs.motor.mover` the simulated controller; this module publishes what they decide.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

from caproto import AlarmSeverity, AlarmStatus
from caproto.server import PVGroup

from ..common.channels import RECORD_TYPE_MAP, RECORD_TYPE_MAP_READ_ONLY, finite_float
from .coords import CoordinateSettings
from .fields import ASL0, FIELDS, POSITION_FIELDS, SAVED, declarations
from .motion import Calibration
from .mover import Mover
from .moves import MoveRequests
from .rules import alarm, msta_word, nint, raw_steps

logger = logging.getLogger(__name__)

__all__ = ["MotorRecord", "AxisOptions", "POSITION_FIELDS", "SAVED"]


@dataclass(frozen=True)
class AxisOptions:
    """How the simulated controller behaves (from the IOC's command line)."""

    home: float = 0.0                                  #: dial position of the home switch
    hard_limits: Tuple[float, float] = (-10000.0, 10000.0)   #: dial positions of the switches
    position_error: float = 0.0                        #: fraction of each move not made
    encoder: bool = False                              #: a simulated encoder is present
    update_rate: float = 20.0                          #: readback updates per second


async def _dispatch(self: MotorRecord, instance: Any, value: Any) -> Any:
    name = instance.pvname.rsplit(".", 1)[1]
    handler = getattr(self, f"_put_{name}", None) or self._put_setting
    return await handler(instance, value)


class MotorRecord(MoveRequests, CoordinateSettings, PVGroup):
    """One simulated motor record: ``<prefix>.VAL``, ``<prefix>.RBV``, ... plus ``.running``."""

    type_map = RECORD_TYPE_MAP
    type_map_read_only = RECORD_TYPE_MAP_READ_ONLY
    for _name, _prop in declarations().items():
        locals()[_name] = _prop if _prop.pvspec.read_only else _prop.putter(_dispatch)
    del _name, _prop

    def __init__(self, prefix: str, *, options: AxisOptions = AxisOptions(),
                 on_change: Optional[Callable[[], None]] = None, **kwargs: Any) -> None:
        super().__init__(prefix, **kwargs)
        self.options = options
        self.on_change = on_change or (lambda: None)
        self.cal = Calibration()
        self.mover = Mover(1.0 / options.update_rate, self._on_tick,
                           switches=options.hard_limits)
        self.mover.position = min(max(0.0, options.hard_limits[0]), options.hard_limits[1])
        self.home_position = options.home
        self.homed = False
        self.ldvl = 0.0                     # the last dial target (motorRecord's LDVL)
        self.idle = asyncio.Event()         # set while at rest with nothing pending
        self.idle.set()
        self._last_save_request = 0.0
        self.init_motion_state()
        self.pvdb[self.prefix] = self.VAL           # the record name alone reads VAL
        self.pvdb[self.prefix + "_able.VAL"] = self.DISA   # pyepics' Motor looks for it

    def field(self, name: str) -> Any:
        return getattr(self, name)

    def value(self, name: str) -> Any:
        return getattr(self, name).value

    def access_level(self, channel: Any) -> int:
        """Access-security level of a field, as in motorRecord.dbd (ASL0 or ASL1)."""
        return 0 if channel.pvname.rsplit(".", 1)[-1] in ASL0 else 1

    async def _set(self, name: str, value: Any) -> None:
        """Write a field from inside the IOC (no handler), only when it changes."""
        channel = getattr(self, name)
        if channel.value != value:
            await channel.write(value, verify_value=False)

    # ---- readbacks and status -----------------------------------------------------------
    def readback(self) -> Tuple[int, float]:
        """(RRBV, DRBV) of the current position: steps, or encoder counts with UEIP."""
        x = self.mover.position
        if self.options.encoder and self.value("UEIP") == "Yes":
            eres = self.value("ERES") or self.value("MRES")
            counts = nint(x / eres)
            return counts, counts * eres
        steps = nint(x / self.value("MRES"))
        return steps, steps * self.value("MRES")

    async def publish_readback(self, direction: int = 0) -> None:
        x, mres = self.mover.position, self.value("MRES")
        rrbv, drbv = self.readback()
        await self._set("RMP", nint(x / mres))
        if self.options.encoder:
            await self._set("REP", nint(x / (self.value("ERES") or mres)))
        await self._set("RRBV", rrbv)
        await self._set("DRBV", drbv)
        await self._set("RBV", self.cal.user(drbv))
        await self._set("DIFF", self.value("DVAL") - drbv)
        await self._set("RDIF", nint((self.value("DVAL") - drbv) / mres))
        if direction:
            await self._set("TDIR", int(direction * mres > 0))
        await self.publish_status()

    async def _on_tick(self, direction: int) -> None:
        await self.publish_readback(direction)
        now = time.monotonic()
        if now - self._last_save_request >= 1.0:     # autosave follows a long move
            self._last_save_request = now
            self.on_change()

    async def publish_status(self) -> None:
        low, high = self.mover.switch_state()
        raw_plus, raw_minus = (high, low) if self.value("MRES") > 0 else (low, high)
        same = (self.cal.sign > 0) == (self.value("MRES") > 0)
        hls, lls = (raw_plus, raw_minus) if same else (raw_minus, raw_plus)
        at_home = abs(self.mover.position - self.home_position) < abs(self.value("MRES")) / 2
        await self._set("RHLS", int(raw_plus))
        await self._set("RLLS", int(raw_minus))
        await self._set("HLS", int(hls))
        await self._set("LLS", int(lls))
        await self._set("ATHM", int(at_home))
        await self._set("MSTA", msta_word(
            done=not self.mover.moving, moving=self.mover.moving,
            positive=bool(self.value("TDIR")), plus_ls=raw_plus, minus_ls=raw_minus,
            homed=self.homed, at_home=at_home, encoder=self.options.encoder))
        await self.publish_alarm()

    async def publish_alarm(self) -> None:
        stat, sevr = alarm(hlsv=self.value("HLSV"), hls=bool(self.value("HLS")),
                           lls=bool(self.value("LLS")), dval=self.value("DVAL"),
                           dllm=self.value("DLLM"), dhlm=self.value("DHLM"), problem=False)
        if (stat, sevr) == (self.value("STAT"), self.value("SEVR")):
            return
        await self.alarms["record"].write(status=AlarmStatus[stat],
                                          severity=AlarmSeverity[_SEVERITY[sevr]])
        await self._set("STAT", stat)
        await self._set("SEVR", sevr)

    async def publish_setpoint(self, dial: float) -> None:
        """DVAL, VAL, RVAL (and DIFF) for a new dial target."""
        await self._set("DVAL", dial)
        await self._set("VAL", self.cal.user(dial))
        await self._set("RVAL", nint(dial / self.value("MRES")))
        await self._set("DIFF", dial - self.value("DRBV"))
        await self._set("RDIF", nint((dial - self.value("DRBV")) / self.value("MRES")))

    async def publish_motion(self, moving: bool) -> None:
        await self._set("DMOV", int(not moving))
        await self._set("MOVN", int(moving))
        await self._set("running", int(moving))

    # ---- autosave ------------------------------------------------------------------------
    def settings(self) -> Dict[str, Any]:
        """What autosave keeps for this axis."""
        saved = {name: self.value(name) for name in SAVED}
        saved.update(position=self.mover.position, homed=self.homed)
        return saved

    async def restore(self, saved: Dict[str, Any]) -> None:
        """Apply saved settings; each one that fails validation is logged and skipped."""
        for name, value in FIELDS.restore(saved, f"{self.prefix} autosave").items():
            await self.field(name).write(value, verify_value=False)
        await self.enforce_settings()
        self.cal = Calibration(self.value("OFF"), -1 if self.value("DIR") == "Neg" else 1)
        try:
            position = finite_float(saved.get("position", self.mover.position), "position")
            raw_steps(position, self.value("MRES"), "saved position")
            self.mover.position = position
        except ValueError as ex:
            logger.warning("%s: ignoring saved position: %s", self.prefix, ex)
        homed = saved.get("homed", False)
        if isinstance(homed, bool):
            self.homed = homed
        else:
            logger.warning("%s: ignoring saved homed=%r (not true/false)", self.prefix, homed)
        await self.startup_publish()

    async def startup_publish(self) -> None:
        """Make every derived field agree with the state before clients connect."""
        self.ldvl = self.mover.position
        await self.publish_units()
        await self.publish_setpoint(self.readback()[1])
        self.ldvl = self.value("DVAL")
        await self.publish_calibration()
        await self.publish_motion(False)


_SEVERITY = {"NO_ALARM": "NO_ALARM", "MINOR": "MINOR_ALARM", "MAJOR": "MAJOR_ALARM",
             "INVALID": "INVALID_ALARM"}
