"""What a chart's page shows and which writes it may ask for (pure: no CA, no HTTP).

The web process watches the chart IOC's settings (:data:`CHART_PVS`) and per trace its style
and readouts (:data:`TRACE_PVS`); only PVs the IOC serves (connected ones) reach
:func:`chart_state`, so a readout the IOC does not have is simply not shown. Writes are limited
to :data:`WRITES`, each checked here before it goes to the IOC (which checks again and has the
last word, with its access security).
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from caproto import ChannelType

from ..chart.csvexport import trace_sources
from ..chart.settings import CHART
from ..common.channels import finite_float, is_action, menu_choice
from ..common.names import MAX_SOURCES, PALETTE

__all__ = ["CHART_PVS", "TRACE_PVS", "READOUTS", "WRITES", "watched_pvs", "plain_value",
           "span_text", "range_text", "format_number", "chart_state", "write_request",
           "ImageStatus"]

#: The chart's own PVs a page shows or writes (those the IOC does not serve are left out).
CHART_PVS = ("sources", "status", "rate", "window", "freeze", "layout", "end", "endText",
             "live", "cursor", "archiverStatus", "back", "forward")
#: Per-trace readouts (statistics over the shown range, the value at the cursor).
READOUTS = ("cursorValue", "min", "max", "mean", "std", "count")
TRACE_PVS = ("label", "color", *READOUTS)
#: The PVs the write controls put, in the order the page shows them.
WRITES = ("window", "back", "forward", "live", "freeze")
OFF_ON = ("Off", "On")

ImageStatus = Dict[str, Any]     # {"pv": str, "connected": bool, "error": str}


def watched_pvs() -> List[str]:
    """Every PV (after ``<prefix><chart>:``) the web process watches for a chart's page."""
    return [*CHART_PVS, *(f"T{n}:{name}" for n in range(1, MAX_SOURCES + 1)
                          for name in TRACE_PVS)]


def _text(data: Any) -> str:
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).split(b"\0", 1)[0].decode("utf-8", errors="replace")
    return str(data)


def plain_value(data_type: ChannelType, data: Sequence[Any],
                enum_strings: Sequence[Any] = ()) -> Any:
    """A CA value as JSON can hold it: text for strings, chars and menus, else a number
    (one element) or a list of numbers."""
    native = ChannelType(data_type)
    name = native.name.rsplit("_", 1)[-1] if native.name.startswith(
        ("TIME_", "CTRL_", "GR_", "STS_")) else native.name
    if name == "STRING":
        return _text(data[0]) if len(data) else ""
    if name == "CHAR":
        raw = bytes(bytearray(int(b) & 0xFF for b in data))
        return _text(raw)
    if name == "ENUM":
        index = int(data[0]) if len(data) else 0
        strings = [_text(s) for s in enum_strings]
        return strings[index] if 0 <= index < len(strings) else index
    numbers = [float(v) for v in data]
    if len(numbers) == 1:
        number = numbers[0]
        return int(number) if name in ("LONG", "INT", "SHORT") else number
    return numbers


def format_number(value: Any) -> str:
    """A readout as the page shows it: six significant digits, NaN as a dash."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return "\u2013" if math.isnan(value) else ("\u221e" if value > 0 else "-\u221e")
    return f"{value:.6g}"


def span_text(seconds: float) -> str:
    """``90`` -> ``1.5 min``; ``7200`` -> ``2 h``."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def range_text(values: Mapping[str, Any]) -> str:
    """The time range in words: ``last 1 min (live)``, ``10 min up to 2024-05-01 12:00:00``."""
    window = values.get("window")
    if not isinstance(window, (int, float)):
        return ""
    text = span_text(float(window))
    if values.get("live") == "Off" and values.get("endText"):
        text = f"{text} up to {values['endText']}"
    else:
        text = f"last {text}" + (" (live)" if values.get("live") == "On" else "")
    if values.get("freeze") == "On":
        text += ", frozen"
    return text


def chart_state(name: str, values: Mapping[str, Any], sources_connected: Mapping[str, bool],
                image: ImageStatus, writable: bool) -> Dict[str, Any]:
    """Everything a chart's page shows, from the PVs that answer (``values``)."""
    traces: List[Dict[str, Any]] = []
    for n, source in trace_sources(values.get("sources", "")):
        readouts = {k: format_number(values[f"T{n}:{k}"]) for k in READOUTS
                    if f"T{n}:{k}" in values}
        traces.append({"n": n, "source": source,
                       "connected": sources_connected.get(source),
                       "label": values.get(f"T{n}:label") or source,
                       "color": values.get(f"T{n}:color") or PALETTE[(n - 1) % len(PALETTE)],
                       "readouts": readouts})
    settings = {k: values[k] for k in CHART_PVS if k in values and k != "sources"}
    return {"chart": name, "image": dict(image), "ioc": "status" in values,
            "settings": settings, "range": range_text(values), "traces": traces,
            "readouts": [k for k in READOUTS if any(k in t["readouts"] for t in traces)],
            "controls": [k for k in WRITES if writable and k in values]}


def write_request(pv: Any, value: Any) -> Tuple[str, Any]:
    """(PV after the chart prefix, value to put) of a write control, or ``ValueError``."""
    if not isinstance(pv, str) or pv not in WRITES:
        raise ValueError(f"{pv!r} is not a control of the page ({', '.join(WRITES)})")
    if isinstance(value, bool):
        value = int(value)
    if pv == "window":
        return pv, CHART["window"].coerce(finite_float(value, pv), pv)
    if pv in ("freeze", "live"):
        return pv, menu_choice(value, OFF_ON, pv)
    if not is_action(value, pv):
        raise ValueError(f"{pv}: write 1 to move the range")
    return pv, 1


def source_names(values: Mapping[str, Any]) -> Optional[List[str]]:
    """The chart's source PVs, or None while ``sources`` does not answer."""
    if "sources" not in values:
        return None
    return [s for _, s in trace_sources(values["sources"])]
