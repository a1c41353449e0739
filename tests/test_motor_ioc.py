"""The motor IOC over Channel Access: a real subprocess on loopback, driven by pyepics.

Most tests take an axis of the shared motor IOC (``motor``); those that restart the IOC or
give it other options start their own. Timing goals (move time against the trapezoid, readback
rate, stop latency, concurrent moves) are measured by benchmarks/motor_trajectory.py; here the
order of events is asserted.
"""
import json
import threading

import epics
import pytest
from caproto import ChannelType
from caproto.sync.client import ErrorResponseReceived

from iocs.motor.rules import Msta
from tests.support.harness import PATIENCE, ca_write, wait_until
from tests.support.motor import MonitorLog, configure, fresh, put

pytestmark = pytest.mark.ioc


def test_put_callback_completes_only_when_done(motor):
    configure(motor, VELO=2.0, ACCL=0.2, VBAS=0.0)
    with MonitorLog(motor, "RBV", "DMOV") as log:
        assert put(f"{motor}.VAL", 3.0) == 1
        at_completion = (fresh(motor, "DMOV"), fresh(motor, "RBV"))
        seen = log.snapshot()
    assert at_completion == (1, pytest.approx(3.0, abs=1e-6))     # done when it completed
    assert 0 in [v for f, v, _ in seen if f == "DMOV"]            # after moving, in steps
    assert len([f for f, _, _ in seen if f == "RBV"]) > 3
    assert fresh(motor, "MSTA") & Msta.DONE
    assert fresh(motor, "RTYP") == "motor"
    assert epics.caget(motor, timeout=PATIENCE) == pytest.approx(3.0)   # the record name: VAL


def test_readback_moves_between_the_dmov_transitions(motor):
    """RBV goes forwards in steps from the start to the target while DMOV is 0 (how closely it
    follows the trapezoid, when the move ends and how often RBV updates are
    benchmarks/motor_trajectory.py's figures)."""
    configure(motor, VELO=4.0, ACCL=0.5, VBAS=0.5)
    with MonitorLog(motor, "RBV", "DMOV") as log:
        put(f"{motor}.VAL", 4.0)
        wait_until(lambda: log.values("DMOV")[-2:] == [0, 1], PATIENCE, "DMOV back to 1")
        events = [(f, v) for f, v, _ in log.snapshot()]
    start = events.index(("DMOV", 0))
    end = max(i for i, e in enumerate(events) if e == ("DMOV", 1))
    moving = [v for f, v in events[start:end] if f == "RBV"]
    assert len(moving) > 3 and moving == sorted(moving)
    assert 0.0 < moving[0] < 4.0 and moving[-1] == pytest.approx(4.0)
    assert not [v for f, v in events[end:] if f == "RBV"]      # nothing after DMOV 1


def test_dmov_drops_then_rbv_final_before_dmov(motor):
    with MonitorLog(motor, "RBV", "DMOV") as log:
        put(f"{motor}.VAL", 1.0)
        wait_until(lambda: log.values("DMOV")[-2:] == [0, 1], PATIENCE, "DMOV 0 then 1")
        order = [(f, v) for f, v, _ in log.snapshot()]
    last_rbv = max(i for i, (f, _) in enumerate(order) if f == "RBV")
    done = max(i for i, e in enumerate(order) if e == ("DMOV", 1))
    assert order[last_rbv][1] == pytest.approx(1.0) and last_rbv < done
    assert ("DMOV", 0) in order


def test_put_beyond_a_soft_limit_is_accepted_with_lvio_and_no_motion(motor):
    configure(motor, HLM=5.0, LLM=-5.0, VELO=10.0)
    put(f"{motor}.VAL", 1.0)
    ca_write(f"{motor}.VAL", 6.0, notify=True, timeout=PATIENCE, repeater=False)  # no error
    assert fresh(motor, "LVIO") == 1
    assert fresh(motor, "VAL") == pytest.approx(1.0)      # the request does not stick
    assert fresh(motor, "RBV") == pytest.approx(1.0)
    assert fresh(motor, "DMOV") == 1
    assert fresh(motor, "SEVR") == 0 and fresh(motor, "STAT") == 0   # no WRITE alarm either
    put(f"{motor}.VAL", 2.0)
    assert fresh(motor, "LVIO") == 0
    assert fresh(motor, "RBV") == pytest.approx(2.0)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), "banana", 1e300])
