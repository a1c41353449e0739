"""Other tools' chart files, read into the chart's settings: what the readers share.

A reader (:mod:`iocs.chart.chart_stp` for StripTool ``.stp``, :mod:`iocs.chart.chart_plt` for
the Phoebus Data Browser's ``.plt``) turns a file into :class:`Imported`: the setting values it
maps, each with the line it came from, the plot title, and a note for each thing with no
equivalent in the chart. Checking the values against the settings tables is
:mod:`iocs.chart.chartfile`'s job; a file that is not its format at all raises
:class:`FormatError` with the line.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

from .settings import MAX_SOURCES

__all__ = ["FormatError", "Found", "Imported", "NOT_MAPPED", "is_whole", "parse_number",
           "parse_positive"]

NOT_MAPPED = "not mapped"


class FormatError(Exception):
    """A file that is not its format: the line (when known) and why."""

    def __init__(self, line: Optional[int], reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Found:
    """One setting a file gives: ``table`` is ``chart`` or a trace ``T1``.. ``T8``."""

    table: str
    name: str
    value: Any
    line: Optional[int]
    fit: bool = False   #: derived by an import: clamped or cut into range, with a note


@dataclass
class Imported:
    """What a file says: setting values, a title and notes on what has no equivalent."""

    found: List[Found] = field(default_factory=list)
    title: str = ""
    notes: List[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def add(self, table: str, name: str, value: Any, line: Optional[int],
            fit: bool = False) -> None:
        self.found.append(Found(table, name, value, line, fit))

    def add_sources(self, names: List[Tuple[str, int]]) -> None:
        """The sources setting from (name, line) pairs; a surplus is blamed on its first."""
        if names:
            line = names[min(len(names) - 1, MAX_SOURCES)][1]
            self.add("chart", "sources", ",".join(n for n, _ in names), line)


# ---- numbers in files -----------------------------------------------------------------------
def is_whole(text: str) -> bool:
    """``text`` is a whole number in ASCII digits (short enough for ``int``)."""
    return re.fullmatch(r"[0-9]{1,15}", text) is not None


def parse_number(text: str, line: int, what: str) -> float:
    """``text`` as a float, or :class:`FormatError` naming ``what``."""
    try:
        return float(text)
    except ValueError:
        raise FormatError(line, f"{what}: {text.strip()!r} is not a number") from None


def parse_positive(text: str, line: int, what: str) -> float:
    """``text`` as a finite float above 0, or :class:`FormatError` naming ``what``."""
    value = parse_number(text, line, what)
    if not (math.isfinite(value) and value > 0):
        raise FormatError(line, f"{what}: {text.strip()!r} is not a positive number")
    return value
