"""Pure motor kinematics: trapezoidal profiles, stopping, limit switches, user/dial coordinates.

No caproto, no I/O, no clocks: every function takes the time it should evaluate at.
Positions here are *dial* positions unless a name says ``user``. Every profile is finite: an
acceleration too large to represent (``ACCL`` of 1e-320 s) means an instant ramp, never a NaN.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional, Tuple

__all__ = ["Segment", "Profile", "trapezoid_profile", "Calibration", "check_finite",
           "MAX_ACCEL"]

#: Accelerations above this (EGU/s^2) are treated as instant ramps.
MAX_ACCEL = 1e12


class Segment(NamedTuple):
    """A piece of motion with constant acceleration, in one direction of travel."""

    t0: float     #: start time
    x0: float     #: position at ``t0``
    v0: float     #: signed velocity at ``t0``
    a: float      #: signed acceleration
    dt: float     #: duration

    def position(self, t: float) -> float:
        tau = min(max(t - self.t0, 0.0), self.dt)
        return self.x0 + self.v0 * tau + 0.5 * self.a * tau * tau

    def velocity(self, t: float) -> float:
        tau = min(max(t - self.t0, 0.0), self.dt)
        return self.v0 + self.a * tau


@dataclass(frozen=True)
class Profile:
    """A move as a sequence of constant-acceleration segments ending exactly at ``target``."""

    start_time: float
    start: float
    target: float
    segments: Tuple[Segment, ...]
    accel: float      #: magnitude of acceleration used (``inf`` for instant ramps)
    vbas: float       #: base speed: the motor may stop from this speed at once

    @property
    def end_time(self) -> float:
        if not self.segments:
            return self.start_time
        last = self.segments[-1]
        return last.t0 + last.dt

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time

    @property
    def direction(self) -> int:
        """+1 when the move goes towards positive dial values, -1 otherwise, 0 for none."""
        return (self.target > self.start) - (self.target < self.start)

    def done(self, t: float) -> bool:
        return t >= self.end_time

    def position(self, t: float) -> float:
        if t >= self.end_time:
            return self.target
        if t <= self.start_time or not self.segments:
            return self.start
        for seg in self.segments:
            if t < seg.t0 + seg.dt:
                return seg.position(t)
        return self.target

    def velocity(self, t: float) -> float:
        if t >= self.end_time or t < self.start_time:
            return 0.0
        for seg in self.segments:
            if t < seg.t0 + seg.dt:
                return seg.velocity(t)
        return 0.0

    def decelerated(self, t: float) -> Profile:
        """The same move stopped at time ``t``: ramp down from the current speed to rest."""
        x = self.position(t)
        v = self.velocity(t)
        speed = abs(v)
        if speed <= self.vbas or math.isinf(self.accel) or self.done(t):
            return Profile(t, x, x, (), self.accel, self.vbas)
        sign = 1.0 if v > 0 else -1.0
        dt = (speed - self.vbas) / self.accel
        seg = Segment(t, x, v, -sign * self.accel, dt)
        return Profile(t, x, seg.position(t + dt), (seg,), self.accel, self.vbas)

    def crossing(self, x: float) -> Optional[float]:
        """The first time the motion reaches position ``x`` (None if it never does)."""
        if not (min(self.start, self.target) <= x <= max(self.start, self.target)):
            return None
        if x == self.start:
            return self.start_time
        for seg in self.segments:
            x1 = seg.position(seg.t0 + seg.dt)
            if min(seg.x0, x1) <= x <= max(seg.x0, x1):
                return seg.t0 + _time_to_reach(seg, x)
        return self.end_time

    def truncated(self, x: float) -> Profile:
        """The motion stopped dead at position ``x`` (a limit switch) when it gets there."""
        t = self.crossing(x)
        if t is None:
            return self
        segments = []
        for seg in self.segments:
            if seg.t0 >= t:
                break
            segments.append(seg._replace(dt=min(seg.dt, t - seg.t0)))
        return Profile(self.start_time, self.start, x, tuple(segments), self.accel, self.vbas)


def _time_to_reach(seg: Segment, x: float) -> float:
    """Time after ``seg.t0`` at which a monotonic segment reaches ``x``."""
    d = x - seg.x0
    if seg.a == 0.0:
        return d / seg.v0 if seg.v0 else 0.0
    disc = max(seg.v0 * seg.v0 + 2.0 * seg.a * d, 0.0)
    for root in ((-seg.v0 + math.sqrt(disc)) / seg.a, (-seg.v0 - math.sqrt(disc)) / seg.a):
        if -1e-12 <= root <= seg.dt + 1e-12:
            return min(max(root, 0.0), seg.dt)
    return seg.dt


def trapezoid_profile(start: float, target: float, *, vbas: float, velo: float,
                      accl: float, t0: float = 0.0) -> Profile:
    """Motor-record move from ``start`` to ``target`` beginning at time ``t0``.

    The motor starts at ``vbas``, ramps to ``velo`` in ``accl`` seconds, cruises, and ramps
    back down to ``vbas`` before stopping exactly on ``target``. Short moves never reach
    ``velo`` (triangular profile). ``accl <= 0``, ``vbas >= velo`` or an acceleration above
    :data:`MAX_ACCEL` means no ramps.
    """
    check_finite(start=start, target=target, vbas=vbas, velo=velo, accl=accl)
    if velo <= 0:
        raise ValueError(f"velocity must be > 0, not {velo}")
    vbas = min(max(vbas, 0.0), velo)
    distance = abs(target - start)
    sign = 1.0 if target >= start else -1.0
    if distance == 0.0:
        return Profile(t0, start, target, (), math.inf, vbas)
    accel = (velo - vbas) / accl if accl > 0 else math.inf
    if vbas >= velo or not accel <= MAX_ACCEL:
        seg = Segment(t0, start, sign * velo, 0.0, distance / velo)
        return Profile(t0, start, target, (seg,), math.inf, vbas)

    ramp_time = (velo - vbas) / accel
    ramp_distance = (velo + vbas) * 0.5 * ramp_time     # no velo**2: no overflow
    segments = []
    if 2.0 * ramp_distance >= distance:
        peak = math.sqrt(vbas * vbas + accel * distance)
        t_ramp = (peak - vbas) / accel
        up = Segment(t0, start, sign * vbas, sign * accel, t_ramp)
        segments.append(up)
        t_mid = t0 + t_ramp
        segments.append(Segment(t_mid, up.position(t_mid), sign * peak, -sign * accel, t_ramp))
    else:
        up = Segment(t0, start, sign * vbas, sign * accel, ramp_time)
        segments.append(up)
        t_cruise = t0 + ramp_time
        cruise_dt = (distance - 2.0 * ramp_distance) / velo
        cruise = Segment(t_cruise, up.position(t_cruise), sign * velo, 0.0, cruise_dt)
        segments.append(cruise)
        t_down = t_cruise + cruise_dt
        segments.append(Segment(t_down, cruise.position(t_down), sign * velo, -sign * accel,
                                ramp_time))
    profile = Profile(t0, start, target, tuple(segments), accel, vbas)
    if not all(math.isfinite(v) for s in segments for v in s):
        raise ValueError(f"move {start:g} -> {target:g} at {velo:g}/s cannot be computed")
    return profile


@dataclass(frozen=True)
class Calibration:
    """User/dial relation of a motor record: ``user = sign * dial + off``."""

    off: float = 0.0
    sign: int = 1     #: +1 for DIR=Pos, -1 for DIR=Neg

    def user(self, dial: float) -> float:
        return self.sign * dial + self.off

    def dial(self, user: float) -> float:
        return (user - self.off) * self.sign

    def user_limits(self, dllm: float, dhlm: float) -> Tuple[float, float]:
        """(LLM, HLM) for the dial limits (DLLM, DHLM)."""
        a, b = self.user(dllm), self.user(dhlm)
        return (min(a, b), max(a, b))

    def dial_limit_for(self, user_value: float, high: bool) -> Tuple[str, float]:
        """Which dial limit a user limit write sets: ``('DHLM', x)`` or ``('DLLM', x)``."""
        dial = self.dial(user_value)
        if (self.sign > 0) == high:
            return "DHLM", dial
        return "DLLM", dial


def check_finite(**values: Any) -> None:
    """Raise ``ValueError`` naming the first value that is not a finite number."""
    for name, value in values.items():
        try:
            ok = math.isfinite(value)
        except TypeError:
            raise ValueError(f"{name} must be a number, not {value!r}") from None
        if not ok:
            raise ValueError(f"{name} must be finite, not {value}")
