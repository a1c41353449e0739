"""Regression tests for the reliability audit (issue 13): hostile puts, bad command lines,
corrupt or unwritable autosave files, refusals that must be fast and clear."""
import json
import subprocess
import sys

import epics
import pytest
from caproto import ChannelType
from caproto.sync.client import ErrorResponseReceived

from tests.support.harness import PATIENCE, ca_write, caget_fresh, wait_until

pytestmark = pytest.mark.ioc


def refused(pv, value, dtype=ChannelType.DOUBLE):
    with pytest.raises(ErrorResponseReceived) as err:
        ca_write(pv, value, data_type=dtype, notify=True, timeout=PATIENCE, repeater=False)
    return bytes(err.value.args[0].error_message).decode(errors="replace")


def test_overflowing_settings_never_strand_an_axis(motor, motor_pool):
    m = motor
    for value in (1e-320, 5e-324):                    # accepted (as the record), harmless
        epics.caput(f"{m}.ACCL", value, wait=True)
        assert epics.caput(f"{m}.VAL", 1.0 if value == 1e-320 else 0.0, wait=True,
                           timeout=PATIENCE) == 1
        assert caget_fresh(f"{m}.DMOV") == 1
    assert caget_fresh(f"{m}.RBV") == 0.0
    epics.caput(f"{m}.VMAX", 0.0, wait=True)
    for field in ("VELO", "HVEL"):
        assert "outside" in refused(f"{m}.{field}", 1e308)
    for value in (5e-324, 1e-320, 0.0):
        before = caget_fresh(f"{m}.MRES")
        assert "MRES" in refused(f"{m}.MRES", value)
        assert caget_fresh(f"{m}.MRES") == before
    epics.caput(f"{m}.STOP", 1, wait=True)
    axis = m[len(motor_pool.prefix):]
    saved = motor_pool.autosave_file
    wait_until(lambda: saved.exists() and axis in json.loads(saved.read_text()), PATIENCE,
               "autosave")
    assert json.loads(saved.read_text())[axis]["MRES"] == before       # not poisoned
    epics.caput(f"{m}.ACCL", 0.2, wait=True)
    assert epics.caput(f"{m}.VAL", 2.0, wait=True, timeout=PATIENCE) == 1   # still moves
    assert caget_fresh(f"{m}.RBV") == pytest.approx(2.0)


def test_a_refused_put_changes_no_state(motor):
    m = motor
    epics.caput(f"{m}.DHLM", 0.0, wait=True)
    epics.caput(f"{m}.DLLM", 0.0, wait=True)                       # limits off
    for field in ("VAL", "DVAL"):
        assert "raw range" in refused(f"{m}.{field}", 1e305)
        assert caget_fresh(f"{m}.VAL") == 0.0 and caget_fresh(f"{m}.DVAL") == 0.0


ACTIONS = ("JOGF", "JOGR", "TWF", "TWR", "HOMF", "HOMR", "STOP", "DISA", "SYNC", "SSET")
MENUS = (("SPMG", 7), ("DIR", 5), ("SET", 9), ("FOFF", 3), ("CNEN", 4), ("RMOD", 4),
         ("HLSV", -1))


def test_actions_take_exactly_0_or_1(motor):
    m = motor
    for field in ACTIONS:
        for value in (float("nan"), float("inf"), 0.5, 2.0, -1.0):
            message = refused(f"{m}.{field}", value)
            assert any(w in message for w in ("not a number", "whole number", "outside")), \
                (field, value, message)
        assert caget_fresh(f"{m}.{field}") == 0, field
    assert caget_fresh(f"{m}.DMOV") == 1 and caget_fresh(f"{m}.RBV") == 0.0


def test_menu_indices_out_of_range_are_refused(motor):
    m = motor
    for field, index in MENUS:
        before = caget_fresh(f"{m}.{field}", as_string=True)
        for dtype in (ChannelType.LONG, ChannelType.DOUBLE):
            refused(f"{m}.{field}", index, dtype)
        assert caget_fresh(f"{m}.{field}", as_string=True) == before, field


