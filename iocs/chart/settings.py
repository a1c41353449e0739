"""The chart IOC's settings: one table for the chart, one for each trace, one for the presets.

Every row gives a PV (``<prefix>chart:rate``, ``<prefix>chart:T1:color``, ...), validation
(values outside a range are refused with a CA error naming the PV), autosave, the docs and,
where it has one, a command-line option; rows without a PV are options of the IOC alone.
Traces follow the order of ``sources``.
"""
from __future__ import annotations

import os
import re
from typing import List
from urllib.parse import urlsplit

from ..common.names import ARCHIVER_ENV, DEFAULT_CHART, HISTORY_CAPACITY, MAX_SOURCES, PALETTE
from ..common.settings import Setting, SettingsTable
from .plotdata import COLOR_MODES, LAYOUTS, MAX_WINDOW, MODES, check_size
from .plotdata import LIMITS as LIMIT_MODES

__all__ = ["CHART", "TRACE", "PRESETS", "IOC_OPTIONS", "COLOR_MODES", "LAYOUTS", "MODES",
           "LIMIT_MODES", "COMPRESSORS", "OFF_ON", "MAX_WINDOW", "parse_sources",
           "source_list", "check_color", "check_size", "check_pv_name", "ARCHIVER_ENV"]

OFF_ON = ("Off", "On")
#: NDPluginCodec's names; the ones this IOC can produce.
COMPRESSORS = ("None", "LZ4")
#: Memory of one source's history: two buffers' worth of (time, value, severity) samples.
HISTORY_BYTES = 2 * HISTORY_CAPACITY * (8 + 8 + 1)
_PV_NAME = re.compile(r"^[A-Za-z0-9_:.\-\[\]<>;{}$]+$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CHART_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


def check_pv_name(name: str) -> str:
    """``name`` (``ca://`` allowed) as a PV name, or ValueError."""
    name = name.strip()
    name = name[5:] if name.startswith("ca://") else name
    if not _PV_NAME.match(name) or len(name) > 128:
        raise ValueError(f"{name!r} is not a PV name")
    return name


def parse_sources(text: str) -> str:
    """A clean comma-separated list of source PV names (``ca://`` allowed), or ValueError."""
    names = [check_pv_name(n) for n in re.split(r"[,\s]+", str(text)) if n.strip()]
    if len(names) > MAX_SOURCES:
        raise ValueError(f"at most {MAX_SOURCES} sources, not {len(names)}")
    if len(set(names)) != len(names):
        raise ValueError("a source is listed twice")
    return ",".join(names)


def source_list(text: str) -> List[str]:
    return [n for n in text.split(",") if n]


def check_color(text: str) -> str:
    if not _COLOR.match(text):
        raise ValueError(f"{text!r} is not a colour #rrggbb")
    return text.lower()


def _xsource(text: str) -> str:
    return check_pv_name(text) if text.strip() else ""


def _chart_name(text: str) -> str:
    if not _CHART_NAME.match(text):
        raise ValueError(f"{text!r}: a chart name is 1..40 letters, digits, '_' or '-'")
    return text


def _archiver_url(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{text!r} is not an http(s) URL of the archiver's retrieval "
                         "service (such as http://archiver:17668/retrieval)")
    return text.rstrip("/")


CHART = SettingsTable([
    Setting("sources", "", "Source PVs, comma-separated, up to 8", kind="text",
            max_length=MAX_SOURCES * 130, option="--sources", check=parse_sources,
            shown_default="<prefix>motor.RBV,<prefix>motor.VAL"),
    Setting("rate", 10.0, "Maximum frames per second", low=0.1, high=60.0, units="Hz",
            precision=1, option="--rate"),
    Setting("window", 60.0, "Time span shown", low=1.0, high=MAX_WINDOW, units="s",
            precision=1, option="--window"),
    Setting("width", 640, "Image width", kind="int", low=64, high=4096, units="px",
            option="--width"),
    Setting("height", 480, "Image height", kind="int", low=64, high=4096, units="px",
            option="--height"),
    Setting("ColorMode", "RGB1", "Colour mode to render", kind="menu", choices=COLOR_MODES,
            option="--color-mode"),
    Setting("layout", "Stacked", "Stacked: a panel per trace; Overlay: shared axes with a "
            "legend (an axis per unit); Stagger: one panel, a band per trace", kind="menu",
            choices=LAYOUTS, option="--layout"),
    Setting("mode", "Time", "Time: traces against time; XY: trace 1 is X, the others are "
            "plotted against it", kind="menu", choices=MODES, option="--mode"),
    Setting("pairing", 1.0, "XY: an X sample pairs with a Y sample at most this much older",
            low=0.001, high=86400.0, units="s", precision=3, option="--pairing"),
    Setting("freeze", "Off", "On: the published picture holds while the history records",
            kind="menu", choices=OFF_ON),
    # The time range: a restart comes back live, so none of these is autosaved.
    Setting("live", "On", "On: the right edge follows the present; writing end or endText "
            "turns it Off", kind="menu", choices=OFF_ON, saved=False),
    Setting("end", 0.0, "Right edge of the time range (POSIX s); writing it turns live Off",
            low=0.0, high=4e9, units="s", precision=3, saved=False),
    Setting("endText", "", "Right edge as local time YYYY-MM-DD HH:MM:SS; writing it turns "
            "live Off", kind="text", max_length=39, saved=False),
    Setting("cursor", 0.0, "Time of the cursor line (POSIX s); 0: no cursor", low=0.0,
            high=4e9, units="s", precision=3, saved=False),
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
    Setting("limits", "Auto", "Alarm limits of the source as bands: Auto (when it has "
            "some), Off or On", kind="menu", choices=LIMIT_MODES),
    Setting("xsource", "", "A waveform source's X axis: a PV whose array holds the x of "
            "each element (empty: the index)", kind="text", max_length=130, check=_xsource),
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

#: Options of the IOC alone (no PV, not autosaved).
IOC_OPTIONS = SettingsTable([
    Setting("name", DEFAULT_CHART, "Chart name: the PVs are <prefix><name>:", kind="text",
            option="--name", pv=False, saved=False, check=_chart_name),
    Setting("retention", 3600.0, "Seconds of history the IOC keeps itself (at most "
            f"{HISTORY_CAPACITY} samples per source, {HISTORY_BYTES / 1e6:.1f} MB of memory "
            "each); older data comes from the archiver",
            low=10.0, high=MAX_WINDOW, units="s", option="--retention", pv=False,
            saved=False),
    Setting("archiver", "", "The site's Archiver Appliance data-retrieval URL, such as "
            "http://archiver:17668/retrieval (empty: none)", kind="text", max_length=500,
            option="--archiver", pv=False, saved=False, check=_archiver_url,
            shown_default=f"${ARCHIVER_ENV}, else none"),
    Setting("archiver_timeout", 10.0, "Seconds an archiver request may take", low=0.1,
            high=600.0, units="s", option="--archiver-timeout", pv=False, saved=False),
])


def archiver_default() -> str:
    """``--archiver``'s default: ``$PVCHART_ARCHIVER`` if set (validated), else none."""
    return _archiver_url(os.environ.get(ARCHIVER_ENV, ""))


def _nonzero(value: float, name: str) -> float:
    if value == 0.0:
        raise ValueError(f"{name} must not be 0")
    return value
