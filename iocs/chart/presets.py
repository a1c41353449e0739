"""Named positions and jog for a motor, over Channel Access (the seed's middle-man server).

``<prefix>.choices`` (Insert / Retract / blank) shows which named position the motor is at,
within ``.tolerance``, and moves the motor there when written; ``<prefix>.jog`` = 1 moves the
motor out by ``.jog_step`` and back, then resets to 0. Positions and tolerance persist through
autosave. The motor is reached only through CA (its ``.RBV`` and ``.VAL``).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any, Dict, Optional

from caproto import ChannelType, SkipWrite
from caproto.asyncio.client import Context
from caproto.server import PVGroup

from ..common.autosave import AutosaveFile
from ..common.camonitor import RemotePV
from ..common.channels import RECORD_TYPE_MAP, as_scalar, field, finite_float

logger = logging.getLogger(__name__)

__all__ = ["PresetsGroup", "add_preset_arguments"]

CHOICES = ("Insert", "Retract", "")
SAVED = ("insert_pos", "retract_pos", "tolerance", "jog_step")


class PresetsGroup(PVGroup):
    """Named positions (``.choices``) and jog (``.jog``) of one motor."""

    type_map = RECORD_TYPE_MAP

    choices = field("choices", "", "Named position the motor is at; write one to move there",
                    dtype=ChannelType.ENUM, enum_strings=CHOICES)
    jog = field("jog", 0, "Write 1: move out by jog_step and back, then 0")
    insert_pos = field("insert_pos", 10.0, "Position named Insert", precision=3)
    retract_pos = field("retract_pos", 0.0, "Position named Retract", precision=3)
    tolerance = field("tolerance", 0.01, "How close counts as at a named position",
                      precision=4)
    jog_step = field("jog_step", 1.0, "Distance of the jog's outward move", precision=3)
    motor_connected = field("motor_connected", 0, "1 while the motor answers", read_only=True)

    def __init__(self, prefix: str, *, motor: str, autosave: Optional[AutosaveFile] = None,
                 insert: float = 10.0, retract: float = 0.0, tolerance: float = 0.01,
                 jog_step: float = 1.0, **kwargs: Any) -> None:
        super().__init__(prefix, **kwargs)
        self.motor = motor
        self.autosave = autosave
        self._initial = dict(insert_pos=insert, retract_pos=retract, tolerance=tolerance,
                             jog_step=jog_step)
        self.rbv: Optional[RemotePV] = None
        self.val: Optional[RemotePV] = None

    @staticmethod
    def options_from(args: argparse.Namespace) -> Dict[str, float]:
        return dict(insert=args.insert, retract=args.retract, tolerance=args.tolerance,
                    jog_step=args.jog_step)

    async def restore(self) -> None:
        """Settings from autosave (validated), else the command line's."""
        saved = self.autosave.load() if self.autosave else {}
        for name in SAVED:
            value = saved.get(name, self._initial[name])
            try:
                await getattr(self, name).write(value)
            except Exception as ex:
                logger.warning("ignoring %s=%r: %s", name, value, ex)
                await getattr(self, name).write(self._initial[name])

    def _save(self) -> None:
        if self.autosave is None:
            return
        try:
            self.autosave.save({name: getattr(self, name).value for name in SAVED})
        except (OSError, ValueError) as ex:
            logger.error("autosave failed: %s", ex)

    # ---- motor over CA --------------------------------------------------------------------
    @choices.startup
    async def choices(self, instance, async_lib):
        context = Context()
        self.val = await RemotePV(context, f"{self.motor}.VAL").start()
        self.rbv = await RemotePV(context, f"{self.motor}.RBV", on_value=self._on_rbv,
                                  on_connection=self._on_connection).start()

    def _named(self, position: Optional[float]) -> str:
        if position is None:
            return ""
        tol = self.tolerance.value
        for name, pv in (("Insert", self.insert_pos), ("Retract", self.retract_pos)):
            if abs(position - pv.value) <= tol:
                return name
        return ""

    async def _show(self) -> None:
        connected = bool(self.rbv and self.rbv.connected)
        name = self._named(self.rbv.value if connected else None)
        if self.choices.value != name:
            await self.choices.write(name, verify_value=False)
        if self.motor_connected.value != int(connected):
            await self.motor_connected.write(int(connected))

    def _on_rbv(self, name: str, t: float, value: float) -> None:
        self._loop_task(self._show())

    def _on_connection(self, name: str, connected: bool) -> None:
        self._loop_task(self._show())

    @staticmethod
    def _loop_task(coro) -> None:
        asyncio.get_running_loop().create_task(coro)

    async def _move(self, target: float, what: str) -> None:
        if self.val is None or not self.val.connected:
            raise ConnectionError(f"{self.motor} is not connected: cannot {what}")
        try:
            await self.val.write(target)
        except Exception as ex:
            raise RuntimeError(f"{what}: moving {self.motor} to {target:g} failed: "
                               f"{ex}") from None

    @choices.putter
    async def choices(self, instance, value):
        if value == "Insert":
            await self._move(self.insert_pos.value, "Insert")
        elif value == "Retract":
            await self._move(self.retract_pos.value, "Retract")
        await self._show()
        return SkipWrite

    @jog.putter
    async def jog(self, instance, value):
        if not as_scalar(value):
            return 0
        if self.rbv is None or self.rbv.value is None or not self.rbv.connected:
            raise ConnectionError(f"{self.motor} is not connected: cannot jog")
        home = self.rbv.value
        await instance.write(1, verify_value=False)
        try:
            await self._move(home + self.jog_step.value, "jog out")
        finally:
            await self._move(home, "jog back")
        return 0

    # ---- settings -------------------------------------------------------------------------
    async def _setting(self, instance, value):
        name = instance.pvname.rsplit(".", 1)[1]
        number = finite_float(value, instance.pvname)
        if name == "tolerance" and number <= 0:
            raise ValueError(f"{instance.pvname} must be > 0, not {number}")
        if name == "jog_step" and number == 0:
            raise ValueError(f"{instance.pvname} must not be 0")
        await instance.write(number, verify_value=False)
        self._save()
        if self.rbv is not None:
            await self._show()
        return number

    for _name in SAVED:
        locals()[_name].putter(_setting)
    del _name


def add_preset_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--motor", default=None,
                        help="motor record for named positions and jog (<prefix>motor)")
    parser.add_argument("--insert", type=float, default=10.0, help="Insert position (10)")
    parser.add_argument("--retract", type=float, default=0.0, help="Retract position (0)")
    parser.add_argument("--tolerance", type=float, default=0.01,
                        help="at-position tolerance (0.01)")
    parser.add_argument("--jog-step", type=float, default=1.0, help="jog distance (1)")