def test_bad_puts_leave_state_and_ioc_alive(motor, motor_pool, bad):
    configure(motor, VELO=10.0)
    put(f"{motor}.VAL", 1.5)
    before = {f: fresh(motor, f) for f in ("VAL", "RBV", "VELO", "HLM", "OFF", "SEVR")}
    fields = ("VAL", "DVAL", "VELO") if bad == 1e300 else ("VAL", "VELO", "HLM", "OFF",
                                                          "TWV", "DVAL")
    for field in fields:
        data_type = ChannelType.STRING if isinstance(bad, str) else ChannelType.DOUBLE
        with pytest.raises(ErrorResponseReceived) as err:
            ca_write(f"{motor}.{field}", bad, data_type=data_type, notify=True,
                     timeout=PATIENCE, repeater=False)
        message = bytes(err.value.args[0].error_message).decode(errors="replace")
        assert any(word in message for word in ("finite", "raw range", "outside",
                                                "Conversion", "not a number")), message
    after = {f: fresh(motor, f) for f in ("VAL", "RBV", "VELO", "HLM", "OFF", "SEVR")}
    assert after == before
    assert motor_pool.ioc.alive()
    put(f"{motor}.VAL", 2.0)                       # still serving and moving
    assert fresh(motor, "RBV") == pytest.approx(2.0)


def test_settings_are_clamped_as_the_record_or_refused_when_unusable(motor):
    for field, value, expected in (("VELO", 1000.0, 100.0), ("ACCL", 0.0, 0.1),
                                   ("FRAC", 7.0, 1.5), ("VBAS", 0.5, 0.5),
                                   ("VELO", 0.1, 0.5)):
        put(f"{motor}.{field}", value)
        assert fresh(motor, field) == pytest.approx(expected), field
    for field, value in (("PREC", 99), ("MRES", 0.0), ("MRES", 5e-324), ("VELO", 1e300)):
        before = fresh(motor, field)
        with pytest.raises(ErrorResponseReceived):
            ca_write(f"{motor}.{field}", value, notify=True, timeout=PATIENCE, repeater=False)
        assert fresh(motor, field) == before, field


def test_stop_decelerates_and_syncs_val(motor):
    configure(motor, VELO=2.0, ACCL=0.2)
    with MonitorLog(motor, "DMOV") as log:
        put(f"{motor}.VAL", 50.0, wait=False)
        wait_until(lambda: (fresh(motor, "RBV") or 0) > 1.0, PATIENCE, "motion")
        put(f"{motor}.STOP", 1)
        wait_until(lambda: log.values("DMOV")[-2:] == [0, 1], PATIENCE, "DMOV after STOP")
    rbv = fresh(motor, "RBV")
    assert 1.0 < rbv < 50.0                      # stopped on the way, not at the target
    assert fresh(motor, "VAL") == pytest.approx(rbv)
    assert fresh(motor, "STOP") == 0


def test_spmg_pause_go_and_stop(motor):
    configure(motor, VELO=4.0, ACCL=0.1)
    put(f"{motor}.VAL", 6.0, wait=False)
    wait_until(lambda: (fresh(motor, "RBV") or 0) > 0.5, PATIENCE, "motion")
    put(f"{motor}.SPMG", "Pause")
    wait_until(lambda: fresh(motor, "DMOV") == 1, PATIENCE, "paused")
    paused_at = fresh(motor, "RBV")
    assert paused_at < 6.0 and fresh(motor, "VAL") == pytest.approx(6.0)
    put(f"{motor}.SPMG", "Go")
    wait_until(lambda: fresh(motor, "RBV") == pytest.approx(6.0) and
               fresh(motor, "DMOV") == 1, PATIENCE, "resumed move")
    put(f"{motor}.SPMG", "Stop")
    put(f"{motor}.VAL", 7.0)                           # refused while SPMG=Stop
    assert fresh(motor, "VAL") == pytest.approx(6.0)
    put(f"{motor}.SPMG", "Go")
    put(f"{motor}.VAL", 7.0)
    assert fresh(motor, "RBV") == pytest.approx(7.0)


