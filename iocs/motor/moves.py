"""Motion requests of the motor record: the put handlers of its motion fields.

A put to VAL/DVAL/RVAL/RLV/TWF/TWR becomes a move (soft limits checked as ``do_work`` does,
carried out by :class:`~iocs.motor.sequencer.MotionSequencer`); JOGF/JOGR jog up to the soft
limit; HOMF/HOMR find the home switch; STOP and SPMG stop, pause and resume. A
put-with-callback completes when the axis is done (DMOV=1), after the record's monitors.
"""
from __future__ import annotations

import logging
from typing import Any

from caproto import SkipWrite

from ..common.caproto_compat import flush_monitors
from ..common.channels import finite_float, is_action
from .axis import Axis
from .coords import Coordinates
from .fields import Field
from .readback import Readbacks
from .rules import limit_violation, preferred_direction, raw_steps, too_small
from .sequencer import MotionSequencer

logger = logging.getLogger(__name__)

__all__ = ["MoveRequests"]


class MoveRequests:
    """The put handlers of one record's motion fields."""

    def __init__(self, axis: Axis, readbacks: Readbacks, coords: Coordinates,
                 motion: MotionSequencer) -> None:
        self.axis = axis
        self.readbacks = readbacks
        self.coords = coords
        self.motion = motion

    # ---- requests ------------------------------------------------------------------------
    def _check_can_move(self) -> None:
        f, prefix = self.axis.fields, self.axis.prefix
        if f.DISA.value == 1:
            raise ValueError(f"{prefix} is disabled (DISA=1)")
        if f.SPMG.value == "Stop":
            raise ValueError(f"{prefix}: SPMG is Stop; set it to Go to move")
        if f.CNEN.value == "Disable":
            raise ValueError(f"{prefix}: torque disabled (CNEN=Disable)")

    async def request_move(self, dval: float, what: str) -> None:
        """Validate and start (or, when paused, hold) a move to dial ``dval``."""
        f, axis = self.axis.fields, self.axis
        self._check_can_move()
        raw_steps(dval, f.MRES.value, what)                 # beyond the raw range: refused
        await f.DMOV.set(0)                                 # special() blinks DMOV
        dllm, dhlm, bdst = f.DLLM.value, f.DHLM.value, f.BDST.value
        preferred = preferred_direction(dval, axis.ldvl, bdst)
        if limit_violation(dval, axis.ldvl, dllm, dhlm, bdst, preferred):
            await f.LVIO.set(1)
            await f.VAL.write(f.VAL.value)                  # VAL restored
            await self._settled_if_idle()
            return
        await f.LVIO.set(0)
        await self.readbacks.publish_setpoint(dval)
        if f.SPMG.value == "Pause":
            self.motion.hold(dval)
            return
        drbv = self.readbacks.readback()[1]
        if not axis.mover.moving and too_small(dval=dval, drbv=drbv, mres=f.MRES.value,
                                               retry=False, rdbd=f.RDBD.value,
                                               spdb=f.SPDB.value):
            axis.ldvl = dval
            await self.readbacks.publish_alarm()
            await self._settled_if_idle()
            return
        self.motion.move(dval)

    async def _settled_if_idle(self) -> None:
        if not self.motion.running and self.motion.pending is None:
            await self.readbacks.publish_motion(False)

    async def move_and_wait(self, dval: float, what: str) -> None:
        """Request a move to dial ``dval``; return once the axis is at rest."""
        await self.request_move(dval, what)
        await self.motion.idle.wait()
        await flush_monitors()

    # ---- puts: moves ---------------------------------------------------------------------
    async def put_val(self, field: Field[float], value: Any) -> Any:
        """VAL: move to a user position (SET = Set: the position is redefined)."""
        user = finite_float(value, field.pvname)
        if self.axis.fields.SET.value == "Set":
            await self.coords.redefine(user=user)
            await flush_monitors()            # new HLM/LLM reach clients before the reply
        else:
            await self.move_and_wait(self.axis.cal.dial(user), field.pvname)
        return SkipWrite

    async def put_dval(self, field: Field[float], value: Any) -> Any:
        """DVAL: move to a dial position (SET = Set: the position is redefined)."""
        return await self._dial_request(field, finite_float(value, field.pvname))

    async def put_rval(self, field: Field[int], value: Any) -> Any:
        """RVAL: move to a raw position in steps (SET = Set: the position is redefined)."""
        dial = finite_float(value, field.pvname) * self.axis.fields.MRES.value
        return await self._dial_request(field, dial)

    async def _dial_request(self, field: Field[Any], dial: float) -> Any:
        if self.axis.fields.SET.value == "Set":
            await self.coords.redefine(dial=dial)
        else:
            await self.move_and_wait(dial, field.pvname)
        return SkipWrite

    async def put_rlv(self, field: Field[float], value: Any) -> float:
        """RLV: move by this much from VAL; reads 0 after."""
        step = finite_float(value, field.pvname)
        await self.move_and_wait(self.axis.cal.dial(self.axis.fields.VAL.value + step),
                                 field.pvname)
        return 0.0

    async def put_twf(self, field: Field[int], value: Any) -> int:
        """TWF: 1 moves forward by TWV."""
        return await self._tweak(field, value, +1)

    async def put_twr(self, field: Field[int], value: Any) -> int:
        """TWR: 1 moves back by TWV."""
        return await self._tweak(field, value, -1)

    async def _tweak(self, field: Field[int], value: Any, sign: int) -> int:
        if is_action(value, field.pvname):
            f = self.axis.fields
            target = f.VAL.value + sign * f.TWV.value
            await self.move_and_wait(self.axis.cal.dial(target), field.pvname)
        return 0

    async def put_jogf(self, field: Field[int], value: Any) -> int:
        """JOGF: 1 jogs forward until 0 (or the soft limit)."""
        return await self._jog(field, value, +1)

    async def put_jogr(self, field: Field[int], value: Any) -> int:
        """JOGR: 1 jogs in reverse until 0 (or the soft limit)."""
        return await self._jog(field, value, -1)

    async def _jog(self, field: Field[int], value: Any, direction: int) -> int:
        f = self.axis.fields
        if not is_action(value, field.pvname):
            if self.motion.jogging == field.name:
                self.axis.mover.stop()                 # released: decelerate, then backlash
            return 0
        self._check_can_move()
        limits_on = not (f.DLLM.value == 0.0 and f.DHLM.value == 0.0)
        jvel, val = f.JVEL.value, f.VAL.value
        if limits_on and ((direction > 0 and val > f.HLM.value - jvel) or
                          (direction < 0 and val < f.LLM.value + jvel)):
            await f.LVIO.set(1)                        # no room for a jog: nothing moves
            return 0
        await f.LVIO.set(0)
        self.motion.jog(field, direction)
        return 1

    async def put_homf(self, field: Field[int], value: Any) -> Any:
        """HOMF: 1 homes forward; completes at the home switch."""
        return await self._home(field, value)

    async def put_homr(self, field: Field[int], value: Any) -> Any:
        """HOMR: 1 homes in reverse; completes at the home switch."""
        return await self._home(field, value)

    async def _home(self, field: Field[int], value: Any) -> Any:
        if is_action(value, field.pvname):
            self._check_can_move()
            await field.write(1)
            self.motion.home(field)
            await self.motion.idle.wait()
            await flush_monitors()
        return SkipWrite

    # ---- puts: stopping --------------------------------------------------------------------
    async def put_stop(self, field: Field[int], value: Any) -> int:
        """STOP: 1 decelerates to rest; VAL becomes RBV."""
        if is_action(value, field.pvname):
            await self.motion.stop(rest=False)
        return 0

    async def put_spmg(self, field: Field[str], value: str) -> str:
        """SPMG: Stop (as STOP), Pause (keep the target), Move (one move, then Pause), Go."""
        if value == "Stop":
            await self.motion.stop(rest=True)
        elif value == "Pause":
            self.motion.pause()
        else:
            f = self.axis.fields
            target, self.motion.pending = self.motion.pending, None
            if target is None and abs(f.DVAL.value - self.readbacks.readback()[1]) > \
                    f.RDBD.value:
                target = f.DVAL.value
            if target is not None:
                self.motion.move(target)
            elif value == "Move":
                return "Pause"
        return value

    async def put_sync(self, field: Field[int], value: Any) -> int:
        """SYNC: 1 makes the setpoints take the readback (at rest)."""
        if is_action(value, field.pvname) and not self.motion.running:
            await self.readbacks.sync_setpoint()
        return 0

    async def put_stup(self, field: Field[str], value: str) -> str:
        """STUP: ON refreshes the status once; reads OFF after."""
        if value == "ON":
            await self.readbacks.publish_readback()
        return "OFF"
