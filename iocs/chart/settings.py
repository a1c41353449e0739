"""The chart IOC's settings: one table for the chart, one for each trace, one for the presets.

Every row gives a PV (``<prefix>chart:rate``, ``<prefix>chart:T1:color``, ...), validation
(values outside a range are refused with a CA error naming the PV), autosave, the docs and,
where it has one, a command-line option. Traces follow the order of ``sources``.
"""
from __future__ import annotations

import re
from typing import List

from ..common.settings import Setting, SettingsTable

__all__ = ["CHART", "TRACE", "PRESETS", "PALETTE", "MAX_SOURCES", "MAX_PIXELS",
           "COLOR_MODES", "LAYOUTS", "COMPRESSORS", "parse_sources", "check_color",
           "check_size"]

MAX_SOURCES = 8
MAX_PIXELS = 1920 * 1200
COLOR_MODES = ("Mono", "RGB1")
LAYOUTS = ("Stacked", "Overlay")
OFF_ON = ("Off", "On")
#: NDPluginCodec's names; the ones this IOC can produce.
COMPRESSORS = ("None", "LZ4")
#: Okabe-Ito, a colour-blind-safe palette, in the order traces take it.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000",
           "#f0e442")
_PV_NAME = re.compile(r"^[A-Za-z0-9_:.\-\[\]<>;{}$]+$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def parse_sources(text: str) -> str:
    """A clean comma-separated list of source PV names (``ca://`` allowed), or ValueError."""
    names = [n.strip() for n in re.split(r"[,\s]+", str(text)) if n.strip()]
    names = [n[5:] if n.startswith("ca://") else n for n in names]
    if len(names) > MAX_SOURCES:
        raise ValueError(f"at most {MAX_SOURCES} sources, not {len(names)}")
    for name in names:
        if not _PV_NAME.match(name) or len(name) > 128:
            raise ValueError(f"{name!r} is not a PV name")
    if len(set(names)) != len(names):
        raise ValueError("a source is listed twice")
    return ",".join(names)


def source_list(text: str) -> List[str]:
    return [n for n in text.split(",") if n]


def check_color(text: str) -> str:
    if not _COLOR.match(text):
        raise ValueError(f"{text!r} is not a colour #rrggbb")
    return text.lower()


def check_size(width: int, height: int) -> None:
    """Raise ``ValueError`` unless ``width`` x ``height`` is a size the chart can render."""
    if not (64 <= width <= 4096 and 64 <= height <= 4096):
        raise ValueError(f"size {width}x{height} outside 64..4096 per side")
    if width * height > MAX_PIXELS:
        raise ValueError(f"size {width}x{height} exceeds {MAX_PIXELS} pixels")


CHART = SettingsTable([
    Setting("sources", "", "Source PVs, comma-separated, up to 8", kind="text",
            max_length=MAX_SOURCES * 130, option="--sources", check=parse_sources,
            shown_default="<prefix>motor.RBV,<prefix>motor.VAL"),
    Setting("rate", 10.0, "Maximum frames per second", low=0.1, high=60.0, units="Hz",
            precision=1, option="--rate"),
    Setting("window", 60.0, "Time span shown", low=1.0, high=86400.0, units="s", precision=1,
            option="--window"),
    Setting("width", 640, "Image width", kind="int", low=64, high=4096, units="px",
            option="--width"),
    Setting("height", 480, "Image height", kind="int", low=64, high=4096, units="px",
            option="--height"),
    Setting("ColorMode", "RGB1", "Colour mode to render", kind="menu", choices=COLOR_MODES,
            option="--color-mode"),
    Setting("layout", "Stacked", "Stacked: a panel per trace; Overlay: shared axes with a "
            "legend", kind="menu", choices=LAYOUTS, option="--layout"),
    Setting("freeze", "Off", "On: the published picture holds while the history records",
            kind="menu", choices=OFF_ON),
    Setting("Compressor", "LZ4", "Codec of the PV Access image (NDPluginCodec's names)",
            kind="menu", choices=COMPRESSORS, option="--compressor"),
])

TRACE = SettingsTable([
    Setting("label", "", "Label; empty: the source's DESC (or name) with its EGU",
            kind="text", max_length=39),
    Setting("color", PALETTE[0], "Colour #rrggbb (defaults: a colour-blind-safe palette)",
            kind="text", max_length=7, check=check_color),
    Setting("autoscale", "On", "Off: the y range is ymin..ymax", kind="menu", choices=OFF_ON),
    Setting("ymin", 0.0, "Lower end of the y range when autoscale is Off", low=-1e300,
            high=1e300, precision=4),
    Setting("ymax", 1.0, "Upper end of the y range when autoscale is Off", low=-1e300,
            high=1e300, precision=4),
    Setting("log", "Off", "On: logarithmic y axis", kind="menu", choices=OFF_ON),
])

PRESETS = SettingsTable([
    Setting("insert_pos", 10.0, "Position named Insert", low=-1e9, high=1e9,
            option="--insert"),
    Setting("retract_pos", 0.0, "Position named Retract", low=-1e9, high=1e9,
            option="--retract"),
    Setting("tolerance", 0.01, "How close counts as at a named position", low=1e-9, high=1e9,
            precision=4, option="--tolerance"),
    Setting("jog_step", 1.0, "Distance of the jog's outward move (not 0)", low=-1e9, high=1e9,
            option="--jog-step", check=lambda v: _nonzero(v, "jog_step")),
])


def _nonzero(value: float, name: str) -> float:
    if value == 0.0:
        raise ValueError(f"{name} must not be 0")
    return value
