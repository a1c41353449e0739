"""Any legal EPICS name as a prefix (braces included) for the chart IOC and the launcher;
option values with a minus sign; a setting change shows at once, however slow the chart."""
import os
import subprocess
import sys

import epics
import pytest

from iocs.common.caenv import free_port
from iocs.ops.launcher import Launcher
from tests.support.harness import PATIENCE, caget_fresh, wait_until

pytestmark = pytest.mark.ioc

NSLS2 = "XF:31IDA-OP{{Tbl-Ax:X1}}{}"        # an NSLS-II style name, made unique per test


def test_a_chart_serves_and_draws_under_a_prefix_with_braces(start_ioc, prefix):
    braced = NSLS2.format(prefix)
    start_ioc("motor", "iocs.motor", "--prefix", braced, "--axes", "Mtr",
              "--hard-limits", "-50,50", ready_pv=f"{braced}Mtr.RTYP")
    c = f"{braced}chart:"
    start_ioc("chart", "iocs.chart", "--prefix", braced, "--sources",
              f"{braced}Mtr.RBV,{braced}Mtr.VAL", "--motor", f"{braced}Mtr",
              ready_pv=c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "status") == "2 of 2 sources connected", PATIENCE, "sources")
    assert caget_fresh(c + "T3:label") == ""                    # SubGroups under braces too
    assert epics.caput(f"{braced}SERVER.choices", "Insert", wait=True, timeout=60) == 1
    assert caget_fresh(f"{braced}Mtr.RBV") == pytest.approx(10.0)
    assert caget_fresh(f"{braced}Mtr.HLS") == 0             # the switches at -50 and 50


def test_the_launcher_runs_iocs_under_a_prefix_with_braces(tmp_path, prefix):
    braced = NSLS2.format(prefix)
    run = tmp_path / "run"
    ports = ["--motor-port", str(free_port()), "--chart-port", str(free_port()),
             "--repeater-port", str(free_port()), "--pva-port", str(free_port()),
             "--pva-search-port", str(free_port())]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EPICS_")}
    try:
        r = subprocess.run([sys.executable, "-m", "iocs.ops.launcher_cli", "start", "--local",
                            "--prefix", braced, *ports, "--run-dir", str(run)],
                           capture_output=True, text=True, env=env, timeout=180)
        assert r.returncode == 0, r.stderr
        r = subprocess.run([sys.executable, "-m", "iocs.ops.launcher_cli", "status",
                            "--run-dir", str(run)], capture_output=True, text=True, env=env,
                           timeout=60)
        assert "2 of 2 sources connected" in r.stdout, r.stdout
    finally:
        if (run / "launcher.json").exists():
            Launcher.from_run_dir(run).stop()


def test_a_setting_change_shows_before_a_slow_charts_next_frame(chart_ioc, prefix):
    c = f"{prefix}chart:"
    assert epics.caput(c + "rate", 0.1, wait=True) == 1       # a frame every 10 s at most
    uid = caget_fresh(c + "UniqueId_RBV")
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid, PATIENCE, "a frame at 0.1 Hz")
    assert epics.caput(c + "width", 320, wait=True) == 1
    # the next frame by the rate would be up to 10 s away; the change shows long before
    wait_until(lambda: caget_fresh(c + "ArraySize1_RBV") == 320, PATIENCE, "the new width")
    assert epics.caput(c + "rate", 10.0, wait=True) == 1       # the rate itself, at once
    uid = caget_fresh(c + "UniqueId_RBV")
    assert epics.caput(f"{prefix}motor.VAL", 1.0, wait=True, timeout=30) == 1
    wait_until(lambda: caget_fresh(c + "UniqueId_RBV") > uid + 3, PATIENCE, "frames at 10 Hz")
