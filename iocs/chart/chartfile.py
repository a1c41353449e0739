"""Chart files: a chart described by a file, loaded by ``chart-ioc --chart FILE`` and written
by ``chart:save``.

The project's own format is TOML 1.0 (https://toml.io/en/v1.0.0), read with the standard
library's :mod:`tomllib`; a ``.json`` file with the same structure loads too. Top-level keys:
``version`` (the format, 1), ``title``, a ``[chart]`` table of chart settings and ``[T1]`` ..
``[T8]`` tables of trace settings, keyed by the names of their PVs. The keys, their types and
what is valid come from the settings tables (:mod:`iocs.chart.settings`), and every value
passes the validation a CA put gets. StripTool ``.stp`` and Data Browser ``.plt`` files load
through :mod:`iocs.chart.chart_imports`.

A file that cannot be used is a :class:`ChartFileError` ``"<file>:<line>: <reason>"``; what a
file says that the chart cannot follow is logged once per load, at WARNING, with the file name.
"""
from __future__ import annotations

import json
import logging
import re
import tomllib  # the standard library's from Python 3.11 (ruff's target is 3.9)
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..common.autosave import autosave_path, write_atomically
from ..common.settings import Setting, SettingsTable
from .chart_imports import FormatError, Found, Imported
from .chart_plt import read_plt
from .chart_stp import read_stp
from .settings import CHART, MAX_SOURCES, TRACE, check_size

logger = logging.getLogger(__name__)

__all__ = ["ChartFile", "ChartFileError", "load_chart", "save_chart", "chart_toml", "toml_value",
           "save_target", "KINDS", "FORMAT_VERSION"]

#: File name extensions and the kind of file each is.
KINDS = {".toml": "toml", ".json": "json", ".stp": "stp", ".plt": "plt"}
FORMAT_VERSION = 1
MAX_FILE_BYTES = 1 << 20
TRACE_NAMES = tuple(f"T{n}" for n in range(1, MAX_SOURCES + 1))


class ChartFileError(ValueError):
    """A chart file that cannot be used: ``"<file>:<line>: <reason>"`` (no line if unknown)."""

    def __init__(self, path: Path, line: Optional[int], reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}" if line else f"{path}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass
class ChartFile:
    """A loaded chart file: the settings it gives (validated), its title and what it lost."""

    path: Path
    kind: str                                   #: toml, json, stp or plt
    chart: Dict[str, Any]                       #: chart settings the file gives
    traces: Dict[str, Dict[str, Any]]           #: "T1".. -> trace settings the file gives
    title: str = ""
    unmapped: List[str] = field(default_factory=list)   #: notes on what did not map


# ---- loading --------------------------------------------------------------------------------
def load_chart(path: Path | str) -> ChartFile:
    """The chart file at ``path`` (kind by extension), or :class:`ChartFileError`."""
    path = Path(path)
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise ChartFileError(path, None, f"unknown kind of chart file {path.suffix!r}: "
                                         f"expected {', '.join(KINDS)}")
    data = _read(path)
    try:
        if kind == "plt":
            imported = read_plt(_no_nul(data))
        else:
            text = _text(data, latin1=kind == "stp")
            imported = read_stp(text) if kind == "stp" else _read_own(text, kind)
    except FormatError as ex:
        raise ChartFileError(path, ex.line, ex.reason) from None
    chart_file = _validate(path, kind, imported)
    for note in chart_file.unmapped:
        logger.warning("%s: %s", path, note)
    return chart_file


