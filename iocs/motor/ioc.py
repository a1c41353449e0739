"""Motor IOC: mock EPICS motor records that real motor clients drive unchanged.

``motor-ioc --axes motor,m2`` serves one :class:`~iocs.motor.record.MotorRecord` per axis
(``BEAMLINE:motor``, ``BEAMLINE:m2``, ...), with autosave of positions and settings and a
simulated controller per axis (hard limit switches, home switch, optional encoder and
positioning error).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from caproto.server import PVGroup

from ..common.autosave import AutosaveFile, Autosaver, autosave_path
from ..common.caproto_compat import LiteralPrefixGroup
from ..common.channels import RECORD_TYPE_MAP, RECORD_TYPE_MAP_READ_ONLY, channel
from ..common.iocmain import ioc_parser, prepare, serve
from ..common.names import DEFAULT_AXIS, DEFAULT_PREFIX, MOTORS_GROUP
from ..common.settings import Setting, SettingsTable
from .record import AxisOptions, MotorRecord

logger = logging.getLogger(__name__)

__all__ = ["OPTIONS", "MotorIOC", "AutosaveStatus", "build_parser", "pv_groups", "main"]

DESCRIPTION = "Motor IOC: mock EPICS motor records that real motor clients drive unchanged."


#: Characters EPICS refuses in a record name (``dbRecordNameValidate``), besides blanks and
#: control characters; braces (NSLS-II style ``{Tbl-Ax:X1}``) are allowed.
_REFUSED_IN_NAMES = frozenset("\"'.$")


def _is_record_name(name: str) -> bool:
    """Up to 40 printable ASCII characters, none of them refused in a record name."""
    return 1 <= len(name) <= 40 and all("!" <= c <= "~" and c not in _REFUSED_IN_NAMES
                                        for c in name)


def _axes(text: str) -> Tuple[str, ...]:
    names = tuple(a.strip() for a in text.split(",") if a.strip())
    if not names:
        raise ValueError("needs at least one axis name")
    for name in names:
        if not _is_record_name(name):
            raise ValueError(f"{name!r} is not a record name")
    if len(set(names)) != len(names):
        raise ValueError("an axis is named twice")
    return names


def _pair(text: str) -> Tuple[float, float]:
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 2:
        raise ValueError("expected LOW,HIGH")
    low, high = (Setting("limit", 0.0, "", low=-1e9, high=1e9).coerce(p) for p in parts)
    if not low < high:
        raise ValueError(f"LOW {low:g} must be below HIGH {high:g}")
    return low, high


#: The IOC's own settings (command line only; each record's fields are in ``fields.FIELDS``).
OPTIONS = SettingsTable([
    Setting("axes", DEFAULT_AXIS, "comma-separated axis names", kind="text", max_length=1000,
            option="--axes", pv=False, check=_axes),
    Setting("update_rate", 20.0, "readback updates per second while moving", low=1, high=1000,
            units="Hz", option="--update-rate", pv=False),
    Setting("home", 0.0, "dial position of the home switch", low=-1e9, high=1e9,
            option="--home", pv=False),
    Setting("hard_limits", "-10000,10000", "dial positions LOW,HIGH of the limit switches",
            kind="text", max_length=100, option="--hard-limits", pv=False, check=_pair),
    Setting("position_error", 0.0, "fraction of each commanded move the simulated "
            "mechanics fall short (for retries)", low=0.0, high=0.9,
            option="--position-error", pv=False),
    Setting("encoder", "no", "simulate an encoder (UEIP may then be Yes)", kind="menu",
            choices=("no", "yes"), option="--encoder", pv=False),
])


class AutosaveStatus(LiteralPrefixGroup):
    """``<prefix>motors:autosave``: how the last autosave went."""

    type_map = RECORD_TYPE_MAP
    type_map_read_only = RECORD_TYPE_MAP_READ_ONLY
    autosave = channel("autosave", "no autosave", "Result of the last autosave write",
                       read_only=True)


class MotorIOC:
    """The motor IOC: one :class:`MotorRecord` per axis, with autosave."""

    def __init__(self, prefix: str, axes: Sequence[str], *,
                 autosave_dir: Optional[Path] = None,
                 options: AxisOptions = AxisOptions()) -> None:
        self.prefix = prefix
        self.status = AutosaveStatus(prefix + MOTORS_GROUP)
        self.autosaver = (Autosaver(AutosaveFile(autosave_path(autosave_dir, prefix,
                                                               "motors")),
                                    self.settings, on_result=self._autosave_result)
                          if autosave_dir else None)
        self.axes: Dict[str, MotorRecord] = {
            name: MotorRecord(prefix + name, options=options, on_change=self.request_save)
            for name in axes}
        self.pvdb: Dict[str, Any] = dict(self.status.pvdb)
        for record in self.axes.values():
            self.pvdb.update(record.pvdb)

    def settings(self) -> Dict[str, Any]:
        return {name: record.settings() for name, record in self.axes.items()}

    def request_save(self) -> None:
        if self.autosaver is not None:
            self.autosaver.request()

    async def _autosave_result(self, ok: bool, message: str) -> None:
        await self.status.autosave.write(message, verify_value=False)

    async def restore(self) -> None:
        """Restore every axis from the autosave file, or publish defaults."""
        autosaver = self.autosaver
        saved = autosaver.file.load() if autosaver is not None else {}
        for name, record in self.axes.items():
            state = saved.get(name)
            if isinstance(state, dict) and autosaver is not None:
                await record.restore(state)
                logger.info("%s restored from %s", record.prefix, autosaver.file.path)
            else:
                await record.startup_publish()
        if self.autosaver is not None:
            await self.status.autosave.write(f"restored from {self.autosaver.file.path.name}"
                                             if saved else "no saved state",
                                             verify_value=False)

    async def flush(self) -> None:
        if self.autosaver is not None:
            await self.autosaver.flush()


def build_parser() -> Tuple[Any, Any]:
    """The ``motor-ioc`` command line: (parser, split_args)."""
    return ioc_parser("motor-ioc", DESCRIPTION, OPTIONS)


def pv_groups(prefix: str = DEFAULT_PREFIX) -> List[PVGroup]:
    """The PVGroups this IOC serves for one axis named ``motor`` (for docs and tests)."""
    return [MotorRecord(prefix + DEFAULT_AXIS), AutosaveStatus(prefix + MOTORS_GROUP)]


def main(argv: Optional[List[str]] = None) -> None:
    """``motor-ioc``: serve simulated motor records."""
    parser, split_args = build_parser()
    args, ioc_options, run_options = prepare(parser, split_args, argv)
    values = OPTIONS.from_args(args)
    options = AxisOptions(home=values["home"], hard_limits=values["hard_limits"],
                          position_error=values["position_error"],
                          encoder=values["encoder"] == "yes",
                          update_rate=values["update_rate"])
    if not options.hard_limits[0] <= options.home <= options.hard_limits[1]:
        parser.error(f"--home {options.home:g} lies outside --hard-limits")
    ioc = MotorIOC(ioc_options["prefix"], values["axes"], autosave_dir=args.autosave_dir,
                   options=options)
    serve(ioc.pvdb, run_options, restore=ioc.restore, shutdown=ioc.flush)


if __name__ == "__main__":
    main()
