"""A user's commands from a shell (issue 10): ``pvchart-demo`` leaves IOCs it did not start
running and stops those it started; ``pvchart-iocs`` brings a stopped IOC back as it was; with
``$DISPLAY`` (Xvfb, Qt's xcb platform plugin) ``pvchart-display`` opens its window."""
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.harness import PATIENCE, wait_until
from tests.support.shell import ROOT, local_ports, plain_env, run

pytestmark = pytest.mark.procserv


def status_of(run_dir, env):
    r = subprocess.run([sys.executable, "-m", "iocs.ops.launcher_cli", "status", "--run-dir",
                        str(run_dir)], env=env, capture_output=True, text=True, timeout=PATIENCE)
    return r.returncode, r.stdout


def caput_from_shell(run_dir, env, pv, value):
    """A put by a client of the local-mode IOCs in ``run_dir`` (their ports, not ours)."""
    from iocs.ops.launcher import Launcher
    client = Launcher.from_run_dir(run_dir).client_env(env)
    run([sys.executable, "-c", f"import epics, sys; sys.exit(epics.caput({pv!r}, {value!r}, "
         f"wait=True, timeout={PATIENCE}) != 1)"], run_dir, client)


def test_demo_leaves_running_iocs_alone_and_stops_what_it_started(tmp_path):
    env = plain_env(PYTHONPATH=str(ROOT))
    run_dir = tmp_path / "run"
    cli = [sys.executable, "-m", "iocs.ops.launcher_cli"]
    run([*cli, "start", "--local", "--run-dir", str(run_dir), "--prefix", "DEMOT:",
         *local_ports()], tmp_path, env)
    try:
        # the demo's moves at 20 mm/s, not 1: autosaved, so its own IOCs move as fast later
        caput_from_shell(run_dir, env, "DEMOT:motor.VELO", 20.0)
        pids = sorted(Path(run_dir / f"{n}.pid").read_text() for n in ("motor", "chart"))
        r = run([sys.executable, "-m", "iocs.ops.demo", "--run-dir", str(run_dir),
                 "--screenshot", str(tmp_path / "demo1.png")], tmp_path, env)
        stopped = [line for line in r.stdout.splitlines() if line.startswith("stopped:")]
        assert stopped in ([], ["stopped: web"])           # its own web server at most
        assert sorted(Path(run_dir / f"{n}.pid").read_text() for n in ("motor", "chart")) \
            == pids                                         # the same IOCs, still running
        assert status_of(run_dir, env)[0] == 0
    finally:
        run([*cli, "stop", "--run-dir", str(run_dir)], tmp_path, env)
    assert status_of(run_dir, env)[0] == 4                  # none running
    r = run([sys.executable, "-m", "iocs.ops.demo", "--run-dir", str(run_dir),
             "--screenshot", str(tmp_path / "demo2.png")], tmp_path, env)
    assert "stopped: " in r.stdout and (tmp_path / "demo2.png").stat().st_size > 10_000
    assert status_of(run_dir, env)[0] == 4                  # what it started, it stopped


def test_a_stopped_ioc_comes_back_with_the_settings_of_those_still_running(tmp_path):
    from iocs.ops.launcher import Launcher
    env = plain_env(PYTHONPATH=str(ROOT))
    run_dir = tmp_path / "run"
    cli = [sys.executable, "-m", "iocs.ops.launcher_cli"]
    run([*cli, "start", "motor", "chart", "--local", "--run-dir", str(run_dir), "--prefix",
         "BACKT:", *local_ports()], tmp_path, env)
    try:
        def installation():
            saved = json.loads((run_dir / "launcher.json").read_text())
            return {k: v for k, v in saved.items() if k != "log_offsets"}
        before = installation()
        run([*cli, "stop", "chart", "--run-dir", str(run_dir)], tmp_path, env)
        run([*cli, "start", "chart", "--run-dir", str(run_dir)], tmp_path, env)
        (pid,) = Launcher.from_run_dir(run_dir).child_pids("chart")
        argv = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
        assert argv[argv.index("--prefix") + 1] == "BACKT:"      # not the default prefix
        assert installation() == before                          # same mode and ports
        r = subprocess.run([*cli, "start", "chart", "--prefix", "OTHER:", "--run-dir",
                            str(run_dir)], env=env, capture_output=True, text=True,
                           timeout=PATIENCE)
        assert r.returncode == 2 and "prefix BACKT:" in r.stderr, r.stderr
    finally:
        run([*cli, "stop", "--run-dir", str(run_dir)], tmp_path, env)


@pytest.fixture
def xvfb(tmp_path):
    """A private X server (Xvfb) for this test; its display name."""
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        pytest.skip("Xvfb and xdotool are needed (make deps installs them)")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    proc.terminate()
    proc.wait(10)


def children(pid):
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except OSError:
        return []


def test_a_real_screen_shows_the_display_window(xvfb, tmp_path):
    env = plain_env(PYTHONPATH=str(ROOT), DISPLAY=xvfb)
    del env["QT_QPA_PLATFORM"]                              # Qt's default: xcb
    run_dir = tmp_path / "run"
    cli = [sys.executable, "-m", "iocs.ops.launcher_cli"]
    run([*cli, "start", "--local", "--run-dir", str(run_dir), "--prefix", "XCB:",
         *local_ports()], tmp_path, env)
    display = None
    try:
        display = subprocess.Popen([sys.executable, "-m", "iocs.ops.display", "--run-dir",
                                    str(run_dir), "--prefix", "XCB:"], cwd=tmp_path, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True)

        def window():
            assert display.poll() is None, display.stdout.read()[-3000:]
            r = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "pvchart"],
                               env=env, capture_output=True, text=True)
            return r.stdout.split()
        (wid,) = wait_until(window, PATIENCE, "the display window on the X server",
                            interval=0.2)
        geometry = subprocess.run(["xdotool", "getwindowgeometry", wid], env=env,
                                  capture_output=True, text=True).stdout
        width, height = (int(v) for v in geometry.split("Geometry:")[1].split()[0].split("x"))
        assert width >= 600 and height >= 400
    finally:
        if display is not None:                 # the display we started, and its PyDM
            for pid in [*children(display.pid), display.pid]:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                display.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(display.pid, signal.SIGKILL)
                display.wait(5)
        run([*cli, "stop", "--run-dir", str(run_dir)], tmp_path, env)
