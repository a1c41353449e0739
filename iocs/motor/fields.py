"""The motor record's fields: one table from which its PVs, validation, autosave and docs come.

Units written ``EGU`` are the axis' ``.EGU`` at run time (``EGU/s`` becomes ``mm/s``). Ranges
refuse values no motor could use (a clear CA error, nothing changes); within them the record's
own rules (:func:`iocs.motor.rules.reconcile`) clamp settings the way ``motorRecord.cc`` does.
"""
from __future__ import annotations

from typing import Any, Dict, List

from caproto.server import pvproperty

from ..common.settings import Setting, SettingsTable
from .rules import ALARM_STATUSES, SEVERITIES

__all__ = ["FIELDS", "SAVED", "ASL0", "POSITION_FIELDS", "declarations", "MAX_POS"]

#: Largest magnitude of a position, speed or distance setting (EGU).
MAX_POS = 1e9
YES_NO = ("No", "Yes")


def _f(name: str, default: float, doc: str, units: str = "EGU", **kw: Any) -> Setting:
    kw.setdefault("low", -MAX_POS)
    kw.setdefault("high", MAX_POS)
    return Setting(name, default, doc, units=units, **kw)


def _ro(name: str, default: Any, doc: str, kind: str = "float", **kw: Any) -> Setting:
    return Setting(name, default, doc, kind=kind, read_only=True, saved=False, **kw)


def _cmd(name: str, doc: str) -> Setting:
    return Setting(name, 0, doc, kind="int", low=0, high=1, saved=False)


def _menu(name: str, default: str, doc: str, choices: tuple, saved: bool = True) -> Setting:
    return Setting(name, default, doc, kind="menu", choices=choices, saved=saved)


