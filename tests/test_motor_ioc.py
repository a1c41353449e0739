"""The motor IOC over Channel Access: a real subprocess on loopback, driven by pyepics."""
import json
import threading
import time

import epics
import pytest
from caproto import ChannelType
from caproto.sync.client import ErrorResponseReceived

from iocs.motor.motion import trapezoid_profile
from iocs.motor.rules import Msta
from tests.support.harness import ca_write, caget_fresh, wait_until


def put(pv, value, wait=True, timeout=30.0):
    return epics.caput(pv, value, wait=wait, timeout=timeout)


def fresh(motor, field):
    return caget_fresh(f"{motor}.{field}")


class DmovRecorder:
    """Server-side timestamps of DMOV transitions."""

    def __init__(self, pvname):
        self.events = []
        self.pv = epics.PV(pvname, form="time", auto_monitor=True,
                           callback=self._cb)
        assert self.pv.wait_for_connection(5)

    def _cb(self, value=None, timestamp=None, **kw):
        self.events.append((int(value), timestamp))

    def close(self):
        self.pv.clear_callbacks()
        self.pv.disconnect()


def configure(motor, **fields):
    for name, value in fields.items():
        put(f"{motor}.{name}", value)


def test_put_callback_completes_only_when_done(motor_ioc, prefix):
    m = f"{prefix}motor"
    configure(m, VELO=2.0, ACCL=0.2, VBAS=0.0)
    start = time.monotonic()
    assert put(f"{m}.VAL", 3.0) == 1
    elapsed = time.monotonic() - start
    assert fresh(m, "DMOV") == 1
    assert fresh(m, "RBV") == pytest.approx(3.0, abs=1e-6)
    assert elapsed >= 1.6      # 3 mm at 2 mm/s plus a 0.2 s ramp: 1.7 s
    assert fresh(m, "MSTA") & Msta.DONE
    assert fresh(m, "RTYP") == "motor"
    assert epics.caget(m) == pytest.approx(3.0)          # the record name reads VAL


def test_move_time_matches_trapezoid_within_5_percent(motor_ioc, prefix):
    m = f"{prefix}motor"
    configure(m, VELO=4.0, ACCL=0.5, VBAS=0.5)
    rec = DmovRecorder(f"{m}.DMOV")
    try:
        put(f"{m}.VAL", 8.0)
        wait_until(lambda: [v for v, _ in rec.events].count(1) >= 2, 5, "DMOV back to 1")
    finally:
        rec.close()
    t_start = next(t for v, t in rec.events if v == 0)
    t_done = [t for v, t in rec.events if v == 1][-1]
    expected = trapezoid_profile(0.0, 8.0, vbas=0.5, velo=4.0, accl=0.5).duration
    assert t_done - t_start == pytest.approx(expected, rel=0.05)


def test_readback_follows_profile_at_10hz_or_more(motor_ioc, prefix):
    m = f"{prefix}motor"
    configure(m, VELO=1.0, ACCL=0.3)
    samples = []
    pv = epics.PV(f"{m}.RBV", form="time", auto_monitor=True,
                  callback=lambda value=None, timestamp=None, **kw: samples.append(timestamp))
    assert pv.wait_for_connection(5)
    put(f"{m}.VAL", 2.0)
    pv.clear_callbacks()
    moving = [t for t in samples if t]
    rate = (len(moving) - 1) / (moving[-1] - moving[0])
    assert rate >= 10.0


def test_dmov_drops_then_rbv_final_before_dmov(motor_ioc, prefix):
    m = f"{prefix}motor"
    seen = []
    lock = threading.Lock()

    def cb(pvname=None, value=None, **kw):
        with lock:
            seen.append((pvname.rsplit(".", 1)[1], value))
    pvs = [epics.PV(f"{m}.{f}", auto_monitor=True, callback=cb) for f in ("RBV", "DMOV")]
    for pv in pvs:
        assert pv.wait_for_connection(5)
    put(f"{m}.VAL", 1.0)
    def finished():
        with lock:
            dmov = [v for f, v in seen if f == "DMOV"]
        return dmov[-2:] == [0, 1]
    wait_until(finished, 5, "DMOV 0 then 1")
    with lock:
        order = list(seen)
    last_rbv = max(i for i, (f, _) in enumerate(order) if f == "RBV")
    done = max(i for i, e in enumerate(order) if e == ("DMOV", 1))
    assert order[last_rbv][1] == pytest.approx(1.0) and last_rbv < done
    assert ("DMOV", 0) in order


