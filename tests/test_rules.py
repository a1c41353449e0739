"""The pure motor-record rules (motorRecord.cc): limits, backlash, retries, clamps, alarms."""
import pytest

from iocs.motor.rules import (
    Msta,
    alarm,
    limit_violation,
    msta_word,
    nint,
    plan_move,
    preferred_direction,
    raw_steps,
    reconcile,
    retry_verdict,
    too_small,
)

pytestmark = pytest.mark.unit

SETTINGS = dict(VBAS=0.0, VMAX=10.0, VELO=2.0, BVEL=1.0, JVEL=1.0, HVEL=1.0, ACCL=0.2,
                BACC=0.5, FRAC=1.0, JAR=5.0, SREV=200, UREV=0.02, MRES=0.0001, ERES=0.0001,
                DLY=0.0, RDBD=0.001, BDST=0.0)


def plan(dval, ldvl=0.0, drbv=0.0, bdst=0.0, **kw):
    args = dict(dval=dval, ldvl=ldvl, drbv=drbv, mres=0.001, bdst=bdst, frac=1.0, velo=2.0,
                accl=0.2, bvel=1.0, bacc=0.5, relative=False)
    args.update(kw)
    return plan_move(**args)


def test_nint_and_raw_range():
    assert [nint(x) for x in (0.5, -0.5, 1.4, -1.6)] == [1, -1, 1, -2]
    assert raw_steps(1.0, 0.01) == 100
    with pytest.raises(ValueError, match="raw range"):
        raw_steps(1e305, 1.0)
    with pytest.raises(ValueError, match="raw range"):
        raw_steps(1.0, 1e-320)


def test_soft_limits_with_backlash_and_towards_the_valid_range():
    assert not limit_violation(100.0, 0.0, -100.0, 100.0, 0.0, True)      # exactly at HLM
    assert limit_violation(100.5, 0.0, -100.0, 100.0, 0.0, True)
    assert not limit_violation(1e6, 0.0, 0.0, 0.0, 0.0, True)             # limits disabled
    assert limit_violation(0.0, 0.0, 5.0, -5.0, 0.0, True)                # DLLM > DHLM
    assert not limit_violation(120.0, 150.0, -100.0, 100.0, 0.0, True)    # back towards
    # against the preferred direction the backlash position must be inside too
    assert limit_violation(-99.8, 0.0, -100.0, 100.0, 0.5, False)
    assert not limit_violation(-99.8, 0.0, -100.0, 100.0, 0.5, True)


def test_backlash_plans():
    assert preferred_direction(5.0, 0.0, 0.5) and not preferred_direction(-5.0, 0.0, 0.5)
    (leg,) = plan(5.0)                                          # no backlash: one leg
    assert leg.target(0.0) == 5.0 and leg.velo == 2.0
    first, second = plan(5.0, bdst=0.5)                        # preferred: fast to BDST
    assert first.target(0.0) == pytest.approx(4.5)             # short, then at BVEL on,
    assert second.target(4.5) == pytest.approx(5.0) and second.velo == 1.0  # no overshoot
    (leg,) = plan(5.0, bdst=0.5, bvel=2.0, bacc=0.2)            # same speeds: one leg
    assert leg.target(0.0) == 5.0
    first, second = plan(-5.0, bdst=0.5)                        # against: overshoot, return
    assert first.target(0.0) == pytest.approx(-5.5) and first.velo == 2.0
    assert second.target(-5.5) == pytest.approx(-5.0) and second.velo == 1.0
    (leg,) = plan(5.2, ldvl=5.0, drbv=5.0, bdst=0.5)            # preferred, within BDST:
    assert leg.velo == 1.0 and leg.backlash                     # at backlash speed
    first, second = plan(-5.0, bdst=0.5, frac=0.5)              # FRAC: half the approach
    assert second.target(-5.5) == pytest.approx(-5.25)


def test_relative_retries_shrink_by_rmod():
    (leg,) = plan(1.0, drbv=0.9, relative=True, retry_count=2, rmod="Geometric")
    assert leg.target(0.9) == pytest.approx(0.95)              # half of the remaining 0.1
    (leg,) = plan(1.0, drbv=0.9, relative=True, retry_count=3, rmod="Arithmetic", rtry=4)
    assert leg.target(0.9) == pytest.approx(0.95)              # (4 - 3 + 1) / 4


