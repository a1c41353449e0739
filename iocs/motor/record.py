"""One mock EPICS motor record as a caproto PVGroup: fields, putters, autosave state.

:mod:`iocs.motor.motion` does the physics and :mod:`iocs.motor.mover` the real-time motion; this module
moves values between them and the motor-record fields. A CA put-with-callback to ``.VAL``
completes when the move is done (DMOV=1), as on a real IOC.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Dict, Optional

from caproto import ChannelType, SkipWrite
from caproto.server import PVGroup

from ..common.channels import RECORD_TYPE_MAP, as_scalar, field, finite_float
from .motion import Calibration, msta_word, validate_setting, within_dial_limits
from .mover import Mover

logger = logging.getLogger(__name__)

__all__ = ["MotorRecord", "LimitViolation", "POSITION_FIELDS", "SAVED_FIELDS"]

#: Fields whose values are positions: they carry EGU and PREC as CA metadata.
POSITION_FIELDS = ("VAL", "DVAL", "RBV", "DRBV", "HLM", "LLM", "DHLM", "DLLM", "TWV", "RLV",
                   "OFF", "DIFF", "RDBD")
#: Settings kept by autosave, restored in this order.
SAVED_FIELDS = ("MRES", "EGU", "DESC", "PREC", "VMAX", "VELO", "VBAS", "ACCL", "HVEL", "JVEL",
                "JAR", "RDBD", "TWV", "DIR", "OFF", "FOFF", "DHLM", "DLLM")
ENUM = ChannelType.ENUM


async def _flush_monitors() -> None:
    """Give monitor updates already posted time to leave before a put's reply does.

    caproto queues monitors but sends a put's reply at once; a real IOC posts the record's
    monitors first, and clients (pyepics' Motor checking LVIO, scripts reading DMOV from
    their monitor cache) rely on that order.
    """
    await asyncio.sleep(0.01)


class LimitViolation(ValueError):
    """A requested move lies outside the soft limits."""


class MotorRecord(PVGroup):
    """One simulated motor record: ``<prefix>.VAL``, ``<prefix>.RBV``, ... plus ``<prefix>.running``."""

    type_map = RECORD_TYPE_MAP

    VAL = field("VAL", 0.0, "User setpoint: a put moves the motor there", precision=3)
    DVAL = field("DVAL", 0.0, "Dial setpoint", precision=3)
    RVAL = field("RVAL", 0, "Raw setpoint in motor steps (DVAL / MRES)")
    RLV = field("RLV", 0.0, "Relative move: a put moves by this much", precision=3)
    RBV = field("RBV", 0.0, "User readback", precision=3, read_only=True)
    DRBV = field("DRBV", 0.0, "Dial readback", precision=3, read_only=True)
    RRBV = field("RRBV", 0, "Raw readback in motor steps", read_only=True)
    DIFF = field("DIFF", 0.0, "Difference RBV - VAL", precision=3, read_only=True)
    DMOV = field("DMOV", 1, "Done moving: 0 from the start of a move until RBV is final",
                 read_only=True)
    MOVN = field("MOVN", 0, "Motor is moving", read_only=True)
    running = field("running", 0, "Seed name for MOVN (1 while moving)", read_only=True)
    STOP = field("STOP", 0, "Write 1 to stop (decelerating); VAL becomes RBV")
    SPMG = field("SPMG", "Go", "Stop / Pause / Move (once) / Go", dtype=ENUM,
                 enum_strings=("Stop", "Pause", "Move", "Go"))
    VELO = field("VELO", 1.0, "Slew speed (EGU/s)", precision=3)
    VBAS = field("VBAS", 0.0, "Base speed (EGU/s): start and stop speed", precision=3)
    VMAX = field("VMAX", 100.0, "Maximum speed (EGU/s); 0 means no maximum", precision=3)
    ACCL = field("ACCL", 0.2, "Seconds to accelerate from VBAS to VELO", precision=3)
    HVEL = field("HVEL", 1.0, "Homing speed (EGU/s)", precision=3)
    JVEL = field("JVEL", 1.0, "Jog speed (EGU/s)", precision=3)
    JAR = field("JAR", 5.0, "Jog acceleration (EGU/s^2); 0 means instant", precision=3)
    RDBD = field("RDBD", 0.001, "Retry deadband: a move ends within this of its target",
                 precision=4)
    MRES = field("MRES", 0.0001, "Motor resolution (EGU per step)", precision=6)
    PREC = field("PREC", 3, "Display precision of positions")
    EGU = field("EGU", "mm", "Engineering units")
    DESC = field("DESC", "", "Description")
    RTYP = field("RTYP", "motor", "Record type", read_only=True)
    STAT = field("STAT", "NO_ALARM", "Alarm status", read_only=True)
    TWV = field("TWV", 1.0, "Tweak step", precision=3)
    TWF = field("TWF", 0, "Write 1 to tweak forward by TWV")
    TWR = field("TWR", 0, "Write 1 to tweak reverse by TWV")
    HOMF = field("HOMF", 0, "Write 1 to home forward; sets the homed bit in MSTA")
    HOMR = field("HOMR", 0, "Write 1 to home reverse; sets the homed bit in MSTA")
    JOGF = field("JOGF", 0, "Jog forward while 1 (at JVEL)")
    JOGR = field("JOGR", 0, "Jog reverse while 1 (at JVEL)")
    HLM = field("HLM", 100.0, "User high soft limit", precision=3)
    LLM = field("LLM", -100.0, "User low soft limit", precision=3)
    DHLM = field("DHLM", 100.0, "Dial high soft limit (DHLM = DLLM = 0: no limits)",
                 precision=3)
    DLLM = field("DLLM", -100.0, "Dial low soft limit", precision=3)
    HLS = field("HLS", 0, "At high limit (user direction)", read_only=True)
    LLS = field("LLS", 0, "At low limit (user direction)", read_only=True)
    LVIO = field("LVIO", 0, "The last requested move violated a soft limit", read_only=True)
    OFF = field("OFF", 0.0, "User offset: user = dial * (DIR sign) + OFF", precision=3)
    DIR = field("DIR", "Pos", "User direction relative to dial", dtype=ENUM,
                enum_strings=("Pos", "Neg"))
    SET = field("SET", "Use", "Use: VAL moves; Set: VAL redefines the position", dtype=ENUM,
                enum_strings=("Use", "Set"))
    FOFF = field("FOFF", "Variable", "In Set mode, Variable changes OFF, Frozen the dial",
                 dtype=ENUM, enum_strings=("Variable", "Frozen"))
    MSTA = field("MSTA", 0, "Motor status bits (done, moving, limits, homed, ...)",
                 read_only=True)
    TDIR = field("TDIR", 0, "Direction of the last travel: 1 positive (dial)", read_only=True)
    ATHM = field("ATHM", 0, "At home position", read_only=True)
    CNEN = field("CNEN", "Enable", "Torque enable", dtype=ENUM,
                 enum_strings=("Disable", "Enable"))
    disable = field("DISA", 0, "Disable: 1 refuses moves")

    def __init__(self, prefix: str, *, home: float = 0.0, update_rate: float = 20.0,
                 on_change: Optional[Callable[[], None]] = None, **kwargs: Any) -> None:
        super().__init__(prefix, **kwargs)
        self.home_position = home
        self.on_change = on_change or (lambda: None)
        self.cal = Calibration()
        self.mover = Mover(1.0 / update_rate, on_start=lambda: self._publish_motion(True),
                           on_tick=self._publish_position, on_finish=self._finish_move,
                           on_idle=self._publish_status)
        self._sync_val = False                      # after stop/jog/home: VAL := RBV
        self._homing = False
        self._homed = False
        self._jogging: Optional[str] = None
        self.pvdb[self.prefix] = self.VAL           # the record name alone reads VAL
        self.pvdb[self.prefix + "_able.VAL"] = self.disable  # pyepics' Motor looks for it

    # ---- state shown to clients -------------------------------------------------------
    @property
    def moving(self) -> bool:
        return self.mover.moving

    @property
    def position(self) -> float:
        """The dial position."""
        return self.mover.position

    @position.setter
    def position(self, dial: float) -> None:
        self.mover.position = dial

    def limits_dial(self) -> tuple:
        return self.DLLM.value, self.DHLM.value

    async def _set(self, name: str, value: Any) -> None:
        """Write a field from inside the IOC (no putter), only when it changes."""
        channel = getattr(self, name)
        if channel.value != value:
            await channel.write(value, verify_value=False)

    async def _publish_setpoint(self, dial: float) -> None:
        await self._set("DVAL", dial)
        await self._set("VAL", self.cal.user(dial))
        await self._set("RVAL", int(round(dial / self.MRES.value)))
        await self._set("DIFF", self.RBV.value - self.VAL.value)

    async def _publish_position(self, direction: int = 0) -> None:
        dial = self.position
        await self._set("DRBV", dial)
        await self._set("RBV", self.cal.user(dial))
        await self._set("RRBV", int(round(dial / self.MRES.value)))
        await self._set("DIFF", self.RBV.value - self.VAL.value)
        if direction:
            await self._set("TDIR", int(direction > 0))
        await self._publish_status()

    async def _publish_status(self) -> None:
        dllm, dhlm = self.limits_dial()
        enabled = not (dllm == 0.0 and dhlm == 0.0)
        tol = max(self.RDBD.value, 1e-9)
        plus = enabled and self.position >= dhlm - tol
        minus = enabled and self.position <= dllm + tol
        high, low = (plus, minus) if self.cal.sign > 0 else (minus, plus)
        at_home = self._homed and abs(self.position - self.home_position) <= tol
        await self._set("HLS", int(high))
        await self._set("LLS", int(low))
        await self._set("ATHM", int(at_home))
        await self._set("MSTA", msta_word(
            done=not self.moving, moving=self.moving, positive=bool(self.TDIR.value),
            plus_ls=plus, minus_ls=minus, homed=self._homed, at_home=at_home))

    async def _publish_calibration(self) -> None:
        """Re-derive every user-coordinate field from the dial values and OFF/DIR."""
        await self._set("OFF", self.cal.off)
        await self._set("DIR", "Pos" if self.cal.sign > 0 else "Neg")
        llm, hlm = self.cal.user_limits(*self.limits_dial())
        await self._set("LLM", llm)
        await self._set("HLM", hlm)
        await self.VAL.write_metadata(lower_ctrl_limit=llm, upper_ctrl_limit=hlm,
                                      lower_disp_limit=llm, upper_disp_limit=hlm)
        await self.DVAL.write_metadata(lower_ctrl_limit=self.DLLM.value,
                                       upper_ctrl_limit=self.DHLM.value)
        await self._publish_setpoint(self.DVAL.value)
        await self._publish_position()

    async def _publish_units(self) -> None:
        for name in POSITION_FIELDS:
            await getattr(self, name).write_metadata(units=self.EGU.value,
                                                     precision=self.PREC.value)

    # ---- motion --------------------------------------------------------------------------
    def _check_can_move(self) -> None:
        if self.disable.value:
            raise ValueError(f"{self.prefix} is disabled (DISA=1)")
        if self.SPMG.value == "Stop":
            raise ValueError(f"{self.prefix}: SPMG is Stop; set it to Go to move")
        if self.CNEN.value == "Disable":
            raise ValueError(f"{self.prefix}: torque disabled (CNEN=Disable)")

    async def _check_limits(self, dial: float, what: str) -> None:
        dllm, dhlm = self.limits_dial()
        if not within_dial_limits(dial, dllm, dhlm):
            await self._set("LVIO", 1)
            await _flush_monitors()
            llm, hlm = self.cal.user_limits(dllm, dhlm)
            raise LimitViolation(f"{what}: {self.cal.user(dial):g} is outside the soft limits "
                                 f"[{llm:g}, {hlm:g}] (LVIO=1)")
        await self._set("LVIO", 0)

    async def _request_move(self, dial: float, what: str, *, velo: Optional[float] = None,
                            accl: Optional[float] = None) -> None:
        """Validate and start (or, when paused, queue) a move to ``dial``."""
        self._check_can_move()
        await self._check_limits(dial, what)
        await self._publish_setpoint(dial)
        if self.SPMG.value == "Pause":
            self.mover.hold()
            return
        self._start(dial, velo, accl)

    def _start(self, dial: float, velo: Optional[float] = None,
               accl: Optional[float] = None) -> None:
        self.mover.start(dial, vbas=self.VBAS.value,
                         velo=self.VELO.value if velo is None else velo,
                         accl=self.ACCL.value if accl is None else accl)

    def _stop(self, *, sync_val: bool = True) -> None:
        self._homing = False
        self.mover.stop()
        self._sync_val = self._sync_val or sync_val

    async def _finish_move(self, direction: int, restarting: bool) -> None:
        await self._publish_position(direction)
        if self._homing:
            self._homing = False
            self._homed = True
        if self._jogging:
            await getattr(self, self._jogging).write(0, verify_value=False)
            self._jogging = None
        if self._sync_val and not restarting:
            self._sync_val = False
            await self._publish_setpoint(self.position)
        if self.SPMG.value == "Move" and not self.mover.pending:
            await self.SPMG.write("Pause", verify_value=False)
        await self._publish_motion(False)
        self.on_change()

    async def _publish_motion(self, moving: bool) -> None:
        await self._set("DMOV", int(not moving))
        await self._set("MOVN", int(moving))
        await self._set("running", int(moving))

    async def _move_and_wait(self, dial: float, what: str, **kwargs: Any) -> None:
        await self._request_move(dial, what, **kwargs)
        await self.mover.settled.wait()
        await _flush_monitors()

    # ---- putters: moves ------------------------------------------------------------------
    @VAL.putter
    async def VAL(self, instance, value):
        user = finite_float(value, f"{self.prefix}.VAL")
        if self.SET.value == "Set":
            await self._redefine(user=user)
            return SkipWrite
        await self._move_and_wait(self.cal.dial(user), f"{self.prefix}.VAL")
        return SkipWrite

    @DVAL.putter
    async def DVAL(self, instance, value):
        dial = finite_float(value, f"{self.prefix}.DVAL")
        if self.SET.value == "Set":
            await self._redefine(dial=dial)
            return SkipWrite
        await self._move_and_wait(dial, f"{self.prefix}.DVAL")
        return SkipWrite

    @RVAL.putter
    async def RVAL(self, instance, value):
        steps = finite_float(value, f"{self.prefix}.RVAL")
        dial = steps * self.MRES.value
        if self.SET.value == "Set":
            await self._redefine(dial=dial)
        else:
            await self._move_and_wait(dial, f"{self.prefix}.RVAL")
        return SkipWrite

    @RLV.putter
    async def RLV(self, instance, value):
        step = finite_float(value, f"{self.prefix}.RLV")
        await self._move_and_wait(self.cal.dial(self.VAL.value + step), f"{self.prefix}.RLV")
        return 0.0

    @TWF.putter
    async def TWF(self, instance, value):
        if as_scalar(value):
            target = self.VAL.value + self.TWV.value
            await self._move_and_wait(self.cal.dial(target), f"{self.prefix}.TWF")
        return 0

    @TWR.putter
    async def TWR(self, instance, value):
        if as_scalar(value):
            target = self.VAL.value - self.TWV.value
            await self._move_and_wait(self.cal.dial(target), f"{self.prefix}.TWR")
        return 0

    @HOMF.putter
    async def HOMF(self, instance, value):
        return await self._home(instance, value)

    @HOMR.putter
    async def HOMR(self, instance, value):
        return await self._home(instance, value)

    async def _home(self, instance, value) -> int:
        if not as_scalar(value):
            return 0
        self._check_can_move()
        await self._check_limits(self.home_position, f"{instance.pvname} (home position)")
        await instance.write(1, verify_value=False)
        self._start(self.home_position, velo=self.HVEL.value)
        self._homing = True
        self._sync_val = True
        await self.mover.settled.wait()
        await _flush_monitors()
        return 0

    @JOGF.putter
    async def JOGF(self, instance, value):
        return await self._jog("JOGF", value, +1)

    @JOGR.putter
    async def JOGR(self, instance, value):
        return await self._jog("JOGR", value, -1)

    async def _jog(self, name: str, value: Any, user_sign: int) -> int:
        if not as_scalar(value):
            if self._jogging == name:
                self._stop()
            return 0
        self._check_can_move()
        dial_sign = user_sign * self.cal.sign
        dllm, dhlm = self.limits_dial()
        if dllm == 0.0 and dhlm == 0.0:
            target = self.position + dial_sign * 1e9
        else:
            target = dhlm if dial_sign > 0 else dllm
        jvel, jar = self.JVEL.value, self.JAR.value
        accl = max(jvel - self.VBAS.value, 0.0) / jar if jar > 0 else 0.0
        self._jogging = name
        self._sync_val = True
        self._start(target, velo=jvel, accl=accl)
        return 1

    @STOP.putter
    async def STOP(self, instance, value):
        if as_scalar(value):
            self._stop()
            if not self.moving:
                await self._settle_idle(sync_val=True)
        return 0

    async def _settle_idle(self, sync_val: bool) -> None:
        if sync_val:
            self._sync_val = False
            await self._publish_setpoint(self.position)
        self.mover.release()

    @SPMG.putter
    async def SPMG(self, instance, value):
        if value == "Stop":
            self.mover.pending = False
            self._stop()
            if not self.moving:
                await self._settle_idle(sync_val=True)
        elif value == "Pause":
            if self.moving:
                self._stop(sync_val=False)
                self.mover.hold()
        elif self.mover.pending or abs(self.DVAL.value - self.position) > self.RDBD.value:
            self._start(self.DVAL.value)
        elif value == "Move":
            return "Pause"
        return value

    async def _redefine(self, *, user: Optional[float] = None,
                        dial: Optional[float] = None) -> None:
        """SET mode: make the current position read ``user`` (or ``dial``) without moving."""
        if self.moving:
            raise ValueError(f"{self.prefix}: cannot redefine the position while moving")
        if user is not None and self.FOFF.value == "Variable":
            self.cal = Calibration(user - self.cal.sign * self.position, self.cal.sign)
        else:
            self.position = self.cal.dial(user) if user is not None else dial
        await self._set("DVAL", self.position)    # the setpoint is where the motor now is
        await self._publish_calibration()
        self.on_change()

    # ---- putters: settings ---------------------------------------------------------------
    async def _setting(self, instance, value):
        name = instance.pvname.rsplit(".", 1)[1]
        number = validate_setting(name, finite_float(value, instance.pvname), instance.pvname,
                                  vmax=self.VMAX.value, vbas=self.VBAS.value,
                                  velo=self.VELO.value)
        self.on_change()
        return number

    for _name in ("VELO", "VBAS", "VMAX", "ACCL", "HVEL", "JVEL", "JAR", "RDBD", "TWV"):
        locals()[_name].putter(_setting)
    del _name

    @PREC.putter
    async def PREC(self, instance, value):
        number = await self._setting(instance, value)
        await instance.write(number, verify_value=False)
        await self._publish_units()
        return number

    @MRES.putter
    async def MRES(self, instance, value):
        number = await self._setting(instance, value)
        await instance.write(number, verify_value=False)
        await self._publish_setpoint(self.DVAL.value)
        await self._publish_position()
        return number

    @EGU.putter
    async def EGU(self, instance, value):
        await instance.write(value, verify_value=False)
        await self._publish_units()
        self.on_change()
        return value

    @DESC.putter
    async def DESC(self, instance, value):
        self.on_change()
        return value

    @OFF.putter
    async def OFF(self, instance, value):
        self.cal = Calibration(finite_float(value, f"{self.prefix}.OFF"), self.cal.sign)
        await self._publish_calibration()
        self.on_change()
        return self.cal.off

    @DIR.putter
    async def DIR(self, instance, value):
        self.cal = Calibration(self.cal.off, -1 if value == "Neg" else 1)
        await self._publish_calibration()
        self.on_change()
        return value

    @FOFF.putter
    async def FOFF(self, instance, value):
        self.on_change()
        return value

    @HLM.putter
    async def HLM(self, instance, value):
        return await self._user_limit(value, high=True)

    @LLM.putter
    async def LLM(self, instance, value):
        return await self._user_limit(value, high=False)

    async def _user_limit(self, value: Any, high: bool) -> float:
        user = finite_float(value, f"{self.prefix}.{'HLM' if high else 'LLM'}")
        name, dial = self.cal.dial_limit_for(user, high)
        await getattr(self, name).write(dial, verify_value=False)
        await self._publish_calibration()
        self.on_change()
        return user

    @DHLM.putter
    async def DHLM(self, instance, value):
        return await self._dial_limit(instance, value)

    @DLLM.putter
    async def DLLM(self, instance, value):
        return await self._dial_limit(instance, value)

    async def _dial_limit(self, instance, value: Any) -> float:
        dial = finite_float(value, instance.pvname)
        await instance.write(dial, verify_value=False)
        await self._publish_calibration()
        self.on_change()
        return dial

    # ---- autosave ------------------------------------------------------------------------
    def settings(self) -> Dict[str, Any]:
        """What autosave keeps for this axis."""
        saved = {name: getattr(self, name).value for name in SAVED_FIELDS}
        saved.update(position=self.position, homed=self._homed)
        return saved

    async def restore(self, saved: Dict[str, Any]) -> None:
        """Apply saved settings (each validated; a bad one is logged and skipped)."""
        for name in SAVED_FIELDS:
            if name in saved:
                try:
                    await getattr(self, name).write(saved[name])
                except Exception as ex:
                    logger.warning("%s: ignoring saved %s=%r: %s", self.prefix, name,
                                   saved[name], ex)
        try:
            self.position = finite_float(saved.get("position", self.position), "position")
        except ValueError as ex:
            logger.warning("%s: ignoring saved position: %s", self.prefix, ex)
        self._homed = bool(saved.get("homed", False))
        await self.startup_publish()

    async def startup_publish(self) -> None:
        """Make every derived field agree with the state before clients connect."""
        await self._publish_units()
        await self._publish_setpoint(self.position)
        await self._publish_calibration()
        await self._publish_motion(False)