def test_put_beyond_a_soft_limit_is_accepted_with_lvio_and_no_motion(motor_ioc, prefix):
    m = f"{prefix}motor"
    configure(m, HLM=5.0, LLM=-5.0)
    put(f"{m}.VAL", 1.0)
    ca_write(f"{m}.VAL", 6.0, notify=True, timeout=5, repeater=False)   # no CA error
    assert fresh(m, "LVIO") == 1
    assert fresh(m, "VAL") == pytest.approx(1.0)      # the request does not stick
    assert fresh(m, "RBV") == pytest.approx(1.0)
    assert fresh(m, "DMOV") == 1
    assert fresh(m, "SEVR") == 0 and fresh(m, "STAT") == 0   # no WRITE alarm either
    put(f"{m}.VAL", 2.0)
    assert fresh(m, "LVIO") == 0
    assert fresh(m, "RBV") == pytest.approx(2.0)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), "banana", 1e300])
def test_bad_puts_leave_state_and_ioc_alive(motor_ioc, prefix, bad):
    m = f"{prefix}motor"
    put(f"{m}.VAL", 1.5)
    before = {f: fresh(m, f) for f in ("VAL", "RBV", "VELO", "HLM", "OFF", "SEVR")}
    fields = ("VAL", "DVAL", "VELO") if bad == 1e300 else ("VAL", "VELO", "HLM", "OFF",
                                                          "TWV", "DVAL")
    for field in fields:
        data_type = ChannelType.STRING if isinstance(bad, str) else ChannelType.DOUBLE
        with pytest.raises(ErrorResponseReceived) as err:
            ca_write(f"{m}.{field}", bad, data_type=data_type, notify=True, timeout=5,
                     repeater=False)
        message = bytes(err.value.args[0].error_message).decode(errors="replace")
        assert any(word in message for word in ("finite", "raw range", "outside",
                                                "Conversion", "not a number")), message
    after = {f: fresh(m, f) for f in ("VAL", "RBV", "VELO", "HLM", "OFF", "SEVR")}
    assert after == before
    assert motor_ioc.alive()
    put(f"{m}.VAL", 2.0)                       # still serving and moving
    assert fresh(m, "RBV") == pytest.approx(2.0)


def test_settings_are_clamped_as_the_record_or_refused_when_unusable(motor_ioc, prefix):
    m = f"{prefix}motor"
    for field, value, expected in (("VELO", 1000.0, 100.0), ("ACCL", 0.0, 0.1),
                                   ("FRAC", 7.0, 1.5), ("VBAS", 0.5, 0.5),
                                   ("VELO", 0.1, 0.5)):
        put(f"{m}.{field}", value, timeout=5)
        assert fresh(m, field) == pytest.approx(expected), field
    for field, value in (("PREC", 99), ("MRES", 0.0), ("MRES", 5e-324), ("VELO", 1e300)):
        before = fresh(m, field)
        with pytest.raises(ErrorResponseReceived):
            ca_write(f"{m}.{field}", value, notify=True, timeout=5, repeater=False)
        assert fresh(m, field) == before, field


def test_stop_decelerates_and_syncs_val(motor_ioc, prefix):
    m = f"{prefix}motor"
    configure(m, VELO=2.0, ACCL=0.2)
    put(f"{m}.VAL", 50.0, wait=False)
    wait_until(lambda: (fresh(m, "RBV") or 0) > 1.0, 5, "motion")
    t0 = time.monotonic()
    put(f"{m}.STOP", 1)
    wait_until(lambda: fresh(m, "DMOV") == 1, 2, "DMOV after STOP")
    assert time.monotonic() - t0 < 1.0
    rbv = fresh(m, "RBV")
    assert rbv < 10.0
    assert fresh(m, "VAL") == pytest.approx(rbv)
    assert fresh(m, "STOP") == 0


def test_spmg_pause_go_and_stop(motor_ioc, prefix):
    m = f"{prefix}motor"
    configure(m, VELO=2.0, ACCL=0.1)
    put(f"{m}.VAL", 6.0, wait=False)
    wait_until(lambda: (fresh(m, "RBV") or 0) > 0.5, 5, "motion")
    put(f"{m}.SPMG", "Pause")
    wait_until(lambda: fresh(m, "DMOV") == 1, 2, "paused")
    paused_at = fresh(m, "RBV")
    assert paused_at < 6.0 and fresh(m, "VAL") == pytest.approx(6.0)
    put(f"{m}.SPMG", "Go")
    wait_until(lambda: fresh(m, "RBV") == pytest.approx(6.0) and fresh(m, "DMOV") == 1,
               10, "resumed move")
    put(f"{m}.SPMG", "Stop")
    put(f"{m}.VAL", 7.0, timeout=5)                    # refused while SPMG=Stop
    assert fresh(m, "VAL") == pytest.approx(6.0)
    put(f"{m}.SPMG", "Go")
    put(f"{m}.VAL", 7.0)
    assert fresh(m, "RBV") == pytest.approx(7.0)


