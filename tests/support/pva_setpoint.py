"""A test PV Access server with writable PVs: ``python -m tests.support.pva_setpoint NAME ...``.

Each NAME is an NTScalar double (initially 0.0) that accepts puts of finite numbers and
refuses anything else with an error naming the PV, so a test can tell a put that reached the
server from one refused on the way (by a gateway). It prints ``ready`` once serving and runs
until SIGTERM or SIGINT. The server follows the EPICS_PVAS_* environment, like any PVA server.
"""
from __future__ import annotations

import math
import signal
import sys
import threading
from typing import Any, List

__all__ = ["setpoint_pv", "main"]


def setpoint_pv(name: str) -> Any:
    """A SharedPV holding a double that puts change (finite numbers only)."""
    from p4p.nt import NTScalar
    from p4p.server.thread import SharedPV

    pv = SharedPV(nt=NTScalar("d"), initial=0.0)

    @pv.put
    def put(pv: Any, op: Any) -> None:
        try:
            value = float(op.value())
        except (TypeError, ValueError) as ex:
            op.done(error=f"{name}: not a number ({ex})")
            return
        if not math.isfinite(value):
            op.done(error=f"{name}: {value} is not a finite number")
            return
        pv.post(value)
        op.done()

    return pv


def main(argv: List[str]) -> int:
    if not argv:
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    from p4p.server import Server

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    pvs = {name: setpoint_pv(name) for name in argv}
    with Server(providers=[pvs]):
        print("ready", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
