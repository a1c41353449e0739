"""Phoebus Data Browser ``.plt`` files, read into the chart's settings.

Sources: *Plot Configuration .plt Files* in the Phoebus manual
(https://control-system-studio.readthedocs.io/en/latest/app/databrowser/doc/index.html) and, in
https://github.com/ControlSystemStudio/phoebus ``app/databrowser``, ``XMLPersistence.java``
(the tags and how they load), ``AxisConfig.java`` (axis defaults 0..10, no autoscale, linear),
``ModelItem.java``, ``PVItem.java``, ``FormulaItem.java``, ``TimeWarp.java`` and
``core/util/.../TimeParser.java`` (relative times such as ``-1 days -3.5 hours``). The XML is
read with expat, each element with its line; DTD entity declarations are refused.

==================================  =======================================================
``<title>``                         the title
``<start>``/``<end>``/``<scroll>``  ``window``: the relative start's span (months 30 days,
                                    years 365), or end - start when absolute (shown live)
``<update_period>``                 ``rate`` = 1 / period
``<pvlist><pv><name>``              ``sources``, in order
``<pv><display_name>``              ``T<i>:label`` (unless it is just the PV name)
``<pv><color>``                     ``T<i>:color``
``<pv><axis>`` -> ``<axes><axis>``  ``T<i>:ymin``/``ymax``/``autoscale``/``log`` from the
                                    axis' ``min``/``max``/``autoscale``/``log_scale``
not mapped                          ``<formula>``, ``<archive>`` data sources, trace types,
                                    line and point styles, fonts, plot colours, scan periods,
                                    annotations, axis names/colours/sides/grids
==================================  =======================================================
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple
from xml.parsers import expat

from .chart_imports import NOT_MAPPED, FormatError, Imported, is_whole, parse_number, parse_positive

__all__ = ["read_plt", "span_seconds"]


@dataclass
class _Element:
    tag: str
    line: int
    children: List[_Element] = field(default_factory=list)
    text: str = ""

    def first(self, tag: str) -> Optional[_Element]:
        return next((c for c in self.children if c.tag == tag), None)

    def value(self, tag: str) -> Optional[str]:
        child = self.first(tag)
        return None if child is None else child.text.strip()


def _parse_xml(data: bytes) -> _Element:
    """The element tree of ``data``, each element with its line; no DTD entities."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    stack: List[_Element] = []
    roots: List[_Element] = []

    def start(tag: str, attrs: Any) -> None:
        element = _Element(tag, parser.CurrentLineNumber)
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    def refuse(*args: Any) -> None:
        raise FormatError(parser.CurrentLineNumber, "entity declarations are not allowed")

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: stack.pop()
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as ex:
        raise FormatError(ex.lineno, f"not well-formed XML: {expat.ErrorString(ex.code)} "
                                     f"(column {ex.offset + 1})") from None
    except LookupError as ex:         # the XML declaration names an unknown encoding
        raise FormatError(parser.CurrentLineNumber, f"not readable XML: {ex}") from None
    return roots[0]


#: Values of unmapped elements that ask for what the chart does anyway (no note).
_AS_THE_CHART_DOES = {"visible": "true", "right": "false", "grid": "false",
                      "waveform_index": "0", "save_changes": "false"}
_AXIS_SETTINGS = ("min", "max", "autoscale", "log_scale")


def read_plt(data: bytes) -> Imported:
    """A Data Browser ``.plt`` file's bytes as chart settings."""
    root = _parse_xml(data)
    if root.tag != "databrowser":
        raise FormatError(root.line, f"the root element is <{root.tag}>, not <databrowser>: "
                                     "not a Data Browser file")
    out = Imported(title=root.value("title") or "")
    _plt_window(root, out)
    period = root.first("update_period")
    if period is not None:
        out.add("chart", "rate", 1.0 / parse_positive(period.text, period.line, "<update_period>"),
                period.line, fit=True)
    axes = root.first("axes")
    axis_list = [a for a in axes.children if a.tag == "axis"] if axes is not None else []
    pvlist = root.first("pvlist")
    names: List[Tuple[str, int]] = []
    for item in pvlist.children if pvlist is not None else []:
        if item.tag == "pv":
            _plt_pv(item, axis_list, names, out)
        elif item.tag == "formula":
            out.note(f"formula {item.value('name') or ''} = {item.value('formula') or ''}: "
                     "the chart has no formulas")
        else:
            out.note(f"<pvlist><{item.tag}>: {NOT_MAPPED}")
    out.add_sources(names)
    for axis in axis_list:
        _unmapped(axis, _AXIS_SETTINGS, "<axis>", out)
    _unmapped(root, ("title", "start", "end", "scroll", "update_period", "axes", "pvlist"), "",
              out)
    return out


def _plt_window(root: _Element, out: Imported) -> None:
    start, end = root.first("start"), root.first("end")
    if start is None or end is None or not start.text.strip() or not end.text.strip():
        return
    if (root.value("scroll") or "true").lower() == "true":
        try:
            seconds = span_seconds(start.text)
        except ValueError as ex:
            raise FormatError(start.line, f"<start>: {ex}") from None
        if seconds == 0:
            out.note("<start> now: no time span, the window stays")
            return
    else:
        try:
            seconds = (_timestamp(end) - _timestamp(start)).total_seconds()
        except TypeError:                 # one with a time zone, one without
            raise FormatError(end.line, "<start> and <end> mix times with and without a time "
                                        "zone") from None
        if seconds <= 0:
            raise FormatError(end.line, f"<end> {end.text.strip()} is not after <start>")
        out.note(f"absolute time range {start.text.strip()} .. {end.text.strip()}: shown as a "
                 "live window of the same span")
    out.add("chart", "window", seconds, start.line, fit=True)


