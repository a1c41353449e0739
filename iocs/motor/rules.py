"""Pure motor-record rules, after ``motorRecord.cc``: steps, soft limits, backlash, retries,
clamping of settings (``special``/``range_check``), alarms (``alarm_sub``) and MSTA bits.

Positions are dial positions (EGU) unless a name says ``raw`` (motor steps, ``dial / MRES``).
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

__all__ = ["RAW_MAX", "nint", "raw_steps", "Msta", "msta_word", "Leg", "plan_move",
           "limit_violation", "preferred_direction", "RetryVerdict", "retry_verdict",
           "reconcile", "alarm", "SEVERITIES", "ALARM_STATUSES"]

#: Raw positions are 32-bit integers in the motor record.
RAW_MAX = 2**31 - 1

SEVERITIES = ("NO_ALARM", "MINOR", "MAJOR", "INVALID")
#: menuAlarmStat as far as a CA enum reaches (16 states: every status this IOC raises).
ALARM_STATUSES = ("NO_ALARM", "READ", "WRITE", "HIHI", "HIGH", "LOLO", "LOW", "STATE", "COS",
                  "COMM", "TIMEOUT", "HWLIMIT", "CALC", "SCAN", "LINK", "SOFT")


def nint(x: float) -> int:
    """The record's NINT: round half away from zero."""
    return int(x + 0.5) if x > 0 else int(x - 0.5)


def raw_steps(dial: float, mres: float, what: str = "position") -> int:
    """``dial`` in motor steps, or ``ValueError`` when it does not fit a 32-bit raw value."""
    steps = dial / mres
    if not math.isfinite(steps) or abs(steps) > RAW_MAX:
        raise ValueError(f"{what} {dial:g} is {steps:g} steps of MRES={mres:g}, beyond the "
                         f"raw range of +-{RAW_MAX}")
    return nint(steps)


class Msta(enum.IntFlag):
    """MSTA bits at their motor-record positions (``motor.h``)."""

    DIRECTION = 1 << 0      #: last raw direction was positive
    DONE = 1 << 1
    PLUS_LS = 1 << 2        #: raw plus limit switch
    HOME = 1 << 3           #: home switch
    SLIP = 1 << 4
    POSITION = 1 << 5       #: closed-loop position control enabled
    SLIP_STALL = 1 << 6
    ENCODER_HOME = 1 << 7   #: encoder home signal
    PRESENT = 1 << 8        #: encoder present
    PROBLEM = 1 << 9
    MOVING = 1 << 10
    GAIN_SUPPORT = 1 << 11
    COMM_ERR = 1 << 12
    MINUS_LS = 1 << 13      #: raw minus limit switch
    HOMED = 1 << 14


def msta_word(*, done: bool, moving: bool, positive: bool, plus_ls: bool, minus_ls: bool,
              homed: bool, at_home: bool, encoder: bool = False) -> int:
    """Compose MSTA from the simulated controller; encoder bits only with an encoder."""
    word = Msta(0)
    for flag, on in ((Msta.DONE, done), (Msta.MOVING, moving), (Msta.DIRECTION, positive),
                     (Msta.PLUS_LS, plus_ls), (Msta.MINUS_LS, minus_ls),
                     (Msta.HOMED, homed), (Msta.HOME, at_home), (Msta.PRESENT, encoder),
                     (Msta.ENCODER_HOME, encoder and at_home)):
        if on:
            word |= flag
    return int(word)


# ---- moves --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Leg:
    """One commanded motion: ``base + frac * (goal - base)`` at ``velo`` with ``accl`` s ramps.

    ``base`` None means the readback at the moment the leg starts (a relative move).
    """

    goal: float
    velo: float
    accl: float
    frac: float = 1.0
    base: Optional[float] = None
    backlash: bool = False

    def target(self, readback: float) -> float:
        base = readback if self.base is None else self.base
        return base + self.frac * (self.goal - base)


def preferred_direction(dval: float, reference: float, bdst: float) -> bool:
    """True when moving from ``reference`` to ``dval`` approaches as the backlash wants."""
    return (dval > reference) == (bdst > 0)


def limit_violation(dval: float, ldvl: float, dllm: float, dhlm: float, bdst: float,
                    preferred: bool) -> bool:
    """``do_work``'s soft-limit test (moves back towards the valid range are allowed).

    ``ldvl`` is motorRecord's LDVL, the last dial target.
    """
    if dhlm == dllm == 0.0:
        return False
    if dllm > dhlm:
        return True
    if (dval > dhlm and dval < ldvl) or (dval < dllm and dval > ldvl):
        return False
    check = dval if preferred else dval - bdst
    return check > dhlm or check < dllm


