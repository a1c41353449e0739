"""The motion task of one motor record: moves with backlash, DLY and retries, jogs, homing.

One asyncio task per axis runs the motion (``do_work``/``postProcess``/``maybeRetry`` as
planned by :mod:`iocs.motor.rules`); a new request while it runs decelerates to rest and goes
on from there. When it ends, DMOV=1 and put-callbacks waiting on ``idle`` complete.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional

from .motion import Calibration
from .rules import nint, plan_move, retry_verdict, too_small

logger = logging.getLogger(__name__)

__all__ = ["MotionSequencer", "Work"]

Work = Callable[[], Awaitable[bool]]      # a motion; returns True when VAL should become RBV


class MotionSequencer:
    """The motion task of :class:`~iocs.motor.record.MotorRecord` and what it runs."""

    if TYPE_CHECKING:        # the rest of the record this mixes into
        cal: Calibration
        ldvl: float

        def __getattr__(self, name: str) -> Any: ...

    def init_motion_state(self) -> None:
        self._task: Optional[asyncio.Task] = None
        self._next: Optional[Work] = None
        self._interrupted = False
        self._sync_after = False
        self._wake = asyncio.Event()
        self.pending: Optional[float] = None      # a target held by SPMG=Pause
        self._jogging: Optional[str] = None

    def _halt(self) -> None:
        """Stop whatever runs (decelerating) and forget what was to follow."""
        self._next = None
        self._interrupted = True
        self._wake.set()
        self.mover.stop()

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
