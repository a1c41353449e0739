"""A benchmark source IOC: ``<prefix>1`` .. ``<prefix>N``, sine signals updated at a fixed rate.

Every PV updates at ``--rate`` Hz with :func:`stack.signal_value` of the current time, so a
console can prefill its history with exactly what it would have received.
"""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from caproto.server import PVGroup, pvproperty, run, template_arg_parser  # noqa: E402
from stack import signal_value  # noqa: E402


def make_group(count: int, rate: float):
    """A PVGroup class with ``count`` float PVs named 1..count, updated at ``rate`` Hz."""
    body = {str(i): pvproperty(name=str(i), value=signal_value(i, time.time()), units="V",
                               precision=3, read_only=True, doc=f"signal {i}")
            for i in range(1, count + 1)}

    async def startup(group, instance, async_lib):
        period = 1.0 / rate
        next_t = time.monotonic()
        pvs = [getattr(group, str(i)) for i in range(1, count + 1)]
        while True:
            now = time.time()
            for i, pv in enumerate(pvs, start=1):
                await pv.write(signal_value(i, now), timestamp=now, verify_value=False)
            next_t += period
            await asyncio.sleep(max(next_t - time.monotonic(), 0.0))

    body["1"] = body["1"].startup(startup)
    return type("Signals", (PVGroup,), body)


def main() -> None:
    parser, split_args = template_arg_parser(default_prefix="BENCH:sig", desc=__doc__,
                                             supported_async_libs=("asyncio",))
    parser.add_argument("--count", type=int, default=4, help="number of signals")
    parser.add_argument("--rate", type=float, default=10.0, help="updates per second")
    args = parser.parse_args()
    ioc_options, run_options = split_args(args)
    group = make_group(args.count, args.rate)(**ioc_options)
    run(group.pvdb, **run_options)


if __name__ == "__main__":
    main()
