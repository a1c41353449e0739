"""Motor-record behaviour at the edges (issue 11), against motorRecord.cc, driven by pyepics
and ophyd: limit switches vs soft limits, put semantics, backlash, steps, DLY, retries,
encoder, alarms.

Reads and puts of the test itself go through caproto's sync client: pyepics' PV cache would
otherwise hand ophyd plain PVs it cannot use. Tests that need IOC options (switches, a
positioning error, an encoder) start their own IOC; the others take an axis of the shared one.
"""
import epics
import pytest

from iocs.motor.rules import Msta
from tests.support.harness import PATIENCE, wait_until
from tests.support.motor import MonitorLog
from tests.support.motor import ca_configure as configure
from tests.support.motor import ca_fresh as fresh
from tests.support.motor import ca_put as put
from tests.support.motor import ca_severity as severity

pytestmark = pytest.mark.ioc

#: Fast motion, so that the tests spend their time on behaviour, not travel.
BRISK = dict(VMAX=0.0, VELO=50.0, ACCL=0.05, BVEL=50.0, BACC=0.05, JVEL=20.0, JAR=1000.0)


@pytest.fixture
def brisk(motor):
    """An axis of the shared motor IOC, moving fast."""
    configure(motor, **BRISK)
    return motor


@pytest.fixture
def axis(start_ioc, prefix):
    """Factory: a motor IOC of its own with the given options, moving fast; the record."""
    def start(*args):
        start_ioc("motor", "iocs.motor", "--prefix", prefix, *args,
                  ready_pv=f"{prefix}motor.RTYP")
        m = f"{prefix}motor"
        configure(m, **BRISK)
        return m
    return start


def test_soft_limit_is_no_switch_and_the_switch_stops_the_motor(axis):
    m = axis("--hard-limits=-50,50")
    from ophyd import EpicsMotor
    om = EpicsMotor(m, name="om")
    om.wait_for_connection(timeout=PATIENCE)
    configure(m, HLM=40.0, LLM=-40.0, HLSV="MAJOR")
    status = om.set(40.0)
    status.wait(timeout=PATIENCE)
    assert status.success and fresh(m, "HLS") == 0
    assert epics.Motor(m, timeout=PATIENCE).move(-40.0, wait=True,
                                                 timeout=PATIENCE) == 0     # DONE_OK
    assert fresh(m, "LLS") == 0 and fresh(m, "SEVR") == "NO_ALARM"
    # past the soft limit (disabled) into the switch: stops at 50, HLS, PLUS_LS, HLSV
    configure(m, DHLM=0.0, DLLM=0.0)
    put(f"{m}.VAL", 60.0)
    assert fresh(m, "RBV") == pytest.approx(50.0)
    assert fresh(m, "HLS") == 1 and fresh(m, "MSTA") & Msta.PLUS_LS
    assert fresh(m, "SEVR") == "MAJOR" and fresh(m, "STAT") == "HIGH"
    assert severity(f"{m}.RBV") == 2                                 # RBV carries it
    put(f"{m}.VAL", 70.0)                                            # further in: no motion
    assert fresh(m, "RBV") == pytest.approx(50.0)
    put(f"{m}.VAL", 45.0)                                            # off the switch
    assert fresh(m, "HLS") == 0 and not fresh(m, "MSTA") & Msta.PLUS_LS
    assert severity(f"{m}.RBV") == 0
    # a jog ends at the soft limit, never on the switch
    configure(m, DHLM=40.0, DLLM=-40.0)
    put(f"{m}.VAL", 0.0)
    put(f"{m}.JOGF", 1, wait=False)
    wait_until(lambda: fresh(m, "DMOV") == 1 and fresh(m, "JOGF") == 0 and
               fresh(m, "RBV") == pytest.approx(40.0), PATIENCE, "jog to HLM")
    assert fresh(m, "HLS") == 0
    om.destroy()


