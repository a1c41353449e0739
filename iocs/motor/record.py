"""One mock EPICS motor record as a caproto PVGroup: its PVs, its put table, autosave.

Every field of :class:`~iocs.motor.fields.MotorFields` is declared here by name, and a put to a
writable one goes to the handler :func:`put_table` names for it. The handlers and the rest of
the record's behaviour live in parts the record holds: :class:`~iocs.motor.readback.Readbacks`
(derived fields), :class:`~iocs.motor.coords.Coordinates` (coordinates, limits, settings),
:class:`~iocs.motor.sequencer.MotionSequencer` (the motion task) and
:class:`~iocs.motor.moves.MoveRequests` (motion fields). They share one
:class:`~iocs.motor.axis.Axis`: the record's fields, the simulated controller
(:mod:`iocs.motor.mover`) and its options.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional

from ..common.caproto_compat import LiteralPrefixGroup
from ..common.channels import RECORD_TYPE_MAP, RECORD_TYPE_MAP_READ_ONLY, finite_float
from .axis import Axis, AxisOptions
from .coords import Coordinates
from .fields import ASL0, FIELDS, POSITION_FIELDS, SAVED, Field, MotorFields, Row, field_name
from .motion import Calibration
from .mover import Mover
from .moves import MoveRequests
from .readback import Readbacks
from .rules import raw_steps
from .sequencer import MotionSequencer

logger = logging.getLogger(__name__)

__all__ = ["MotorRecord", "AxisOptions", "POSITION_FIELDS", "SAVED", "PutHandler",
           "put_table"]

#: A put handler: (the field put to, the value put) -> the value the field takes, or
#: ``SkipWrite`` when the handler wrote the field itself.
PutHandler = Callable[[Field[Any], Any], Awaitable[Any]]


def put_table(moves: MoveRequests, coords: Coordinates) -> Dict[str, PutHandler]:
    """Which handler takes a client's put to each writable field."""
    return {
        # motion requests
        "VAL": moves.put_val,
        "DVAL": moves.put_dval,
        "RVAL": moves.put_rval,
        "RLV": moves.put_rlv,
        "TWF": moves.put_twf,
        "TWR": moves.put_twr,
        "JOGF": moves.put_jogf,
        "JOGR": moves.put_jogr,
        "HOMF": moves.put_homf,
        "HOMR": moves.put_homr,
        "STOP": moves.put_stop,
        "SPMG": moves.put_spmg,
        "SYNC": moves.put_sync,
        "STUP": moves.put_stup,
        # coordinates and limits
        "OFF": coords.put_off,
        "DIR": coords.put_dir,
        "SSET": coords.put_sset,
        "SUSE": coords.put_suse,
        "HLM": coords.put_hlm,
        "LLM": coords.put_llm,
        "DHLM": coords.put_dial_limit,
        "DLLM": coords.put_dial_limit,
        "UEIP": coords.put_ueip,
        # settings: validated by their row, clamped as the record clamps them
        "TWV": coords.put_setting,
        "VELO": coords.put_setting,
        "VBAS": coords.put_setting,
        "VMAX": coords.put_setting,
        "ACCL": coords.put_setting,
        "BDST": coords.put_setting,
        "BVEL": coords.put_setting,
        "BACC": coords.put_setting,
        "FRAC": coords.put_setting,
        "HVEL": coords.put_setting,
        "JVEL": coords.put_setting,
        "JAR": coords.put_setting,
        "RDBD": coords.put_setting,
        "SPDB": coords.put_setting,
        "RTRY": coords.put_setting,
        "RMOD": coords.put_setting,
        "DLY": coords.put_setting,
        "MRES": coords.put_setting,
        "SREV": coords.put_setting,
        "UREV": coords.put_setting,
        "ERES": coords.put_setting,
        "FOFF": coords.put_setting,
        "SET": coords.put_setting,
        "HLSV": coords.put_setting,
        "HIHI": coords.put_setting,
        "HIGH": coords.put_setting,
        "LOW": coords.put_setting,
        "LOLO": coords.put_setting,
        "HHSV": coords.put_setting,
        "HSV": coords.put_setting,
        "LSV": coords.put_setting,
        "LLSV": coords.put_setting,
        "EGU": coords.put_setting,
        "DESC": coords.put_setting,
        "PREC": coords.put_setting,
        "CNEN": coords.put_setting,
        "DISA": coords.put_setting,
    }


