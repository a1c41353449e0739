"""The motor record's fields: one table from which its PVs, typed access, validation, autosave
and docs come.

Each row of :class:`MotorFields` is one field (``VAL``, ``VELO``, ...): kind, default, range,
units and meaning. Units written ``EGU`` are the axis' ``.EGU`` at run time: ``EGU/sec`` is
served as ``mm/sec`` while ``.EGU`` is ``mm``. Ranges refuse values no motor could use (a clear
CA error, nothing changes); within them the record's own rules
(:func:`iocs.motor.rules.reconcile`) clamp settings the way ``motorRecord.cc`` does.

On one record's :class:`MotorFields`, ``fields.VELO`` is that record's :class:`Field`:
``fields.VELO.value`` is a ``float``, ``fields.SPMG.value`` a ``str`` (the menu choice), and a
misspelt field name is a mypy error.
"""
from __future__ import annotations

from typing import (
    Any,
    Dict,
    Generic,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
    overload,
)

from ..common.settings import Setting, SettingsTable
from .rules import ALARM_STATUSES, SEVERITIES

__all__ = ["Field", "Row", "MotorFields", "FIELDS", "SAVED", "ASL0", "POSITION_FIELDS",
           "MAX_POS", "field_name", "served_units"]

T = TypeVar("T")

#: Largest magnitude of a position, speed or distance setting (EGU).
MAX_POS = 1e9
YES_NO = ("No", "Yes")


class Field(Generic[T]):
    """One field of one record: its row, its caproto channel, and its value as a ``T``."""

    def __init__(self, setting: Setting, channel: Any) -> None:
        self.setting = setting
        self.channel = channel

    @property
    def name(self) -> str:
        return self.setting.name

    @property
    def pvname(self) -> str:
        return str(self.channel.pvname)

    @property
    def value(self) -> T:
        return self.channel.value

    async def set(self, value: T) -> None:
        """Write ``value`` from inside the IOC (no put handler) if it differs from the field's."""
        if self.channel.value != value:
            await self.channel.write(value, verify_value=False)

    async def write(self, value: T) -> None:
        """Write ``value`` from inside the IOC (no put handler), posted even when unchanged."""
        await self.channel.write(value, verify_value=False)

    async def write_metadata(self, **metadata: Any) -> None:
        """Change the field's CA metadata (limits, units, precision, alarm limits)."""
        await self.channel.write_metadata(**metadata)


class Row(Generic[T]):
    """A field's row of the table; read from a record's :class:`MotorFields`, its Field.

    The row's name is the attribute it is assigned to in :class:`MotorFields`.
    """

    setting: Setting

    def __init__(self, **spec: Any) -> None:
        self._spec = spec

    def __set_name__(self, owner: type, name: str) -> None:
        self.setting = Setting(name, **self._spec)

    @property
    def name(self) -> str:
        return self.setting.name

    @overload
    def __get__(self, fields: None, owner: type) -> Row[T]: ...

    @overload
    def __get__(self, fields: MotorFields, owner: type) -> Field[T]: ...

    def __get__(self, fields: Optional[MotorFields], owner: type) -> Union[Row[T], Field[T]]:
        return self if fields is None else fields.field(self.name)

    def pvproperty(self) -> Any:
        """The caproto declaration of the PV ``<record>.<NAME>``; it shows the record's alarm."""
        s = self.setting
        extra: Dict[str, Any] = {"alarm_group": "record"}
        if s.units:
            extra["units"] = served_units(s, FIELDS["EGU"].default)
        return s.pvproperty(f".{s.name}", **extra)


def served_units(setting: Setting, egu: str) -> str:
    """The units a field's PV carries while the axis' ``.EGU`` is ``egu``."""
    return setting.units.replace("EGU", egu)


def field_name(channel: Any) -> str:
    """The field a record's channel serves (``VAL`` for ``<record>.VAL``)."""
    return str(channel.pvname).rsplit(".", 1)[-1]


