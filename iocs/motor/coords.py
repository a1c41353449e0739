"""Coordinates, limits and settings of the motor record (``special``, ``set_*limit``, SET mode).

``user = dial x (DIR sign) + OFF``. DIR and SET-mode writes move OFF when FOFF is Variable
and the dial when it is Frozen; user limits write the dial limit they correspond to. Settings
are validated by their row in :class:`iocs.motor.fields.MotorFields` (values no motor could use
are refused) and then clamped the way the record clamps them
(:func:`iocs.motor.rules.reconcile`). VAL's and DVAL's control limits change, and VAL is
posted, before HLM/LLM are, so a client that re-reads its limits on those monitors (ophyd) sees
the new range at once.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from ..common.channels import is_action
from .axis import Axis
from .fields import Field, MotorFields, served_units
from .motion import Calibration
from .readback import Readbacks
from .rules import raw_steps, reconcile

logger = logging.getLogger(__name__)

__all__ = ["Coordinates", "RECONCILED"]

_F = MotorFields
#: Settings whose writes go through the record's clamping rules (``reconcile``).
RECONCILED = tuple(row.name for row in (
    _F.VBAS, _F.VMAX, _F.VELO, _F.BVEL, _F.JVEL, _F.HVEL, _F.ACCL, _F.BACC, _F.FRAC, _F.JAR,
    _F.SREV, _F.UREV, _F.MRES, _F.ERES, _F.DLY, _F.RDBD, _F.BDST))
#: Settings after which the readback and setpoint are re-derived.
_RESOLUTION = tuple(row.name for row in (_F.MRES, _F.UREV, _F.SREV, _F.ERES, _F.UEIP))
#: Settings after which the user-coordinate fields and their CA limits are re-derived.
_CALIBRATION = tuple(row.name for row in (_F.VBAS, _F.VMAX, _F.HIHI, _F.HIGH, _F.LOW, _F.LOLO,
                                          _F.HLSV))
#: Settings after which every field's units and precision are re-published.
_UNITS = (_F.EGU.name, _F.PREC.name)


class Coordinates:
    """The put handlers of one record's coordinate, limit and setting fields."""

    def __init__(self, axis: Axis, readbacks: Readbacks) -> None:
        self.axis = axis
        self.readbacks = readbacks

    def _reconcilable(self) -> Dict[str, Any]:
        return {name: self.axis.fields.field(name).value for name in RECONCILED}

    async def _write_all(self, changes: Dict[str, Any]) -> None:
        for name, value in changes.items():
            await self.axis.fields.field(name).write(value)

    # ---- puts ----------------------------------------------------------------------------
    async def put_setting(self, field: Field[Any], value: Any) -> Any:
        """Any setting: validated by its row, clamped as the record does, then derived fields."""
        name = field.name
        number = field.setting.coerce(value, field.pvname)
        if name in RECONCILED:
            changes = reconcile(name, number, self._reconcilable())
            if "MRES" in changes:
                self._check_resolution(changes["MRES"], field.pvname)
            number = changes.pop(name)
            await self._write_all(changes)
        await field.write(number)
        if name in _UNITS:
            await self.publish_units()
        if name in _RESOLUTION:
            await self.readbacks.publish_setpoint(self.axis.fields.DVAL.value)
            await self.readbacks.publish_readback()
        if name in _CALIBRATION:
            await self.publish_calibration()
        self.axis.on_change()
        return number

    def _check_resolution(self, mres: float, what: str) -> None:
        """Refuse a resolution under which the position or target leaves the raw range."""
        MotorFields.MRES.setting.coerce(mres, what)
        raw_steps(self.axis.mover.position, mres, f"{what}: the position")
        raw_steps(self.axis.fields.DVAL.value, mres, f"{what}: the setpoint")

    async def put_ueip(self, field: Field[str], value: str) -> Any:
        """UEIP: Yes only with an encoder (the record overrides it otherwise)."""
        if value == "Yes" and not self.axis.options.encoder:
            value = "No"
        return await self.put_setting(field, value)

    async def put_off(self, field: Field[float], value: Any) -> float:
        """OFF: the user coordinates move; the dial stays."""
        off = field.setting.coerce(value, field.pvname)
        self.axis.cal = Calibration(off, self.axis.cal.sign)
        await self.publish_calibration()
        self.axis.on_change()
        return float(off)

    async def put_dir(self, field: Field[str], value: str) -> str:
        """DIR: with FOFF Variable the user position stays (OFF moves), Frozen keeps OFF."""
        f, cal = self.axis.fields, self.axis.cal
        sign = -1 if value == "Neg" else 1
        if f.FOFF.value == "Frozen":
            self.axis.cal = Calibration(cal.off, sign)
        else:
            self.axis.cal = Calibration(f.VAL.value - f.DVAL.value * sign, sign)
        await field.set(value)
        await self.publish_calibration()
        self.axis.on_change()
        return value

    async def put_sset(self, field: Field[int], value: Any) -> int:
        """SSET: 1 puts the record in SET = Set mode."""
        if is_action(value, field.pvname):
            await self.axis.fields.SET.set("Set")
        return 0

    async def put_suse(self, field: Field[int], value: Any) -> int:
        """SUSE: 1 puts the record in SET = Use mode."""
        if is_action(value, field.pvname):
            await self.axis.fields.SET.set("Use")
        return 0

    async def put_hlm(self, field: Field[float], value: Any) -> float:
        """HLM: sets the dial limit it corresponds to (DHLM, or DLLM with DIR Neg)."""
        return await self._user_limit(field, value, high=True)

    async def put_llm(self, field: Field[float], value: Any) -> float:
        """LLM: sets the dial limit it corresponds to (DLLM, or DHLM with DIR Neg)."""
        return await self._user_limit(field, value, high=False)

    async def _user_limit(self, field: Field[float], value: Any, high: bool) -> float:
        user = field.setting.coerce(value, field.pvname)
        name, dial = self.axis.cal.dial_limit_for(user, high)
        await self.axis.fields.field(name).write(dial)
        await self.publish_calibration()
        self.axis.on_change()
        return float(user)

    async def put_dial_limit(self, field: Field[float], value: Any) -> float:
        """DHLM or DLLM: the user limits follow."""
        dial = field.setting.coerce(value, field.pvname)
        await field.write(dial)
        await self.publish_calibration()
        self.axis.on_change()
        return float(dial)

    async def redefine(self, *, user: Optional[float] = None,
                       dial: Optional[float] = None) -> None:
        """SET mode: make the current position read ``user`` (or ``dial``) without moving."""
        axis, f = self.axis, self.axis.fields
        if axis.mover.moving:
            raise ValueError(f"{axis.prefix}: cannot redefine the position while moving")
        if user is not None and f.FOFF.value == "Variable":
            axis.cal = Calibration(user - axis.cal.sign * f.DVAL.value, axis.cal.sign)
        else:
            if user is not None:
                new_dial = axis.cal.dial(user)
            elif dial is not None:
                new_dial = float(dial)
            else:
                raise ValueError(f"{axis.prefix}: redefine needs a user or a dial position")
            raw_steps(new_dial, f.MRES.value, f"{axis.prefix} new position")
            axis.mover.shift(new_dial - axis.mover.position)
            await f.DVAL.set(new_dial)
            axis.ldvl = new_dial
        await self.publish_calibration()
        axis.on_change()

    # ---- derived fields and metadata -----------------------------------------------------
    async def publish_calibration(self) -> None:
        """Re-derive every user-coordinate field from the dial values and OFF/DIR."""
        f, cal = self.axis.fields, self.axis.cal
        dllm, dhlm = f.DLLM.value, f.DHLM.value
        llm, hlm = cal.user_limits(dllm, dhlm)
        alarm_limits = dict(upper_alarm_limit=f.HIHI.value, upper_warning_limit=f.HIGH.value,
                            lower_warning_limit=f.LOW.value, lower_alarm_limit=f.LOLO.value)
        for setpoint, readback, low, high in ((f.VAL, f.RBV, llm, hlm),
                                              (f.DVAL, f.DRBV, dllm, dhlm)):
            limits = dict(lower_ctrl_limit=low, upper_ctrl_limit=high, lower_disp_limit=low,
                          upper_disp_limit=high)
            await setpoint.write_metadata(**limits, **alarm_limits)
            await readback.write_metadata(**limits)
        await f.VELO.write_metadata(lower_ctrl_limit=f.VBAS.value,
                                    upper_ctrl_limit=f.VMAX.value)
        await f.OFF.set(cal.off)
        await f.DIR.set("Pos" if cal.sign > 0 else "Neg")
        await self.readbacks.publish_setpoint(f.DVAL.value)
        await self.readbacks.publish_readback()
        # Last: a client that re-reads VAL's limits on these monitors (ophyd) must not see
        # a VAL update after them carrying the limits it cached before.
        await f.LLM.set(llm)
        await f.HLM.set(hlm)

    async def publish_units(self) -> None:
        """Every field's units for the current EGU; positions and speeds get PREC."""
        egu, prec = self.axis.fields.EGU.value, self.axis.fields.PREC.value
        for field in self.axis.fields:
            if field.setting.units:
                extra = {"precision": prec} if field.setting.kind == "float" else {}
                await field.write_metadata(units=served_units(field.setting, egu), **extra)

    async def enforce_settings(self) -> None:
        """Restored settings made consistent the way the record's init does."""
        f = self.axis.fields
        if f.SREV.value <= 0:
            await f.SREV.set(200)
        for row in (_F.VMAX, _F.VBAS, _F.ACCL, _F.BACC, _F.ERES, _F.RDBD):
            current = self._reconcilable()
            await self._write_all(reconcile(row.name, current[row.name], current))
        await f.UREV.set(f.MRES.value * f.SREV.value)
        if f.UEIP.value == "Yes" and not self.axis.options.encoder:
            await f.UEIP.set("No")
