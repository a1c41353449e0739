"""NSLS-II style record names (braces) on the motor IOC, driven by ophyd and pyepics."""
import epics
import pytest

from iocs.motor.ioc import main as motor_main
from tests.support.harness import PATIENCE, caget_fresh, wait_until

pytestmark = pytest.mark.ioc

#: The prefix and axis of ophyd's own EpicsMotor tests.
OPHYD_PREFIX = "XF:31IDA-OP{Tbl-Ax:X1}"


def test_ophyd_epics_motor_with_braces_in_the_prefix(start_ioc):
    from ophyd import EpicsMotor
    start_ioc("motor", "iocs.motor", "--prefix", OPHYD_PREFIX, "--axes", "Mtr",
              ready_pv=f"{OPHYD_PREFIX}Mtr.RTYP")
    assert caget_fresh(f"{OPHYD_PREFIX}Mtr.RTYP") == "motor"
    assert caget_fresh(f"{OPHYD_PREFIX}motors:autosave") is not None
    m = EpicsMotor(f"{OPHYD_PREFIX}Mtr", name="m")
    try:
        m.wait_for_connection(timeout=10)
        assert m.limits == (-100.0, 100.0)
        m.velocity.put(10.0, wait=True)
        status = m.set(1.5)
        status.wait(timeout=30)
        assert status.success
        assert m.position == pytest.approx(1.5)
        assert caget_fresh(f"{OPHYD_PREFIX}Mtr.DMOV") == 1
        assert caget_fresh(f"{OPHYD_PREFIX}Mtr.RBV") == pytest.approx(1.5)
        m.high_limit_travel.put(50.0, wait=True)
        m.low_limit_travel.put(-20.0, wait=True)
        assert caget_fresh(f"{OPHYD_PREFIX}Mtr.HLM") == pytest.approx(50.0)
        assert caget_fresh(f"{OPHYD_PREFIX}Mtr.LLM") == pytest.approx(-20.0)
        wait_until(lambda: m.limits == (-20.0, 50.0), PATIENCE, "ophyd to see the new limits")
        m.set(-2.0).wait(timeout=30)
        assert m.user_readback.get(use_monitor=False) == pytest.approx(-2.0)
    finally:
        m.destroy()


def test_pyepics_motor_with_braces_in_the_axis_names(start_ioc):
    prefix = "XF:31IDA-OP"
    axes = ("{Tbl-Ax:X2}Mtr", "{Tbl-Ax:X3}Mtr")
    start_ioc("motor", "iocs.motor", "--prefix", prefix, "--axes", ",".join(axes),
              ready_pv=f"{prefix}{axes[0]}.RTYP")
    first, second = (epics.Motor(prefix + axis, timeout=10) for axis in axes)
    first.put("VELO", 10.0, wait=True)
    assert first.move(2.0, wait=True, timeout=30) == 0
    assert first.get_position(readback=True) == pytest.approx(2.0)
    assert caget_fresh(f"{prefix}{axes[0]}.DMOV") == 1
    assert first.move(500.0, wait=True) == -12             # outside the soft limits
    assert second.get_position(readback=True) == pytest.approx(0.0)   # the other axis stays
    assert (second.low_limit, second.high_limit) == (-100.0, 100.0)


@pytest.mark.parametrize("axes", ["a.b", "a$b", "a b", 'a"b', "a'b", "x" * 41, "m\tn"])
def test_axis_names_epics_refuses_are_usage_errors(axes):
    with pytest.raises(SystemExit) as ex:
        motor_main(["--axes", axes])
    assert ex.value.code == 2
