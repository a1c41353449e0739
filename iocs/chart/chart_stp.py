"""StripTool ``.stp`` configuration files, read into the chart's settings.

Sources: the StripTool manual (``StripTool.html``: *Configuration Files*, *Curves Tab*,
*Controls Tab*) and ``StripConfig.c`` (``StripConfig_write``, ``StripConfig_load``) with
``StripConfig.h`` and ``StripDefines.h``, in https://github.com/epics-extensions/StripTool.
A line is ``<attribute> <value>``; the first is ``StripConfig <major>.<minor>`` (1.2 the
newest; older files without it are not read). Curve ``n`` (0..9, gaps allowed) is drawn in
``Strip.Color.Color<n+1>``; StripTool has no autoscale, so a curve's Min and Max fix its range.

===============================  ==========================================================
``Strip.Time.Timespan``          ``window`` (whole seconds; clamped into its range)
``Strip.Time.RefreshInterval``   ``rate`` = 1 / interval (the graph redraw interval)
``Strip.Curve.<n>.Name``         ``sources``, in curve order (up to 10 curves; 8 here)
``Strip.Curve.<n>.Comment``      ``T<i>:label``
``Strip.Color.Color<n+1>``       ``T<i>:color`` (X11 16-bit red green blue)
``Strip.Curve.<n>.Min``/``Max``  ``T<i>:ymin``/``ymax`` with ``autoscale`` Off
``Strip.Curve.<n>.Scale``        ``T<i>:log`` (0 linear, 1 log10)
not mapped                       NumSamples, SampleInterval, Units (the chart shows the
                                 PV's EGU), Precision, PlotStatus 0 (hidden), Background,
                                 Foreground, Grid colours, every ``Strip.Option``
===============================  ==========================================================
"""
from __future__ import annotations

import re
from typing import Dict, List, Tuple

from .chart_imports import NOT_MAPPED, FormatError, Imported, is_whole, parse_number, parse_positive

__all__ = ["read_stp"]

_STP_HEADER = re.compile(r"^StripConfig\s+(\d+)\.(\d+)\s*$")
_STP_VERSION = (1, 2)
_STP_CURVES = 10
_STP_WHY = {"Units": "the chart shows the PV's EGU", "Precision": "the chart's own"}


def read_stp(text: str) -> Imported:
    """A StripTool configuration file's text as chart settings."""
    lines = text.splitlines()
    header = _STP_HEADER.match(lines[0].strip()) if lines else None
    if header is None:
        raise FormatError(1, "not a StripTool configuration: the first line is not "
                             "'StripConfig <version>'")
    if (int(header.group(1)), int(header.group(2))) > _STP_VERSION:
        raise FormatError(1, f"StripConfig {header.group(1)}.{header.group(2)} is newer than "
                             "1.2, the newest StripTool writes")
    out = Imported()
    colors: Dict[int, Tuple[str, int]] = {}
    curves: Dict[int, Dict[str, Tuple[str, int]]] = {}
    for number, raw in enumerate(lines[1:], start=2):
        if not raw.strip():
            continue
        key, value = (re.split(r"\s+", raw.strip(), maxsplit=1) + [""])[:2]
        parts = key.split(".")
        if parts[0] != "Strip" or len(parts) < 3:
            out.note(f"{key}: not a StripTool attribute, ignored")
        elif parts[1] == "Time":
            _stp_time(parts[2], value, number, out)
        elif parts[1] == "Color" and re.fullmatch(r"Color(\d+)", parts[2]):
            colors[int(parts[2][5:]) - 1] = (_stp_color(key, value, number), number)
        elif parts[1] == "Curve" and len(parts) == 4:
            index = parts[2]
            if not is_whole(index) or int(index) >= _STP_CURVES:
                raise FormatError(number, f"{key}: bad curve index {index!r} (0..9)")
            curves.setdefault(int(index), {})[parts[3]] = (value, number)
        else:
            out.note(f"{key}: {NOT_MAPPED}")
    _stp_curves(curves, colors, out)
    return out


def _stp_time(attribute: str, value: str, line: int, out: Imported) -> None:
    if attribute == "Timespan":
        if not is_whole(value) or int(value) < 1:
            raise FormatError(line, f"Strip.Time.Timespan: {value!r} is not a whole number "
                                    "of seconds")
        out.add("chart", "window", float(value), line, fit=True)
    elif attribute == "RefreshInterval":
        out.add("chart", "rate", 1.0 / parse_positive(value, line, "Strip.Time.RefreshInterval"),
                line, fit=True)
    else:
        out.note(f"Strip.Time.{attribute}: {NOT_MAPPED}")


def _stp_color(key: str, value: str, line: int) -> str:
    parts = value.split()
    if len(parts) != 3 or not all(is_whole(p) and int(p) <= 65535 for p in parts):
        raise FormatError(line, f"{key}: {value!r} is not a colour (red green blue, each "
                                "0..65535)")
    return "#" + "".join(f"{round(int(p) * 255 / 65535):02x}" for p in parts)


def _stp_curves(curves: Dict[int, Dict[str, Tuple[str, int]]],
                colors: Dict[int, Tuple[str, int]], out: Imported) -> None:
    names: List[Tuple[str, int]] = []
    for index in sorted(curves):
        attrs = dict(curves[index])
        name, line = attrs.pop("Name", ("", 0))
        if not name.split():
            out.note(f"Strip.Curve.{index} has no Name: skipped")
            continue
        names.append((name.split()[0], line))
        trace = f"T{len(names)}"
        if index in colors:
            out.add(trace, "color", *colors[index])
        if "Comment" in attrs:
            out.add(trace, "label", *attrs.pop("Comment"), fit=True)
        ranges = {attrs[k][1]: parse_number(*attrs.pop(k), f"Strip.Curve.{index}.{k}")
                  for k in ("Min", "Max") if k in attrs}
        if len(ranges) == 2:
            range_line = max(ranges)
            out.add(trace, "autoscale", "Off", range_line)
            out.add(trace, "ymin", min(ranges.values()), range_line)
            out.add(trace, "ymax", max(ranges.values()), range_line)
        if "Scale" in attrs:
            scale, scale_line = attrs.pop("Scale")
            if scale not in ("0", "1"):
                raise FormatError(scale_line, f"Strip.Curve.{index}.Scale: {scale!r} is "
                                              "neither 0 (linear) nor 1 (log10)")
            out.add(trace, "log", "On" if scale == "1" else "Off", scale_line)
        if attrs.get("PlotStatus", ("1", 0))[0] == "0":
            out.note(f"Strip.Curve.{index}.PlotStatus 0: the hidden curve is shown")
        attrs.pop("PlotStatus", None)
        for attribute in attrs:
            out.note(f"Strip.Curve.*.{attribute}: " + _STP_WHY.get(attribute, NOT_MAPPED))
    out.add_sources(names)

