"""Motor IOC: mock EPICS motor records that real motor clients drive unchanged.

One :class:`MotorRecord` PVGroup per axis (``BEAMLINE:motor``, ``BEAMLINE:m2``, ...) serves the
motor-record fields; :mod:`iocs.motion` does the physics. A CA put-with-callback to ``.VAL``
completes when the move is done (DMOV=1), as on a real IOC.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from caproto import ChannelType
from caproto import SkipWrite
from caproto.server import PVGroup, run, template_arg_parser

from .autosave import AutosaveFile
from .channels import RECORD_TYPE_MAP, as_scalar, field, finite_float
from .motion import Calibration, Profile, msta_word, trapezoid_profile, within_dial_limits

logger = logging.getLogger(__name__)

__all__ = ["MotorRecord", "MotorIOC", "LimitViolation", "build_parser", "pv_groups", "main"]

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


def _positive(value: Any, what: str) -> float:
    number = finite_float(value, what)
    if number <= 0:
        raise ValueError(f"{what} must be > 0, not {number}")
    return number


def _non_negative(value: Any, what: str) -> float:
    number = finite_float(value, what)
    if number < 0:
        raise ValueError(f"{what} must be >= 0, not {number}")
    return number


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
        self.update_period = 1.0 / update_rate
        self.on_change = on_change or (lambda: None)
        self.cal = Calibration()
        self.position = 0.0                         # dial position
        self.profile: Optional[Profile] = None
        self._queued: Optional[tuple] = None        # (dial, velo, accl) after a deceleration
        self._task: Optional[asyncio.Task] = None
        self._restart = False
        self._following = False
        self._pending = False                       # a target waits for SPMG Go/Move
        self._sync_val = False                      # after stop/jog/home: VAL := RBV
        self._homing = False
        self._homed = False
        self._jogging: Optional[str] = None
        self._settled = asyncio.Event()
        self._settled.set()
        self.pvdb[self.prefix] = self.VAL           # the record name alone reads VAL
        self.pvdb[self.prefix + "_able.VAL"] = self.disable  # pyepics' Motor looks for it

    # ---- state shown to clients -------------------------------------------------------
    @property
    def moving(self) -> bool:
        return self._task is not None

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
            self._pending = True
            self._settled.clear()
            return
        self._start(dial, velo, accl)

    def _start(self, dial: float, velo: Optional[float] = None,
               accl: Optional[float] = None) -> None:
        now = time.monotonic()
        velo = self.VELO.value if velo is None else velo
        accl = self.ACCL.value if accl is None else accl
        self._settled.clear()
        self._pending = False
        if self.profile is not None and self.profile.done(now):
            self.position = self.profile.target     # the mover has not woken up yet
        if self.profile is not None and not self.profile.done(now):
            self.profile = self.profile.decelerated(now)   # stop first, as the record does
            self._queued = (dial, velo, accl)
        else:
            self.profile = trapezoid_profile(self.position, dial, vbas=self.VBAS.value,
                                             velo=velo, accl=accl, t0=now)
            self._queued = None
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        elif not self._following:
            self._restart = True                    # the mover is finishing: go round again

    def _stop(self, *, sync_val: bool = True) -> None:
        now = time.monotonic()
        self._queued = None
        self._homing = False
        if self.profile is not None and not self.profile.done(now):
            self.profile = self.profile.decelerated(now)
        self._sync_val = self._sync_val or sync_val

    async def _run(self) -> None:
        try:
            while True:
                self._restart = False
                await self._publish_motion(True)
                self._following = True
                try:
                    await self._follow_profile()
                finally:
                    self._following = False
                await self._finish_move()
                if not self._restart:
                    break
        finally:
            self._task = None
            self.profile = None
            if not self._pending:
                self._settled.set()
        await self._publish_status()

    async def _follow_profile(self) -> None:
        next_tick = time.monotonic()
        while True:
            now = time.monotonic()
            profile = self.profile
            if profile.done(now):
                self.position = profile.target
                if self._queued is None:
                    return
                dial, velo, accl = self._queued
                self._queued = None
                self.profile = trapezoid_profile(self.position, dial, vbas=self.VBAS.value,
                                                 velo=velo, accl=accl, t0=now)
                continue
            self.position = profile.position(now)
            await self._publish_position(profile.direction)
            next_tick += self.update_period
            if next_tick <= now:
                next_tick = now + self.update_period
            await asyncio.sleep(max(0.0, min(next_tick, profile.end_time) - now))

    async def _finish_move(self) -> None:
        direction = self.profile.direction if self.profile else 0
        await self._publish_position(direction)
        if self._homing:
            self._homing = False
            self._homed = True
        if self._jogging:
            await getattr(self, self._jogging).write(0, verify_value=False)
            self._jogging = None
        if self._sync_val and not self._restart:
            self._sync_val = False
            await self._publish_setpoint(self.position)
        if self.SPMG.value == "Move" and not self._pending:
            await self.SPMG.write("Pause", verify_value=False)
        await self._publish_motion(False)
        self.on_change()

    async def _publish_motion(self, moving: bool) -> None:
        await self._set("DMOV", int(not moving))
        await self._set("MOVN", int(moving))
        await self._set("running", int(moving))

    async def _move_and_wait(self, dial: float, what: str, **kwargs: Any) -> None:
        await self._request_move(dial, what, **kwargs)
        await self._settled.wait()
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
        await self._settled.wait()
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
        self._pending = False
        if sync_val:
            self._sync_val = False
            await self._publish_setpoint(self.position)
        self._settled.set()

    @SPMG.putter
    async def SPMG(self, instance, value):
        if value == "Stop":
            self._pending = False
            self._stop()
            if not self.moving:
                await self._settle_idle(sync_val=True)
        elif value == "Pause":
            if self.moving:
                self._stop(sync_val=False)
                self._pending = True
        elif self._pending or abs(self.DVAL.value - self.position) > self.RDBD.value:
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
            await self._set("DVAL", self.position)
        await self._publish_calibration()
        await self._publish_setpoint(self.position)
        self.on_change()

    # ---- putters: settings ---------------------------------------------------------------
    def _validated(self, name: str, value: Any) -> Any:
        what = f"{self.prefix}.{name}"
        if name in ("VELO", "HVEL", "JVEL", "ACCL", "MRES"):
            number = _positive(value, what)
            vmax = self.VMAX.value
            if name in ("VELO", "HVEL", "JVEL") and vmax > 0 and number > vmax:
                raise ValueError(f"{what}: {number} exceeds VMAX={vmax}")
            if name == "VELO" and number < self.VBAS.value:
                raise ValueError(f"{what}: {number} is below VBAS={self.VBAS.value}")
            return number
        if name == "VBAS":
            number = _non_negative(value, what)
            if number > self.VELO.value:
                raise ValueError(f"{what}: {number} exceeds VELO={self.VELO.value}")
            return number
        if name in ("VMAX", "JAR", "RDBD"):
            return _non_negative(value, what)
        if name == "PREC":
            number = finite_float(value, what)
            if not 0 <= number <= 15 or number != int(number):
                raise ValueError(f"{what}: precision must be an integer 0..15, not {number}")
            return int(number)
        return finite_float(value, what)

    async def _setting(self, instance, value):
        name = instance.pvname.rsplit(".", 1)[1]
        number = self._validated(name, value)
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


class MotorIOC:
    """The motor IOC: one :class:`MotorRecord` per axis, with autosave."""

    def __init__(self, prefix: str, axes: Sequence[str], *,
                 autosave_dir: Optional[Path] = None, update_rate: float = 20.0,
                 home: float = 0.0) -> None:
        self.prefix = prefix
        safe = prefix.replace(":", "_").strip("_") or "motor"
        self.autosave = (AutosaveFile(Path(autosave_dir) / f"{safe}.motors.json")
                         if autosave_dir else None)
        self._save_handle: Optional[asyncio.TimerHandle] = None
        self.axes: Dict[str, MotorRecord] = {
            name: MotorRecord(prefix + name, home=home, update_rate=update_rate,
                              on_change=self.request_save)
            for name in axes}
        self.pvdb: Dict[str, Any] = {}
        for record in self.axes.values():
            self.pvdb.update(record.pvdb)

    async def restore(self) -> None:
        """Restore every axis from the autosave file, or publish defaults."""
        saved = self.autosave.load() if self.autosave else {}
        for name, record in self.axes.items():
            state = saved.get(name)
            if isinstance(state, dict):
                await record.restore(state)
                logger.info("%s restored from %s", record.prefix, self.autosave.path)
            else:
                await record.startup_publish()
        if self._save_handle is not None:   # scheduled on the restore loop, which ends now
            self._save_handle.cancel()
            self._save_handle = None

    def request_save(self) -> None:
        """Save soon (coalescing bursts of changes into one write)."""
        if self.autosave is None or self._save_handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._save_handle = loop.call_later(0.2, self.save)

    def save(self) -> None:
        self._save_handle = None
        try:
            self.autosave.save({name: rec.settings() for name, rec in self.axes.items()})
        except (OSError, ValueError) as ex:
            logger.error("autosave to %s failed: %s", self.autosave.path, ex)


def build_parser():
    """The ``motor-ioc`` command line: caproto's IOC options plus ours; (parser, split_args)."""
    parser, split_args = template_arg_parser(
        default_prefix="BEAMLINE:", desc=__doc__.splitlines()[0],
        supported_async_libs=("asyncio",))
    parser.prog = "motor-ioc"
    parser.add_argument("--axes", default="motor",
                        help="comma-separated axis names (default: motor)")
    parser.add_argument("--autosave-dir", type=Path, default=None,
                        help="directory for the autosave file (default: no autosave)")
    parser.add_argument("--update-rate", type=float, default=20.0,
                        help="readback updates per second while moving (default: 20)")
    parser.add_argument("--home", type=float, default=0.0,
                        help="dial position of the home switch (default: 0)")
    return parser, split_args


def pv_groups(prefix: str = "BEAMLINE:") -> List[PVGroup]:
    """The PVGroups this IOC serves for one axis named ``motor`` (for docs and tests)."""
    return [MotorRecord(prefix + "motor")]


def main(argv: Optional[List[str]] = None) -> None:
    """``motor-ioc``: serve simulated motor records."""
    parser, split_args = build_parser()
    args = parser.parse_args(argv)
    if not math.isfinite(args.update_rate) or not 1 <= args.update_rate <= 1000:
        parser.error("--update-rate must be within 1..1000")
    axes = [a.strip() for a in args.axes.split(",") if a.strip()]
    if not axes:
        parser.error("--axes needs at least one name")
    ioc_options, run_options = split_args(args)
    ioc = MotorIOC(ioc_options["prefix"], axes, autosave_dir=args.autosave_dir,
                   update_rate=args.update_rate, home=args.home)
    asyncio.run(ioc.restore())
    run(ioc.pvdb, **run_options)


if __name__ == "__main__":
    main()