def test_chart_menus_and_named_positions_refuse_garbage(chart):
    c = chart.chart
    rbv = caget_fresh(f"{chart.motor}.RBV")
    refused(c + "ColorMode", 5, ChannelType.LONG)
    assert caget_fresh(c + "ColorMode", as_string=True) == "RGB1"
    uid = caget_fresh(c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid, PATIENCE, "frames go on")
    for value in (float("nan"), 7.0):
        refused(f"{chart.server}.choices", value)
    refused(f"{chart.server}.jog", float("nan"))
    assert caget_fresh(f"{chart.motor}.RBV") == rbv and caget_fresh(f"{chart.motor}.DMOV") == 1


def test_named_positions_report_a_refusing_motor_with_its_reason(chart):
    """A refusing motor is reported at once, with its reason, not after a move timeout."""
    s = chart.server
    wait_until(lambda: caget_fresh(f"{s}.motor_connected") == 1, PATIENCE, "the motor")
    epics.caput(f"{chart.motor}.SPMG", "Stop", wait=True)
    for pv, value in ((f"{s}.choices", "Insert"), (f"{s}.jog", 1)):
        message = refused(pv, value, ChannelType.STRING if isinstance(value, str) else
                          ChannelType.LONG)
        assert "SPMG" in message, message
    assert caget_fresh(f"{s}.jog") == 0
    assert caget_fresh(f"{chart.motor}.RBV") == 0.0


def test_a_bad_command_line_is_a_usage_error_as_a_process():
    """As a process (tests/test_cli.py checks every bad value in process)."""
    r = subprocess.run([sys.executable, "-m", "iocs.chart", "--tolerance", "0"],
                       capture_output=True, text=True, timeout=PATIENCE)
    assert r.returncode == 2 and "usage:" in r.stderr and "Traceback" not in r.stderr


def run_motor(start_ioc, prefix, folder):
    return start_ioc("motor", "iocs.motor", "--prefix", prefix, "--autosave-dir",
                     str(folder), ready_pv=f"{prefix}motor.RTYP")


@pytest.mark.parametrize("content,kept", [
    (b'\xff\xfe{"motor": 1}', True),
    (json.dumps({"motor": {"position": 1e308, "VELO": 2.0, "homed": "false"}}).encode(),
     False),
    (json.dumps({"motor": {"position": 3.0, "MRES": 5e-324, "DIR": 9}}).encode(), False),
])
def test_corrupt_autosave_starts_a_usable_ioc(start_ioc, prefix, tmp_path, content, kept):
    folder = tmp_path / "as"
    folder.mkdir()
    (folder / f"{prefix.strip(':')}.motors.json").write_bytes(content)
    ioc = run_motor(start_ioc, prefix, folder)
    m = f"{prefix}motor"
    assert bool(list(folder.glob("*.corrupt-*"))) == kept
    assert caget_fresh(f"{m}.MSTA") & 0x4000 == 0                     # "false" is not homed
    assert caget_fresh(f"{m}.MRES") == 0.0001 and caget_fresh(f"{m}.DIR") == 0
    assert epics.caput(f"{m}.VAL", 0.5, wait=True, timeout=PATIENCE) == 1
    assert "ignoring" in ioc.log() or kept


def test_a_full_disk_is_reported_and_leaves_no_temporary_file(start_ioc, prefix, tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {mounted.stderr.decode().strip()}")
    try:
        subprocess.run(["dd", "if=/dev/zero", f"of={folder / 'filler'}", "bs=1k", "count=64"],
                       capture_output=True)
        run_motor(start_ioc, prefix, folder)
        epics.caput(f"{prefix}motor.VELO", 2.0, wait=True)
        wait_until(lambda: "failed" in caget_fresh(f"{prefix}motors:autosave"), PATIENCE,
                   "the failure in the status PV")
        assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
        (folder / "filler").unlink()
        epics.caput(f"{prefix}motor.VELO", 3.0, wait=True)
        wait_until(lambda: "saved" in caget_fresh(f"{prefix}motors:autosave"), PATIENCE,
                   "saved")
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
