"""The pure motion core: profiles, coordinates, limits, MSTA."""
import math

import pytest

from iocs.motor.motion import (Calibration, Msta, msta_word, trapezoid_profile,
                         within_dial_limits)


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
    assert max(p.velocity(t * p.duration / 100) for t in range(100)) == pytest.approx(peak, rel=0.05)
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


def test_limits_disabled_when_both_zero():
    assert within_dial_limits(1e9, 0.0, 0.0)
    assert within_dial_limits(5.0, -5.0, 5.0)
    assert not within_dial_limits(5.1, -5.0, 5.0)


def test_msta_bits_at_motor_record_positions():
    word = msta_word(done=True, moving=False, positive=True, plus_ls=True, minus_ls=False,
                     homed=True, at_home=False)
    assert word & 0x2 and word & 0x1 and word & 0x4 and word & 0x4000
    assert not word & 0x400 and not word & 0x2000
    assert Msta.MOVING == 0x400 and Msta.MINUS_LS == 0x2000 and Msta.HOMED == 0x4000


def test_validate_setting():
    from iocs.motor.motion import validate_setting
    limits = dict(vmax=10.0, vbas=0.5, velo=2.0)
    assert validate_setting("VELO", 3.0, "m.VELO", **limits) == 3.0
    assert validate_setting("PREC", 4.0, "m.PREC", **limits) == 4
    for name, bad in (("VELO", 0.0), ("VELO", 11.0), ("VELO", 0.2), ("VBAS", 3.0),
                      ("ACCL", -1.0), ("PREC", 2.5), ("PREC", 16.0), ("RDBD", -0.1),
                      ("OFF", float("nan"))):
        with pytest.raises(ValueError, match=name):
            validate_setting(name, bad, f"m.{name}", **limits)