async def _put(record: MotorRecord, channel: Any, value: Any) -> Any:
    """A client's put to one of ``record``'s writable fields (caproto's putter)."""
    return await record.handle_put(channel, value)


def _pv(row: Row[Any]) -> Any:
    """The PV of a field; a writable field's puts go to the record's put table."""
    prop = row.pvproperty()
    return prop if row.setting.read_only else prop.putter(_put)


class MotorRecord(LiteralPrefixGroup):
    """One simulated motor record: ``<prefix>.VAL``, ``<prefix>.RBV``, ... plus ``.running``."""

    type_map = RECORD_TYPE_MAP
    type_map_read_only = RECORD_TYPE_MAP_READ_ONLY

    VAL = _pv(MotorFields.VAL)
    DVAL = _pv(MotorFields.DVAL)
    RVAL = _pv(MotorFields.RVAL)
    RLV = _pv(MotorFields.RLV)
    TWF = _pv(MotorFields.TWF)
    TWR = _pv(MotorFields.TWR)
    TWV = _pv(MotorFields.TWV)
    JOGF = _pv(MotorFields.JOGF)
    JOGR = _pv(MotorFields.JOGR)
    HOMF = _pv(MotorFields.HOMF)
    HOMR = _pv(MotorFields.HOMR)
    STOP = _pv(MotorFields.STOP)
    SPMG = _pv(MotorFields.SPMG)
    SYNC = _pv(MotorFields.SYNC)
    STUP = _pv(MotorFields.STUP)
    RBV = _pv(MotorFields.RBV)
    DRBV = _pv(MotorFields.DRBV)
    RRBV = _pv(MotorFields.RRBV)
    RMP = _pv(MotorFields.RMP)
    REP = _pv(MotorFields.REP)
    DIFF = _pv(MotorFields.DIFF)
    RDIF = _pv(MotorFields.RDIF)
    DMOV = _pv(MotorFields.DMOV)
    MOVN = _pv(MotorFields.MOVN)
    running = _pv(MotorFields.running)
    MSTA = _pv(MotorFields.MSTA)
    TDIR = _pv(MotorFields.TDIR)
    CDIR = _pv(MotorFields.CDIR)
    ATHM = _pv(MotorFields.ATHM)
    HLS = _pv(MotorFields.HLS)
    LLS = _pv(MotorFields.LLS)
    RHLS = _pv(MotorFields.RHLS)
    RLLS = _pv(MotorFields.RLLS)
    LVIO = _pv(MotorFields.LVIO)
    RCNT = _pv(MotorFields.RCNT)
    MISS = _pv(MotorFields.MISS)
    STAT = _pv(MotorFields.STAT)
    SEVR = _pv(MotorFields.SEVR)
    RTYP = _pv(MotorFields.RTYP)
    VERS = _pv(MotorFields.VERS)
    VELO = _pv(MotorFields.VELO)
    VBAS = _pv(MotorFields.VBAS)
    VMAX = _pv(MotorFields.VMAX)
    ACCL = _pv(MotorFields.ACCL)
    BDST = _pv(MotorFields.BDST)
    BVEL = _pv(MotorFields.BVEL)
    BACC = _pv(MotorFields.BACC)
    FRAC = _pv(MotorFields.FRAC)
    HVEL = _pv(MotorFields.HVEL)
    JVEL = _pv(MotorFields.JVEL)
    JAR = _pv(MotorFields.JAR)
    RDBD = _pv(MotorFields.RDBD)
    SPDB = _pv(MotorFields.SPDB)
    RTRY = _pv(MotorFields.RTRY)
    RMOD = _pv(MotorFields.RMOD)
    DLY = _pv(MotorFields.DLY)
    MRES = _pv(MotorFields.MRES)
    SREV = _pv(MotorFields.SREV)
    UREV = _pv(MotorFields.UREV)
    ERES = _pv(MotorFields.ERES)
    UEIP = _pv(MotorFields.UEIP)
    OFF = _pv(MotorFields.OFF)
    DIR = _pv(MotorFields.DIR)
    FOFF = _pv(MotorFields.FOFF)
    SET = _pv(MotorFields.SET)
    SSET = _pv(MotorFields.SSET)
    SUSE = _pv(MotorFields.SUSE)
    HLM = _pv(MotorFields.HLM)
    LLM = _pv(MotorFields.LLM)
    DHLM = _pv(MotorFields.DHLM)
    DLLM = _pv(MotorFields.DLLM)
    HLSV = _pv(MotorFields.HLSV)
    HIHI = _pv(MotorFields.HIHI)
    HIGH = _pv(MotorFields.HIGH)
    LOW = _pv(MotorFields.LOW)
    LOLO = _pv(MotorFields.LOLO)
    HHSV = _pv(MotorFields.HHSV)
    HSV = _pv(MotorFields.HSV)
    LSV = _pv(MotorFields.LSV)
    LLSV = _pv(MotorFields.LLSV)
    EGU = _pv(MotorFields.EGU)
    DESC = _pv(MotorFields.DESC)
    PREC = _pv(MotorFields.PREC)
    CNEN = _pv(MotorFields.CNEN)
    DISA = _pv(MotorFields.DISA)

    def __init__(self, prefix: str, *, options: AxisOptions = AxisOptions(),
                 on_change: Optional[Callable[[], None]] = None, **kwargs: Any) -> None:
        super().__init__(prefix, **kwargs)
        self.fields = MotorFields(self.attr_pvdb)
        low, high = options.hard_limits
        mover = Mover(1.0 / options.update_rate, self._on_tick, switches=options.hard_limits)
        mover.position = min(max(0.0, low), high)
        self.axis = Axis(self.prefix, self.fields, mover, options, on_change or _nothing)
        self.readbacks = Readbacks(self.axis, self.alarms["record"])
        self.coords = Coordinates(self.axis, self.readbacks)
        self.motion = MotionSequencer(self.axis, self.readbacks)
        self.moves = MoveRequests(self.axis, self.readbacks, self.coords, self.motion)
        self.puts = put_table(self.moves, self.coords)
        _check_put_table(self.puts)
        self._last_save_request = 0.0
        self.pvdb[self.prefix] = self.VAL           # the record name alone reads VAL
        self.pvdb[self.prefix + "_able.VAL"] = self.DISA   # pyepics' Motor looks for it

    async def handle_put(self, channel: Any, value: Any) -> Any:
        """A client's put to a writable field, handed to its handler in :attr:`puts`."""
        name = field_name(channel)
        return await self.puts[name](self.fields.field(name), value)

    def access_level(self, channel: Any) -> int:
        """Access-security level of a field, as in motorRecord.dbd (ASL0 or ASL1)."""
        return 0 if field_name(channel) in ASL0 else 1

    async def _on_tick(self, direction: int) -> None:
        await self.readbacks.publish_readback(direction)
        now = time.monotonic()
        if now - self._last_save_request >= 1.0:     # autosave follows a long move
            self._last_save_request = now
            self.axis.on_change()

    # ---- autosave ------------------------------------------------------------------------
    def settings(self) -> Dict[str, Any]:
        """What autosave keeps for this axis."""
        saved = {name: self.fields.field(name).value for name in SAVED}
        saved.update(position=self.axis.mover.position, homed=self.axis.homed)
        return saved

    async def restore(self, saved: Dict[str, Any]) -> None:
        """Apply saved settings; each one that fails validation is logged and skipped."""
        axis, f = self.axis, self.fields
        for name, value in FIELDS.restore(saved, f"{self.prefix} autosave").items():
            await f.field(name).write(value)
        await self.coords.enforce_settings()
        axis.cal = Calibration(f.OFF.value, -1 if f.DIR.value == "Neg" else 1)
        try:
            position = finite_float(saved.get("position", axis.mover.position), "position")
            raw_steps(position, f.MRES.value, "saved position")
            axis.mover.position = position
        except ValueError as ex:
            logger.warning("%s: ignoring saved position: %s", self.prefix, ex)
        homed = saved.get("homed", False)
        if isinstance(homed, bool):
            axis.homed = homed
        else:
            logger.warning("%s: ignoring saved homed=%r (not true/false)", self.prefix, homed)
        await self.startup_publish()

    async def startup_publish(self) -> None:
        """Make every derived field agree with the state before clients connect."""
        self.axis.ldvl = self.axis.mover.position
        await self.coords.publish_units()
        await self.readbacks.publish_setpoint(self.readbacks.readback()[1])
        self.axis.ldvl = self.fields.DVAL.value
        await self.coords.publish_calibration()
        await self.readbacks.publish_motion(False)


def _nothing() -> None:
    pass


def _check_put_table(table: Dict[str, PutHandler]) -> None:
    """Every writable field has a handler, and only writable fields do."""
    writable = {s.name for s in FIELDS if not s.read_only}
    if set(table) != writable:
        raise RuntimeError(f"the put table and the writable fields differ: "
                           f"{sorted(set(table) ^ writable)}")
