"""Coordinates, limits and settings of the motor record (``special``, ``set_*limit``, SET mode).

``user = dial x (DIR sign) + OFF``. DIR and SET-mode writes move OFF when FOFF is Variable
and the dial when it is Frozen; user limits write the dial limit they correspond to. Settings
are validated by their row in :data:`iocs.motor.fields.FIELDS` (values no motor could use are
refused) and then clamped the way the record clamps them (:func:`iocs.motor.rules.reconcile`).
VAL's and DVAL's control limits change, and VAL is posted, before HLM/LLM are, so a client
that re-reads its limits on those monitors (ophyd) sees the new range at once.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from ..common.channels import is_action
from .fields import FIELDS
from .motion import Calibration
from .rules import raw_steps, reconcile

logger = logging.getLogger(__name__)

__all__ = ["CoordinateSettings"]

#: Settings whose writes go through the record's clamping rules.
RECONCILED = ("VBAS", "VMAX", "VELO", "BVEL", "JVEL", "HVEL", "ACCL", "BACC", "FRAC", "JAR",
              "SREV", "UREV", "MRES", "ERES", "DLY", "RDBD", "BDST")
RESOLUTION = ("MRES", "UREV", "SREV", "ERES", "UEIP")
UNIT_SUFFIX = {"EGU/s": "/sec", "EGU/s/s": "/s/s", "EGU/rev": "/rev"}


class CoordinateSettings:
    """Handlers of the coordinate, limit and setting fields of the motor record."""

    if TYPE_CHECKING:        # the rest of the record this mixes into
        cal: Calibration
        ldvl: float

        def __getattr__(self, name: str) -> Any: ...

    async def _put_setting(self, instance: Any, value: Any) -> Any:
        name = instance.pvname.rsplit(".", 1)[1]
        number = FIELDS[name].coerce(value, instance.pvname)
        if name in RECONCILED:
            current = {k: self.value(k) for k in RECONCILED}
            changes = reconcile(name, number, current)
            if "MRES" in changes:
                self._check_resolution(changes["MRES"], instance.pvname)
            number = changes.pop(name)
            for other, new in changes.items():
                await self.field(other).write(new, verify_value=False)
        await instance.write(number, verify_value=False)
        if name in ("EGU", "PREC"):
            await self.publish_units()
        if name in RESOLUTION:
            await self.publish_setpoint(self.value("DVAL"))
            await self.publish_readback()
        if name in ("VBAS", "VMAX", "HIHI", "HIGH", "LOW", "LOLO", "HLSV"):
            await self.publish_calibration()
        self.on_change()
        return number

    def _check_resolution(self, mres: float, what: str) -> None:
        """Refuse a resolution under which the position or target leaves the raw range."""
        FIELDS["MRES"].coerce(mres, what)
        raw_steps(self.mover.position, mres, f"{what}: the position")
        raw_steps(self.value("DVAL"), mres, f"{what}: the setpoint")

    async def _put_UEIP(self, instance: Any, value: str) -> Any:
        if value == "Yes" and not self.options.encoder:
            value = "No"          # the record overrides UEIP when no encoder is present
        return await self._put_setting(instance, value)

    async def _put_OFF(self, instance: Any, value: Any) -> float:
        off = FIELDS["OFF"].coerce(value, instance.pvname)
        self.cal = Calibration(off, self.cal.sign)
        await self.publish_calibration()
        self.on_change()
        return off

    async def _put_DIR(self, instance: Any, value: str) -> str:
        sign = -1 if value == "Neg" else 1
        if self.value("FOFF") == "Frozen":
            self.cal = Calibration(self.cal.off, sign)
        else:                                   # keep the user position, move the offset
            self.cal = Calibration(self.value("VAL") - self.value("DVAL") * sign, sign)
        await self._set("DIR", value)
        await self.publish_calibration()
        self.on_change()
        return value

    async def _set_mode(self, instance: Any, value: Any, mode: str) -> int:
        if is_action(value, instance.pvname):
            await self._set("SET", mode)
        return 0

    async def _put_SSET(self, instance: Any, value: Any) -> int:
        return await self._set_mode(instance, value, "Set")

    async def _put_SUSE(self, instance: Any, value: Any) -> int:
        return await self._set_mode(instance, value, "Use")

    async def _put_HLM(self, instance: Any, value: Any) -> float:
        return await self._user_limit(instance, value, high=True)

    async def _put_LLM(self, instance: Any, value: Any) -> float:
        return await self._user_limit(instance, value, high=False)

    async def _user_limit(self, instance: Any, value: Any, high: bool) -> float:
        user = FIELDS["HLM" if high else "LLM"].coerce(value, instance.pvname)
        name, dial = self.cal.dial_limit_for(user, high)
        await self.field(name).write(dial, verify_value=False)
        await self.publish_calibration()
        self.on_change()
        return user

    async def _put_DHLM(self, instance: Any, value: Any) -> float:
        return await self._dial_limit(instance, value)

    async def _put_DLLM(self, instance: Any, value: Any) -> float:
        return await self._dial_limit(instance, value)

    async def _dial_limit(self, instance: Any, value: Any) -> float:
        dial = FIELDS[instance.pvname.rsplit(".", 1)[1]].coerce(value, instance.pvname)
        await instance.write(dial, verify_value=False)
        await self.publish_calibration()
        self.on_change()
        return dial

    async def redefine(self, *, user: Optional[float] = None,
                       dial: Optional[float] = None) -> None:
        """SET mode: make the current position read ``user`` (or ``dial``) without moving."""
        if self.mover.moving:
            raise ValueError(f"{self.prefix}: cannot redefine the position while moving")
        if user is not None and self.value("FOFF") == "Variable":
            self.cal = Calibration(user - self.cal.sign * self.value("DVAL"), self.cal.sign)
        else:
            if user is None and dial is None:
                raise ValueError(f"{self.prefix}: redefine needs a user or a dial position")
            new_dial = self.cal.dial(user) if user is not None else float(dial)  # type: ignore[arg-type]
            raw_steps(new_dial, self.value("MRES"), f"{self.prefix} new position")
            self.mover.shift(new_dial - self.mover.position)
            await self._set("DVAL", new_dial)
            self.ldvl = new_dial
        await self.publish_calibration()
        self.on_change()

    # ---- derived fields and metadata -----------------------------------------------------
    async def publish_calibration(self) -> None:
        """Re-derive every user-coordinate field from the dial values and OFF/DIR."""
        dllm, dhlm = self.value("DLLM"), self.value("DHLM")
        llm, hlm = self.cal.user_limits(dllm, dhlm)
        alarm_limits = dict(upper_alarm_limit=self.value("HIHI"),
                            upper_warning_limit=self.value("HIGH"),
                            lower_warning_limit=self.value("LOW"),
                            lower_alarm_limit=self.value("LOLO"))
        for names, low, high in ((("VAL", "RBV"), llm, hlm), (("DVAL", "DRBV"), dllm, dhlm)):
            for name in names:
                extra = alarm_limits if name in ("VAL", "DVAL") else {}
                await self.field(name).write_metadata(
                    lower_ctrl_limit=low, upper_ctrl_limit=high, lower_disp_limit=low,
                    upper_disp_limit=high, **extra)
        await self.VELO.write_metadata(lower_ctrl_limit=self.value("VBAS"),
                                       upper_ctrl_limit=self.value("VMAX"))
        await self._set("OFF", self.cal.off)
        await self._set("DIR", "Pos" if self.cal.sign > 0 else "Neg")
        await self.publish_setpoint(self.value("DVAL"))
        await self.publish_readback()
        # Last: a client that re-reads VAL's limits on these monitors (ophyd) must not see
        # a VAL update after them carrying the limits it cached before.
        await self._set("LLM", llm)
        await self._set("HLM", hlm)

    async def publish_units(self) -> None:
        egu, prec = self.value("EGU"), self.value("PREC")
        for setting in FIELDS:
            if not setting.units:
                continue
            units = egu + UNIT_SUFFIX[setting.units] if setting.units in UNIT_SUFFIX else \
                (egu if setting.units == "EGU" else setting.units)
            extra = {"precision": prec} if setting.kind == "float" else {}
            await self.field(setting.name).write_metadata(units=units, **extra)

    async def enforce_settings(self) -> None:
        """Restored settings made consistent the way the record's init does."""
        if self.value("SREV") <= 0:
            await self._set("SREV", 200)
        for name in ("VMAX", "VBAS", "ACCL", "BACC", "ERES", "RDBD"):
            current = {k: self.value(k) for k in RECONCILED}
            for other, new in reconcile(name, current[name], current).items():
                await self.field(other).write(new, verify_value=False)
        await self._set("UREV", self.value("MRES") * self.value("SREV"))
        if self.value("UEIP") == "Yes" and not self.options.encoder:
            await self._set("UEIP", "No")