FIELDS = SettingsTable([
    # ---- targets (not saved: the position is saved on its own) ---------------------------
    _f("VAL", 0.0, "User setpoint: a put moves the motor there", saved=False),
    _f("DVAL", 0.0, "Dial setpoint", saved=False),
    Setting("RVAL", 0, "Raw setpoint in motor steps (DVAL / MRES)", kind="int", saved=False),
    _f("RLV", 0.0, "Relative move: a put moves by this much", saved=False),
    _cmd("TWF", "Write 1 to tweak forward by TWV"),
    _cmd("TWR", "Write 1 to tweak reverse by TWV"),
    _f("TWV", 1.0, "Tweak step"),
    _cmd("JOGF", "Jog forward while 1 (at JVEL, up to the soft limit)"),
    _cmd("JOGR", "Jog reverse while 1 (at JVEL, down to the soft limit)"),
    _cmd("HOMF", "Write 1 to home forward at HVEL; sets the homed bit"),
    _cmd("HOMR", "Write 1 to home reverse at HVEL; sets the homed bit"),
    _cmd("STOP", "Write 1 to stop (decelerating); VAL becomes RBV"),
    _menu("SPMG", "Go", "Stop / Pause / Move (once) / Go", ("Stop", "Pause", "Move", "Go"),
          saved=False),
    _cmd("SYNC", "Write 1: setpoints take the readback values"),
    _menu("STUP", "OFF", "Write ON to refresh the status once", ("OFF", "ON", "BUSY"),
          saved=False),
    # ---- readbacks -----------------------------------------------------------------------
    _ro("RBV", 0.0, "User readback", units="EGU"),
    _ro("DRBV", 0.0, "Dial readback (RRBV x MRES, or REP x ERES with the encoder)",
        units="EGU"),
    _ro("RRBV", 0, "Raw readback in steps", kind="int"),
    _ro("RMP", 0, "Raw motor position (steps)", kind="int"),
    _ro("REP", 0, "Raw encoder position (counts)", kind="int"),
    _ro("DIFF", 0.0, "Difference DVAL - DRBV", units="EGU"),
    _ro("RDIF", 0, "Difference in steps", kind="int"),
    _ro("DMOV", 1, "Done moving: 0 from the start of a move until RBV is final (after DLY)",
        kind="int"),
    _ro("MOVN", 0, "Motor is moving", kind="int"),
    _ro("running", 0, "Seed name for MOVN (1 while moving)", kind="int"),
    _ro("MSTA", 0, "Motor status bits (motor.h: done, moving, limit switches, homed, ...)",
        kind="int"),
    _ro("TDIR", 0, "Direction of travel (raw): 1 positive", kind="int"),
    _ro("CDIR", 0, "Commanded direction (raw): 1 positive", kind="int"),
    _ro("ATHM", 0, "At home switch", kind="int"),
    _ro("HLS", 0, "At the high limit switch (user direction)", kind="int"),
    _ro("LLS", 0, "At the low limit switch (user direction)", kind="int"),
    _ro("RHLS", 0, "Raw plus limit switch", kind="int"),
    _ro("RLLS", 0, "Raw minus limit switch", kind="int"),
    _ro("LVIO", 0, "The last request violated a soft limit (and was not done)", kind="int"),
    _ro("RCNT", 0, "Retries done in the last move", kind="int"),
    _ro("MISS", 0, "1: the last move ran out of retries outside RDBD", kind="int"),
    _ro("STAT", "NO_ALARM", "Alarm status of the record", kind="menu",
        choices=ALARM_STATUSES),
    _ro("SEVR", "NO_ALARM", "Alarm severity of the record", kind="menu", choices=SEVERITIES),
    _ro("RTYP", "motor", "Record type", kind="text"),
    _ro("VERS", 7.4, "motorRecord.cc version followed", precision=2),
    # ---- speeds and motion -----------------------------------------------------------------
    _f("VELO", 1.0, "Slew speed; kept within VBAS..VMAX", units="EGU/s"),
    _f("VBAS", 0.0, "Base speed: start and stop speed", units="EGU/s"),
    _f("VMAX", 100.0, "Maximum speed; 0 means no maximum", units="EGU/s"),
    _f("ACCL", 0.2, "Seconds from VBAS to VELO; <= 0 becomes 0.1", units="s", low=-1e4,
       high=1e4),
    _f("BDST", 0.0, "Backlash distance: the last approach is from this side (sign)"),
    _f("BVEL", 1.0, "Backlash speed; kept within VBAS..VMAX", units="EGU/s"),
    _f("BACC", 0.5, "Seconds from VBAS to BVEL; <= 0 becomes 0.1", units="s", low=-1e4,
       high=1e4),
    Setting("FRAC", 1.0, "Move fraction of the backlash approach, 0.1..1.5", low=0.1,
            high=1.5, clamp=True, precision=2),
    _f("HVEL", 1.0, "Homing speed; kept within VBAS..VMAX", units="EGU/s"),
    _f("JVEL", 1.0, "Jog speed; kept within VBAS..VMAX", units="EGU/s"),
    _f("JAR", 5.0, "Jog acceleration; <= 0 becomes JVEL / 0.1 s", units="EGU/s/s"),
    _f("RDBD", 0.001, "Retry deadband: a move ends within this of its target; >= |MRES|"),
    _f("SPDB", 0.0, "Setpoint deadband: no move closer than this to the readback"),
    Setting("RTRY", 10, "Maximum retries", kind="int", low=0, high=255, clamp=True),
    _menu("RMOD", "Default", "Retry mode (Arithmetic/Geometric shrink relative retries)",
          ("Default", "Arithmetic", "Geometric", "In-Position")),
    Setting("DLY", 0.0, "Readback settle time after a move, before DMOV=1 (0..3600)",
            units="s", low=-1e4, high=3600, clamp=True),
    # ---- resolution and encoder --------------------------------------------------------
    Setting("MRES", 0.0001, "Motor resolution (EGU per step), 1e-9..1e6 in magnitude",
            units="EGU", low=-1e6, high=1e6, precision=6,
            check=lambda v: _nonzero(v, "MRES", 1e-9)),
    Setting("SREV", 200, "Steps per revolution; <= 0 becomes 200", kind="int", low=-2**31,
            high=2**31 - 1, units="steps/rev"),
    _f("UREV", 0.02, "EGU per revolution (MRES x SREV)", units="EGU/rev", precision=6),
    Setting("ERES", 0.0001, "Encoder resolution (EGU per count); 0 becomes MRES",
            units="EGU", low=-1e6, high=1e6, precision=6,
            check=lambda v: _nonzero(v, "ERES", 1e-9, allow_zero=True)),
    _menu("UEIP", "No", "Use the encoder (only with one present)", YES_NO),
    # ---- coordinates and limits ----------------------------------------------------------
    _f("OFF", 0.0, "User offset: user = dial x (DIR sign) + OFF"),
    _menu("DIR", "Pos", "User direction relative to dial", ("Pos", "Neg")),
    _menu("FOFF", "Variable", "Offset: Variable (SET and DIR change OFF) or Frozen",
          ("Variable", "Frozen")),
    _menu("SET", "Use", "Use: VAL moves; Set: VAL redefines the position", ("Use", "Set"),
          saved=False),
    _cmd("SSET", "Write 1 for SET = Set"),
    _cmd("SUSE", "Write 1 for SET = Use"),
    _f("HLM", 100.0, "User high soft limit", saved=False),
    _f("LLM", -100.0, "User low soft limit", saved=False),
    _f("DHLM", 100.0, "Dial high soft limit (DHLM = DLLM = 0: no soft limits)"),
    _f("DLLM", -100.0, "Dial low soft limit"),
    # ---- alarms --------------------------------------------------------------------------
    _menu("HLSV", "NO_ALARM", "Severity of a limit-switch (or soft-limit) alarm", SEVERITIES),
    _f("HIHI", 0.0, "Hihi alarm limit of VAL (reported, as the record, not evaluated)"),
    _f("HIGH", 0.0, "High alarm limit of VAL (reported)"),
    _f("LOW", 0.0, "Low alarm limit of VAL (reported)"),
    _f("LOLO", 0.0, "Lolo alarm limit of VAL (reported)"),
    _menu("HHSV", "NO_ALARM", "Hihi severity (not used by the motor record)", SEVERITIES),
    _menu("HSV", "NO_ALARM", "High severity (not used by the motor record)", SEVERITIES),
    _menu("LSV", "NO_ALARM", "Low severity (not used by the motor record)", SEVERITIES),
    _menu("LLSV", "NO_ALARM", "Lolo severity (not used by the motor record)", SEVERITIES),
    # ---- description ---------------------------------------------------------------------
    Setting("EGU", "mm", "Engineering units", kind="text", max_length=15),
    Setting("DESC", "", "Description", kind="text", max_length=39),
    Setting("PREC", 3, "Display precision of positions, 0..15", kind="int", low=0, high=15),
    _menu("CNEN", "Enable", "Torque: Disable refuses moves", ("Disable", "Enable"),
          saved=False),
    Setting("DISA", 0, "Disable: 1 refuses moves", kind="int", low=0, high=1, saved=False),
])


