"""Operations: procServ consoles, PID files, restarts, logs, access security, command lines."""
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import epics
import pytest

from iocs.ops.processes import alive
from tests.support.harness import PATIENCE, ca_read, ca_write, caget_fresh, caput, wait_until

pytestmark = pytest.mark.procserv

ROOT = Path(__file__).resolve().parents[1]


def test_consoles_are_private(launcher):
    launcher.start(["motor"])
    assert stat.S_IMODE(launcher.run_dir.stat().st_mode) == 0o700
    sock = launcher.path("motor", "sock")
    assert stat.S_ISSOCK(sock.stat().st_mode) and stat.S_IMODE(sock.stat().st_mode) == 0o600


def test_a_stale_pid_file_is_not_trusted(launcher):
    stranger = subprocess.Popen(["sleep", "120"])
    try:
        launcher.run_dir.mkdir(parents=True, exist_ok=True)
        launcher.path("motor", "pid").write_text(f"{stranger.pid}\n")   # a reused PID
        assert launcher.procserv_pid("motor") is None
        assert launcher.start(["motor"]) == ["motor"]                    # not skipped
        assert launcher.stop(["motor"]) == ["motor"]
        assert alive(stranger.pid)                                       # not killed
    finally:
        stranger.kill()
        stranger.wait()


def test_restarts_count_crashes_not_starts_and_logs_are_plain(launcher, prefix):
    launcher.start(["motor"])
    assert launcher.status(["motor"])["motor"]["restarts"] == 0
    launcher.stop(["motor"])
    launcher.start(["motor"])                                   # a clean start again
    assert launcher.status(["motor"])["motor"]["restarts"] == 0
    (old,) = launcher.child_pids("motor")
    os.kill(old, signal.SIGKILL)
    wait_until(lambda: [p for p in launcher.child_pids("motor") if p != old], PATIENCE,
               "respawn")
    wait_until(lambda: caget_fresh(f"{prefix}motor.RTYP", timeout=1), PATIENCE, "motor back")
    assert launcher.status(["motor"])["motor"]["restarts"] == 1
    log = launcher.path("motor", "log").read_text()
    assert "\x1b[" not in log                                          # no colour codes
    stamp = r"\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}"
    for line in log.splitlines():
        assert re.match(stamp, line), line
        assert not re.search(stamp + r".*(\d\d:\d\d:\d\d)", line[24:]), line   # one stamp
    assert "backlog" not in log and "WARNING caproto" not in log


ACF = """
UAG(others) {{someone_else}}
HAG(anywhere) {{{host}}}
ASG(DEFAULT) {{
    RULE(1, READ)
    RULE(1, WRITE) {{
        UAG(others)
    }}
}}
"""


def test_access_security_refuses_writes_but_allows_reads(start_ioc, prefix, tmp_path):
    acf = tmp_path / "pvchart.acf"
    acf.write_text(ACF.format(host=os.uname().nodename))
    start_ioc("motor", "iocs.motor", "--prefix", prefix, "--access-file", str(acf),
              ready_pv=f"{prefix}motor.RTYP")
    m = f"{prefix}motor"
    assert ca_read(f"{m}.RBV", timeout=PATIENCE, repeater=False).data[0] == 0.0
    with pytest.raises(Exception, match=r"(?i)write"):
        ca_write(f"{m}.VAL", 1.0, notify=True, timeout=PATIENCE, repeater=False)
    pv = epics.get_pv(f"{m}.VELO")
    assert pv.wait_for_connection(PATIENCE) and pv.read_access and not pv.write_access
    assert caget_fresh(f"{m}.RBV") == 0.0 and caget_fresh(f"{m}.VELO") == 1.0


def test_an_access_file_that_grants_us_write_still_works(start_ioc, prefix, tmp_path):
    acf = tmp_path / "pvchart.acf"
    user = os.environ.get("USER", "root")
    acf.write_text(f"UAG(us) {{{user}}}\nASG(DEFAULT) {{\n RULE(1, WRITE) {{UAG(us)}}\n}}\n")
    start_ioc("motor", "iocs.motor", "--prefix", prefix, "--access-file", str(acf),
              ready_pv=f"{prefix}motor.RTYP")
    caput(f"{prefix}motor.VAL", 0.5)


def test_the_launcher_refuses_a_bad_ioc_option_before_starting(tmp_path):
    r = subprocess.run([sys.executable, "-m", "iocs.ops.launcher_cli", "start", "chart",
                        "--local", "--run-dir", str(tmp_path / "run"), "--rate", "0"],
                       capture_output=True, text=True, timeout=PATIENCE)
    assert r.returncode == 2 and "--rate" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "run" / "chart.pid").exists()


def test_make_clean_refuses_while_iocs_run(launcher, tmp_path):
    work = tmp_path / "checkout"
    (work / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(ROOT / "Makefile", work)
    launcher.start(["motor"])
    (work / "run").symlink_to(launcher.run_dir)
    (work / ".venv" / "bin" / "pvchart-iocs").write_text(
        f"#!/bin/sh\nexec {sys.executable} -m iocs.ops.launcher_cli \"$@\"\n")
    (work / ".venv" / "bin" / "pvchart-iocs").chmod(0o755)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run(["make", "-s", "clean"], cwd=work, capture_output=True, text=True,
                       env=env, timeout=PATIENCE)
    assert r.returncode != 0 and "stop" in r.stdout + r.stderr
    assert (work / ".venv").exists() and launcher.child_pids("motor")
    launcher.stop()
    r = subprocess.run(["make", "-s", "clean"], cwd=work, capture_output=True, text=True,
                       env=env, timeout=PATIENCE)
    assert r.returncode == 0 and not (work / ".venv").exists()