# ---- kinds of row ------------------------------------------------------------------------
def _quantity(default: float, doc: str, units: str = "EGU", **kw: Any) -> Row[float]:
    """A position, speed or distance: at most :data:`MAX_POS` in magnitude."""
    kw.setdefault("low", -MAX_POS)
    kw.setdefault("high", MAX_POS)
    return Row(default=default, doc=doc, units=units, **kw)


def _real(default: float, doc: str, **kw: Any) -> Row[float]:
    return Row(default=default, doc=doc, kind="float", **kw)


def _integer(default: int, doc: str, **kw: Any) -> Row[int]:
    return Row(default=default, doc=doc, kind="int", **kw)


def _command(doc: str) -> Row[int]:
    """An action field: a put of 1 does something (0 does nothing)."""
    return Row(default=0, doc=doc, kind="int", low=0, high=1, saved=False)


def _menu(default: str, doc: str, choices: Tuple[str, ...], **kw: Any) -> Row[str]:
    return Row(default=default, doc=doc, kind="menu", choices=choices, **kw)


def _text(default: str, doc: str, **kw: Any) -> Row[str]:
    return Row(default=default, doc=doc, kind="text", **kw)


def _readback(default: float, doc: str, **kw: Any) -> Row[float]:
    return Row(default=default, doc=doc, kind="float", read_only=True, saved=False, **kw)


def _status(default: int, doc: str) -> Row[int]:
    return Row(default=default, doc=doc, kind="int", read_only=True, saved=False)


def _nonzero(value: float, name: str, smallest: float, allow_zero: bool = False) -> float:
    if value == 0.0 and allow_zero:
        return value
    if abs(value) < smallest:
        raise ValueError(f"{name}: {value:g} is smaller in magnitude than {smallest:g}")
    return value