def test_put_beyond_a_limit_completes_with_lvio_and_changes_nothing(brisk):
    m = brisk
    put(f"{m}.VAL", 3.0)
    for field, value in (("VAL", 150.0), ("DVAL", -150.0), ("RVAL", 2_000_000),
                         ("RLV", 500.0)):
        put(f"{m}.{field}", value)
        assert fresh(m, "LVIO") == 1, field
        assert fresh(m, "VAL") == pytest.approx(3.0) and fresh(m, "RBV") == \
            pytest.approx(3.0), field
        assert fresh(m, "DMOV") == 1 and fresh(m, "SEVR") == "NO_ALARM"
    put(f"{m}.VAL", 4.0)
    assert fresh(m, "LVIO") == 0


def rbv_extremes(m, move):
    """The lowest and highest RBV the monitor saw during ``move()`` (a completed put)."""
    with MonitorLog(m, "RBV") as log:
        move()
        wait_until(lambda: log.values("RBV")[-1:] == [pytest.approx(fresh(m, "RBV"))],
                   PATIENCE, "the last RBV")
        seen = log.values("RBV")
    return min(seen), max(seen)


def test_backlash_approaches_from_the_preferred_side(brisk):
    m = brisk
    configure(m, BDST=0.5, BVEL=5.0, BACC=0.1, VELO=20.0)
    low, high = rbv_extremes(m, lambda: put(f"{m}.VAL", -2.0))       # against: overshoot
    assert low == pytest.approx(-2.5, abs=0.01) and fresh(m, "RBV") == pytest.approx(-2.0)
    low, high = rbv_extremes(m, lambda: put(f"{m}.VAL", 1.0))        # preferred: none
    assert high <= 1.0 + 1e-6 and fresh(m, "RBV") == pytest.approx(1.0)
    configure(m, BDST=-0.5)                                          # the other side
    low, high = rbv_extremes(m, lambda: put(f"{m}.VAL", 2.0))
    assert high == pytest.approx(2.5, abs=0.01) and fresh(m, "RBV") == pytest.approx(2.0)


def test_steps_round_and_tiny_moves_do_not_move(brisk):
    m = brisk
    configure(m, MRES=0.01)
    assert fresh(m, "UREV") == pytest.approx(2.0) and fresh(m, "RDBD") == pytest.approx(0.01)
    put(f"{m}.VAL", 0.003)                                           # under one step
    assert fresh(m, "RBV") == 0.0 and fresh(m, "RRBV") == 0 and fresh(m, "DMOV") == 1
    put(f"{m}.VAL", 1.004)
    assert fresh(m, "RRBV") == 100 and fresh(m, "RVAL") == 100
    assert fresh(m, "DRBV") == pytest.approx(fresh(m, "RRBV") * fresh(m, "MRES"))
    assert fresh(m, "RBV") == pytest.approx(1.0) and fresh(m, "VAL") == pytest.approx(1.004)
    configure(m, UREV=0.4)                                           # UREV -> MRES
    assert fresh(m, "MRES") == pytest.approx(0.002) and fresh(m, "RRBV") == 500


def test_dly_holds_dmov_and_put_completion(brisk):
    m = brisk
    configure(m, DLY=1.0)
    with MonitorLog(m, "RBV", "DMOV") as log:
        assert epics.caput(f"{m}.VAL", 0.5, wait=True, timeout=PATIENCE) == 1
        assert fresh(m, "DMOV") == 1                         # done when the put completed
        wait_until(lambda: log.values("DMOV")[-1:] == [1] and 0 in log.values("DMOV"),
                   PATIENCE, "the DMOV events")
        events = log.snapshot()
    fields = [(f, v) for f, v, _ in events]
    start = fields.index(("DMOV", 0))
    done = start + fields[start:].index(("DMOV", 1))
    assert ("RBV", pytest.approx(0.5)) in fields[start:done]        # the motion, then DLY
    assert not [f for f, _ in fields[done:] if f == "RBV"]
    assert events[done][2] - events[start][2] >= 1.0   # held at least DLY (the IOC's own
    #                                                    clock: load can only lengthen it)


