"""Real motor clients against the motor IOC: pyepics, ophyd, our client and CLI, each on an
axis of the shared motor IOC."""
import signal
import subprocess
import sys

import epics
import pytest

from iocs.ops.client import LimitError, Motor, MoveRefused, MoveTimeout
from tests.support.harness import PATIENCE, wait_until
from tests.support.motor import MonitorLog, configure, fresh

pytestmark = pytest.mark.ioc


def test_pyepics_motor_moves_and_waits(motor):
    configure(motor, VELO=10.0)
    m = epics.Motor(motor, timeout=PATIENCE)
    assert m.move(1.5, wait=True, timeout=PATIENCE) == 0
    assert fresh(motor, "DMOV") == 1
    assert m.get_position(readback=True) == pytest.approx(1.5)
    assert m.move(500.0, wait=True) == -12                   # outside soft limits
    assert m.move(500.0, wait=True, ignore_limits=True) == -4  # IOC refuses, LVIO seen
    assert fresh(motor, "RBV") == pytest.approx(1.5)


def test_plain_put_callback(motor):
    pv = epics.PV(f"{motor}.VAL")
    assert pv.wait_for_connection(PATIENCE)
    with MonitorLog(motor, "DMOV") as log:
        pv.put(0.5, use_complete=True)
        wait_until(lambda: pv.put_complete, PATIENCE, "the put to complete")
        assert fresh(motor, "DMOV") == 1           # done when the put completed...
        assert 0 in log.values("DMOV")             # ...after the move began
    assert fresh(motor, "RBV") == pytest.approx(0.5)


def test_ophyd_epics_motor(motor):
    from ophyd import EpicsMotor
    from ophyd.utils import LimitError as OphydLimitError
    m = EpicsMotor(motor, name="m")
    m.wait_for_connection(timeout=PATIENCE)
    assert m.limits == (-100.0, 100.0)
    m.velocity.put(5.0, wait=True)
    finished = []
    with MonitorLog(motor, "DMOV") as log:
        status = m.set(2.5)
        status.add_callback(lambda st: finished.append(log.values("DMOV")))
        status.wait(timeout=PATIENCE)
    assert status.success and 0 in finished[0]      # not done before the move began
    assert m.position == pytest.approx(2.5)
    assert fresh(motor, "DMOV") == 1
    with pytest.raises(OphydLimitError):
        m.set(150.0)
    m.set(2.5).wait(timeout=PATIENCE)                      # a move of zero completes too
    m.set(-1.0).wait(timeout=PATIENCE)
    assert m.user_readback.get(use_monitor=False) == pytest.approx(-1.0)
    m.destroy()


def test_bluesky_plans(motor):
    from bluesky import RunEngine
    from bluesky import plan_stubs as bps
    from bluesky.plans import scan
    from ophyd import EpicsMotor
    m = EpicsMotor(motor, name="m")
    m.wait_for_connection(timeout=PATIENCE)
    m.velocity.put(10.0, wait=True)
    docs = []
    RE = RunEngine({})
    RE(bps.mv(m, 1.0))
    assert fresh(motor, "RBV") == pytest.approx(1.0)
    RE(scan([m.user_readback], m, 0.0, 2.0, 3), lambda name, doc: docs.append((name, doc)))
    events = [doc for name, doc in docs if name == "event"]
    assert [e["data"]["m"] for e in events] == pytest.approx([0.0, 1.0, 2.0])
    m.destroy()


def test_client_api(motor):
    m = Motor(motor)
    seen = []
    m.move(1.0, wait=True, timeout=PATIENCE, progress=seen.append)
    assert m.position == pytest.approx(1.0) and not m.moving
    assert len(seen) >= 2 and seen[-1] == pytest.approx(1.0)
    with pytest.raises(LimitError):
        m.move(1000.0)
    assert m.position == pytest.approx(1.0)
    epics.caput(f"{motor}.VELO", 0.5, wait=True)
    with pytest.raises(MoveTimeout):
        m.move(50.0, wait=True, timeout=0.3)        # a 100 s move: its timeout comes first
    m.stop()
    wait_until(lambda: not m.moving, PATIENCE, "the motor to stop")
    assert m.position < 50.0


def run_cli(*args, timeout=PATIENCE):
    return subprocess.run([sys.executable, "-m", "iocs.ops.client", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_cli_move_get_watch_and_errors(motor):
    m = motor
    configure(m, VELO=10.0)
    r = run_cli("move", m, "1.25", "--wait")
    assert r.returncode == 0, r.stderr
    assert "done at" in r.stdout and "1.2500" in r.stdout
    r = run_cli("get", f"{m}.RBV", f"{m}.DMOV")
    assert r.returncode == 0 and f"{m}.RBV 1.25" in r.stdout and f"{m}.DMOV 1" in r.stdout
    r = run_cli("move", m, "1e6", "--wait")
    assert r.returncode == 2 and "soft limits" in r.stderr
    epics.caput(f"{m}.VELO", 0.5, wait=True)
    r = run_cli("--timeout", "0.5", "move", m, "50", "--wait")     # a 100 s move
    assert r.returncode == 2 and "not done after" in r.stderr
    r = run_cli("stop", m)
    assert r.returncode == 0
    wait_until(lambda: fresh(m, "DMOV") == 1, PATIENCE, "the motor to stop")
    r = run_cli("watch", f"{m}.VELO", "--count", "1")
    assert r.returncode == 0 and f"{m}.VELO" in r.stdout
    r = run_cli("--conn-timeout", "1", "move", f"{m}nosuch", "1")
    assert r.returncode == 2 and "no answer" in r.stderr


@pytest.mark.parametrize("field,value", [("SPMG", "Stop"), ("DISA", 1), ("CNEN", "Disable")])
def test_a_refused_move_is_reported_not_done(motor, field, value):
    epics.caput(f"{motor}.{field}", value, wait=True)
    with pytest.raises(MoveRefused, match=field):
        Motor(motor).move(1.0, wait=True, timeout=PATIENCE)
    r = run_cli("move", motor, "1", "--wait")
    assert r.returncode == 2 and "refused" in r.stderr and field in r.stderr
    assert "done" not in r.stdout
    assert fresh(motor, "RBV") == 0.0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_a_move_stops_the_motor(motor, sig):
    m = motor
    epics.caput(f"{m}.VELO", 1.0, wait=True)
    proc = subprocess.Popen([sys.executable, "-m", "iocs.ops.client", "move", m, "50",
                             "--wait"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_until(lambda: (fresh(m, "RBV") or 0) > 0.3, PATIENCE, "the move to start")
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=PATIENCE)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert fresh(m, "DMOV") == 1 and fresh(m, "MOVN") == 0
    stopped = fresh(m, "RBV")
    assert 0.3 < stopped < 50 and f"stopped at {stopped:.4f}" in out
    assert fresh(m, "VAL") == pytest.approx(stopped)
