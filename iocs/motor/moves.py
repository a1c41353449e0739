"""Motion requests of the motor record and the sequencer that carries them out.

A put to VAL/DVAL/RVAL/RLV/TWF/TWR becomes a move with backlash, DLY and retries as
``do_work``/``postProcess``/``maybeRetry`` plan them (:mod:`iocs.motor.rules`); JOGF/JOGR jog
up to the soft limit; HOMF/HOMR find the home switch; STOP and SPMG stop, pause and resume.
One asyncio task per axis runs the motion; a new request while it runs decelerates to rest and
goes on from there. A put-with-callback completes when the axis is done (DMOV=1).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

from caproto import SkipWrite
from caproto.server.common import HIGH_LOAD_TIMEOUT

from ..common.channels import finite_float, is_action
from .rules import limit_violation, nint, plan_move, preferred_direction, raw_steps, \
    retry_verdict, too_small

logger = logging.getLogger(__name__)

__all__ = ["MoveRequests", "flush_monitors"]

Work = Callable[[], Awaitable[bool]]      # a motion; returns True when VAL should become RBV


async def flush_monitors() -> None:
    """Give monitor updates already posted time to leave before a put's reply does.

    caproto batches monitors per circuit (up to its high-load timeout, 10 ms, past the last
    update of a burst) but sends a put's reply at once; a real IOC posts the record's
    monitors first, and clients (pyepics' Motor reading LVIO, scripts reading DMOV from their
    monitor cache) rely on that order. Five batch periods cover a loaded 2-core machine.
    """
    await asyncio.sleep(5 * HIGH_LOAD_TIMEOUT)


class MoveRequests:
    """Handlers of the motion fields of :class:`~iocs.motor.record.MotorRecord`."""

    def init_motion_state(self) -> None:
        self._task: Optional[asyncio.Task] = None
        self._next: Optional[Work] = None
        self._interrupted = False
        self._sync_after = False
        self._wake = asyncio.Event()
        self.pending: Optional[float] = None      # a target held by SPMG=Pause
        self._jogging: Optional[str] = None

    # ---- requests ------------------------------------------------------------------------
    def _check_can_move(self) -> None:
        if self.value("DISA") == 1:
            raise ValueError(f"{self.prefix} is disabled (DISA=1)")
        if self.value("SPMG") == "Stop":
            raise ValueError(f"{self.prefix}: SPMG is Stop; set it to Go to move")
        if self.value("CNEN") == "Disable":
            raise ValueError(f"{self.prefix}: torque disabled (CNEN=Disable)")

    async def request_move(self, dval: float, what: str) -> None:
        """Validate and start (or, when paused, hold) a move to dial ``dval``."""
        self._check_can_move()
        raw_steps(dval, self.value("MRES"), what)           # beyond the raw range: refused
        await self._set("DMOV", 0)                          # special() blinks DMOV
        dllm, dhlm, bdst = self.value("DLLM"), self.value("DHLM"), self.value("BDST")
        preferred = preferred_direction(dval, self.ldvl, bdst)
        if limit_violation(dval, self.ldvl, dllm, dhlm, bdst, preferred):
            await self._set("LVIO", 1)
            await self.VAL.write(self.value("VAL"), verify_value=False)   # VAL restored
            await self._settled_if_idle()
            return
        await self._set("LVIO", 0)
        await self.publish_setpoint(dval)
        if self.value("SPMG") == "Pause":
            self.pending = dval
            self.idle.clear()
            return
        drbv = self.readback()[1]
        if not self.mover.moving and too_small(dval=dval, drbv=drbv, mres=self.value("MRES"),
                                               retry=False, rdbd=self.value("RDBD"),
                                               spdb=self.value("SPDB")):
            self.ldvl = dval
            await self.publish_alarm()
            await self._settled_if_idle()
            return
        self._start(lambda: self._move_sequence(dval))

    async def _settled_if_idle(self) -> None:
        if self._task is None and self.pending is None:
            await self.publish_motion(False)

    async def move_and_wait(self, dval: float, what: str) -> None:
        await self.request_move(dval, what)
        await self.idle.wait()
        await flush_monitors()

    # ---- puts: moves ---------------------------------------------------------------------
    async def _put_VAL(self, instance: Any, value: Any) -> Any:
        user = finite_float(value, instance.pvname)
        if self.value("SET") == "Set":
            await self.redefine(user=user)
            await flush_monitors()            # new HLM/LLM reach clients before the reply
        else:
            await self.move_and_wait(self.cal.dial(user), instance.pvname)
        return SkipWrite

    async def _put_DVAL(self, instance: Any, value: Any) -> Any:
        dial = finite_float(value, instance.pvname)
        if self.value("SET") == "Set":
            await self.redefine(dial=dial)
        else:
            await self.move_and_wait(dial, instance.pvname)
        return SkipWrite

    async def _put_RVAL(self, instance: Any, value: Any) -> Any:
        dial = finite_float(value, instance.pvname) * self.value("MRES")
        if self.value("SET") == "Set":
            await self.redefine(dial=dial)
        else:
            await self.move_and_wait(dial, instance.pvname)
        return SkipWrite

    async def _put_RLV(self, instance: Any, value: Any) -> Any:
        step = finite_float(value, instance.pvname)
        await self.move_and_wait(self.cal.dial(self.value("VAL") + step), instance.pvname)
        return 0.0

    async def _tweak(self, instance: Any, value: Any, sign: int) -> int:
        if is_action(value, instance.pvname):
            target = self.value("VAL") + sign * self.value("TWV")
            await self.move_and_wait(self.cal.dial(target), instance.pvname)
        return 0

    async def _put_TWF(self, instance: Any, value: Any) -> int:
        return await self._tweak(instance, value, +1)

    async def _put_TWR(self, instance: Any, value: Any) -> int:
        return await self._tweak(instance, value, -1)

    async def _jog(self, instance: Any, value: Any, direction: int) -> int:
        name = "JOGF" if direction > 0 else "JOGR"
        if not is_action(value, instance.pvname):
            if self._jogging == name:
                self.mover.stop()                      # released: decelerate, then backlash
            return 0
        self._check_can_move()
        limits_on = not (self.value("DLLM") == 0.0 and self.value("DHLM") == 0.0)
        jvel, val = self.value("JVEL"), self.value("VAL")
        if limits_on and ((direction > 0 and val > self.value("HLM") - jvel) or
                          (direction < 0 and val < self.value("LLM") + jvel)):
            await self._set("LVIO", 1)                 # no room for a jog: nothing moves
            return 0
        await self._set("LVIO", 0)
        self._jogging = name
        self._start(lambda: self._jog_sequence(direction))
        return 1

    async def _put_JOGF(self, instance: Any, value: Any) -> int:
        return await self._jog(instance, value, +1)

    async def _put_JOGR(self, instance: Any, value: Any) -> int:
        return await self._jog(instance, value, -1)

    async def _home(self, instance: Any, value: Any, name: str) -> int:
        if not is_action(value, instance.pvname):
            return 0
        self._check_can_move()
        await self.field(name).write(1, verify_value=False)
        self._start(lambda: self._home_sequence(name))
        await self.idle.wait()
        await flush_monitors()
        return 0

    async def _put_HOMF(self, instance: Any, value: Any) -> Any:
        await self._home(instance, value, "HOMF")
        return SkipWrite

    async def _put_HOMR(self, instance: Any, value: Any) -> Any:
        await self._home(instance, value, "HOMR")
        return SkipWrite

    # ---- puts: stopping --------------------------------------------------------------------
    def _halt(self) -> None:
        """Stop whatever runs (decelerating) and forget what was to follow."""
        self._next = None
        self._interrupted = True
        self._wake.set()
        self.mover.stop()

    async def _put_STOP(self, instance: Any, value: Any) -> int:
        if is_action(value, instance.pvname):
            self.pending = None
            if self._task is not None:
                self._sync_after = True
                self._halt()
            else:
                await self.sync_setpoint()
                self.idle.set()
        return 0

    async def _put_SPMG(self, instance: Any, value: str) -> str:
        if value == "Stop":
            self.pending = None
            if self._task is not None:
                self._sync_after = True
                self._halt()
            else:
                await self.sync_setpoint()
                await self.publish_motion(False)
                self.idle.set()
        elif value == "Pause":
            if self._task is not None:
                self.pending = self.value("DVAL")
                self.idle.clear()
                self._halt()
        else:
            target = self.pending
            self.pending = None
            if target is None and abs(self.value("DVAL") - self.readback()[1]) > \
                    self.value("RDBD"):
                target = self.value("DVAL")
            if target is not None:
                self._start(lambda: self._move_sequence(target))
            elif value == "Move":
                return "Pause"
        return value

    async def _put_SYNC(self, instance: Any, value: Any) -> int:
        if is_action(value, instance.pvname) and self._task is None:
            await self.sync_setpoint()
        return 0

    async def _put_STUP(self, instance: Any, value: str) -> str:
        if value == "ON":
            await self.publish_readback()
        return "OFF"

    async def sync_setpoint(self) -> None:
        """VAL/DVAL/RVAL take the readback (``syncTargetPosition``)."""
        drbv = self.readback()[1]
        await self.publish_setpoint(drbv)
        self.ldvl = drbv

    # ---- the motion task -----------------------------------------------------------------
    def _start(self, work: Work) -> None:
        self.idle.clear()
        self._next = work
        if self._task is not None:
            self._interrupted = True          # the running work ends at rest, then this
            self._wake.set()
            self.mover.stop()
            return
        self._task = asyncio.get_running_loop().create_task(self._motion())

    async def _motion(self) -> None:
        sync = False
        try:
            await self.publish_motion(True)
            await self._set("RCNT", 0)
            while self._next is not None:
                work, self._next = self._next, None
                self._interrupted = False
                self._wake.clear()
                sync = await work()
        except Exception:
            logger.exception("%s: motion failed; the axis stops where it is", self.prefix)
            sync = True
        finally:
            self._task = None
            self._jogging = None
            await self._finish(sync or self._sync_after)

    async def _finish(self, sync: bool) -> None:
        self._sync_after = False
        await self.publish_readback(self.mover.direction)
        if sync:
            await self.sync_setpoint()
        if self.value("SPMG") == "Move" and self.pending is None:
            await self._set("SPMG", "Pause")
        await self.publish_motion(False)
        if self.pending is None and self._task is None:
            self.idle.set()
        self.on_change()

    async def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` (DLY) unless a stop or a new request comes first."""
        if seconds > 0:
            try:
                await asyncio.wait_for(self._wake.wait(), seconds)
            except asyncio.TimeoutError:
                pass

    def _speed(self, velo: float) -> float:
        vbas = self.value("VBAS")
        return velo if velo > vbas else vbas + abs(self.value("MRES"))

    async def _travel(self, target: float, velo: float, accl: float) -> None:
        mres = self.value("MRES")
        target = nint(target / mres) * mres           # the controller moves whole steps
        start = self.mover.position
        landing = start + (target - start) * (1.0 - self.options.position_error)
        await self._set("CDIR", int((target - start) * self.value("MRES") >= 0))
        await self.mover.travel(landing, vbas=self.value("VBAS"), velo=self._speed(velo),
                                accl=accl)

    async def _move_sequence(self, dval: float) -> bool:
        rcnt = 0
        use_rel = (self.options.encoder and self.value("UEIP") == "Yes" and
                   self.value("RTRY") != 0 and self.value("RMOD") != "In-Position")
        while True:
            legs = plan_move(dval=dval, ldvl=self.ldvl, drbv=self.readback()[1],
                             mres=self.value("MRES"), bdst=self.value("BDST"),
                             frac=self.value("FRAC"), velo=self.value("VELO"),
                             accl=self.value("ACCL"), bvel=self.value("BVEL"),
                             bacc=self.value("BACC"), relative=use_rel, retry_count=rcnt,
                             rmod=self.value("RMOD"), rtry=self.value("RTRY"))
            self.ldvl = dval
            if not (rcnt and self.value("RMOD") == "In-Position"):
                for leg in legs:
                    await self._travel(leg.target(self.readback()[1]), leg.velo, leg.accl)
                    if self._interrupted or self.mover.hit_switch:
                        return False
            await self.publish_readback(self.mover.direction)
            await self._pause(max(self.value("DLY"), self.mover.period if rcnt else 0.0))
            if self._interrupted:
                return False
            await self.publish_readback()
            verdict = retry_verdict(diff=self.value("DIFF"), rdbd=self.value("RDBD"),
                                    rtry=self.value("RTRY"), rcnt=rcnt,
                                    miss=self.value("MISS"), blocked_by_switch=False)
            await self._set("RCNT", verdict.rcnt)
            await self._set("MISS", verdict.miss)
            if not verdict.retry or too_small(
                    dval=dval, drbv=self.readback()[1], mres=self.value("MRES"), retry=True,
                    rdbd=self.value("RDBD"), spdb=0.0):
                return False
            rcnt = verdict.rcnt

    async def _jog_sequence(self, direction: int) -> bool:
        dial_dir = direction * self.cal.sign
        limits_on = not (self.value("DLLM") == 0.0 and self.value("DHLM") == 0.0)
        low, high = self.mover.switches
        if limits_on:
            target = self.value("DHLM") if dial_dir > 0 else self.value("DLLM")
        else:
            target = high + 1.0 if dial_dir > 0 else low - 1.0
        jvel = self.value("JVEL")
        accl = max(self._speed(jvel) - self.value("VBAS"), 0.0) / self.value("JAR")
        await self._travel(target, jvel, accl)
        for name in ("JOGF", "JOGR"):
            await self._set(name, 0)
        if self._interrupted:
            return True
        await self.sync_setpoint()
        bdst = self.value("BDST")
        if abs(bdst) >= abs(self.value("MRES")):         # take out the backlash
            dval = self.value("DVAL")
            await self._travel(dval - bdst, self.value("VELO"), self.value("ACCL"))
            if not self._interrupted:
                bpos = self.readback()[1]
                await self._travel(bpos + self.value("FRAC") * (dval - bpos),
                                   self.value("BVEL"), self.value("BACC"))
        return True

    async def _home_sequence(self, name: str) -> bool:
        await self._travel(self.home_position, self.value("HVEL"), self.value("ACCL"))
        if not self._interrupted and not self.mover.hit_switch:
            self.homed = True
        await self._set(name, 0)
        return True
