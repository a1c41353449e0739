"""Motor IOC: mock EPICS motor records that real motor clients drive unchanged.

``motor-ioc --axes motor,m2`` serves one :class:`~iocs.motor.record.MotorRecord` per axis
(``BEAMLINE:motor``, ``BEAMLINE:m2``, ...), with autosave of positions and settings.
"""
from __future__ import annotations

import asyncio
import logging
import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from caproto.server import PVGroup, run, template_arg_parser

from ..common.autosave import AutosaveFile
from .record import POSITION_FIELDS, SAVED_FIELDS, LimitViolation, MotorRecord

logger = logging.getLogger(__name__)

__all__ = ["MotorIOC", "MotorRecord", "LimitViolation", "POSITION_FIELDS", "SAVED_FIELDS",
           "build_parser", "pv_groups", "main"]


class MotorIOC:
    """The motor IOC: one :class:`MotorRecord` per axis, with autosave."""

    def __init__(self, prefix: str, axes: Sequence[str], *,
                 autosave_dir: Optional[Path] = None, update_rate: float = 20.0,
                 home: float = 0.0) -> None:
        self.prefix = prefix
        safe = prefix.replace(":", "_").strip("_") or "motor"
        self.autosave = (AutosaveFile(Path(autosave_dir) / f"{safe}.motors.json")
                         if autosave_dir else None)
        self._save_handle: Optional[asyncio.TimerHandle] = None
        self.axes: Dict[str, MotorRecord] = {
            name: MotorRecord(prefix + name, home=home, update_rate=update_rate,
                              on_change=self.request_save)
            for name in axes}
        self.pvdb: Dict[str, Any] = {}
        for record in self.axes.values():
            self.pvdb.update(record.pvdb)

    async def restore(self) -> None:
        """Restore every axis from the autosave file, or publish defaults."""
        saved = self.autosave.load() if self.autosave else {}
        for name, record in self.axes.items():
            state = saved.get(name)
            if isinstance(state, dict):
                await record.restore(state)
                logger.info("%s restored from %s", record.prefix, self.autosave.path)
            else:
                await record.startup_publish()
        if self._save_handle is not None:   # scheduled on the restore loop, which ends now
            self._save_handle.cancel()
            self._save_handle = None

    def request_save(self) -> None:
        """Save soon (coalescing bursts of changes into one write)."""
        if self.autosave is None or self._save_handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._save_handle = loop.call_later(0.2, self.save)

    def save(self) -> None:
        self._save_handle = None
        try:
            self.autosave.save({name: rec.settings() for name, rec in self.axes.items()})
        except (OSError, ValueError) as ex:
            logger.error("autosave to %s failed: %s", self.autosave.path, ex)


def build_parser():
    """The ``motor-ioc`` command line: caproto's IOC options plus ours; (parser, split_args)."""
    parser, split_args = template_arg_parser(
        default_prefix="BEAMLINE:", desc=__doc__.splitlines()[0],
        supported_async_libs=("asyncio",))
    parser.prog = "motor-ioc"
    parser.add_argument("--axes", default="motor",
                        help="comma-separated axis names (default: motor)")
    parser.add_argument("--autosave-dir", type=Path, default=None,
                        help="directory for the autosave file (default: no autosave)")
    parser.add_argument("--update-rate", type=float, default=20.0,
                        help="readback updates per second while moving (default: 20)")
    parser.add_argument("--home", type=float, default=0.0,
                        help="dial position of the home switch (default: 0)")
    return parser, split_args


def pv_groups(prefix: str = "BEAMLINE:") -> List[PVGroup]:
    """The PVGroups this IOC serves for one axis named ``motor`` (for docs and tests)."""
    return [MotorRecord(prefix + "motor")]


def main(argv: Optional[List[str]] = None) -> None:
    """``motor-ioc``: serve simulated motor records."""
    parser, split_args = build_parser()
    args = parser.parse_args(argv)
    if not math.isfinite(args.update_rate) or not 1 <= args.update_rate <= 1000:
        parser.error("--update-rate must be within 1..1000")
    axes = [a.strip() for a in args.axes.split(",") if a.strip()]
    if not axes:
        parser.error("--axes needs at least one name")
    ioc_options, run_options = split_args(args)
    ioc = MotorIOC(ioc_options["prefix"], axes, autosave_dir=args.autosave_dir,
                   update_rate=args.update_rate, home=args.home)
    asyncio.run(ioc.restore())
    run(ioc.pvdb, **run_options)


if __name__ == "__main__":
    main()