def test_settings_clamp_and_fields_are_served(brisk):
    m = brisk
    configure(m, VMAX=10.0)
    assert fresh(m, "VELO") == pytest.approx(10.0)                   # VMAX pulled VELO down
    put(f"{m}.VELO", 25.0)
    assert fresh(m, "VELO") == pytest.approx(10.0)                   # clamped, no error
    for field, expected in (("SEVR", "NO_ALARM"), ("STAT", "NO_ALARM"), ("HLSV", "NO_ALARM"),
                            ("RCNT", 0), ("MISS", 0), ("RTRY", 10), ("RMOD", "Default"),
                            ("FRAC", 1.0), ("SREV", 200), ("UEIP", "No"), ("SPDB", 0.0)):
        assert fresh(m, field) == expected, field


def test_dir_keeps_val_and_limits_follow_set_position_at_once(brisk):
    m = brisk
    put(f"{m}.VAL", 1.0)
    put(f"{m}.DIR", "Neg")
    assert fresh(m, "VAL") == pytest.approx(1.0) and fresh(m, "RBV") == pytest.approx(1.0)
    assert fresh(m, "OFF") == pytest.approx(2.0)
    put(f"{m}.DIR", "Pos")
    from ophyd import EpicsMotor
    from ophyd.utils import LimitError
    om = EpicsMotor(m, name="om")
    om.wait_for_connection(timeout=PATIENCE)
    om.set_current_position(51.0)                     # OFF moves by 50: limits -50..150
    assert (fresh(m, "LLM"), fresh(m, "HLM")) == pytest.approx((-50.0, 150.0))  # at once
    wait_until(lambda: om.limits == pytest.approx((-50.0, 150.0)), PATIENCE,
               "ophyd's limits (VAL's control limits, by monitor)")
    om.set(140.0).wait(timeout=PATIENCE)     # inside the new limits: allowed
    assert fresh(m, "RBV") == pytest.approx(140.0)
    with pytest.raises(LimitError):
        om.set(160.0)
    om.destroy()


def test_retries_correct_a_positioning_error(axis):
    m = axis("--position-error", "0.2")
    put(f"{m}.VAL", 1.0)
    assert abs(fresh(m, "DIFF")) < fresh(m, "RDBD")
    assert fresh(m, "RCNT") >= 3 and fresh(m, "MISS") == 0
    configure(m, RTRY=1)
    put(f"{m}.VAL", 2.0)
    assert fresh(m, "RCNT") == 2 and fresh(m, "MISS") == 1
    assert abs(fresh(m, "DIFF")) >= fresh(m, "RDBD")
    configure(m, RTRY=0)
    start = fresh(m, "RBV")
    put(f"{m}.VAL", 0.0)
    assert fresh(m, "RCNT") == 0 and fresh(m, "MISS") == 1           # no retries; MISS
    # stays until a move lands within RDBD (maybeRetry)
    assert fresh(m, "RBV") == pytest.approx(0.2 * start, abs=2e-4)   # 20 % short


def test_encoder_readback_and_ueip(axis):
    m = axis("--encoder", "yes")
    configure(m, ERES=0.001, UEIP="Yes")
    put(f"{m}.VAL", 1.2345)
    assert fresh(m, "MSTA") & Msta.PRESENT
    assert fresh(m, "RRBV") == fresh(m, "REP") and abs(fresh(m, "REP") - 1234.5) <= 0.5
    assert fresh(m, "DRBV") == pytest.approx(fresh(m, "REP") * 0.001)
    assert fresh(m, "RMP") == 12345


def test_without_an_encoder_ueip_stays_no_and_no_encoder_bits(brisk):
    m = brisk
    put(f"{m}.UEIP", "Yes")
    assert fresh(m, "UEIP") == "No"
    put(f"{m}.HOMF", 1)
    msta = fresh(m, "MSTA")
    assert msta & Msta.HOMED and msta & Msta.HOME
    assert not msta & Msta.ENCODER_HOME and not msta & Msta.PRESENT
