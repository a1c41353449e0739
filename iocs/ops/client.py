"""A small synchronous motor client and the ``motor-client`` command.

>>> m = Motor("BEAMLINE:motor")
>>> m.move(2.5, wait=True, timeout=30)
>>> m.position
2.5

A move that the IOC refuses (SPMG=Stop, DISA=1, CNEN=Disable, a value it cannot use) raises
:class:`MoveRefused` with the IOC's reason; one outside the soft limits :class:`LimitError`.
Interrupted while waiting (Ctrl-C, or SIGTERM for the command), the client stops the motor it
moved, waits until it is done and reports where it stopped.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from typing import Any, Callable, List, Optional

from ..common.caenv import ensure_max_array_bytes

ensure_max_array_bytes()
import epics  # noqa: E402  (libca reads the environment when it loads)
from caproto.sync.client import ErrorResponseReceived  # noqa: E402
from caproto.sync.client import write as ca_write  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = ["Motor", "MotorError", "LimitError", "MoveRefused", "MoveTimeout", "main"]

#: The longest a move may be waited for when no timeout is given (s).
NO_TIMEOUT = 1e6


class MotorError(RuntimeError):
    """A motor could not be reached or refused a request."""


class LimitError(MotorError):
    """The requested position lies outside the motor's soft limits."""


class MoveRefused(MotorError):
    """The IOC refused the move; the message gives its reason."""


class MoveTimeout(MotorError):
    """The move did not finish in time (the motor may still be moving)."""


class Motor:
    """A motor record ``name`` (``BEAMLINE:motor``) seen through Channel Access.

    Parameters
    ----------
    name : str
        The record's name; a trailing ``.VAL`` is dropped.
    timeout : float, optional
        Seconds to wait for the record to answer, here and on each later read.

    Raises
    ------
    MotorError
        When the record's ``.RBV`` does not answer within ``timeout``.

    Examples
    --------
    >>> m = Motor("BEAMLINE:motor")                          # doctest: +SKIP
    >>> m.position, m.units, m.limits                        # doctest: +SKIP
    (0.0, 'mm', (-100.0, 100.0))
    """

    def __init__(self, name: str, timeout: float = 5.0) -> None:
        self.name = name[:-4] if name.endswith(".VAL") else name
        self.timeout = timeout
        self._rbv = epics.PV(f"{self.name}.RBV", auto_monitor=True)
        if not self._rbv.wait_for_connection(timeout):
            raise MotorError(f"{self.name}: no answer within {timeout} s (is the IOC running, "
                             "and EPICS_CA_ADDR_LIST pointing at it?)")

    def _get(self, field: str) -> Any:
        value = epics.caget(f"{self.name}.{field}", use_monitor=False, timeout=self.timeout)
        if value is None:
            raise MotorError(f"{self.name}.{field}: no answer within {self.timeout} s")
        return value

    @property
    def position(self) -> float:
        """The user readback (``.RBV``), read now.

        Raises
        ------
        MotorError
            When the record does not answer within the timeout.
        """
        return self._get("RBV")

    @property
    def setpoint(self) -> float:
        """The user setpoint (``.VAL``), read now.

        Raises
        ------
        MotorError
            When the record does not answer within the timeout.
        """
        return self._get("VAL")

    @property
    def moving(self) -> bool:
        """True while a move is under way (``.DMOV`` = 0), read now.

        Raises
        ------
        MotorError
            When the record does not answer within the timeout.
        """
        return self._get("DMOV") == 0

    @property
    def limits(self) -> tuple:
        """The soft limits (``.LLM``, ``.HLM``), read now; (0, 0) means none.

        Raises
        ------
        MotorError
            When the record does not answer within the timeout.
        """
        return self._get("LLM"), self._get("HLM")

    @property
    def units(self) -> str:
        """The engineering units (``.EGU``), read now.

        Raises
        ------
        MotorError
            When the record does not answer within the timeout.
        """
        return str(self._get("EGU"))

    def move(self, position: float, wait: bool = True, timeout: Optional[float] = None,
             progress: Optional[Callable[[float], None]] = None) -> None:
        """Move to ``position``; with ``wait``, return when the move is done (DMOV=1).

        Parameters
        ----------
        position : float
            The user position to move to (``.VAL``).
        wait : bool, optional
            Return only when the move is done (a CA put with completion); otherwise as soon
            as the IOC has taken the request.
        timeout : float, optional
            With ``wait``: the longest the move may take (default: as long as it takes).
        progress : callable, optional
            With ``wait``: called with each new readback (``.RBV``) while the motor moves.

        Raises
        ------
        LimitError
            ``position`` lies outside the soft limits (the motor does not move), or the IOC
            reported a limit violation (``.LVIO`` = 1) for it.
        MoveRefused
            The IOC refused the move (SPMG=Stop, DISA=1, CNEN=Disable, ...); the message gives
            its reason.
        MoveTimeout
            ``timeout`` seconds passed before the move was done (it may still be moving).
        KeyboardInterrupt
            An interruption while waiting: the motor is stopped first, then it propagates.

        Examples
        --------
        >>> m.move(2.5, wait=True, timeout=30)                   # doctest: +SKIP
        >>> m.move(2.5, wait=True, progress=print)              # doctest: +SKIP
        1.25
        2.5
        """
        position = float(position)
        low, high = self.limits
        if not (low == high == 0.0) and not low <= position <= high:
            raise LimitError(f"{self.name}: {position:g} is outside the soft limits "
                             f"[{low:g}, {high:g}]")
        if progress is not None:
            self._rbv.add_callback(lambda value=None, **kw: progress(value), index=1)
        try:
            ca_write(f"{self.name}.VAL", position, notify=wait, repeater=False,
                     timeout=(timeout or NO_TIMEOUT) if wait else self.timeout)
        except ErrorResponseReceived as ex:
            reason = bytes(ex.args[0].error_message).split(b"\0")[0].decode(errors="replace")
            raise MoveRefused(f"{self.name}: move to {position:g} refused: "
                              f"{_reason(reason)}") from None
        except TimeoutError:
            raise MoveTimeout(f"{self.name}: move to {position:g} not done after "
                              f"{timeout:g} s (at {self.position:g})") from None
        except KeyboardInterrupt:
            self.stop(wait=True)
            raise
        finally:
            if progress is not None:
                self._rbv.remove_callback(1)
        if wait and self._get("LVIO") == 1:
            raise LimitError(f"{self.name}: move to {position:g} refused (soft limit "
                             "violation, LVIO=1)")

    def stop(self, wait: bool = False, timeout: float = 10.0) -> None:
        """Stop the motor (``.STOP`` = 1): it decelerates; ``.VAL`` becomes where it stops.

        Parameters
        ----------
        wait : bool, optional
            Return only when the motor stands still (``.DMOV`` = 1) or ``timeout`` passed.
        timeout : float, optional
            With ``wait``: seconds to wait for the motor to stand still.

        Examples
        --------
        >>> m.stop(wait=True)                                    # doctest: +SKIP
        """
        epics.caput(f"{self.name}.STOP", 1, wait=False)
        deadline = time.monotonic() + timeout
        while wait and time.monotonic() < deadline and self.moving:
            epics.poll(evt=0.01, iot=0.05)