def test_spmg_move_does_one_move_then_pauses(motor_ioc, prefix):
    m = f"{prefix}motor"
    put(f"{m}.SPMG", "Pause")
    put(f"{m}.VAL", 1.0, wait=False)
    time_limit = time.monotonic() + 0.3
    while time.monotonic() < time_limit:
        assert fresh(m, "RBV") == 0.0                  # no motion while paused
    put(f"{m}.SPMG", "Move")
    wait_until(lambda: fresh(m, "RBV") == pytest.approx(1.0), 10, "move")
    wait_until(lambda: epics.caget(f"{m}.SPMG", as_string=True, use_monitor=False) == "Pause",
               5, "SPMG back to Pause")


def test_tweak_forward_and_reverse(motor_ioc, prefix):
    m = f"{prefix}motor"
    configure(m, TWV=0.5)
    put(f"{m}.TWF", 1)
    assert fresh(m, "RBV") == pytest.approx(0.5)
    put(f"{m}.TWF", 1)
    put(f"{m}.TWR", 1)
    assert fresh(m, "RBV") == pytest.approx(0.5)
    assert fresh(m, "VAL") == pytest.approx(0.5)
    assert fresh(m, "TWF") == 0


def test_homing_sets_homed_bit(motor_ioc, prefix):
    m = f"{prefix}motor"
    put(f"{m}.VAL", 3.0)
    assert not fresh(m, "MSTA") & Msta.HOMED
    configure(m, HVEL=5.0)
    put(f"{m}.HOMR", 1)
    assert fresh(m, "DRBV") == pytest.approx(0.0)
    msta = fresh(m, "MSTA")
    assert msta & Msta.HOMED and msta & Msta.DONE
    assert fresh(m, "ATHM") == 1
    assert fresh(m, "HOMR") == 0
    assert fresh(m, "VAL") == pytest.approx(0.0)


def test_jog_stops_at_the_soft_limit_without_a_limit_switch(motor_ioc, prefix):
    m = f"{prefix}motor"
    configure(m, HLM=1.0, LLM=-1.0, JVEL=0.5, JAR=20.0)
    put(f"{m}.JOGF", 1, wait=False)
    wait_until(lambda: fresh(m, "RBV") == pytest.approx(1.0) and fresh(m, "DMOV") == 1, 5,
               "jog to HLM")
    assert fresh(m, "HLS") == 0 and not fresh(m, "MSTA") & Msta.PLUS_LS
    assert fresh(m, "JOGF") == 0
    put(f"{m}.JOGR", 1, wait=False)
    wait_until(lambda: fresh(m, "RBV") < 0.5, 5, "jog reverse")
    put(f"{m}.JOGR", 0)
    wait_until(lambda: fresh(m, "DMOV") == 1, 5, "jog stopped")
    assert fresh(m, "HLS") == 0 and fresh(m, "LLS") == 0
    assert fresh(m, "VAL") == pytest.approx(fresh(m, "RBV"))
    put(f"{m}.VAL", 0.9)                                 # no room left for a jog: LVIO
    put(f"{m}.JOGF", 1)
    assert fresh(m, "LVIO") == 1 and fresh(m, "JOGF") == 0 and fresh(m, "RBV") == \
        pytest.approx(0.9)


def test_offset_direction_and_set_mode_keep_coordinates_consistent(motor_ioc, prefix):
    m = f"{prefix}motor"
    configure(m, DHLM=10.0, DLLM=-10.0)
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


def test_two_axes_move_concurrently(motor_ioc, prefix):
    a, b = f"{prefix}motor", f"{prefix}m2"
    configure(a, VELO=1.0, ACCL=0.1)
    configure(b, VELO=1.0, ACCL=0.1)
    results = {}

    def move(m, x):
        t = time.monotonic()
        put(f"{m}.VAL", x)
        results[m] = time.monotonic() - t
    t0 = time.monotonic()
    threads = [threading.Thread(target=move, args=(a, 2.0)),
               threading.Thread(target=move, args=(b, -2.0))]
    for t in threads:
        t.start()
    wait_until(lambda: fresh(a, "MOVN") == 1 and fresh(b, "MOVN") == 1, 5, "both moving")
    put(f"{b}.STOP", 1)                               # another client's put is not blocked
    for t in threads:
        t.join(30)
    assert time.monotonic() - t0 < 3.5                 # in parallel, not 2 x 2.1 s
    assert fresh(a, "RBV") == pytest.approx(2.0)
    assert -2.0 < fresh(b, "RBV") < 0.0


def test_restart_restores_position_and_settings(motor_ioc, prefix, tmp_path):
    m = f"{prefix}motor"
    configure(m, VELO=3.0, HLM=20.0, OFF=1.0, EGU="deg", DESC="theta")
    put(f"{m}.VAL", 4.0)
    saved = tmp_path / "autosave" / f"{prefix.strip(':')}.motors.json"
    wait_until(lambda: saved.exists() and json.loads(saved.read_text())["motor"]["position"]
               == pytest.approx(3.0), 5, "autosave written")
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
    wait_until(path.exists, 5, "a fresh autosave file")
    assert kept[0].read_text() == '{"motor": {"position": 4'
