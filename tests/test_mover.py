"""The simulated controller's real-time motion, without Channel Access."""
import asyncio
import math

import pytest

from iocs.motor.mover import Mover

pytestmark = pytest.mark.unit


def run(coro):
    return asyncio.run(coro)


def test_travel_ends_on_target_and_ticks_along():
    async def go():
        ticks = []

        async def tick(direction):
            ticks.append((mover.position, direction))
        mover = Mover(0.01, tick)
        await mover.travel(0.5, vbas=0.0, velo=5.0, accl=0.02)
        return mover, ticks
    mover, ticks = run(go())
    assert mover.position == 0.5 and not mover.moving and mover.direction == 1
    assert len(ticks) >= 5 and all(d == 1 for _, d in ticks)
    assert all(b >= a for (a, _), (b, _) in zip(ticks, ticks[1:]))


def test_a_switch_stops_the_motion_dead_and_refuses_further():
    async def go():
        async def tick(direction):
            pass
        mover = Mover(0.01, tick, switches=(-1.0, 0.3))
        await mover.travel(2.0, vbas=0.0, velo=10.0, accl=0.01)
        first = (mover.position, mover.hit_switch, mover.switch_state())
        await mover.travel(3.0, vbas=0.0, velo=10.0, accl=0.01)
        second = (mover.position, mover.hit_switch)
        await mover.travel(0.0, vbas=0.0, velo=10.0, accl=0.01)
        return first, second, (mover.position, mover.hit_switch)
    first, second, third = run(go())
    assert first == (0.3, True, (False, True))
    assert second == (0.3, True)                      # into the pressed switch: no motion
    assert third == (0.0, False)                      # off it again


def test_stop_decelerates_and_a_failing_tick_still_ends_the_move():
    async def go():
        async def tick(direction):
            pass
        mover = Mover(0.01, tick)
        task = asyncio.get_running_loop().create_task(
            mover.travel(100.0, vbas=0.0, velo=10.0, accl=0.1))
        await asyncio.sleep(0.2)
        mover.stop()
        await asyncio.wait_for(task, 2)
        stopped = mover.position

        async def broken(direction):
            raise OverflowError("publishing failed")
        other = Mover(0.01, broken)
        await asyncio.wait_for(other.travel(5.0, vbas=0.0, velo=1.0, accl=0.1), 2)
        return stopped, other
    stopped, other = run(go())
    assert 0.5 < stopped < 5.0
    assert not other.moving and math.isfinite(other.position) and other.position < 5.0


def test_shift_moves_the_coordinates_not_the_switches():
    mover = Mover(0.01, None, switches=(-1.0, 1.0))
    mover.position = 0.5
    mover.shift(10.0)
    assert mover.position == 10.5 and mover.switches == (9.0, 11.0)
    assert mover.switch_state() == (False, False)
    with pytest.raises(ValueError):
        run(mover.travel(float("nan"), vbas=0, velo=1, accl=0))
