"""Consoles for the scale benchmark: many in one process, each with its own client circuit.

    monitor_proc.py pva <NTNDArray PV> <count>    <count> p4p contexts, one monitor each
    monitor_proc.py ca  <waveform PV>             one pyepics (libca) monitor

Each console subscribes to the chart image as a display's data plugin does and counts what it
gets, without decoding it (the benchmark measures delivery, not painting). A p4p context is
a client of its own (its own TCP circuit to the server), so ``count`` contexts are ``count``
consoles to the server; libca has one context per process, so a CA console is a process.
It prints ``ready`` once every console got a frame; on a ``start`` line on stdin it zeroes
the counts, on ``stop`` it prints, as JSON, the span in seconds since start and each
console's frames and distinct frame ids since then; it ends when stdin closes.
"""
from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, Callable, Dict, List


class Console:
    """One console's counts (updated from the client library's threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.frames = 0
        self.ids: set = set()

    def seen(self, unique_id: int) -> None:
        with self.lock:
            self.frames += 1
            self.ids.add(unique_id)

    def reset(self) -> None:
        with self.lock:
            self.frames, self.ids = 0, set()

    def report(self) -> Dict[str, int]:
        with self.lock:
            return {"frames": self.frames, "ids": len(self.ids)}


def pva_consoles(name: str, count: int) -> List[Console]:
    from p4p.client.thread import Context
    consoles, keep = [], []
    for _ in range(count):
        console = Console()
        ctxt = Context("pva", nt=False)
        sub = ctxt.monitor(name, _on_pva(console), notify_disconnect=False)
        # p4p 4.3's thread Context starts the monitor before it stores it in the
        # Subscription: a first update arriving in between is dropped ("Lost Subscription
        # update"), and as PVXS wakes a subscriber only when its queue turns non-empty, that
        # subscription would never deliver. One wakeup now drains whatever is queued.
        sub._event()
        keep.append((ctxt, sub))
        consoles.append(console)
    _KEEP.extend(keep)
    return consoles


def _on_pva(console: Console) -> Callable[[Any], None]:
    def on_frame(value: Any) -> None:
        if value.uniqueId > 0:                     # not the chart IOC's empty first value
            console.seen(value.uniqueId)
    return on_frame


def ca_console(name: str) -> List[Console]:
    import epics
    console = Console()
    counter = [0]

    def on_frame(**kw: Any) -> None:
        counter[0] += 1                            # the waveform has no id: count updates
        console.seen(counter[0])
    pv = epics.PV(name, auto_monitor=True, callback=on_frame)
    if not pv.wait_for_connection(30):
        sys.exit(f"no connection to {name}")
    _KEEP.append(pv)
    return [console]


_KEEP: List[Any] = []          # the contexts and subscriptions, alive until the process ends


def main(argv: List[str]) -> int:
    kind, name = argv[0], argv[1]
    consoles = pva_consoles(name, int(argv[2])) if kind == "pva" else ca_console(name)
    deadline = time.monotonic() + 90
    while any(c.report()["frames"] == 0 for c in consoles):
        if time.monotonic() > deadline:
            waiting = sum(c.report()["frames"] == 0 for c in consoles)
            print(f"{waiting} of {len(consoles)} consoles got no frame", flush=True)
            return 1
        time.sleep(0.05)
    print("ready", flush=True)
    t0 = time.monotonic()
    for line in sys.stdin:                 # until stdin closes
        if line.strip() == "start":
            for c in consoles:
                c.reset()
            t0 = time.monotonic()
        elif line.strip() == "stop":
            span = time.monotonic() - t0
            reports = [c.report() for c in consoles]
            print(json.dumps({"span": span, "consoles": reports}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
