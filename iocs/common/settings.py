"""One table of settings per IOC, from which its options, PVs, validation, autosave and docs come.

A :class:`Setting` row holds a setting's name, kind, default, range, what happens outside the
range (``clamp`` or refuse), units and meaning. :class:`SettingsTable` turns the rows into
command-line options (with help and defaults), caproto ``pvproperty`` declarations, validation
of a value from any source (CA put, command line, autosave file) and the rows of the docs.
"""
from __future__ import annotations

import argparse
import logging
import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

from caproto import ChannelType
from caproto.server import pvproperty

from .channels import as_scalar, exact_int, finite_float, menu_choice

logger = logging.getLogger(__name__)

__all__ = ["Setting", "SettingsTable"]

KINDS = ("float", "int", "menu", "text")


@dataclass(frozen=True)
class Setting:
    """One setting: the single source of its PV, option, validation, autosave and docs."""

    name: str                         #: PV name (after the prefix) and autosave key
    default: Any
    doc: str
    kind: str = "float"               #: float, int, menu or text
    low: Optional[float] = None       #: smallest allowed value (None: no bound)
    high: Optional[float] = None      #: largest allowed value
    clamp: bool = False               #: outside ``low..high``: clamp (True) or refuse (False)
    choices: Tuple[str, ...] = ()     #: menu strings
    units: str = ""
    precision: int = 3
    option: Optional[str] = None      #: command-line option ("--rate"); None: no option
    pv: bool = True                   #: served as a PV
    saved: bool = True                #: kept by autosave
    max_length: int = 0               #: text: longest value (0: a 40-character CA string)
    check: Optional[Callable[[Any], Any]] = None   #: further validation / normalisation
    read_only: bool = False
    shown_default: Optional[str] = None   #: the default as help shows it (if not literal)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r} not in {KINDS}")

    # ---- validation ----------------------------------------------------------------------
    def coerce(self, value: Any, what: Optional[str] = None) -> Any:
        """``value`` as this setting accepts it, or ``ValueError`` naming ``what`` and why."""
        what = what or self.name
        if self.kind == "menu":
            result: Any = menu_choice(value, self.choices, what)
        elif self.kind == "text":
            result = _text(value, what, self.max_length or 39)
        else:
            number = (finite_float(value, what) if self.kind == "float"
                      else exact_int(value, what, -2**53, 2**53))
            result = self._bounded(number, what)
        return self.check(result) if self.check is not None else result

    def _bounded(self, number: float, what: str) -> Any:
        low, high = self.low, self.high
        if (low is not None and number < low) or (high is not None and number > high):
            if not self.clamp:
                raise ValueError(f"{what}: {number:g}{' ' + self.units if self.units else ''}"
                                 f" outside {self.range_text()}")
            number = min(max(number, low if low is not None else number),
                         high if high is not None else number)
        return int(number) if self.kind == "int" else float(number)

    def range_text(self) -> str:
        if self.kind == "menu":
            return " / ".join(self.choices)
        low = "" if self.low is None else f"{self.low:g}"
        high = "" if self.high is None else f"{self.high:g}"
        return f"{low}..{high}" if (low or high) else ""

    # ---- command line --------------------------------------------------------------------
    def argparse_type(self, keep_text: bool = False) -> Callable[[str], Any]:
        """Validation for argparse; ``keep_text``: a valid value stays the text it was."""
        def parse(text: str) -> Any:
            try:
                value = self.coerce(text, self.option)
            except ValueError as ex:
                raise argparse.ArgumentTypeError(str(ex).split(": ", 1)[-1]) from None
            return text if keep_text else value
        parse.__name__ = self.kind     # argparse names the type in its messages
        return parse

    def help(self) -> str:
        parts = [self.doc.rstrip(".")]
        if self.kind == "menu":
            parts.append(f"one of {', '.join(self.choices)}")
        elif self.range_text():
            parts.append(f"{self.range_text()}{' ' + self.units if self.units else ''}"
                         f"{', clamped' if self.clamp else ''}")
        shown = self.shown_default if self.shown_default is not None else self.default
        parts.append(f"default: {shown if shown != '' else '(none)'}")
        return "; ".join(parts).replace("%", "%%")

    # ---- PV ------------------------------------------------------------------------------
    def pvproperty(self, pv_name: Optional[str] = None, **kwargs: Any) -> pvproperty:
        """The caproto declaration of this setting's PV (``pv_name`` defaults to the name)."""
        name = pv_name or self.name
        spec: Dict[str, Any] = dict(name=name, value=self.default, doc=self.doc,
                                    read_only=self.read_only,
                                    alarm_group=kwargs.pop("alarm_group", name))
        if self.kind == "menu":
            spec.update(dtype=ChannelType.ENUM, enum_strings=self.choices)
        elif self.kind == "text":       # a CA string up to 39 bytes, else a char waveform
            if self.max_length > 39:
                spec.update(dtype=str, max_length=self.max_length)
            else:
                spec.update(dtype=ChannelType.STRING)
        elif self.kind == "float":
            spec.update(dtype=float, precision=self.precision)
        else:
            spec.update(dtype=int)
        if self.units:
            spec["units"] = self.units
        spec.update(kwargs)
        return pvproperty(**spec)