def _nonzero(value: float, name: str, smallest: float, allow_zero: bool = False) -> float:
    if value == 0.0 and allow_zero:
        return value
    if abs(value) < smallest:
        raise ValueError(f"{name}: {value:g} is smaller in magnitude than {smallest:g}")
    return value


#: Saved by autosave, restored in this order (settings before the limits that use them).
SAVED: List[str] = [s.name for s in FIELDS.saved()]
#: Fields at access-security level 0 (as in motorRecord.dbd); the others are level 1.
ASL0 = frozenset("OFF FOFF SET SSET SUSE BDST SPMG STOP JOGF JOGR TWF TWR TWV VAL DVAL RVAL "
                 "RLV CNEN STUP".split())
#: Fields whose values are positions: they carry the axis' EGU and PREC.
POSITION_FIELDS = tuple(s.name for s in FIELDS if s.units == "EGU")


def declarations() -> Dict[str, pvproperty]:
    """One ``pvproperty`` per field, named ``.FIELD``; all share the record's alarm."""
    out = {}
    for s in FIELDS:
        extra: Dict[str, Any] = {"alarm_group": "record"}
        if s.units:
            extra["units"] = s.units.replace("EGU", FIELDS["EGU"].default)
        out[s.name] = s.pvproperty(f".{s.name}", **extra)
    return out
