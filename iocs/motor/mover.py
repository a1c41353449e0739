"""Real-time motion of one simulated axis: travel along trapezoid profiles, stop at switches.

:class:`Mover` is the controller of one axis (like motorSim): it moves a dial position along
:class:`~iocs.motor.motion.Profile` s, calling ``on_tick(direction)`` at a fixed rate so the
record can publish the readback. Hard limit switches (in dial units) stop any motion dead at
the switch, and a move further into an active switch does not start. A tick that fails is
logged and the motion still ends where it is, at rest: the axis never stays "moving".
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Awaitable, Callable, Optional, Tuple

from .motion import Profile, trapezoid_profile

logger = logging.getLogger(__name__)

__all__ = ["Mover"]


class Mover:
    """One axis: a dial position, the profile it follows, and the limit switches."""

    def __init__(self, period: float, on_tick: Callable[[int], Awaitable[None]], *,
                 switches: Tuple[float, float] = (-math.inf, math.inf)) -> None:
        self.period = period
        self.position = 0.0
        self.profile: Optional[Profile] = None
        self.switches = switches             #: (low, high) dial positions of the switches
        self.direction = 0                   #: direction of the last travel (+1 / -1)
        self.hit_switch = False              #: the last travel ended on a switch
        self._on_tick = on_tick

    @property
    def moving(self) -> bool:
        return self.profile is not None

    def switch_state(self) -> Tuple[bool, bool]:
        """(low switch, high switch) pressed at the current position."""
        low, high = self.switches
        return self.position <= low, self.position >= high

    def shift(self, delta: float) -> None:
        """Redefine the dial position by ``delta`` (set position): the switches stay put."""
        self.position += delta
        low, high = self.switches
        self.switches = (low + delta, high + delta)

    def _clip(self, profile: Profile) -> Profile:
        low, high = self.switches
        if profile.direction > 0 and profile.target > high:
            return profile.truncated(max(high, profile.start))
        if profile.direction < 0 and profile.target < low:
            return profile.truncated(min(low, profile.start))
        return profile

    async def travel(self, target: float, *, vbas: float, velo: float, accl: float) -> None:
        """Move to ``target`` (or the switch on the way); return at rest."""
        low, high = self.switches
        direction = (target > self.position) - (target < self.position)
        self.hit_switch = False
        if (direction > 0 and self.position >= high) or (direction < 0 and self.position <= low):
            self.hit_switch = True           # into a pressed switch: the controller refuses
            self.direction = direction
            return
        now = time.monotonic()
        self.profile = self._clip(trapezoid_profile(self.position, target, vbas=vbas,
                                                    velo=velo, accl=accl, t0=now))
        self.direction = self.profile.direction or self.direction
        try:
            await self._follow()
        finally:
            self.profile = None
            pressed_low, pressed_high = self.switch_state()
            self.hit_switch = (direction > 0 and pressed_high) or (direction < 0 and pressed_low)

    def stop(self) -> None:
        """Decelerate to rest (the travel in progress returns when stopped)."""
        if self.profile is not None:
            self.profile = self._clip(self.profile.decelerated(time.monotonic()))

    async def _follow(self) -> None:
        next_tick = time.monotonic()
        while True:
            now = time.monotonic()
            profile = self.profile
            if profile is None or profile.done(now):
                if profile is not None:
                    self.position = profile.target
                return
            self.position = profile.position(now)
            try:
                await self._on_tick(profile.direction)
            except Exception:                 # publishing must never strand the axis
                logger.exception("publishing the position failed; stopping the motion")
                self.position = profile.position(time.monotonic())
                return
            next_tick += self.period
            if next_tick <= now:
                next_tick = now + self.period
            await asyncio.sleep(max(0.0, min(next_tick, profile.end_time) - now))
