"""pvchart-web's options: one table for the command line, its validation and the docs.

``--prefix`` and ``--charts`` name the chart IOCs served (chart ``vacuum`` is
``<prefix>vacuum:``); ``--bind`` and ``--port`` say where the HTTP server listens (loopback
unless an address is named); ``--allow-writes`` adds the controls that write PVs.
"""
from __future__ import annotations

import argparse
import ipaddress
import re
from typing import List

from ..common.caenv import LOOPBACK
from ..common.names import DEFAULT_CHART, DEFAULT_PREFIX, WEB_PORT
from ..common.settings import Setting, SettingsTable

__all__ = ["OPTIONS", "DEFAULT_PORT", "parse_charts", "chart_names", "check_address",
           "check_prefix", "build_parser"]

#: The HTTP port unless ``--port`` says otherwise.
DEFAULT_PORT = WEB_PORT
#: Charts one process serves at most.
MAX_CHARTS = 32
_CHART_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")
_PREFIX = re.compile(r"^[A-Za-z0-9_:.\-\[\]<>;{}$]*$")


def parse_charts(text: str) -> str:
    """A clean comma-separated list of chart names, or ValueError."""
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    if not names:
        raise ValueError("no chart named")
    if len(names) > MAX_CHARTS:
        raise ValueError(f"at most {MAX_CHARTS} charts, not {len(names)}")
    for name in names:
        if not _CHART_NAME.match(name):
            raise ValueError(f"{name!r} is not a chart name (letters, digits, _ and -)")
    if len(set(names)) != len(names):
        raise ValueError("a chart is listed twice")
    return ",".join(names)


def chart_names(text: str) -> List[str]:
    return parse_charts(text).split(",")


def check_address(text: str) -> str:
    """An IPv4 or IPv6 address to bind, or ValueError."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address") from None


def check_prefix(text: str) -> str:
    if not _PREFIX.match(text):
        raise ValueError(f"{text!r} is not a PV prefix")
    return text


OPTIONS = SettingsTable([
    Setting("prefix", DEFAULT_PREFIX, "PV prefix of the chart IOCs", kind="text",
            max_length=60, option="--prefix", check=check_prefix, pv=False, saved=False),
    Setting("charts", DEFAULT_CHART, "Charts to serve, comma-separated: chart NAME is "
            "<prefix>NAME:", kind="text", max_length=1400, option="--charts",
            check=parse_charts, pv=False, saved=False),
    Setting("bind", LOOPBACK, "Address the HTTP server listens on (0.0.0.0: every IPv4 "
            "interface)", kind="text", max_length=45, option="--bind", check=check_address,
            pv=False, saved=False),
    Setting("port", DEFAULT_PORT, "HTTP port", kind="int", low=1, high=65535,
            option="--port", pv=False, saved=False),
])


def build_parser() -> argparse.ArgumentParser:
    """The ``pvchart-web`` command line."""
    parser = argparse.ArgumentParser(
        prog="pvchart-web", allow_abbrev=False,
        description="Serve the chart IOCs' live charts to web browsers: a page per chart, "
                    "its current frame as PNG and its plotted data as CSV. Read-only unless "
                    "--allow-writes.",
        epilog="Example: pvchart-web --prefix BL1: --charts chart,vacuum --port 8080; then "
               "open http://localhost:8080/. Put it behind the site's reverse proxy (TLS, "
               "login) to serve other hosts.")
    OPTIONS.add_arguments(parser)
    parser.add_argument("--allow-writes", action="store_true",
                        help="show controls that write the charts' PVs (span, back/forward, "
                             "live, freeze), as this process's user and host, so the IOCs' "
                             "access security decides (default: read-only)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log messages: -v adds each HTTP request, -vv debugging")
    return parser
