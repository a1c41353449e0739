"""A control room's charts: several chart IOCs under procServ beside each other, each from its
own chart file, each listed by ``pvchart-iocs status`` and stoppable alone; the launcher's
command line takes process names anywhere and negative option values."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iocs.common.caenv import free_port
from iocs.ops.launcher import Launcher
from tests.support.harness import PATIENCE, wait_until

pytestmark = pytest.mark.procserv

STP = """StripConfig                   1.2
Strip.Time.Timespan           1800
Strip.Time.RefreshInterval    0.5
Strip.Color.Color1            65535     0         0
Strip.Curve.0.Name            {prefix}motor.RBV
Strip.Curve.0.Comment         the motor
Strip.Curve.0.Min             -5
Strip.Curve.0.Max             5
Strip.Curve.0.Scale           0
Strip.Curve.1.Name            {prefix}NO:SUCH:PV
"""


def pvchart_iocs(*args, run_dir, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EPICS_")}
    r = subprocess.run([sys.executable, "-m", "iocs.ops.launcher_cli", *args, "--run-dir",
                        str(run_dir)], capture_output=True, text=True, env=env, timeout=180)
    if check:
        assert r.returncode == 0, f"{args}: {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def local_ports():
    return ["--motor-port", str(free_port()), "--chart-port", str(free_port()),
            "--repeater-port", str(free_port()), "--pva-port", str(free_port()),
            "--pva-search-port", str(free_port())]


@pytest.fixture
def run_dir(tmp_path):
    run = tmp_path / "run"
    yield run
    if (run / "launcher.json").exists():
        Launcher.from_run_dir(run).stop()


def test_charts_side_by_side_each_from_its_file_each_stoppable_alone(run_dir, prefix,
                                                                      tmp_path):
    stp = tmp_path / "vacuum.stp"
    stp.write_text(STP.format(prefix=prefix))
    # names after the options, and an option value starting with a minus sign
    pvchart_iocs("start", "--local", "--prefix", prefix, *local_ports(), "--hard-limits",
                 "-50,50", "repeater", "motor", "chart", run_dir=run_dir)
    pvchart_iocs("start", "chart@vacuum", "--chart", str(stp), run_dir=run_dir)
    launcher = Launcher.from_run_dir(run_dir)
    assert launcher.child_pids("chart@vacuum") and launcher.child_pids("chart")

    def listed():
        out = pvchart_iocs("status", run_dir=run_dir).stdout
        return "chart@vacuum" in out and "1 of 2 sources connected" in out and \
            "2 of 2 sources connected" in out and out
    out = wait_until(listed, PATIENCE, "both charts with their sources in the status")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "1 of 2 sources connected" in lines["chart@vacuum"]
    assert "2 of 2 sources connected" in lines["chart"]
    # each its own log, console and autosave
    for stem in ("chart", "chart-vacuum"):
        assert (run_dir / f"{stem}.log").exists() and (run_dir / f"{stem}.sock").exists()
    autosaves = sorted(p.name for p in launcher.autosave_dir.iterdir())
    assert any(".chart-vacuum." in name for name in autosaves), autosaves
    assert any(name.endswith(".chart.json") for name in autosaves), autosaves
    # the chart file's settings: its window, the source's label and range
    vacuum = json.loads(next(launcher.autosave_dir.glob("*chart-vacuum.json")).read_text())
    assert vacuum["chart"]["window"] == 1800.0
    assert vacuum["traces"]["T1"]["label"] == "the motor"
    assert vacuum["traces"]["T1"]["autoscale"] == "Off"
    # the motor took its hard limits from a negative value after the option
    assert "--hard-limits=-50,50" in " ".join(
        Path(f"/proc/{launcher.child_pids('motor')[0]}/cmdline").read_text().split("\0"))
    # stopping one chart leaves the other serving
    r = pvchart_iocs("stop", "chart@vacuum", run_dir=run_dir)
    assert "chart@vacuum" in r.stdout and not launcher.child_pids("chart@vacuum")
    assert launcher.child_pids("chart")
    out = pvchart_iocs("status", "chart", run_dir=run_dir).stdout
    assert "running" in out and "2 of 2 sources connected" in out
    # starting it again brings back the same chart, settings and all
    pvchart_iocs("start", "chart@vacuum", run_dir=run_dir)
    assert launcher.child_pids("chart@vacuum")


def test_a_chart_named_twice_is_refused_with_a_clear_message(run_dir):
    r = pvchart_iocs("start", "--local", "chart@rf", "chart@rf", run_dir=run_dir,
                     check=False)
    assert r.returncode == 2 and "named twice" in r.stderr and "Traceback" not in r.stderr
    r = pvchart_iocs("start", "--local", "chart@no good", run_dir=run_dir, check=False)
    assert r.returncode == 2 and "chart name" in r.stderr
    assert not run_dir.exists() or not list(run_dir.glob("*.pid"))


def test_an_unreadable_chart_file_is_a_usage_error_not_a_restart_loop(run_dir, tmp_path):
    bad = tmp_path / "broken.plt"
    bad.write_text("<databrowser>\n<pvlist>\n<pv><name>A</name>\n</databrowser>\n")
    r = pvchart_iocs("start", "--local", "chart@broken", "--chart", str(bad),
                     run_dir=run_dir, check=False)
    assert r.returncode == 2 and "broken.plt:" in r.stderr and "Traceback" not in r.stderr
    assert not (run_dir / "chart-broken.pid").exists()
