"""Pure motor-record physics: trapezoidal profiles, coordinates, limits, MSTA bits.

No caproto, no I/O, no clocks: every function takes the time it should evaluate at.
Positions here are *dial* positions unless a name says ``user``.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import NamedTuple, Optional, Tuple

__all__ = ["Segment", "Profile", "trapezoid_profile", "Calibration",
           "within_dial_limits", "Msta", "msta_word", "check_finite", "validate_setting"]


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

    def decelerated(self, t: float) -> "Profile":
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


def trapezoid_profile(start: float, target: float, *, vbas: float, velo: float,
                      accl: float, t0: float = 0.0) -> Profile:
    """Motor-record move from ``start`` to ``target`` beginning at time ``t0``.

    The motor starts at ``vbas``, ramps to ``velo`` in ``accl`` seconds, cruises, and ramps
    back down to ``vbas`` before stopping exactly on ``target``. Short moves never reach
    ``velo`` (triangular profile). ``accl <= 0`` or ``vbas >= velo`` means no ramps.
    """
    check_finite(start=start, target=target, vbas=vbas, velo=velo, accl=accl)
    if velo <= 0:
        raise ValueError(f"velocity must be > 0, not {velo}")
    vbas = min(max(vbas, 0.0), velo)
    distance = abs(target - start)
    sign = 1.0 if target >= start else -1.0
    if distance == 0.0:
        return Profile(t0, start, target, (), math.inf, vbas)
    if accl <= 0 or vbas >= velo:
        seg = Segment(t0, start, sign * velo, 0.0, distance / velo)
        return Profile(t0, start, target, (seg,), math.inf, vbas)

    accel = (velo - vbas) / accl
    ramp_distance = (velo * velo - vbas * vbas) / (2.0 * accel)
    segments = []
    if 2.0 * ramp_distance >= distance:
        peak = math.sqrt(vbas * vbas + accel * distance)
        t_ramp = (peak - vbas) / accel
        up = Segment(t0, start, sign * vbas, sign * accel, t_ramp)
        segments.append(up)
        t_mid = t0 + t_ramp
        segments.append(Segment(t_mid, up.position(t_mid), sign * peak, -sign * accel, t_ramp))
    else:
        up = Segment(t0, start, sign * vbas, sign * accel, accl)
        segments.append(up)
        t_cruise = t0 + accl
        cruise_dt = (distance - 2.0 * ramp_distance) / velo
        cruise = Segment(t_cruise, up.position(t_cruise), sign * velo, 0.0, cruise_dt)
        segments.append(cruise)
        t_down = t_cruise + cruise_dt
        segments.append(Segment(t_down, cruise.position(t_down), sign * velo, -sign * accel, accl))
    return Profile(t0, start, target, tuple(segments), accel, vbas)


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
        """Which dial limit a user limit write sets, and to what: ``('DHLM', x)`` or ``('DLLM', x)``."""
        dial = self.dial(user_value)
        if (self.sign > 0) == high:
            return "DHLM", dial
        return "DLLM", dial


def within_dial_limits(dial: float, dllm: float, dhlm: float, tolerance: float = 1e-9) -> bool:
    """Motor-record soft-limit test; DLLM == DHLM == 0 disables the limits."""
    if dllm == 0.0 and dhlm == 0.0:
        return True
    return dllm - tolerance <= dial <= dhlm + tolerance


class Msta(enum.IntFlag):
    """MSTA bits at their motor-record positions."""

    DIRECTION = 1 << 0    #: last raw direction was positive
    DONE = 1 << 1
    PLUS_LS = 1 << 2
    HOME_LS = 1 << 3
    POSITION = 1 << 5     #: closed-loop position control
    HOME = 1 << 7         #: at home
    PRESENT = 1 << 8      #: encoder present
    PROBLEM = 1 << 9
    MOVING = 1 << 10
    GAIN_SUPPORT = 1 << 11
    COMM_ERR = 1 << 12
    MINUS_LS = 1 << 13
    HOMED = 1 << 14


def msta_word(*, done: bool, moving: bool, positive: bool, plus_ls: bool, minus_ls: bool,
              homed: bool, at_home: bool) -> int:
    """Compose the MSTA value from the simulated controller state."""
    word = Msta.POSITION
    for flag, on in ((Msta.DONE, done), (Msta.MOVING, moving), (Msta.DIRECTION, positive),
                     (Msta.PLUS_LS, plus_ls), (Msta.MINUS_LS, minus_ls),
                     (Msta.HOMED, homed), (Msta.HOME, at_home), (Msta.HOME_LS, at_home)):
        if on:
            word |= flag
    return int(word)


def check_finite(**values: Optional[float]) -> None:
    """Raise ``ValueError`` naming the first value that is not a finite number."""
    for name, value in values.items():
        try:
            ok = math.isfinite(value)
        except TypeError:
            raise ValueError(f"{name} must be a number, not {value!r}") from None
        if not ok:
            raise ValueError(f"{name} must be finite, not {value}")


def validate_setting(name: str, number: float, what: str, *, vmax: float, vbas: float,
                     velo: float) -> float:
    """``number`` as motor-record field ``name`` accepts it, or ``ValueError`` saying why.

    Speeds and times must be positive, never above ``vmax`` (when set); ``VELO >= VBAS``;
    ``PREC`` is an integer 0..15.
    """
    check_finite(**{what: number})
    if name in ("VELO", "HVEL", "JVEL", "ACCL", "MRES"):
        if number <= 0:
            raise ValueError(f"{what} must be > 0, not {number}")
        if name in ("VELO", "HVEL", "JVEL") and vmax > 0 and number > vmax:
            raise ValueError(f"{what}: {number} exceeds VMAX={vmax}")
        if name == "VELO" and number < vbas:
            raise ValueError(f"{what}: {number} is below VBAS={vbas}")
    elif name in ("VBAS", "VMAX", "JAR", "RDBD"):
        if number < 0:
            raise ValueError(f"{what} must be >= 0, not {number}")
        if name == "VBAS" and number > velo:
            raise ValueError(f"{what}: {number} exceeds VELO={velo}")
    elif name == "PREC":
        if not 0 <= number <= 15 or number != int(number):
            raise ValueError(f"{what}: precision must be an integer 0..15, not {number}")
        return int(number)
    return number