def _text(value: Any, what: str, max_length: int) -> str:
    value = as_scalar(value)
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).split(b"\0", 1)[0].decode("utf-8", errors="strict")
    elif not isinstance(value, str):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{what}: {value} is not text")
        value = str(value)
    value = value.split("\0", 1)[0]
    if len(value.encode("utf-8")) > max_length:
        raise ValueError(f"{what}: text longer than {max_length} bytes")
    return value


class SettingsTable:
    """The settings of one IOC, in order."""

    def __init__(self, settings: Iterable[Setting]) -> None:
        self.rows: List[Setting] = list(settings)
        self._by_name = {s.name: s for s in self.rows}
        if len(self._by_name) != len(self.rows):
            raise ValueError("a setting is listed twice")

    def __iter__(self) -> Iterator[Setting]:
        return iter(self.rows)

    def __getitem__(self, name: str) -> Setting:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def defaults(self) -> Dict[str, Any]:
        return {s.name: s.default for s in self.rows}

    def saved(self) -> List[Setting]:
        return [s for s in self.rows if s.saved]

    def options(self) -> List[Setting]:
        return [s for s in self.rows if s.option]

    # ---- command line --------------------------------------------------------------------
    def add_arguments(self, parser: Any, *, forward: bool = False) -> None:
        """An option per setting that has one.

        ``forward`` (for a launcher passing options on): absent options stay absent and valid
        values stay the text they were given as.
        """
        for s in self.options():
            kwargs: Dict[str, Any] = dict(dest=s.name, type=s.argparse_type(forward),
                                          help=s.help(),
                                          default=argparse.SUPPRESS if forward else s.default)
            kwargs["metavar"] = ("{" + ",".join(s.choices) + "}" if s.kind == "menu" else
                                 (s.option or "").lstrip("-").upper().replace("-", "_"))
            parser.add_argument(s.option, **kwargs)

    def from_args(self, args: argparse.Namespace) -> Dict[str, Any]:
        """The option values in ``args`` (settings without an option keep their default)."""
        values = self.defaults()
        values.update({s.name: getattr(args, s.name) for s in self.options()
                       if hasattr(args, s.name)})
        return values

    # ---- autosave ------------------------------------------------------------------------
    def restore(self, saved: Mapping[str, Any], what: str = "autosave") -> Dict[str, Any]:
        """The saved values that pass validation; each bad one is logged and skipped."""
        good: Dict[str, Any] = {}
        for s in self.saved():
            if s.name not in saved:
                continue
            try:
                good[s.name] = s.coerce(saved[s.name], f"{what}: {s.name}")
            except (ValueError, TypeError, UnicodeError) as ex:
                logger.warning("ignoring saved %s=%r: %s", s.name, saved[s.name], ex)
        return good