def plan_move(*, dval: float, ldvl: float, drbv: float, mres: float, bdst: float,
              frac: float, velo: float, accl: float, bvel: float, bacc: float,
              relative: bool, retry_count: int = 0, rmod: str = "Default",
              rtry: int = 0) -> Tuple[Leg, ...]:
    """The legs of a move to ``dval``, with backlash and ``FRAC`` as the record plans them.

    Absolute moves start from the last target ``ldvl``; ``relative`` (retries with an
    encoder) moves start from the readback, scaled down for RMOD Arithmetic/Geometric.
    """
    step = abs(mres)
    reference = drbv if relative else ldvl
    preferred = preferred_direction(dval, reference, bdst)
    scale = 1.0
    if relative and retry_count:
        if rmod == "Arithmetic" and rtry:
            scale = (rtry - retry_count + 1.0) / rtry
        elif rmod == "Geometric":
            scale = 1.0 / 2.0 ** (retry_count - 1)
    base = None if relative else ldvl

    def scaled(goal: float, origin: float) -> float:
        if scale == 1.0:
            return goal
        delta = (goal - origin) * scale
        return origin + math.copysign(max(abs(delta), step), delta)

    if abs(bdst) < step or (preferred and bvel == velo and bacc == accl):
        return (Leg(scaled(dval, drbv), velo, accl, frac, base),)
    if preferred and abs(dval - reference) <= step + abs(bdst):
        return (Leg(scaled(dval, drbv), bvel, bacc, frac, base, backlash=True),)
    bpos = dval - bdst
    return (Leg(scaled(bpos, drbv), velo, accl),
            Leg(dval, bvel, bacc, frac, None if relative else bpos, backlash=True))


def too_small(*, dval: float, drbv: float, mres: float, retry: bool, rdbd: float,
              spdb: float) -> bool:
    """No move: under one step (under RDBD for a retry), or within SPDB of the readback."""
    distance = abs(nint(dval / mres) - nint(drbv / mres))
    if retry:
        return distance < nint(rdbd / abs(mres))
    return distance < 1 or (spdb > 0 and abs(dval - drbv) < spdb)


# ---- retries ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryVerdict:
    retry: bool
    rcnt: int
    miss: int


def retry_verdict(*, diff: float, rdbd: float, rtry: int, rcnt: int, miss: int,
                  blocked_by_switch: bool) -> RetryVerdict:
    """``maybeRetry``: try again when outside RDBD and retries remain (never into a switch)."""
    if abs(diff) >= rdbd and not blocked_by_switch:
        if rtry == 0:
            return RetryVerdict(False, rcnt, miss)
        if rcnt + 1 > rtry:
            return RetryVerdict(False, rcnt + 1, 1)
        return RetryVerdict(True, rcnt + 1, miss)
    return RetryVerdict(False, rcnt, 0)


# ---- settings (special / range_check) ------------------------------------------------------
def _range_check(value: float, low: float, high: float) -> float:
    """Limit ``value`` to ``low..high``; ``high == 0`` disables the upper check."""
    value = max(value, low)
    if high != 0.0 and value > high:
        value = high
    return value


def reconcile(name: str, value: float, fields: Mapping[str, Any]) -> Dict[str, Any]:
    """Every field value that changes when ``name`` is set to ``value``, clamped as the record.

    ``fields`` holds the current values; the result holds ``name`` (possibly clamped) and any
    field the record adjusts with it (VELO follows VBAS/VMAX, MRES follows UREV/SREV, ...).
    """
    f = dict(fields)
    f[name] = value
    speed_fields = ("VELO", "BVEL", "JVEL", "HVEL")
    if name == "VBAS":
        f["VBAS"] = max(value, 0.0)
        if f["VMAX"] != 0.0 and f["VBAS"] > f["VMAX"]:
            f["VMAX"] = f["VBAS"]
    elif name == "VMAX":
        f["VMAX"] = max(value, 0.0)
        if f["VMAX"] != 0.0 and f["VMAX"] < f["VBAS"]:
            f["VBAS"] = f["VMAX"]
    if name in ("VBAS", "VMAX"):
        for speed in speed_fields:
            f[speed] = _range_check(f[speed], f["VBAS"], f["VMAX"])
    elif name in speed_fields:
        f[name] = _range_check(value, f["VBAS"], f["VMAX"])
    elif name in ("ACCL", "BACC") and value <= 0.0:
        f[name] = 0.1
    elif name == "FRAC":
        f[name] = min(max(value, 0.1), 1.5)
    elif name == "JAR" and value <= 0.0:
        f[name] = f["JVEL"] / 0.1
    elif name == "SREV":
        f["SREV"] = 200 if value <= 0 else int(value)
        f["MRES"] = f["UREV"] / f["SREV"]
    elif name == "UREV":
        if value == 0.0:
            raise ValueError("UREV must not be 0")
        f["MRES"] = value / f["SREV"]
    elif name == "MRES":
        f["UREV"] = value * f["SREV"]
    elif name == "ERES" and value == 0.0:
        f["ERES"] = f["MRES"]
    elif name == "DLY":
        f["DLY"] = max(value, 0.0)
    if name in ("MRES", "UREV", "SREV", "RDBD", "BDST"):
        f["RDBD"] = max(f["RDBD"], abs(f["MRES"]))
    return {k: v for k, v in f.items() if k == name or v != fields.get(k)}


# ---- alarms -------------------------------------------------------------------------------
def alarm(*, hlsv: str, hls: bool, lls: bool, dval: float, dllm: float, dhlm: float,
          problem: bool) -> Tuple[str, str]:
    """``alarm_sub``: (STAT, SEVR) of the record.

    With HLSV set, a limit switch (or a setpoint beyond an enabled soft limit) raises HIGH or
    LOW at severity HLSV; a controller problem is STATE/MAJOR.
    """
    limits_on = not (dllm == 0.0 and dhlm == 0.0)
    if hlsv != "NO_ALARM" and (hls or (limits_on and dval > dhlm)):
        return "HIGH", hlsv
    if hlsv != "NO_ALARM" and (lls or (limits_on and dval < dllm)):
        return "LOW", hlsv
    if problem:
        return "STATE", "MAJOR"
    return "NO_ALARM", "NO_ALARM"