def test_spmg_move_does_one_move_then_pauses(motor):
    configure(motor, VELO=10.0)
    put(f"{motor}.SPMG", "Pause")
    with MonitorLog(motor, "RBV") as log:
        assert put(f"{motor}.VAL", 1.0, wait=False) == 1
        wait_until(lambda: fresh(motor, "VAL") == 1.0, PATIENCE, "the request taken")
        assert fresh(motor, "RBV") == 0.0                       # no motion while paused
        put(f"{motor}.SPMG", "Move")
        wait_until(lambda: log.values("RBV")[-1:] == [pytest.approx(1.0)] and
                   fresh(motor, "DMOV") == 1, PATIENCE, "the move")
        wait_until(lambda: fresh(motor, "SPMG", as_string=True) == "Pause", PATIENCE,
                   "SPMG back to Pause")
        rbv = log.values("RBV")
    assert rbv == sorted(rbv) and rbv[-1] == pytest.approx(1.0)   # one move, forwards


def test_tweak_forward_and_reverse(motor):
    configure(motor, TWV=0.5, VELO=10.0)
    put(f"{motor}.TWF", 1)
    assert fresh(motor, "RBV") == pytest.approx(0.5)
    put(f"{motor}.TWF", 1)
    put(f"{motor}.TWR", 1)
    assert fresh(motor, "RBV") == pytest.approx(0.5)
    assert fresh(motor, "VAL") == pytest.approx(0.5)
    assert fresh(motor, "TWF") == 0


def test_homing_sets_homed_bit(motor):
    configure(motor, VELO=10.0)
    put(f"{motor}.VAL", 3.0)
    assert not fresh(motor, "MSTA") & Msta.HOMED
    configure(motor, HVEL=10.0)
    put(f"{motor}.HOMR", 1)
    assert fresh(motor, "DRBV") == pytest.approx(0.0)
    msta = fresh(motor, "MSTA")
    assert msta & Msta.HOMED and msta & Msta.DONE
    assert fresh(motor, "ATHM") == 1
    assert fresh(motor, "HOMR") == 0
    assert fresh(motor, "VAL") == pytest.approx(0.0)


def test_jog_stops_at_the_soft_limit_without_a_limit_switch(motor):
    configure(motor, HLM=1.0, LLM=-1.0, JVEL=1.0, JAR=20.0)
    put(f"{motor}.JOGF", 1, wait=False)
    wait_until(lambda: fresh(motor, "RBV") == pytest.approx(1.0) and
               fresh(motor, "DMOV") == 1, PATIENCE, "jog to HLM")
    assert fresh(motor, "HLS") == 0 and not fresh(motor, "MSTA") & Msta.PLUS_LS
    assert fresh(motor, "JOGF") == 0
    put(f"{motor}.JOGR", 1, wait=False)
    wait_until(lambda: fresh(motor, "RBV") < 0.5, PATIENCE, "jog reverse")
    put(f"{motor}.JOGR", 0)
    wait_until(lambda: fresh(motor, "DMOV") == 1, PATIENCE, "jog stopped")
    assert fresh(motor, "HLS") == 0 and fresh(motor, "LLS") == 0
    assert fresh(motor, "VAL") == pytest.approx(fresh(motor, "RBV"))
    put(f"{motor}.VAL", 0.9)                             # no room left for a jog: LVIO
    put(f"{motor}.JOGF", 1)
    assert fresh(motor, "LVIO") == 1 and fresh(motor, "JOGF") == 0 and \
        fresh(motor, "RBV") == pytest.approx(0.9)


def test_offset_direction_and_set_mode_keep_coordinates_consistent(motor):
    m = motor
    configure(m, DHLM=10.0, DLLM=-10.0, VELO=10.0)
    put(f"{m}.VAL", 2.0)
    configure(m, OFF=5.0)
    assert fresh(m, "RBV") == pytest.approx(7.0) and fresh(m, "DRBV") == pytest.approx(2.0)
    assert (fresh(m, "LLM"), fresh(m, "HLM")) == pytest.approx((-5.0, 15.0))
    put(f"{m}.DIR", "Neg")                             # FOFF Variable: user values stay
    assert fresh(m, "RBV") == pytest.approx(7.0) and fresh(m, "VAL") == pytest.approx(7.0)
    assert fresh(m, "OFF") == pytest.approx(9.0)
    assert (fresh(m, "LLM"), fresh(m, "HLM")) == pytest.approx((-1.0, 19.0))
    put(f"{m}.HLM", 12.0)                              # with DIR=Neg this is the dial low
    assert fresh(m, "DLLM") == pytest.approx(-3.0)
    configure(m, FOFF="Frozen", DIR="Pos")             # FOFF Frozen: OFF stays, VAL flips
    assert fresh(m, "OFF") == pytest.approx(9.0) and fresh(m, "RBV") == pytest.approx(11.0)
    configure(m, FOFF="Variable")
    # SET mode, variable offset: RBV becomes 0 without motion
    configure(m, SET="Set")
    put(f"{m}.VAL", 0.0)
    configure(m, SET="Use")
    assert fresh(m, "RBV") == pytest.approx(0.0) and fresh(m, "DRBV") == pytest.approx(2.0)
    assert fresh(m, "OFF") == pytest.approx(-2.0)
    # SET mode, frozen offset: the dial is redefined
    configure(m, FOFF="Frozen", SET="Set")
    put(f"{m}.VAL", 1.0)
    configure(m, SET="Use")
    assert fresh(m, "OFF") == pytest.approx(-2.0) and fresh(m, "DRBV") == pytest.approx(3.0)
    assert fresh(m, "RBV") == pytest.approx(1.0)
    put(f"{m}.VAL", -1.0)                               # moves in user coordinates
    assert fresh(m, "RBV") == pytest.approx(-1.0) and fresh(m, "DRBV") == pytest.approx(1.0)


