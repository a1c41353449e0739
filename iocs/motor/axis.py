"""What the parts of one motor record share: its fields, the simulated controller and its
options, and what the record keeps beyond its fields (calibration, last target, homed)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Tuple

from .fields import MotorFields
from .motion import Calibration
from .mover import Mover

__all__ = ["AxisOptions", "Axis"]


@dataclass(frozen=True)
class AxisOptions:
    """How the simulated controller behaves (from the IOC's command line)."""

    home: float = 0.0                                  #: dial position of the home switch
    hard_limits: Tuple[float, float] = (-10000.0, 10000.0)   #: dial positions of the switches
    position_error: float = 0.0                        #: fraction of each move not made
    encoder: bool = False                              #: a simulated encoder is present
    update_rate: float = 20.0                          #: readback updates per second


@dataclass
class Axis:
    """One record's axis as each of the record's parts sees it."""

    prefix: str                        #: the record's name (``<prefix><axis>``), for messages
    fields: MotorFields                #: the record's fields
    mover: Mover                       #: the simulated controller
    options: AxisOptions
    on_change: Callable[[], None]      #: settings or position changed: autosave soon
    cal: Calibration = field(default_factory=Calibration)   #: user/dial relation (OFF, DIR)
    ldvl: float = 0.0                  #: motorRecord's LDVL: the last dial target
    homed: bool = False                #: the controller has found its home switch
