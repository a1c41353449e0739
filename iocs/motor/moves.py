"""Motion requests of the motor record: the put handlers of its motion fields.

A put to VAL/DVAL/RVAL/RLV/TWF/TWR becomes a move (soft limits checked as ``do_work`` does,
carried out by :class:`~iocs.motor.sequencer.MotionSequencer`); JOGF/JOGR jog up to the soft
limit; HOMF/HOMR find the home switch; STOP and SPMG stop, pause and resume. A
put-with-callback completes when the axis is done (DMOV=1).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from caproto import SkipWrite
from caproto.server.common import HIGH_LOAD_TIMEOUT

from ..common.channels import finite_float, is_action
from .rules import limit_violation, preferred_direction, raw_steps, too_small
from .sequencer import MotionSequencer

logger = logging.getLogger(__name__)

__all__ = ["MoveRequests", "flush_monitors"]


async def flush_monitors() -> None:
    """Give monitor updates already posted time to leave before a put's reply does.

    caproto batches monitors per circuit (up to its high-load timeout, 10 ms, past the last
    update of a burst) but sends a put's reply at once; a real IOC posts the record's
    monitors first, and clients (pyepics' Motor reading LVIO, scripts reading DMOV from their
    monitor cache) rely on that order. Five batch periods cover a loaded 2-core machine.
    """
    await asyncio.sleep(5 * HIGH_LOAD_TIMEOUT)


class MoveRequests(MotionSequencer):
    """Handlers of the motion fields of :class:`~iocs.motor.record.MotorRecord`."""

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
