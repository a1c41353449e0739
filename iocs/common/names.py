"""Names and defaults of pvchart, stated once: prefixes, sub-prefixes, ports, areaDetector
names, alarm colours, capacities.

Imported by the IOCs, the launcher, the display launcher, the widgets and the tests; the
``.ui`` files' macro defaults and the ``deploy/*.env`` files repeat some of them for tools
that cannot import Python, and a test checks that they agree with this module. Pure: no
caproto, no Qt.

Glossary of the names below: a *prefix* starts every PV of an installation (``BEAMLINE:``);
a *chart* is one chart IOC, serving ``<prefix><chart name>:`` (``BEAMLINE:chart:``); the
*named positions* group (``<prefix>SERVER``, a name kept from the first version of the
product, whose "server" offered them) holds the motor's named positions and jog.
"""
from __future__ import annotations

from typing import Dict, Tuple

__all__ = [
    "DEFAULT_PREFIX", "DEFAULT_CHART", "DEFAULT_AXIS", "PRESETS_GROUP", "MOTORS_GROUP",
    "chart_prefix", "DISPLAY_MACROS", "LOCAL_CA_PORTS", "LOCAL_PVA_PORTS",
    "LOCAL_REPEATER_PORT", "WEB_PORT", "SITE_CA_PORT", "SITE_REPEATER_PORT",
    "DEFAULT_MAX_ARRAY_BYTES",
    "HISTORY_CAPACITY", "MAX_SOURCES", "MAX_PIXELS", "AD_COLOR_MODES", "AD_DATA_TYPES",
    "AD_IMAGE_PVS", "PVA_IMAGE", "ALARM_COLORS", "SEVERITY_NAMES", "PALETTE",
]

# ---- PV names ---------------------------------------------------------------------------------
#: Prefix of every PV of an installation unless ``--prefix`` says otherwise.
DEFAULT_PREFIX = "BEAMLINE:"
#: Name of the chart IOC that the launcher starts as ``chart`` (``<prefix>chart:``).
DEFAULT_CHART = "chart"
#: The motor record a motor IOC serves unless ``--axes`` names others (``<prefix>motor``).
DEFAULT_AXIS = "motor"
#: Named positions and jog of the motor: ``<prefix>SERVER.choices``, ``.jog``, ...
PRESETS_GROUP = "SERVER"
#: The motor IOC's own status PVs: ``<prefix>motors:autosave``.
MOTORS_GROUP = "motors:"


def chart_prefix(prefix: str, chart: str = DEFAULT_CHART) -> str:
    """``<prefix><chart>:``, where the PVs of chart ``chart`` live."""
    return f"{prefix}{chart}:"


#: The display's PyDM macros and their defaults (``displays/chart.ui`` repeats them).
DISPLAY_MACROS: Dict[str, str] = {
    "P": DEFAULT_PREFIX, "M": DEFAULT_AXIS, "C": DEFAULT_CHART, "S": PRESETS_GROUP,
    "IMAGE": "pva://${P}${C}:Pva1:Image", "CHARTS": DEFAULT_CHART,
}

# ---- ports ----------------------------------------------------------------------------------
#: The site's CA server and repeater ports (EPICS defaults; the environment may change them).
SITE_CA_PORT = 5064
SITE_REPEATER_PORT = 5065
#: Local mode's loopback CA port per IOC (away from the site's 5064..5076).
LOCAL_CA_PORTS: Dict[str, int] = {"motor": 15064, "chart": 15066}
#: Local mode's PVA (server, search) ports per IOC that serves PV Access.
LOCAL_PVA_PORTS: Dict[str, Tuple[int, int]] = {"chart": (15075, 15076)}
LOCAL_REPEATER_PORT = 15065
#: pvchart-web's HTTP port unless told otherwise.
WEB_PORT = 8080

# ---- sizes ----------------------------------------------------------------------------------
#: What libca is told to accept per array: a 1920x1080 RGBA frame with headroom (its own
#: default is 16 kB, too small for any image).
DEFAULT_MAX_ARRAY_BYTES = 20_000_000
#: Samples a chart keeps per source (about 3.4 MB each), and the length of its data PVs.
HISTORY_CAPACITY = 200_000
#: Sources (traces) a chart draws at most.
MAX_SOURCES = 8
#: Largest image a chart renders (pixels).
MAX_PIXELS = 1920 * 1200

# ---- areaDetector ---------------------------------------------------------------------------
#: NDColorMode_t and NDDataType_t names, in their enum order.
AD_COLOR_MODES = ("Mono", "Bayer", "RGB1", "RGB2", "RGB3", "YUV444", "YUV422", "YUV421")
AD_DATA_TYPES = ("Int8", "UInt8", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64",
                 "Float32", "Float64")
#: The CA PVs of an areaDetector image under its prefix, by what they hold.
AD_IMAGE_PVS: Dict[str, str] = {"image": "ArrayData", "size0": "ArraySize0_RBV",
                                "size1": "ArraySize1_RBV", "size2": "ArraySize2_RBV",
                                "mode": "ColorMode_RBV"}
#: The NTNDArray over PV Access (NDPluginPva's default name).
PVA_IMAGE = "Pva1:Image"

# ---- colours --------------------------------------------------------------------------------
#: Alarm severities by number (EPICS menuAlarmSevr).
SEVERITY_NAMES = ("NO_ALARM", "MINOR", "MAJOR", "INVALID")
#: Colours of MINOR, MAJOR and INVALID alarms as operators know them (PyDM's, MEDM's).
ALARM_COLORS: Dict[str, str] = {"MINOR": "#e0c000", "MAJOR": "#e00000", "INVALID": "#e000e0"}
#: Okabe-Ito, a colour-blind-safe palette, in the order traces take it.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000",
           "#f0e442")
