"""The pure kinematics: profiles, stopping, switches, coordinates."""
import math

import pytest

from iocs.motor.motion import Calibration, trapezoid_profile

pytestmark = pytest.mark.unit


def test_trapezoid_reaches_velocity_and_ends_on_target():
    p = trapezoid_profile(0.0, 10.0, vbas=0.0, velo=2.0, accl=0.5, t0=100.0)
    # ramp 0.5 s up, 0.5 s down (0.5 mm each), cruise 9 mm at 2 mm/s
    assert p.duration == pytest.approx(0.5 + 4.5 + 0.5)
    assert p.position(100.0) == 0.0
    assert p.velocity(100.25) == pytest.approx(1.0)
    assert p.velocity(102.0) == pytest.approx(2.0)
    assert p.position(100.5) == pytest.approx(0.5)
    assert p.position(p.end_time) == 10.0
    assert p.position(p.end_time - 1e-9) == pytest.approx(10.0)
    assert p.direction == 1


def test_position_is_monotonic_and_continuous():
    p = trapezoid_profile(5.0, -3.0, vbas=0.2, velo=1.5, accl=0.3)
    xs = [p.position(p.duration * i / 1000) for i in range(1001)]
    assert all(b <= a + 1e-12 for a, b in zip(xs, xs[1:]))
    assert max(abs(b - a) for a, b in zip(xs, xs[1:])) < 0.02
    assert xs[-1] == -3.0
    assert p.direction == -1


def test_short_move_is_triangular():
    p = trapezoid_profile(0.0, 0.1, vbas=0.0, velo=10.0, accl=1.0)
    # never reaches 10 mm/s: peak v = sqrt(a d) with a = 10 mm/s^2
    peak = math.sqrt(10.0 * 0.1)
    top = max(p.velocity(t * p.duration / 100) for t in range(100))
    assert top == pytest.approx(peak, rel=0.05)
    assert p.duration == pytest.approx(2 * peak / 10.0)


def test_base_speed_and_no_ramp():
    p = trapezoid_profile(0.0, 4.0, vbas=2.0, velo=2.0, accl=1.0)
    assert p.duration == pytest.approx(2.0)
    p = trapezoid_profile(0.0, 4.0, vbas=0.0, velo=2.0, accl=0.0)
    assert p.duration == pytest.approx(2.0)


def test_zero_move_and_bad_input():
    assert trapezoid_profile(1.0, 1.0, vbas=0, velo=1, accl=1).duration == 0.0
    with pytest.raises(ValueError):
        trapezoid_profile(0.0, float("nan"), vbas=0, velo=1, accl=1)
    with pytest.raises(ValueError):
        trapezoid_profile(0.0, 1.0, vbas=0, velo=0, accl=1)
    with pytest.raises(ValueError):
        trapezoid_profile(0.0, "x", vbas=0, velo=1, accl=1)


def test_decelerated_stops_within_ramp_distance():
    p = trapezoid_profile(0.0, 100.0, vbas=0.0, velo=2.0, accl=1.0)
    s = p.decelerated(10.0)
    x = p.position(10.0)
    assert s.start == pytest.approx(x)
    assert s.duration == pytest.approx(1.0)
    assert s.target == pytest.approx(x + 1.0)   # v^2 / 2a = 4 / 4
    assert s.velocity(s.end_time) == 0.0
    # already stopped: immediate
    assert p.decelerated(p.end_time + 1).duration == 0.0


def test_calibration_round_trip_and_limits():
    c = Calibration(off=5.0, sign=-1)
    assert c.user(2.0) == 3.0
    assert c.dial(3.0) == 2.0
    assert c.user_limits(-10.0, 20.0) == (-15.0, 15.0)
    assert c.dial_limit_for(15.0, high=True) == ("DLLM", -10.0)
    assert Calibration().dial_limit_for(7.0, high=True) == ("DHLM", 7.0)


@pytest.mark.parametrize("accl", [1e-320, 5e-324, 1e-300, 1e-12])
def test_absurdly_short_ramps_are_instant_not_nan(accl):
    p = trapezoid_profile(0.0, 2.0, vbas=0.0, velo=1.0, accl=accl)
    assert p.duration == pytest.approx(2.0)
    assert all(math.isfinite(p.position(t / 10)) for t in range(25))


@pytest.mark.parametrize("velo", [1e308, 1e200, 1e100])
def test_huge_speeds_give_finite_profiles(velo):
    p = trapezoid_profile(0.0, 2.0, vbas=0.0, velo=velo, accl=0.2)
    assert math.isfinite(p.duration) and p.position(p.end_time) == 2.0
    assert all(math.isfinite(p.position(p.duration * k / 10)) for k in range(11))


def test_truncated_stops_dead_at_a_switch():
    p = trapezoid_profile(0.0, 10.0, vbas=0.0, velo=2.0, accl=0.5)
    t = p.crossing(4.0)
    assert p.position(t) == pytest.approx(4.0)
    q = p.truncated(4.0)
    assert q.target == 4.0 and q.end_time == pytest.approx(t)
    assert q.position(q.end_time + 1) == 4.0
    assert p.truncated(20.0) is p                     # never reached: unchanged
    r = trapezoid_profile(3.0, -3.0, vbas=0.0, velo=1.0, accl=0.3).truncated(-1.0)
    assert r.target == -1.0 and r.direction == -1