def _read(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ChartFileError(path, None, "no such file") from None
    except IsADirectoryError:
        raise ChartFileError(path, None, "a directory, not a chart file") from None
    except OSError as ex:
        raise ChartFileError(path, None, f"cannot read: {ex.strerror or ex}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ChartFileError(path, None, f"larger than {MAX_FILE_BYTES} bytes: not a chart "
                                         "file")
    return data


def _no_nul(data: bytes) -> bytes:
    if b"\0" in data:
        raise FormatError(data[:data.index(b"\0")].count(b"\n") + 1,
                          "binary data (a NUL byte): not a chart file")
    return data


def _text(data: bytes, latin1: bool) -> str:
    """``data`` as UTF-8 text (StripTool's files may be Latin-1)."""
    try:
        return _no_nul(data).decode("utf-8-sig")
    except UnicodeDecodeError as ex:
        if latin1:
            return data.decode("latin-1")
        raise FormatError(data[:ex.start].count(b"\n") + 1,
                          f"not UTF-8 text (byte 0x{data[ex.start]:02x})") from None


def _read_own(text: str, kind: str) -> Imported:
    """The project's own format (TOML, or JSON of the same structure)."""
    try:
        data = tomllib.loads(text) if kind == "toml" else json.loads(text)
    except tomllib.TOMLDecodeError as ex:
        raise FormatError(*_toml_error(str(ex), text)) from None
    except json.JSONDecodeError as ex:
        raise FormatError(ex.lineno, f"not valid JSON: {ex.msg} (column {ex.colno})") from None
    except RecursionError:
        raise FormatError(None, "nested too deeply: not a chart file") from None
    if not isinstance(data, dict):
        raise FormatError(1, "the top level is not an object")
    out = Imported()
    lines = _key_lines(text)
    for key, value in data.items():
        line = lines.get((None, key))
        if key == "version":
            if isinstance(value, bool) or not isinstance(value, int):
                raise FormatError(line, f"version {value!r} is not a whole number")
            if value > FORMAT_VERSION:
                raise FormatError(line, f"version {value}: written by a newer pvchart (this "
                                        f"one reads up to {FORMAT_VERSION})")
        elif key == "title":
            if not isinstance(value, str):
                raise FormatError(line, "title is not text")
            out.title = value
        elif key == "chart" or key in TRACE_NAMES:
            if not isinstance(value, dict):
                raise FormatError(line, f"{key} is not a table")
            for name, setting in value.items():
                out.add(key, name, setting, lines.get((key, name), line))
        else:
            raise FormatError(line, f"unknown key {key!r} (expected version, title, chart, "
                                    f"{TRACE_NAMES[0]}..{TRACE_NAMES[-1]})")
    return out


def _toml_error(message: str, text: str) -> tuple:
    """(line, reason) from a tomllib message "... (at line 3, column 9)"."""
    found = re.match(r"^(.*) \(at line (\d+), column (\d+)\)$", message)
    if found:
        return int(found.group(2)), f"not valid TOML: {found.group(1)} (column {found.group(3)})"
    return max(1, len(text.splitlines())), f"not valid TOML: {message}"


_TABLE = re.compile(r'^\s*\[\s*"?([^"\]]+?)"?\s*\]')
_ENTRY = re.compile(r'^[\s{,]*"?([^"=:\s{,]+)"?\s*[=:]\s*(\{)?')


def _key_lines(text: str) -> Dict[Tuple[Optional[str], str], int]:
    """(table or None, key) -> the line that sets it, as far as one line scan can tell (a
    ``[table]``, a JSON ``"table": {`` or a ``key =``/``"key":`` at the start of a line)."""
    lines: Dict[Tuple[Optional[str], str], int] = {}
    table: Optional[str] = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE.match(line)
        entry = None if header else _ENTRY.match(line)
        opened = header.group(1) if header else entry.group(1) if entry and entry.group(2) \
            else None
        if opened is not None:
            table = opened
            lines.setdefault((None, table), number)
        elif entry:
            first, dot, rest = entry.group(1).partition(".")
            lines.setdefault((first, rest) if dot and table is None else (table, first), number)
    return lines


def _validate(path: Path, kind: str, imported: Imported) -> ChartFile:
    """The values ``imported`` found, each checked as a CA put is; chart settings first."""
    notes = list(imported.notes)
    chart: Dict[str, Any] = {}
    traces: Dict[str, Dict[str, Any]] = {}
    lines: Dict[str, Optional[int]] = {}
    for found in sorted(imported.found, key=lambda f: f.table != "chart"):
        if found.table == "chart":
            table, what, target = CHART, found.name, chart
        elif found.table in TRACE_NAMES:
            table, what = TRACE, f"{found.table}:{found.name}"
            target = traces.setdefault(found.table, {})
        else:
            raise ChartFileError(path, found.line, f"no trace {found.table} "
                                                   f"({TRACE_NAMES[0]}..{TRACE_NAMES[-1]})")
        try:
            setting = _saved_setting(table, found.name, "chart" if table is CHART else "trace")
            target[found.name] = setting.coerce(_typed(setting, found, what, notes), what)
        except (ValueError, TypeError) as ex:
            reason = str(ex) if str(ex).startswith(what) else f"{what}: {ex}"
            raise ChartFileError(path, found.line, reason) from None
        lines[what] = found.line
    if "width" in chart and "height" in chart:
        try:
            check_size(chart["width"], chart["height"])
        except ValueError as ex:
            raise ChartFileError(path, lines["height"], str(ex)) from None
    return ChartFile(path, kind, chart, traces, imported.title, notes)


def _saved_setting(table: SettingsTable, name: str, what: str) -> Setting:
    if name not in table or not table[name].saved:
        known = ", ".join(s.name for s in table.saved())
        raise ValueError(f"not a {what} setting (one of {known})")
    return table[name]


def _typed(setting: Setting, found: Found, what: str, notes: List[str]) -> Any:
    """``found.value`` if its type suits ``setting`` (an import's, fitted into range)."""
    value = found.value
    if isinstance(value, bool):
        if setting.choices != ("Off", "On"):
            raise ValueError(f"{what}: {str(value).lower()} is not a {setting.kind}")
        return setting.choices[value]
    wanted: tuple = (str,) if setting.kind in ("text", "menu") else (int, float)
    if not isinstance(value, wanted):
        raise ValueError(f"{what}: {value!r} is not a {setting.kind}")
    return _fitted(setting, value, what, notes) if found.fit else value


def _fitted(setting: Setting, value: Any, what: str, notes: List[str]) -> Any:
    """An imported value clamped (numbers) or cut (text) into ``setting``'s range."""
    if setting.kind == "text":
        limit = setting.max_length or 39
        cut = value.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
        if cut != value:
            notes.append(f"{what} {value!r} cut to {cut!r} ({limit} bytes)")
        return cut
    low = setting.low if setting.low is not None else value
    high = setting.high if setting.high is not None else value
    fitted = min(max(value, low), high)
    if fitted != value:
        units = f" {setting.units}" if setting.units else ""
        notes.append(f"{what} {value:g}{units} clamped to {fitted:g}{units} (its range is "
                     f"{setting.range_text()}{units})")
    return fitted


# ---- saving ---------------------------------------------------------------------------------
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def toml_value(value: Any) -> str:
    """``value`` (text, whole number, finite float or boolean) as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value} has no TOML form here")
        return repr(value)
    if isinstance(value, str):
        return '"' + "".join(_ESCAPES.get(c) or (f"\\u{ord(c):04X}" if ord(c) < 0x20
                                                  or ord(c) == 0x7F else c)
                             for c in value) + '"'
    raise TypeError(f"{value!r} has no TOML form here")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else toml_value(name)


def _about(setting: Setting) -> str:
    span = setting.range_text()
    units = f" {setting.units}" if setting.units and setting.kind != "menu" else ""
    return f"# {setting.doc.rstrip('.')}" + (f" ({span}{units})" if span else "")


def chart_toml(chart: Mapping[str, Any], traces: Mapping[str, Mapping[str, Any]],
               title: str = "") -> str:
    """The TOML text of a chart file; values are checked as a CA put is (``ValueError``)."""
    if not isinstance(title, str):
        raise ValueError("title is not text")
    out = [f"# pvchart chart file (TOML, format {FORMAT_VERSION}): the settings of one chart.",
           "# Load it with: chart-ioc --chart FILE (options given with it win); chart:save",
           "# writes it back. [chart] holds the chart's settings, [T1]..[T8] its traces'",
           "# (the PVs <P>chart:<key> and <P>chart:T<n>:<key>).",
           f"version = {FORMAT_VERSION}", f"title = {toml_value(title)}", "", "[chart]"]
    out += _table_lines(CHART, chart, "chart", comments=True)
    if "width" in chart and "height" in chart:
        check_size(CHART["width"].coerce(chart["width"]), CHART["height"].coerce(chart["height"]))
    unknown = sorted(set(traces) - set(TRACE_NAMES))
    if unknown:
        raise ValueError(f"no trace {unknown[0]} ({TRACE_NAMES[0]}..{TRACE_NAMES[-1]})")
    for number, name in enumerate(n for n in TRACE_NAMES if traces.get(n)):
        if number == 0:
            out += ["", "# Each trace:"] + [f"#   {s.name}: {_about(s)[2:]}"
                                             for s in TRACE.saved()]
        out += ["", f"[{name}]"] + _table_lines(TRACE, traces[name], name, comments=False)
    return "\n".join(out) + "\n"


def _table_lines(table: SettingsTable, values: Mapping[str, Any], what: str,
                 comments: bool) -> List[str]:
    for name in values:
        if name not in table:
            raise ValueError(f"{what}: no setting {name!r}")
    lines = []
    for setting in table.saved():
        if setting.name in values:
            label = setting.name if what == "chart" else f"{what}:{setting.name}"
            value = setting.coerce(values[setting.name], label)
            lines += ([_about(setting)] if comments else []) + \
                [f"{_key(setting.name)} = {toml_value(value)}"]
    return lines


def save_chart(path: Path | str, chart: Mapping[str, Any],
               traces: Mapping[str, Mapping[str, Any]], title: str = "") -> None:
    """Write a chart file in the project's format, atomically (``ValueError``/``OSError``)."""
    write_atomically(Path(path), chart_toml(chart, traces, title))


def save_target(chart_file: Optional[Path], autosave_dir: Optional[Path],
                prefix_or_name: str) -> Path:
    """Where ``chart:save`` writes: the ``--chart`` file when it is TOML, else the same name
    with ``.toml`` beside it (an imported or JSON file is never overwritten), else
    ``<autosave dir>/<prefix>.chart.toml``; ``ValueError`` when there is neither."""
    if chart_file is not None:
        chart_file = Path(chart_file)
        return chart_file if chart_file.suffix.lower() == ".toml" else \
            chart_file.with_suffix(".toml")
    if autosave_dir is not None:
        return autosave_path(Path(autosave_dir), prefix_or_name, "chart").with_suffix(".toml")
    raise ValueError("nowhere to save the chart: no --chart file and no autosave directory")
