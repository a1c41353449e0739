"""The motion task of one motor record: moves with backlash, DLY and retries, jogs, homing.

One asyncio task per axis runs the motion (``do_work``/``postProcess``/``maybeRetry`` as
planned by :mod:`iocs.motor.rules`); a new request while it runs decelerates to rest and goes
on from there. When it ends, DMOV=1 and put-callbacks waiting on ``idle`` complete.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Optional

from .axis import Axis
from .fields import Field
from .readback import Readbacks
from .rules import nint, plan_move, retry_verdict, too_small

logger = logging.getLogger(__name__)

__all__ = ["MotionSequencer", "Work"]

Work = Callable[[], Awaitable[bool]]      # a motion; returns True when VAL should become RBV


class MotionSequencer:
    """Runs one record's motions, one at a time, and says when the axis is at rest."""

    def __init__(self, axis: Axis, readbacks: Readbacks) -> None:
        self.axis = axis
        self.readbacks = readbacks
        self.idle = asyncio.Event()       #: set while at rest with nothing pending
        self.idle.set()
        self.pending: Optional[float] = None      #: a dial target held by SPMG=Pause
        self.jogging: Optional[str] = None        #: JOGF or JOGR while a jog runs
        self._task: Optional[asyncio.Task] = None
        self._next: Optional[Work] = None
        self._interrupted = False
        self._sync_after = False
        self._wake = asyncio.Event()

    @property
    def running(self) -> bool:
        """A motion task runs (moving, decelerating, or waiting DLY)."""
        return self._task is not None

    # ---- requests ------------------------------------------------------------------------
    def move(self, dval: float) -> None:
        """Move to dial ``dval`` (after the running motion, if any, decelerates to rest)."""
        self._start(lambda: self._move_sequence(dval))

    def jog(self, field: Field[int], direction: int) -> None:
        """Jog in user ``direction`` (+1/-1) at JVEL to the soft limit; ``field``: JOGF/JOGR."""
        self.jogging = field.name
        self._start(lambda: self._jog_sequence(direction))

    def home(self, field: Field[int]) -> None:
        """Travel to the home switch at HVEL; ``field`` (HOMF/HOMR) reads 0 after."""
        self._start(lambda: self._home_sequence(field))

    def hold(self, dval: float) -> None:
        """SPMG=Pause: keep ``dval`` as the target to go to on Go/Move."""
        self.pending = dval
        self.idle.clear()

    def pause(self) -> None:
        """SPMG=Pause while moving: decelerate to rest, keeping DVAL as the target."""
        if self._task is not None:
            self.pending = self.axis.fields.DVAL.value
            self.idle.clear()
            self._halt()

    async def stop(self, *, rest: bool) -> None:
        """STOP or SPMG=Stop: decelerate to rest, forget a held target; VAL becomes RBV.

        ``rest``: when nothing runs, DMOV/MOVN are published at rest too (SPMG=Stop does,
        STOP does not).
        """
        self.pending = None
        if self._task is not None:
            self._sync_after = True
            self._halt()
            return
        await self.readbacks.sync_setpoint()
        if rest:
            await self.readbacks.publish_motion(False)
        self.idle.set()

    # ---- the task ------------------------------------------------------------------------
    def _halt(self) -> None:
        """Stop whatever runs (decelerating) and forget what was to follow."""
        self._next = None
        self._interrupted = True
        self._wake.set()
        self.axis.mover.stop()

    def _start(self, work: Work) -> None:
        self.idle.clear()
        self._next = work
        if self._task is not None:
            self._interrupted = True          # the running work ends at rest, then this
            self._wake.set()
            self.axis.mover.stop()
            return
        self._task = asyncio.get_running_loop().create_task(self._motion())

    async def _motion(self) -> None:
        sync = False
        try:
            await self.readbacks.publish_motion(True)
            await self.axis.fields.RCNT.set(0)
            while self._next is not None:
                work, self._next = self._next, None
                self._interrupted = False
                self._wake.clear()
                sync = await work()
        except Exception:
            logger.exception("%s: motion failed; the axis stops where it is", self.axis.prefix)
            sync = True
        finally:
            self._task = None
            self.jogging = None
            await self._finish(sync or self._sync_after)

    async def _finish(self, sync: bool) -> None:
        self._sync_after = False
        await self.readbacks.publish_readback(self.axis.mover.direction)
        if sync:
            await self.readbacks.sync_setpoint()
        if self.axis.fields.SPMG.value == "Move" and self.pending is None:
            await self.axis.fields.SPMG.set("Pause")
        await self.readbacks.publish_motion(False)
        if self.pending is None and self._task is None:
            self.idle.set()
        self.axis.on_change()

    async def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` (DLY) unless a stop or a new request comes first."""
        if seconds > 0:
            try:
                await asyncio.wait_for(self._wake.wait(), seconds)
            except TimeoutError:
                pass

    def _speed(self, velo: float) -> float:
        f = self.axis.fields
        vbas = f.VBAS.value
        return velo if velo > vbas else vbas + abs(f.MRES.value)

    async def _travel(self, target: float, velo: float, accl: float) -> None:
        f, mover = self.axis.fields, self.axis.mover
        mres = f.MRES.value
        target = nint(target / mres) * mres           # the controller moves whole steps
        start = mover.position
        landing = start + (target - start) * (1.0 - self.axis.options.position_error)
        await f.CDIR.set(int((target - start) * mres >= 0))
        await mover.travel(landing, vbas=f.VBAS.value, velo=self._speed(velo), accl=accl)

    async def _move_sequence(self, dval: float) -> bool:
        f, axis = self.axis.fields, self.axis
        rcnt = 0
        use_rel = (axis.options.encoder and f.UEIP.value == "Yes" and f.RTRY.value != 0 and
                   f.RMOD.value != "In-Position")
        while True:
            legs = plan_move(dval=dval, ldvl=axis.ldvl, drbv=self.readbacks.readback()[1],
                             mres=f.MRES.value, bdst=f.BDST.value, frac=f.FRAC.value,
                             velo=f.VELO.value, accl=f.ACCL.value, bvel=f.BVEL.value,
                             bacc=f.BACC.value, relative=use_rel, retry_count=rcnt,
                             rmod=f.RMOD.value, rtry=f.RTRY.value)
            axis.ldvl = dval
            if not (rcnt and f.RMOD.value == "In-Position"):
                for leg in legs:
                    await self._travel(leg.target(self.readbacks.readback()[1]), leg.velo,
                                       leg.accl)
                    if self._interrupted or axis.mover.hit_switch:
                        return False
            await self.readbacks.publish_readback(axis.mover.direction)
            await self._pause(max(f.DLY.value, axis.mover.period if rcnt else 0.0))
            if self._interrupted:
                return False
            await self.readbacks.publish_readback()
            verdict = retry_verdict(diff=f.DIFF.value, rdbd=f.RDBD.value, rtry=f.RTRY.value,
                                    rcnt=rcnt, miss=f.MISS.value, blocked_by_switch=False)
            await f.RCNT.set(verdict.rcnt)
            await f.MISS.set(verdict.miss)
            if not verdict.retry or too_small(
                    dval=dval, drbv=self.readbacks.readback()[1], mres=f.MRES.value,
                    retry=True, rdbd=f.RDBD.value, spdb=0.0):
                return False
            rcnt = verdict.rcnt

    async def _jog_sequence(self, direction: int) -> bool:
        f, axis = self.axis.fields, self.axis
        dial_dir = direction * axis.cal.sign
        limits_on = not (f.DLLM.value == 0.0 and f.DHLM.value == 0.0)
        low, high = axis.mover.switches
        if limits_on:
            target = f.DHLM.value if dial_dir > 0 else f.DLLM.value
        else:
            target = high + 1.0 if dial_dir > 0 else low - 1.0
        jvel = f.JVEL.value
        accl = max(self._speed(jvel) - f.VBAS.value, 0.0) / f.JAR.value
        await self._travel(target, jvel, accl)
        await f.JOGF.set(0)
        await f.JOGR.set(0)
        if self._interrupted:
            return True
        await self.readbacks.sync_setpoint()
        bdst = f.BDST.value
        if abs(bdst) >= abs(f.MRES.value):         # take out the backlash
            dval = f.DVAL.value
            await self._travel(dval - bdst, f.VELO.value, f.ACCL.value)
            if not self._interrupted:
                bpos = self.readbacks.readback()[1]
                await self._travel(bpos + f.FRAC.value * (dval - bpos), f.BVEL.value,
                                   f.BACC.value)
        return True

    async def _home_sequence(self, field: Field[int]) -> bool:
        f = self.axis.fields
        await self._travel(self.axis.options.home, f.HVEL.value, f.ACCL.value)
        if not self._interrupted and not self.axis.mover.hit_switch:
            self.axis.homed = True
        await field.set(0)
        return True