def test_two_axes_move_concurrently(motor, motor_pool):
    """Both axes move at once, and a put to one completes while the other still moves (the
    parallel speed-up is benchmarks/motor_trajectory.py's "concurrent" figure)."""
    a, b = motor, motor_pool.take()
    configure(a, VELO=1.0, ACCL=0.1)
    configure(b, VELO=1.0, ACCL=0.1)
    done = []

    def move(m, x):
        done.append((m, put(f"{m}.VAL", x)))
    threads = [threading.Thread(target=move, args=(a, 30.0)),
               threading.Thread(target=move, args=(b, -2.0))]
    for t in threads:
        t.start()
    with MonitorLog(a, "DMOV") as a_done:
        wait_until(lambda: fresh(a, "MOVN") == 1 and fresh(b, "MOVN") == 1, PATIENCE,
                   "both moving")
        put(f"{b}.STOP", 1)                    # another client's put completes...
        threads[1].join(PATIENCE)
        assert done == [(b, 1)]                # ...and b's move, while a still moves
        assert a_done.values("DMOV")[-1] == 0
        put(f"{a}.STOP", 1)
        threads[0].join(PATIENCE)
    assert done == [(b, 1), (a, 1)]
    assert 0.0 < fresh(a, "RBV") < 30.0
    assert -2.0 < fresh(b, "RBV") < 0.0
    assert fresh(a, "DMOV") == fresh(b, "DMOV") == 1


def test_restart_restores_position_and_settings(motor_ioc, prefix, tmp_path):
    m = f"{prefix}motor"
    configure(m, VELO=3.0, HLM=20.0, OFF=1.0, EGU="deg", DESC="theta")
    put(f"{m}.VAL", 4.0)
    saved = tmp_path / "autosave" / f"{prefix.strip(':')}.motors.json"
    wait_until(lambda: saved.exists() and json.loads(saved.read_text())["motor"]["position"]
               == pytest.approx(3.0), PATIENCE, "autosave written")
    motor_ioc.restart()
    assert fresh(m, "RBV") == pytest.approx(4.0)
    assert fresh(m, "VAL") == pytest.approx(4.0)
    assert fresh(m, "VELO") == pytest.approx(3.0)
    assert fresh(m, "HLM") == pytest.approx(21.0)      # dial 20 + OFF 1
    assert fresh(m, "EGU") == "deg" and fresh(m, "DESC") == "theta"


def test_corrupt_autosave_gives_defaults_and_is_kept(start_ioc, prefix, tmp_path):
    folder = tmp_path / "as"
    folder.mkdir()
    path = folder / f"{prefix.strip(':')}.motors.json"
    path.write_text('{"motor": {"position": 4')
    ioc = start_ioc("motor", "iocs.motor", "--prefix", prefix, "--autosave-dir", str(folder),
                    ready_pv=f"{prefix}motor.RTYP")
    m = f"{prefix}motor"
    assert fresh(m, "RBV") == 0.0
    assert "corrupt" in ioc.log()
    kept = list(folder.glob("*.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"motor": {"position": 4'
    put(f"{m}.VAL", 0.5)
    wait_until(path.exists, PATIENCE, "a fresh autosave file")
    assert kept[0].read_text() == '{"motor": {"position": 4'
