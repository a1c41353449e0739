"""Real motor clients against the motor IOC: pyepics, ophyd, our client and CLI."""
import signal
import subprocess
import sys
import time

import epics
import pytest

from iocs.ops.client import LimitError, Motor, MoveRefused, MoveTimeout
from tests.support.harness import caget_fresh, wait_until


def test_pyepics_motor_moves_and_waits(motor_ioc, prefix):
    m = epics.Motor(f"{prefix}motor")
    assert m.move(1.5, wait=True, timeout=20) == 0
    assert caget_fresh(f"{prefix}motor.DMOV") == 1
    assert m.get_position(readback=True) == pytest.approx(1.5)
    assert m.move(500.0, wait=True) == -12                   # outside soft limits
    assert m.move(500.0, wait=True, ignore_limits=True) == -4  # IOC refuses, LVIO seen
    assert caget_fresh(f"{prefix}motor.RBV") == pytest.approx(1.5)


def test_plain_put_callback(motor_ioc, prefix):
    pv = epics.PV(f"{prefix}motor.VAL")
    assert pv.wait_for_connection(5)
    pv.put(2.0, use_complete=True)
    assert not pv.put_complete
    while not pv.put_complete:
        epics.poll(0.01, 0.05)
    assert caget_fresh(f"{prefix}motor.DMOV") == 1
    assert caget_fresh(f"{prefix}motor.RBV") == pytest.approx(2.0)


def test_ophyd_epics_motor(motor_ioc, prefix):
    from ophyd import EpicsMotor
    from ophyd.utils import LimitError as OphydLimitError
    m = EpicsMotor(f"{prefix}motor", name="m")
    m.wait_for_connection(timeout=10)
    assert m.limits == (-100.0, 100.0)
    status = m.set(2.5)
    assert not status.done
    status.wait(timeout=20)
    assert status.success
    assert m.position == pytest.approx(2.5)
    assert caget_fresh(f"{prefix}motor.DMOV") == 1
    with pytest.raises(OphydLimitError):
        m.set(150.0)
    m.set(2.5).wait(timeout=10)                                # a move of zero completes too
    m.velocity.put(5.0, wait=True)
    m.set(-1.0).wait(timeout=20)
    assert m.user_readback.get(use_monitor=False) == pytest.approx(-1.0)
    m.destroy()


def test_bluesky_plans(motor_ioc, prefix):
    bluesky = pytest.importorskip("bluesky")
    from bluesky import RunEngine
    from bluesky import plan_stubs as bps
    from bluesky.plans import scan
    from ophyd import EpicsMotor
    m = EpicsMotor(f"{prefix}motor", name="m")
    m.wait_for_connection(timeout=10)
    m.velocity.put(10.0, wait=True)
    docs = []
    RE = RunEngine({})
    RE(bps.mv(m, 1.0))
    assert caget_fresh(f"{prefix}motor.RBV") == pytest.approx(1.0)
    RE(scan([m.user_readback], m, 0.0, 2.0, 3), lambda name, doc: docs.append((name, doc)))
    events = [doc for name, doc in docs if name == "event"]
    assert [e["data"]["m"] for e in events] == pytest.approx([0.0, 1.0, 2.0])
    m.destroy()
    del bluesky


def test_client_api(motor_ioc, prefix):
    m = Motor(f"{prefix}motor")
    seen = []
    m.move(1.0, wait=True, timeout=20, progress=seen.append)
    assert m.position == pytest.approx(1.0) and not m.moving
    assert len(seen) >= 2
    with pytest.raises(LimitError):
        m.move(1000.0)
    assert m.position == pytest.approx(1.0)
    epics.caput(f"{prefix}motor.VELO", 0.5, wait=True)
    with pytest.raises(MoveTimeout):
        m.move(5.0, wait=True, timeout=0.3)
    m.stop()
    deadline = time.monotonic() + 5
    while m.moving and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not m.moving and m.position < 5.0


def run_cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "iocs.ops.client", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_cli_move_get_watch_and_errors(motor_ioc, prefix):
    m = f"{prefix}motor"
    r = run_cli("move", m, "1.25", "--wait")
    assert r.returncode == 0, r.stderr
    assert "done at" in r.stdout and "1.2500" in r.stdout
    r = run_cli("get", f"{m}.RBV", f"{m}.DMOV")
    assert r.returncode == 0 and f"{m}.RBV 1.25" in r.stdout and f"{m}.DMOV 1" in r.stdout
    r = run_cli("move", m, "1e6", "--wait")
    assert r.returncode == 2 and "soft limits" in r.stderr
    epics.caput(f"{m}.VELO", 0.5, wait=True)
    r = run_cli("--timeout", "0.5", "move", m, "10", "--wait")
    assert r.returncode == 2 and "not done after" in r.stderr
    r = run_cli("stop", m)
    assert r.returncode == 0
    r = run_cli("watch", f"{m}.VELO", "--count", "1")
    assert r.returncode == 0 and f"{m}.VELO" in r.stdout
    r = run_cli("--conn-timeout", "1", "move", f"{prefix}nosuch", "1")
    assert r.returncode == 2 and "no answer" in r.stderr


@pytest.mark.parametrize("field,value", [("SPMG", "Stop"), ("DISA", 1), ("CNEN", "Disable")])
def test_a_refused_move_is_reported_not_done(motor_ioc, prefix, field, value):
    m = f"{prefix}motor"
    epics.caput(f"{m}.{field}", value, wait=True)
    with pytest.raises(MoveRefused, match=field):
        Motor(m).move(1.0, wait=True, timeout=10)
    r = run_cli("move", m, "1", "--wait")
    assert r.returncode == 2 and "refused" in r.stderr and field in r.stderr
    assert "done" not in r.stdout
    assert caget_fresh(f"{m}.RBV") == 0.0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_a_move_stops_the_motor(motor_ioc, prefix, sig):
    m = f"{prefix}motor"
    epics.caput(f"{m}.VELO", 1.0, wait=True)
    proc = subprocess.Popen([sys.executable, "-m", "iocs.ops.client", "move", m, "50",
                             "--wait"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_until(lambda: (caget_fresh(f"{m}.RBV") or 0) > 0.3, 20, "the move to start")
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert caget_fresh(f"{m}.DMOV") == 1 and caget_fresh(f"{m}.MOVN") == 0
    stopped = caget_fresh(f"{m}.RBV")
    assert 0.3 < stopped < 10 and f"stopped at {stopped:.4f}" in out
    assert caget_fresh(f"{m}.VAL") == pytest.approx(stopped)