def _reason(text: str) -> str:
    text = text.replace("Python exception: ", "")
    first, _, rest = text.partition(" ")
    return rest if first.endswith("Error") and rest else text


def _cmd_get(args: argparse.Namespace) -> int:
    status = 0
    for pv in args.pv:
        value = epics.caget(pv, use_monitor=False, timeout=args.timeout, as_string=args.string)
        if value is None:
            print(f"{pv}: no answer within {args.timeout} s", file=sys.stderr)
            status = 1
        else:
            print(f"{pv} {value}")
    return status


def _cmd_move(args: argparse.Namespace) -> int:
    motor = Motor(args.motor, timeout=args.conn_timeout)
    units = motor.units

    def show(x: float) -> None:
        print(f"\r{motor.name} {x:12.4f} {units}", end="", flush=True)
    try:
        motor.move(args.position, wait=args.wait, timeout=args.timeout,
                   progress=show if args.wait else None)
    except KeyboardInterrupt:
        print(f"\ninterrupted: {motor.name} stopped at {motor.position:.4f} {units}")
        return 130
    finally:
        if args.wait:
            print()
    if args.wait:
        print(f"{motor.name} done at {motor.position:.4f} {units}")
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    for name in args.motor:
        Motor(name, timeout=args.conn_timeout).stop()
    return 0


def _cmd_watch(args: argparse.Namespace) -> int:
    seen = {"n": 0}

    def show(pvname=None, char_value=None, timestamp=None, **kw):
        stamp = time.strftime("%H:%M:%S", time.localtime(timestamp or time.time()))
        print(f"{pvname} {stamp} {char_value}", flush=True)
        seen["n"] += 1
    pvs = [epics.PV(pv, auto_monitor=True, callback=show) for pv in args.pv]
    missing = [pv.pvname for pv in pvs if not pv.wait_for_connection(args.timeout)]
    if missing:
        print(f"no answer from {', '.join(missing)}", file=sys.stderr)
        return 1
    end = None if args.duration is None else time.monotonic() + args.duration
    while (end is None or time.monotonic() < end) and (args.count is None
                                                        or seen["n"] < args.count):
        epics.poll(evt=0.01, iot=0.1)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="motor-client", allow_abbrev=False,
                                     description="Read, move, stop and watch motor records "
                                                 "over Channel Access.")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds to wait: for an answer (get, watch; default 5) or for "
                             "the move (move; default: as long as it takes)")
    parser.add_argument("--conn-timeout", type=float, default=5.0,
                        help="seconds to wait for the motor to answer (default: 5)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("get", help="read PVs now")
    p.add_argument("pv", nargs="+", help="PV names")
    p.add_argument("--string", action="store_true", help="enum values as strings")
    p.set_defaults(func=_cmd_get)
    p = sub.add_parser("move", help="move a motor record to a position")
    p.add_argument("motor", help="motor record, e.g. BEAMLINE:motor")
    p.add_argument("position", type=float, help="user position to move to")
    p.add_argument("--wait", action="store_true",
                   help="show progress until done; Ctrl-C stops the motor")
    p.set_defaults(func=_cmd_move)
    p = sub.add_parser("stop", help="stop motors")
    p.add_argument("motor", nargs="+", help="motor records")
    p.set_defaults(func=_cmd_stop)
    p = sub.add_parser("watch", help="print PV changes as they arrive")
    p.add_argument("pv", nargs="+", help="PV names")
    p.add_argument("--count", type=int, default=None,
                   help="stop after this many updates (default: never)")
    p.add_argument("--duration", type=float, default=None,
                   help="stop after this many seconds (default: never)")
    p.set_defaults(func=_cmd_watch)
    return parser


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt               # SIGTERM stops a move as Ctrl-C does


def main(argv: Optional[List[str]] = None) -> int:
    """``motor-client get|move|stop|watch``."""
    args = build_parser().parse_args(argv)
    if args.command in ("get", "watch") and args.timeout is None:
        args.timeout = 5.0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args)
    except MotorError as ex:
        print(f"motor-client: {ex}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
