"""Real-time motion of one axis: a dial position following trapezoid profiles.

:class:`Mover` owns the asyncio task that advances the position along the current
:class:`~iocs.motor.motion.Profile` and calls back into the record to publish it. A new target during
a move decelerates to rest first and then moves on, as the motor record does.
"""
from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, Optional

from .motion import Profile, trapezoid_profile

__all__ = ["Mover"]


class Mover:
    """Moves a dial position along trapezoid profiles; one asyncio task while in motion.

    ``on_start()`` runs when motion begins, ``on_tick(direction)`` at every update,
    ``on_finish(direction, restarting)`` when a motion ends (``restarting``: another follows at
    once) and ``on_idle()`` once the task has ended.
    """

    def __init__(self, period: float, *, on_start: Callable[[], Awaitable[None]],
                 on_tick: Callable[[int], Awaitable[None]],
                 on_finish: Callable[[int, bool], Awaitable[None]],
                 on_idle: Callable[[], Awaitable[None]]) -> None:
        self.period = period
        self.position = 0.0
        self.profile: Optional[Profile] = None
        self.pending = False                 # a target waits (SPMG Pause) for Go/Move
        self.settled = asyncio.Event()       # set while idle with nothing pending
        self.settled.set()
        self._on_start, self._on_tick = on_start, on_tick
        self._on_finish, self._on_idle = on_finish, on_idle
        self._queued: Optional[tuple] = None   # (target, vbas, velo, accl) after a deceleration
        self._task: Optional[asyncio.Task] = None
        self._restart = False
        self._following = False

    @property
    def moving(self) -> bool:
        return self._task is not None

    def start(self, target: float, *, vbas: float, velo: float, accl: float) -> None:
        """Move to ``target``; if in motion, decelerate to rest first."""
        now = time.monotonic()
        self.settled.clear()
        self.pending = False
        if self.profile is not None and self.profile.done(now):
            self.position = self.profile.target     # the task has not woken up yet
        if self.profile is not None and not self.profile.done(now):
            self.profile = self.profile.decelerated(now)
            self._queued = (target, vbas, velo, accl)
        else:
            self.profile = trapezoid_profile(self.position, target, vbas=vbas, velo=velo,
                                             accl=accl, t0=now)
            self._queued = None
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        elif not self._following:
            self._restart = True                    # the task is finishing: go round again

    def stop(self) -> None:
        """Decelerate to rest; forget any queued target."""
        now = time.monotonic()
        self._queued = None
        if self.profile is not None and not self.profile.done(now):
            self.profile = self.profile.decelerated(now)

    def hold(self) -> None:
        """A target waits for a later :meth:`start` (SPMG Pause)."""
        self.pending = True
        self.settled.clear()

    def release(self) -> None:
        """Nothing waits any more; when idle, puts waiting for completion return."""
        self.pending = False
        if not self.moving:
            self.settled.set()

    async def _run(self) -> None:
        try:
            while True:
                self._restart = False
                await self._on_start()
                self._following = True
                try:
                    await self._follow()
                finally:
                    self._following = False
                await self._on_finish(self.profile.direction if self.profile else 0,
                                      self._restart)
                if not self._restart:
                    break
        finally:
            self._task = None
            self.profile = None
            if not self.pending:
                self.settled.set()
        await self._on_idle()

    async def _follow(self) -> None:
        next_tick = time.monotonic()
        while True:
            now = time.monotonic()
            profile = self.profile
            if profile.done(now):
                self.position = profile.target
                if self._queued is None:
                    return
                target, vbas, velo, accl = self._queued
                self._queued = None
                self.profile = trapezoid_profile(self.position, target, vbas=vbas, velo=velo,
                                                 accl=accl, t0=now)
                continue
            self.position = profile.position(now)
            await self._on_tick(profile.direction)
            next_tick += self.period
            if next_tick <= now:
                next_tick = now + self.period
            await asyncio.sleep(max(0.0, min(next_tick, profile.end_time) - now))
