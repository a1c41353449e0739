"""Named positions and jog for a motor, over Channel Access (the seed's middle-man server).

``<prefix>.choices`` (Insert / Retract / blank) shows which named position the motor is at,
within ``.tolerance``, and moves the motor there when written; ``<prefix>.jog`` = 1 moves the
motor out by ``.jog_step`` and back, then returns to 0 (also when the motor refuses). The motor
is reached only through CA (its ``.RBV`` and ``.VAL``), as this IOC: access security on the
motor IOC applies to this IOC's host and user, so restrict ``choices``/``jog`` with this
IOC's own access-security file. A motor that refuses a move (SPMG=Stop, DISA, limits) is
reported at once with its reason.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Optional

from caproto import ChannelType, SkipWrite
from caproto.asyncio.client import Context

from ..common.camonitor import RemotePV, RemoteWriteError
from ..common.caproto_compat import LiteralPrefixGroup
from ..common.channels import RECORD_TYPE_MAP, RECORD_TYPE_MAP_READ_ONLY, field, is_action
from ..common.tasks import TaskSet
from .settings import PRESETS

logger = logging.getLogger(__name__)

__all__ = ["PresetsGroup", "MOVE_TIMEOUT"]

CHOICES = ("Insert", "Retract", "")
#: Longest a named move may take before it is reported as failed (s).
MOVE_TIMEOUT = 300.0


async def _setting(group: PresetsGroup, instance: Any, value: Any) -> Any:
    return await group.apply_setting(instance, value)


class PresetsGroup(LiteralPrefixGroup):
    """Named positions (``.choices``) and jog (``.jog``) of one motor."""

    type_map = RECORD_TYPE_MAP
    type_map_read_only = RECORD_TYPE_MAP_READ_ONLY

    choices = field("choices", "", "Named position the motor is at; write one to move there",
                    dtype=ChannelType.ENUM, enum_strings=CHOICES)
    jog = field("jog", 0, "Write 1: move out by jog_step and back, then 0")
    motor_connected = field("motor_connected", 0, "1 while the motor answers (RBV and VAL)",
                            read_only=True)
    insert_pos = PRESETS["insert_pos"].pvproperty(".insert_pos").putter(_setting)
    retract_pos = PRESETS["retract_pos"].pvproperty(".retract_pos").putter(_setting)
    tolerance = PRESETS["tolerance"].pvproperty(".tolerance").putter(_setting)
    jog_step = PRESETS["jog_step"].pvproperty(".jog_step").putter(_setting)

    def __init__(self, prefix: str, *, motor: str, values: Optional[Dict[str, Any]] = None,
                 on_change: Optional[Callable[[], None]] = None, **kwargs: Any) -> None:
        super().__init__(prefix, **kwargs)
        self.motor = motor
        self.initial = dict(PRESETS.defaults(), **(values or {}))
        self.on_change = on_change or (lambda: None)
        self.rbv: Optional[RemotePV] = None
        self.val: Optional[RemotePV] = None
        self._tasks = TaskSet(f"{prefix} named positions")

    def settings(self) -> Dict[str, Any]:
        return {s.name: getattr(self, s.name).value for s in PRESETS}

    async def restore(self) -> None:
        """Show the starting values (validated already) in the setting PVs."""
        for name, value in self.initial.items():
            await getattr(self, name).write(value, verify_value=False)

    # ---- motor over CA --------------------------------------------------------------------
    async def connect(self, context: Context) -> None:
        """Watch the motor through the IOC's client context."""
        self.val = await RemotePV(context, f"{self.motor}.VAL",
                                  on_connection=self._on_connection).start()
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

    async def show(self) -> None:
        rbv, val = self.rbv, self.val
        connected = bool(rbv is not None and rbv.connected and rbv.value is not None and
                         val is not None and val.connected)
        name = self._named(rbv.value if rbv is not None and connected else None)
        if self.choices.value != name:
            await self.choices.write(name, verify_value=False)
        if self.motor_connected.value != int(connected):
            await self.motor_connected.write(int(connected), verify_value=False)

    def _on_rbv(self, name: str, t: float, values: Any, severity: int) -> None:
        self._schedule_show()

    def _on_connection(self, name: str, connected: bool) -> None:
        self._schedule_show()

    def _schedule_show(self) -> None:
        self._tasks.start(self.show())

    async def _move(self, target: float, what: str) -> None:
        if self.val is None or not self.val.connected:
            raise ConnectionError(f"{self.motor} is not connected: cannot {what}")
        try:
            await self.val.write(target, timeout=MOVE_TIMEOUT)
        except RemoteWriteError as ex:
            raise RuntimeError(f"{what}: {self.motor} refused {target:g}: {ex}") from None
        except Exception as ex:
            raise RuntimeError(f"{what}: moving {self.motor} to {target:g} failed: "
                               f"{ex}") from None

    @choices.putter
    async def choices(self, instance: Any, value: str) -> Any:
        if value == "Insert":
            await self._move(self.insert_pos.value, "Insert")
        elif value == "Retract":
            await self._move(self.retract_pos.value, "Retract")
        await self.show()
        return SkipWrite

    @jog.putter
    async def jog(self, instance: Any, value: Any) -> int:
        if not is_action(value, instance.pvname):
            return 0
        if self.rbv is None or self.rbv.value is None or not self.rbv.connected:
            raise ConnectionError(f"{self.motor} is not connected: cannot jog")
        home = self.rbv.value
        await instance.write(1, verify_value=False)
        try:
            await self._move(home + self.jog_step.value, "jog out")
            await self._move(home, "jog back")
        finally:
            await instance.write(0, verify_value=False)
        return 0

    async def apply_setting(self, instance: Any, value: Any) -> Any:
        name = instance.pvname.rsplit(".", 1)[1]
        number = PRESETS[name].coerce(value, instance.pvname)
        await instance.write(number, verify_value=False)
        self.on_change()
        if self.rbv is not None:
            await self.show()
        return number