class MotorFields:
    """The motor record's fields, in order; an instance holds one record's fields."""

    # ---- targets (not saved: the position is saved on its own) ---------------------------
    VAL = _quantity(0.0, "User setpoint: a put moves the motor there", saved=False)
    DVAL = _quantity(0.0, "Dial setpoint", saved=False)
    RVAL = _integer(0, "Raw setpoint in motor steps (DVAL / MRES)", saved=False)
    RLV = _quantity(0.0, "Relative move: a put moves by this much", saved=False)
    TWF = _command("Write 1 to tweak forward by TWV")
    TWR = _command("Write 1 to tweak reverse by TWV")
    TWV = _quantity(1.0, "Tweak step")
    JOGF = _command("Jog forward while 1 (at JVEL, up to the soft limit)")
    JOGR = _command("Jog reverse while 1 (at JVEL, down to the soft limit)")
    HOMF = _command("Write 1 to home forward at HVEL; sets the homed bit")
    HOMR = _command("Write 1 to home reverse at HVEL; sets the homed bit")
    STOP = _command("Write 1 to stop (decelerating); VAL becomes RBV")
    SPMG = _menu("Go", "Stop / Pause / Move (once) / Go", ("Stop", "Pause", "Move", "Go"),
                 saved=False)
    SYNC = _command("Write 1: setpoints take the readback values")
    STUP = _menu("OFF", "Write ON to refresh the status once", ("OFF", "ON", "BUSY"),
                 saved=False)
    # ---- readbacks -----------------------------------------------------------------------
    RBV = _readback(0.0, "User readback", units="EGU")
    DRBV = _readback(0.0, "Dial readback (RRBV x MRES, or REP x ERES with the encoder)",
                     units="EGU")
    RRBV = _status(0, "Raw readback in steps")
    RMP = _status(0, "Raw motor position (steps)")
    REP = _status(0, "Raw encoder position (counts)")
    DIFF = _readback(0.0, "Difference DVAL - DRBV", units="EGU")
    RDIF = _status(0, "Difference in steps")
    DMOV = _status(1, "Done moving: 0 from the start of a move until RBV is final (after DLY)")
    MOVN = _status(0, "Motor is moving")
    running = _status(0, "1 while moving, as MOVN (served since the first version of this "
                         "IOC, under this name)")
    MSTA = _status(0, "Motor status bits (motor.h: done, moving, limit switches, homed, ...)")
    TDIR = _status(0, "Direction of travel (raw): 1 positive")
    CDIR = _status(0, "Commanded direction (raw): 1 positive")
    ATHM = _status(0, "At home switch")
    HLS = _status(0, "At the high limit switch (user direction)")
    LLS = _status(0, "At the low limit switch (user direction)")
    RHLS = _status(0, "Raw plus limit switch")
    RLLS = _status(0, "Raw minus limit switch")
    LVIO = _status(0, "The last request violated a soft limit (and was not done)")
    RCNT = _status(0, "Retries done in the last move")
    MISS = _status(0, "1: the last move ran out of retries outside RDBD")
    STAT = _menu("NO_ALARM", "Alarm status of the record", ALARM_STATUSES, read_only=True,
                 saved=False)
    SEVR = _menu("NO_ALARM", "Alarm severity of the record", SEVERITIES, read_only=True,
                 saved=False)
    RTYP = _text("motor", "Record type", read_only=True, saved=False)
    VERS = _readback(7.4, "motorRecord.cc version followed", precision=2)
    # ---- speeds and motion -----------------------------------------------------------------
    VELO = _quantity(1.0, "Slew speed; kept within VBAS..VMAX", units="EGU/sec")
    VBAS = _quantity(0.0, "Base speed: start and stop speed", units="EGU/sec")
    VMAX = _quantity(100.0, "Maximum speed; 0 means no maximum", units="EGU/sec")
    ACCL = _quantity(0.2, "Seconds from VBAS to VELO; <= 0 becomes 0.1", units="s", low=-1e4,
                     high=1e4)
    BDST = _quantity(0.0, "Backlash distance: the last approach is from this side (sign)")
    BVEL = _quantity(1.0, "Backlash speed; kept within VBAS..VMAX", units="EGU/sec")
    BACC = _quantity(0.5, "Seconds from VBAS to BVEL; <= 0 becomes 0.1", units="s", low=-1e4,
                     high=1e4)
    FRAC = _real(1.0, "Move fraction of the backlash approach, 0.1..1.5", low=0.1, high=1.5,
                 clamp=True, precision=2)
    HVEL = _quantity(1.0, "Homing speed; kept within VBAS..VMAX", units="EGU/sec")
    JVEL = _quantity(1.0, "Jog speed; kept within VBAS..VMAX", units="EGU/sec")
    JAR = _quantity(5.0, "Jog acceleration; <= 0 becomes JVEL / 0.1 s", units="EGU/s/s")
    RDBD = _quantity(0.001, "Retry deadband: a move ends within this of its target; >= |MRES|")
    SPDB = _quantity(0.0, "Setpoint deadband: no move closer than this to the readback")
    RTRY = _integer(10, "Maximum retries", low=0, high=255, clamp=True)
    RMOD = _menu("Default", "Retry mode (Arithmetic/Geometric shrink relative retries)",
                 ("Default", "Arithmetic", "Geometric", "In-Position"))
    DLY = _real(0.0, "Readback settle time after a move, before DMOV=1 (0..3600)", units="s",
                low=-1e4, high=3600, clamp=True)
    # ---- resolution and encoder --------------------------------------------------------
    MRES = _real(0.0001, "Motor resolution (EGU per step), 1e-9..1e6 in magnitude",
                 units="EGU", low=-1e6, high=1e6, precision=6,
                 check=lambda v: _nonzero(v, "MRES", 1e-9))
    SREV = _integer(200, "Steps per revolution; <= 0 becomes 200", low=-2**31, high=2**31 - 1,
                    units="steps/rev")
    UREV = _quantity(0.02, "EGU per revolution (MRES x SREV)", units="EGU/rev", precision=6)
    ERES = _real(0.0001, "Encoder resolution (EGU per count); 0 becomes MRES", units="EGU",
                 low=-1e6, high=1e6, precision=6,
                 check=lambda v: _nonzero(v, "ERES", 1e-9, allow_zero=True))
    UEIP = _menu("No", "Use the encoder (only with one present)", YES_NO)
    # ---- coordinates and limits ----------------------------------------------------------
    OFF = _quantity(0.0, "User offset: user = dial x (DIR sign) + OFF")
    DIR = _menu("Pos", "User direction relative to dial", ("Pos", "Neg"))
    FOFF = _menu("Variable", "Offset: Variable (SET and DIR change OFF) or Frozen",
                 ("Variable", "Frozen"))
    SET = _menu("Use", "Use: VAL moves; Set: VAL redefines the position", ("Use", "Set"),
                saved=False)
    SSET = _command("Write 1 for SET = Set")
    SUSE = _command("Write 1 for SET = Use")
    HLM = _quantity(100.0, "User high soft limit", saved=False)
    LLM = _quantity(-100.0, "User low soft limit", saved=False)
    DHLM = _quantity(100.0, "Dial high soft limit (DHLM = DLLM = 0: no soft limits)")
    DLLM = _quantity(-100.0, "Dial low soft limit")
    # ---- alarms --------------------------------------------------------------------------
    HLSV = _menu("NO_ALARM", "Severity of a limit-switch (or soft-limit) alarm", SEVERITIES)
    HIHI = _quantity(0.0, "Hihi alarm limit of VAL (reported, as the record, not evaluated)")
    HIGH = _quantity(0.0, "High alarm limit of VAL (reported)")
    LOW = _quantity(0.0, "Low alarm limit of VAL (reported)")
    LOLO = _quantity(0.0, "Lolo alarm limit of VAL (reported)")
    HHSV = _menu("NO_ALARM", "Hihi severity (not used by the motor record)", SEVERITIES)
    HSV = _menu("NO_ALARM", "High severity (not used by the motor record)", SEVERITIES)
    LSV = _menu("NO_ALARM", "Low severity (not used by the motor record)", SEVERITIES)
    LLSV = _menu("NO_ALARM", "Lolo severity (not used by the motor record)", SEVERITIES)
    # ---- description ---------------------------------------------------------------------
    EGU = _text("mm", "Engineering units", max_length=15)
    DESC = _text("", "Description", max_length=39)
    PREC = _integer(3, "Display precision of positions, 0..15", low=0, high=15)
    CNEN = _menu("Enable", "Torque: Disable refuses moves", ("Disable", "Enable"), saved=False)
    DISA = _integer(0, "Disable: 1 refuses moves", low=0, high=1, saved=False)

    def __init__(self, channels: Mapping[str, Any]) -> None:
        """One record's fields; ``channels`` maps each field's name to its caproto channel."""
        self._by_name: Dict[str, Field[Any]] = {s.name: Field(s, channels[s.name])
                                                for s in self.rows()}
        for name, field in self._by_name.items():
            if field_name(field.channel) != name:
                raise ValueError(f"{field.pvname} is declared as the field {name}")

    @classmethod
    def rows(cls) -> List[Setting]:
        """Every field's row, in table order."""
        return [row.setting for row in vars(cls).values() if isinstance(row, Row)]

    def field(self, name: str) -> Field[Any]:
        """The field called ``name``, for names that come as data (autosave, reconcile)."""
        return self._by_name[name]

    def __iter__(self) -> Iterator[Field[Any]]:
        return iter(self._by_name.values())


FIELDS = SettingsTable(MotorFields.rows())
#: Saved by autosave, restored in this order (settings before the limits that use them).
SAVED: List[str] = [s.name for s in FIELDS.saved()]
#: Fields at access-security level 0 (as in motorRecord.dbd); the others are level 1.
ASL0 = frozenset("OFF FOFF SET SSET SUSE BDST SPMG STOP JOGF JOGR TWF TWR TWV VAL DVAL RVAL "
                 "RLV CNEN STUP".split())
#: Fields whose values are positions: they carry the axis' EGU and PREC.
POSITION_FIELDS = tuple(s.name for s in FIELDS if s.units == "EGU")
