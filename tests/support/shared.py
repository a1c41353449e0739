"""IOCs that many tests of one worker share, so that a test does not pay for an IOC start:

* :class:`AxisPool`: a motor IOC serving many axes; each test gets an axis no test used
  before (fresh settings, at 0), so tests that only drive one axis share a process and
  nothing else. :class:`PatternPool` likewise hands out image prefixes of the pattern IOC.
* :class:`SharedChart`: a chart IOC charting the pool's ``motor`` axis; each test gets it
  rendering with both sources connected, and afterwards every chart, trace and preset setting,
  the motor's fields and position and the history are put back as they were (and the chart is
  frozen until the next test, so that it does not render for nobody).

A test that stops, restarts or breaks an IOC (or needs other command-line options) starts
its own instead (``motor_ioc``, ``chart_ioc``, ``start_ioc`` in tests/conftest.py).
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

from tests.support.harness import (
    PATIENCE,
    IocProcess,
    caget_fresh,
    caput,
    unique_prefix,
    wait_until,
)

__all__ = ["SharedIoc", "AxisPool", "PatternPool", "SharedChart", "ChartView"]

logger = logging.getLogger(__name__)


class SharedIoc:
    """An IOC serving :attr:`SIZE` independent copies of what a test needs (axes, image
    prefixes); :meth:`lend` hands each out once. When they run out, or the IOC died, it is
    started afresh with every copy at its defaults."""

    SIZE = 64
    what = "IOC"

    def __init__(self, make: Callable[..., IocProcess], workdir: Path) -> None:
        self._make = make
        self.workdir = Path(workdir)
        self.prefix = unique_prefix()
        self.ioc: Optional[IocProcess] = None
        self._next = 1
        self._starts = 0

    def _args(self) -> List[str]:
        raise NotImplementedError

    def _name(self, k: int) -> str:
        raise NotImplementedError

    def _after(self, name: str) -> None:
        """What a test's copy needs when the test is over."""

    def start(self) -> None:
        """(Re)start the IOC with every copy at its defaults."""
        self.stop()
        self._starts += 1
        self._next = 1
        self.ioc = self._make(self.prefix, self.workdir, *self._args())
        self.ioc.start(timeout=PATIENCE)

    def ensure_running(self) -> None:
        if self.ioc is None or not self.ioc.alive():
            if self.ioc is not None:
                logger.warning("the shared %s had died; starting it again", self.what)
            self.start()

    def take(self) -> str:
        """A copy no test has used yet."""
        self.ensure_running()
        if self._next > self.SIZE:
            self.start()
        name = self._name(self._next)
        self._next += 1
        return name

    @contextlib.contextmanager
    def lend(self) -> Iterator[str]:
        """:meth:`take` for one test; an IOC that died during the test fails it."""
        name = self.take()
        yield name
        assert self.ioc is not None
        if not self.ioc.alive():
            log = self.ioc.log()
            self.start()
            raise AssertionError(f"the shared {self.what} died during this test; its "
                                 f"log:\n{log}")
        self._after(name)

    def stop(self) -> None:
        if self.ioc is not None:
            self.ioc.stop()
            self.ioc = None


class AxisPool(SharedIoc):
    """A motor IOC with ``motor``, ``m2`` (the shared chart's) and :attr:`SIZE` test axes
    ``<prefix>a1``, ``<prefix>a2``, ... (each stopped after its test), autosaved to
    :attr:`autosave_file`."""

    what = "motor IOC"

    @property
    def autosave_dir(self) -> Path:
        return self.workdir / f"autosave{self._starts}"

    @property
    def autosave_file(self) -> Path:
        """The IOC's autosave file (one JSON object per axis)."""
        return self.autosave_dir / f"{self.prefix.strip(':')}.motors.json"

    def _args(self) -> List[str]:
        axes = ["motor", "m2", *(f"a{k}" for k in range(1, self.SIZE + 1))]
        return ["--axes", ",".join(axes), "--autosave-dir", str(self.autosave_dir)]

    def _name(self, k: int) -> str:
        return f"{self.prefix}a{k}"

    def _after(self, name: str) -> None:
        caput(f"{name}.STOP", 1)


class PatternPool(SharedIoc):
    """The pattern IOC (tests/support/pattern_ioc.py) serving :attr:`SIZE` image prefixes
    ``<prefix>1:``, ``<prefix>2:``, ... (each with its ``B:`` twin)."""

    SIZE = 32
    what = "pattern IOC"

    def _args(self) -> List[str]:
        return ["--copies", str(self.SIZE)]

    def _name(self, k: int) -> str:
        return f"{self.prefix}{k}:"


def _chart_settings() -> Dict[str, str]:
    """Every setting PV of a chart IOC (suffix after the prefix) and its kind; not ``end``
    and ``endText``, which follow the present while ``live`` (put back) is On."""
    from iocs.chart.settings import CHART, MAX_SOURCES, PRESETS, TRACE
    out = {f"chart:{s.name}": s.kind for s in CHART
           if s.name not in ("end", "endText") and not s.read_only}
    out.update({f"chart:T{n}:{s.name}": s.kind for n in range(1, MAX_SOURCES + 1)
                for s in TRACE})
    out.update({f"SERVER.{s.name}": s.kind for s in PRESETS})
    return out


#: Fields of the chart's motor that tests may change, put back after each test in this order
#: (the coordinates before the limits, the base speed before the speed).
MOTOR_FIELDS = ("SPMG", "DISA", "CNEN", "SET", "DIR", "FOFF", "OFF", "HLM", "LLM", "VBAS",
                "VELO", "ACCL", "BDST", "HLSV")
