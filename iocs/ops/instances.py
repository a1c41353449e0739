"""What the launcher can run: its processes by name, and how each is started and checked.

``repeater`` (a CA repeater), ``motor`` (the motor IOC), ``chart`` (the default chart IOC,
``<prefix>chart:``), ``chart@NAME`` (another chart IOC, ``<prefix>NAME:``; ``chart@chart`` is
``chart``) and ``web`` (pvchart-web, the charts in a browser). Pure: no processes, no CA.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence

from ..common.names import DEFAULT_AXIS, DEFAULT_CHART, PVA_IMAGE, chart_prefix

__all__ = ["Instance", "parse_instance", "parse_instances", "KINDS", "DEFAULT_INSTANCES"]

#: Kinds of process, and the module each runs.
KINDS = {"repeater": "iocs.ops.repeater", "motor": "iocs.motor", "chart": "iocs.chart",
         "web": "iocs.web"}
#: What ``start`` runs when no instance is named.
DEFAULT_INSTANCES = ("repeater", "motor", "chart")
_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


@dataclass(frozen=True, order=True)
class Instance:
    """One process the launcher runs: its kind and, for a chart, the chart's name."""

    kind: str
    chart: str = ""

    @property
    def name(self) -> str:
        """Its name in the run directory, the status and on the command line."""
        if self.kind == "chart" and self.chart != DEFAULT_CHART:
            return f"chart@{self.chart}"
        return self.kind

    @property
    def file_stem(self) -> str:
        """Stem of its files in the run directory (``chart-vacuum.log``, ``motor.pid``)."""
        return self.name.replace("@", "-")

    @property
    def module(self) -> str:
        return KINDS[self.kind]

    @property
    def serves_pva(self) -> bool:
        return self.kind == "chart"

    def ioc_args(self, prefix: str) -> List[str]:
        """What this instance's IOC is told besides the options given to the launcher."""
        if self.kind == "chart" and self.chart != DEFAULT_CHART:
            return ["--name", self.chart]
        return []

    def ready_pv(self, prefix: str) -> Optional[str]:
        """A CA PV that answers once the IOC serves (None: nothing to wait for)."""
        if self.kind == "motor":
            return f"{prefix}{DEFAULT_AXIS}.RTYP"
        if self.kind == "chart":
            return f"{chart_prefix(prefix, self.chart)}UniqueId_RBV"
        return None

    def status_pv(self, prefix: str) -> Optional[str]:
        """The chart's ``status`` PV (its sources' connection state)."""
        return f"{chart_prefix(prefix, self.chart)}status" if self.kind == "chart" else None

    def image_pv(self, prefix: str) -> Optional[str]:
        return f"{chart_prefix(prefix, self.chart)}{PVA_IMAGE}" if self.kind == "chart" \
            else None


def parse_instance(text: str) -> Instance:
    """``motor``, ``chart``, ``chart@vacuum``, ... as an :class:`Instance`, or ValueError."""
    kind, sep, chart = text.partition("@")
    if kind not in KINDS:
        raise ValueError(f"unknown IOC {text!r} (choose from {', '.join(KINDS)}, or "
                         "chart@NAME)")
    if kind != "chart":
        if sep:
            raise ValueError(f"{text!r}: only a chart takes @NAME")
        return Instance(kind)
    chart = chart if sep else DEFAULT_CHART
    if not _NAME.match(chart):
        raise ValueError(f"{text!r}: a chart name is 1..40 letters, digits, '_' or '-'")
    return Instance("chart", chart)


def parse_instances(texts: Sequence[str]) -> List[Instance]:
    """Several names; one named twice is an error."""
    out: List[Instance] = []
    for text in texts:
        instance = parse_instance(text)
        if instance in out:
            raise ValueError(f"{instance.name} is named twice")
        out.append(instance)
    return out