def _plt_pv(pv: _Element, axes: List[_Element], names: List[Tuple[str, int]],
            out: Imported) -> None:
    name = pv.value("name") or ""
    if not name:
        out.note(f"a <pv> without a <name> (line {pv.line}): skipped")
        return
    names.append((name, pv.line))
    trace = f"T{len(names)}"
    label = pv.value("display_name")
    if label and label != name:
        out.add(trace, "label", label, pv.line, fit=True)
    color = pv.first("color")
    if color is not None:
        out.add(trace, "color", _rgb(color), color.line)
    axis_text = pv.value("axis") or "0"
    if not is_whole(axis_text):
        raise FormatError(pv.line, f"<axis> {axis_text!r} is not an axis index")
    axis = axes[int(axis_text)] if int(axis_text) < len(axes) else _Element("axis", pv.line)
    # ancient files kept axis settings with the PV: true flags and a full range apply, as in
    # XMLPersistence.load
    where = pv if pv.value("min") and pv.value("max") else axis
    low = parse_number(where.value("min") or "0.0", where.line, "<min>")
    high = parse_number(where.value("max") or "10.0", where.line, "<max>")
    for flag, setting in (("autoscale", "autoscale"), ("log_scale", "log")):
        on = "true" in ((pv.value(flag) or "").lower(), (axis.value(flag) or "").lower())
        out.add(trace, setting, "On" if on else "Off", axis.line)
    out.add(trace, "ymin", min(low, high), where.line)
    out.add(trace, "ymax", max(low, high), where.line)
    for archive in (c for c in pv.children if c.tag == "archive"):
        out.note(f"archive data source {archive.value('name') or ''} "
                 f"({archive.value('url') or ''}): the chart uses its own archiver setting")
    trace_type = pv.value("trace_type")
    if trace_type:
        out.note(f"<trace_type> {trace_type}: drawn as the chart's line")
    period = pv.value("period")
    if period and parse_number(period, pv.line, "<period>") > 0:
        out.note(f"<period> {period}: the chart monitors instead of scanning")
    _unmapped(pv, ("name", "display_name", "color", "axis", "archive", "trace_type", "period",
                   *_AXIS_SETTINGS), "<pv>", out)


def _unmapped(parent: _Element, mapped: Tuple[str, ...], where: str, out: Imported) -> None:
    """A note for each child not mapped, unless empty or asking for what the chart does."""
    for child in parent.children:
        text = child.text.strip().lower()
        if (child.tag in mapped or (not text and not child.children)
                or _AS_THE_CHART_DOES.get(child.tag) == text):
            continue
        shown = f" {text}" if child.tag in _AS_THE_CHART_DOES else ""
        out.note(f"{where}<{child.tag}>{shown}: {NOT_MAPPED}")


def _rgb(color: _Element) -> str:
    parts = []
    for tag in ("red", "green", "blue"):
        part = color.first(tag) or color
        text = color.value(tag) or "0"
        if not is_whole(text) or int(text) > 255:
            raise FormatError(part.line, f"<color><{tag}> {text!r} is not 0..255")
        parts.append(int(text))
    return "#" + "".join(f"{p:02x}" for p in parts)


def _timestamp(element: _Element) -> datetime:
    text = element.text.strip()
    patched = text.replace("/", "-", 2) if text[4:5] == "/" and text[7:8] == "/" else text
    try:
        return datetime.fromisoformat(patched)
    except ValueError:
        raise FormatError(element.line, f"<{element.tag}> {text!r} is not a time like "
                                        "'2024-05-01 10:00:00.000'") from None


# ---- relative times -------------------------------------------------------------------------
#: TimeParser's unit words (months as 30 days, years as 365: the Data Browser counts calendar
#: months and years from now).
_SECONDS_PER: Dict[str, float] = {
    word: seconds
    for words, seconds in ((("millis", "milli", "ms"), 0.001),
                           (("seconds", "second", "secs", "sec", "s"), 1.0),
                           (("minutes", "minute", "mins", "min"), 60.0),
                           (("hours", "hour", "h"), 3600.0),
                           (("days", "day", "d"), 86400.0),
                           (("weeks", "week", "w"), 7 * 86400.0),
                           (("months", "month", "mon", "mo"), 30 * 86400.0),
                           (("years", "year", "y"), 365 * 86400.0))
    for word in words}
_SPAN_PART = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)?\s*([a-z]+)\s*")


def span_seconds(text: str) -> float:
    """Seconds in a Data Browser relative time (``-1 days``, ``-3 hours -30 minutes``,
    ``2 weeks``, ``now``), or ``ValueError``."""
    spec = text.replace("-", " ").strip().lower()
    if spec == "now":
        return 0.0
    total, position = 0.0, 0
    for match in _SPAN_PART.finditer(spec):
        if match.start() != position or match.group(2) not in _SECONDS_PER:
            break
        total += float(match.group(1) or 1) * _SECONDS_PER[match.group(2)]
        position = match.end()
    if position != len(spec) or not spec:
        raise ValueError(f"{text.strip()!r} is not a relative time like '-1 days' or "
                         "'-2 hours -30 minutes'")
    return total