def test_too_small_and_setpoint_deadband():
    assert too_small(dval=0.003, drbv=0.0, mres=0.01, retry=False, rdbd=0.01, spdb=0.0)
    assert not too_small(dval=0.006, drbv=0.0, mres=0.01, retry=False, rdbd=0.01, spdb=0.0)
    assert too_small(dval=0.05, drbv=0.0, mres=0.01, retry=False, rdbd=0.01, spdb=0.1)
    assert too_small(dval=0.03, drbv=0.0, mres=0.01, retry=True, rdbd=0.05, spdb=0.0)


def test_retry_verdicts():
    v = retry_verdict(diff=0.1, rdbd=0.01, rtry=2, rcnt=0, miss=0, blocked_by_switch=False)
    assert v.retry and v.rcnt == 1
    v = retry_verdict(diff=0.1, rdbd=0.01, rtry=2, rcnt=2, miss=0, blocked_by_switch=False)
    assert not v.retry and v.rcnt == 3 and v.miss == 1
    v = retry_verdict(diff=0.001, rdbd=0.01, rtry=2, rcnt=2, miss=1, blocked_by_switch=False)
    assert not v.retry and v.miss == 0
    assert not retry_verdict(diff=0.1, rdbd=0.01, rtry=0, rcnt=0, miss=0,
                             blocked_by_switch=False).retry
    assert not retry_verdict(diff=0.1, rdbd=0.01, rtry=5, rcnt=0, miss=0,
                             blocked_by_switch=True).retry


@pytest.mark.parametrize("name,value,expected", [
    ("VELO", 50.0, {"VELO": 10.0}),                       # range_check to VMAX
    ("VELO", -1.0, {"VELO": 0.0}),                        # and to VBAS
    ("ACCL", 0.0, {"ACCL": 0.1}), ("BACC", -3.0, {"BACC": 0.1}),
    ("FRAC", 3.0, {"FRAC": 1.5}), ("FRAC", 0.0, {"FRAC": 0.1}),
    ("JAR", 0.0, {"JAR": 10.0}),
    ("VBAS", 3.0, {"VBAS": 3.0, "VELO": 3.0, "BVEL": 3.0, "JVEL": 3.0, "HVEL": 3.0}),
    ("VBAS", 20.0, {"VBAS": 20.0, "VMAX": 20.0, "VELO": 20.0, "BVEL": 20.0, "JVEL": 20.0,
                    "HVEL": 20.0}),
    ("VMAX", 1.5, {"VMAX": 1.5, "VELO": 1.5}),
    ("MRES", 0.01, {"MRES": 0.01, "UREV": 2.0, "RDBD": 0.01}),
    ("UREV", 0.4, {"UREV": 0.4, "MRES": 0.002, "RDBD": 0.002}),
    ("SREV", 0, {"SREV": 200}),
    ("RDBD", 0.0, {"RDBD": 0.0001}),
    ("ERES", 0.0, {"ERES": 0.0001}),
])
def test_reconcile_clamps_as_the_record(name, value, expected):
    assert reconcile(name, value, SETTINGS) == expected


def test_alarm_from_switches_and_hlsv():
    base = dict(dval=0.0, dllm=-10.0, dhlm=10.0, problem=False)
    assert alarm(hlsv="MAJOR", hls=True, lls=False, **base) == ("HIGH", "MAJOR")
    assert alarm(hlsv="MINOR", hls=False, lls=True, **base) == ("LOW", "MINOR")
    assert alarm(hlsv="NO_ALARM", hls=True, lls=False, **base) == ("NO_ALARM", "NO_ALARM")
    assert alarm(hlsv="NO_ALARM", hls=False, lls=False, dval=0, dllm=0, dhlm=0,
                 problem=True) == ("STATE", "MAJOR")
    assert alarm(hlsv="MAJOR", hls=False, lls=False, dval=5.0, dllm=0.0, dhlm=0.0,
                 problem=False) == ("NO_ALARM", "NO_ALARM")       # limits off


def test_msta_bits_at_motor_record_positions():
    word = msta_word(done=True, moving=False, positive=True, plus_ls=True, minus_ls=False,
                     homed=True, at_home=True)
    assert word & Msta.DONE and word & Msta.DIRECTION and word & Msta.PLUS_LS
    assert word & Msta.HOMED and word & Msta.HOME
    assert not word & Msta.ENCODER_HOME and not word & Msta.PRESENT   # no encoder
    assert not word & Msta.MOVING and not word & Msta.MINUS_LS
    word = msta_word(done=True, moving=False, positive=False, plus_ls=False, minus_ls=False,
                     homed=False, at_home=True, encoder=True)
    assert word & Msta.ENCODER_HOME and word & Msta.PRESENT
    assert (Msta.MOVING, Msta.MINUS_LS, Msta.HOMED, Msta.ENCODER_HOME) == \
        (0x400, 0x2000, 0x4000, 0x80)
