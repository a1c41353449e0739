"""PositionSummary: one line saying where a motor is with respect to its named positions.

The named positions (``<P>SERVER``: ``.choices`` Insert / Retract / blank, and
``.motor_connected``) say which one the motor is at; between them ``.choices`` is blank, and
this label says so with the motor's readback instead: *at Insert*, *between positions, RBV
1.234 mm*, *motor not connected*, *named positions not connected*. Set ``presetsPrefix``
(``BEAMLINE:SERVER``) and ``motorPrefix`` (``BEAMLINE:motor``). It only reads.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from qtpy.QtCore import Property
from qtpy.QtWidgets import QLabel, QSizePolicy, QWidget

from .channels import PrefixChannels
from .readouts import format_value

__all__ = ["PositionSummary", "position_text"]


def position_text(choice: Any, choices: Sequence[str], motor_connected: Any, rbv: Any,
                  precision: int = 3, units: str = "") -> str:
    """What the label says: ``choice`` is ``.choices`` (an index into ``choices``, or a
    name; None while the named positions do not answer), ``motor_connected`` their
    ``.motor_connected``, ``rbv`` the motor's readback (None while unknown).

    Examples
    --------
    >>> position_text(0, ("Insert", "Retract", ""), 1, 2.0)
    'at Insert'
    >>> position_text(2, ("Insert", "Retract", ""), 1, 1.23449, 3, "mm")
    'between positions, RBV 1.234 mm'
    """
    if choice is None:
        return "named positions not connected"
    if not motor_connected:
        return "motor not connected"
    name = choice
    if not isinstance(choice, str):
        try:
            name = choices[int(choice)]
        except (IndexError, ValueError, TypeError):
            name = ""
    if name:
        return f"at {name}"
    if rbv is None:
        return "between positions"
    return f"between positions, RBV {format_value(rbv, precision)} {units}".rstrip()


class PositionSummary(QLabel):
    """Where the motor is among its named positions, in words (see the module docstring).

    Parameters
    ----------
    parent : QWidget, optional
        The widget this one belongs to.
    """

    _qt_designer_ = {"group": "PyDM Display Widgets", "is_container": False}

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._presets_prefix = self._motor_prefix = ""
        self.presets = PrefixChannels(self, [".choices", ".motor_connected"])
        self.motor = PrefixChannels(self, [".RBV"])
        for pvs in (self.presets, self.motor):
            pvs.changed.connect(self.refresh)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.refresh()

    def readPresetsPrefix(self) -> str:
        return self._presets_prefix

    def setPresetsPrefix(self, value: str) -> None:
        self._presets_prefix = str(value or "")
        self.presets.set_prefix(self._presets_prefix)
        self.refresh()

    #: The named positions: ``BEAMLINE:SERVER`` (``.choices``, ``.motor_connected``).
    presetsPrefix = Property(str, readPresetsPrefix, setPresetsPrefix)

    def readMotorPrefix(self) -> str:
        return self._motor_prefix

    def setMotorPrefix(self, value: str) -> None:
        self._motor_prefix = str(value or "")
        self.motor.set_prefix(self._motor_prefix)
        self.refresh()

    #: The motor record: ``BEAMLINE:motor`` (``.RBV``, its precision and units).
    motorPrefix = Property(str, readMotorPrefix, setMotorPrefix)

    def channels(self):
        """The channels watched (PyDM closes and reopens them with the display)."""
        return self.presets.channels() + self.motor.channels()

    def settled(self) -> bool:
        """Whether the named positions and the motor's readback are known."""
        return all(v is not None for v in (self.presets.value(".choices"),
                                           self.presets.value(".motor_connected"),
                                           self.motor.value(".RBV")))

    def refresh(self, *_: Any) -> None:
        """Say what is known now."""
        self.setText(position_text(
            self.presets.value(".choices"), self.presets.enum_strings.get(".choices", ()),
            self.presets.value(".motor_connected"), self.motor.value(".RBV"),
            self.motor.precision.get(".RBV", 3), self.motor.units.get(".RBV", "")))
