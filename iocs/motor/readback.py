"""The fields a motor record derives rather than takes: readbacks, limit switches and MSTA,
the record's alarm (``alarm_sub``), the setpoint echoes (DVAL/VAL/RVAL) and DMOV/MOVN."""
from __future__ import annotations

from typing import Any, Tuple

from caproto import AlarmSeverity, AlarmStatus

from .axis import Axis
from .rules import alarm, msta_word, nint

__all__ = ["Readbacks"]

#: The record's SEVR menu choices as caproto names them.
_SEVERITY = {"NO_ALARM": "NO_ALARM", "MINOR": "MINOR_ALARM", "MAJOR": "MAJOR_ALARM",
             "INVALID": "INVALID_ALARM"}


class Readbacks:
    """Publishes what one record derives from its controller and setpoint."""

    def __init__(self, axis: Axis, alarm_channel: Any) -> None:
        """``alarm_channel``: the caproto alarm all the record's fields share."""
        self.axis = axis
        self._alarm = alarm_channel

    def readback(self) -> Tuple[int, float]:
        """(RRBV, DRBV) of the current position: steps, or encoder counts with UEIP."""
        f, x = self.axis.fields, self.axis.mover.position
        if self.axis.options.encoder and f.UEIP.value == "Yes":
            eres = f.ERES.value or f.MRES.value
            counts = nint(x / eres)
            return counts, counts * eres
        steps = nint(x / f.MRES.value)
        return steps, steps * f.MRES.value

    async def publish_readback(self, direction: int = 0) -> None:
        """RBV and its kin for the current position; ``direction`` (+1/-1) sets TDIR."""
        f, x = self.axis.fields, self.axis.mover.position
        mres = f.MRES.value
        rrbv, drbv = self.readback()
        await f.RMP.set(nint(x / mres))
        if self.axis.options.encoder:
            await f.REP.set(nint(x / (f.ERES.value or mres)))
        await f.RRBV.set(rrbv)
        await f.DRBV.set(drbv)
        await f.RBV.set(self.axis.cal.user(drbv))
        await f.DIFF.set(f.DVAL.value - drbv)
        await f.RDIF.set(nint((f.DVAL.value - drbv) / mres))
        if direction:
            await f.TDIR.set(int(direction * mres > 0))
        await self.publish_status()

    async def publish_status(self) -> None:
        """Limit switches (raw and user direction), at-home, MSTA, then the alarm."""
        f, mover = self.axis.fields, self.axis.mover
        low, high = mover.switch_state()
        mres = f.MRES.value
        raw_plus, raw_minus = (high, low) if mres > 0 else (low, high)
        same = (self.axis.cal.sign > 0) == (mres > 0)
        hls, lls = (raw_plus, raw_minus) if same else (raw_minus, raw_plus)
        at_home = abs(mover.position - self.axis.options.home) < abs(mres) / 2
        await f.RHLS.set(int(raw_plus))
        await f.RLLS.set(int(raw_minus))
        await f.HLS.set(int(hls))
        await f.LLS.set(int(lls))
        await f.ATHM.set(int(at_home))
        await f.MSTA.set(msta_word(
            done=not mover.moving, moving=mover.moving, positive=bool(f.TDIR.value),
            plus_ls=raw_plus, minus_ls=raw_minus, homed=self.axis.homed, at_home=at_home,
            encoder=self.axis.options.encoder))
        await self.publish_alarm()

    async def publish_alarm(self) -> None:
        """STAT/SEVR and the alarm every field shows, when they change."""
        f = self.axis.fields
        stat, sevr = alarm(hlsv=f.HLSV.value, hls=bool(f.HLS.value), lls=bool(f.LLS.value),
                           dval=f.DVAL.value, dllm=f.DLLM.value, dhlm=f.DHLM.value,
                           problem=False)
        if (stat, sevr) == (f.STAT.value, f.SEVR.value):
            return
        await self._alarm.write(status=AlarmStatus[stat],
                                severity=AlarmSeverity[_SEVERITY[sevr]])
        await f.STAT.set(stat)
        await f.SEVR.set(sevr)

    async def publish_setpoint(self, dial: float) -> None:
        """DVAL, VAL, RVAL (and DIFF) for a new dial target."""
        f = self.axis.fields
        mres = f.MRES.value
        await f.DVAL.set(dial)
        await f.VAL.set(self.axis.cal.user(dial))
        await f.RVAL.set(nint(dial / mres))
        await f.DIFF.set(dial - f.DRBV.value)
        await f.RDIF.set(nint((dial - f.DRBV.value) / mres))

    async def publish_motion(self, moving: bool) -> None:
        """DMOV, MOVN and ``.running``."""
        f = self.axis.fields
        await f.DMOV.set(int(not moving))
        await f.MOVN.set(int(moving))
        await f.running.set(int(moving))

    async def sync_setpoint(self) -> None:
        """VAL/DVAL/RVAL and LDVL (the last dial target) take the readback
        (``syncTargetPosition``)."""
        drbv = self.readback()[1]
        await self.publish_setpoint(drbv)
        self.axis.ldvl = drbv