MOTOR_MENUS = ("SPMG", "CNEN", "SET", "DIR", "FOFF", "HLSV")


@dataclass
class ChartView:
    """What a test gets from :class:`SharedChart`: names and the process."""

    prefix: str                 #: the IOCs' prefix
    ioc: IocProcess             #: the chart IOC

    @property
    def chart(self) -> str:
        """The chart IOC's PV prefix, ``<prefix>chart:``."""
        return f"{self.prefix}chart:"

    @property
    def motor(self) -> str:
        """The charted motor record, ``<prefix>motor`` (its RBV is T1, its VAL T2)."""
        return f"{self.prefix}motor"

    @property
    def server(self) -> str:
        """The named positions' record, ``<prefix>SERVER``."""
        return f"{self.prefix}SERVER"


class SharedChart:
    """A chart IOC charting ``<prefix>motor`` of an :class:`AxisPool`'s IOC."""

    #: The command line of every chart IOC the tests start (shared or their own).
    ARGS = ("--insert", "2", "--retract", "0", "--jog-step", "0.5", "--window", "20")

    def __init__(self, pool: AxisPool, make: Callable[[str], IocProcess]) -> None:
        self.pool = pool
        self._make = make
        self.ioc: Optional[IocProcess] = None
        self._saved: Dict[str, object] = {}
        self._monitors: Dict[str, object] = {}

    def _names(self) -> Dict[str, str]:
        p = self.pool.prefix
        names = {p + suffix: kind for suffix, kind in _chart_settings().items()}
        names.update({f"{p}motor.{f}": "menu" if f in MOTOR_MENUS else "float"
                      for f in MOTOR_FIELDS})
        return names

    def _current(self) -> Dict[str, object]:
        """Every setting as its monitor last reported it."""
        return {name: pv.get(use_monitor=True, as_string=as_string)
                for name, (pv, as_string) in self._monitors.items()}

    def _start(self) -> None:
        import epics
        self.stop()
        self.pool.ensure_running()
        self.ioc = self._make(self.pool.prefix)
        self.ioc.start(timeout=PATIENCE)
        self._wait_live()
        self._monitors = {name: (epics.get_pv(name, form="time"), kind in ("menu", "text"))
                          for name, kind in self._names().items()}    # searched at once
        for name, (pv, _) in self._monitors.items():
            assert pv.wait_for_connection(PATIENCE), name
        self._saved = {name: caget_fresh(name, as_string=as_string)
                       for name, (_, as_string) in self._monitors.items()}
        missing = [name for name, value in self._saved.items() if value is None]
        assert not missing, f"no answer from {missing}"

    def _wait_live(self) -> None:
        c = f"{self.pool.prefix}chart:"
        wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected",
                   PATIENCE, "the shared chart's sources")
        uid = caget_fresh(c + "UniqueId_RBV") or 0
        wait_until(lambda: (caget_fresh(c + "UniqueId_RBV") or 0) > uid, PATIENCE,
                   "frames from the shared chart")

    @contextlib.contextmanager
    def session(self) -> Iterator[ChartView]:
        """The chart for one test; everything put back afterwards."""
        if self.ioc is None or not self.ioc.alive() or not self.pool.ioc.alive():
            self._start()
        else:
            caput(f"{self.pool.prefix}chart:freeze", "Off")      # parked: see restore()
            self._wait_live()
        yield ChartView(self.pool.prefix, self.ioc)
        for what, ioc in (("chart", self.ioc), ("motor", self.pool.ioc)):
            if not ioc.alive():
                log = ioc.log()
                self.stop()
                raise AssertionError(f"the shared {what} IOC died during this test; its "
                                     f"log:\n{log}")
        self.restore()

    def _differences(self) -> Dict[str, object]:
        now = self._current()
        return {name: (now[name], saved) for name, saved in self._saved.items()
                if now[name] != saved}

    def restore(self) -> None:
        """Stop the motor, put back every setting and field that changed, the motor to 0,
        forget the history."""
        m = f"{self.pool.prefix}motor"
        if caget_fresh(f"{m}.DMOV") != 1:
            caput(f"{m}.STOP", 1)
        for name in self._differences():                 # in the order of _names()
            caput(name, self._saved[name])
        if caget_fresh(f"{m}.VAL") != 0.0 or caget_fresh(f"{m}.RBV") != 0.0:
            caput(f"{m}.VELO", 50.0)
            caput(f"{m}.VAL", 0.0)
            caput(f"{m}.VELO", self._saved[f"{m}.VELO"])
        caput(f"{self.pool.prefix}chart:clear", 1)

        def put_back() -> bool:           # again for what a late monitor update shows changed
            left = self._differences()
            for name in left:
                caput(name, self._saved[name])
            return not left
        try:
            wait_until(put_back, PATIENCE, "the shared chart's settings put back", interval=0.5)
        except TimeoutError:
            left = {name: (*values, caget_fresh(name, as_string=self._monitors[name][1]))
                    for name, values in self._differences().items()}
            self.stop()                            # the next test starts a fresh one
            raise AssertionError("not put back (monitored, saved, read now): "
                                 f"{left}") from None
        caput(f"{self.pool.prefix}chart:freeze", "On")   # parked: no rendering between tests

    def stop(self) -> None:
        if self.ioc is not None:
            self.ioc.stop()
            self.ioc = None
