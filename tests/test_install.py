"""A user's install and screen (issue 10): pip install, the demo, a real X display.

* ``pip install <clone>`` (not editable) into a fresh venv, then the commands from an unrelated
  directory: ``pvchart-iocs start --local``, ``pvchart-display --screenshot``, the installed
  ``chart.ui``, ``from pydm_widgets import PVImage`` and the Designer entry points.
* ``pvchart-demo`` leaves IOCs it did not start running and stops those it started.
* With ``$DISPLAY`` (Xvfb, Qt's xcb platform plugin) ``pvchart-display`` opens its window.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from iocs.common.caenv import free_port
from tests.support.harness import wait_until

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("iocs", "pydm_widgets", "displays", "deploy", "setup.cfg", "pyproject.toml",
           "README.md")


def plain_env(**extra):
    """A shell's environment: no EPICS settings, no screen, nothing of this test session."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EPICS_", "PYTHON")) and k != "DISPLAY"}
    env.update(QT_QPA_PLATFORM="offscreen", **extra)
    return env


def local_ports():
    return ["--motor-port", str(free_port()), "--chart-port", str(free_port()),
            "--repeater-port", str(free_port()), "--pva-port", str(free_port()),
            "--pva-search-port", str(free_port())]


def run(args, cwd, env, timeout=180):
    r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(map(str, args))}: {r.returncode}\n{r.stdout[-3000:]}" \
                              f"\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh venv with ``pip install <clone>`` done; its dependencies come from ours."""
    root = tmp_path_factory.mktemp("pip")
    src = root / "clone"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, src / name)
    env = plain_env()
    run([sys.executable, "-m", "venv", str(root / "venv")], root, env)
    py = root / "venv" / "bin" / "python"
    site = run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
               root, env).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]      # numpy, PyQt5, pydm...: installed already
    (Path(site) / "pvchart-test-deps.pth").write_text(deps + "\n")
    run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(src)], root, env, 600)
    return root / "venv" / "bin"


def test_pip_install_then_the_commands_work_from_anywhere(venv, tmp_path):
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    env = plain_env()
    bin_ = str(venv)
    where = run([f"{bin_}/python", "-c", "import iocs, pydm_widgets; from pydm_widgets import "
                 "PVImage; print(iocs.__file__); print(pydm_widgets.__file__)"],
                elsewhere, env).stdout.split()
    assert all(p.startswith(str(venv.parent)) for p in where), where   # the installed copy
    ui = Path(run([f"{bin_}/pvchart-display", "--ui-path"], elsewhere, env).stdout.strip())
    assert ui.is_file() and str(ui).startswith(str(venv.parent)) and ui.name == "chart.ui"
    assert (ui.parent / "chart_settings.ui").is_file()
    deploy = ui.parent.parent / "deploy"
    assert {p.name for p in deploy.iterdir()} >= {"pvchart-ioc@.service", "pvchart.acf",
                                                 "common.env"}
    plugins = run([f"{bin_}/python", "-c", "from importlib.metadata import entry_points; "
                   "print(sorted(e.name for e in entry_points(group='pydm.widget') "
                   "if e.value.startswith('pydm_widgets')))"], elsewhere, env).stdout
    assert "PVImage" in plugins and "MacroDefaults" in plugins

    prefix = f"PIP{os.getpid()}:"
    run([f"{bin_}/pvchart-iocs", "start", "--local", "--run-dir", "run", "--prefix", prefix,
         *local_ports()], elsewhere, env)
    try:
        shot = elsewhere / "x.png"
        r = run([f"{bin_}/pvchart-display", "--run-dir", "run", "--prefix", prefix,
                 "--screenshot", "x.png"], elsewhere, env)
        assert "rendered the display" in r.stdout and shot.stat().st_size > 10_000
    finally:
        run([f"{bin_}/pvchart-iocs", "stop", "--run-dir", "run"], elsewhere, env)


def status_of(run_dir, env):
    r = subprocess.run([sys.executable, "-m", "iocs.ops.launcher_cli", "status", "--run-dir",
                        str(run_dir)], env=env, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout


def test_demo_leaves_running_iocs_alone_and_stops_what_it_started(tmp_path):
    env = plain_env(PYTHONPATH=str(ROOT))
    run_dir = tmp_path / "run"
    cli = [sys.executable, "-m", "iocs.ops.launcher_cli"]
    run([*cli, "start", "--local", "--run-dir", str(run_dir), "--prefix", "DEMOT:",
         *local_ports()], tmp_path, env)
    try:
        pids = sorted(Path(run_dir / f"{n}.pid").read_text() for n in ("motor", "chart"))
        r = run([sys.executable, "-m", "iocs.ops.demo", "--run-dir", str(run_dir),
                 "--screenshot", str(tmp_path / "demo1.png")], tmp_path, env)
        assert "stopped" not in r.stdout
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
                            str(run_dir)], env=env, capture_output=True, text=True, timeout=60)
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
        (wid,) = wait_until(window, 60, "the display window on the X server", interval=0.2)
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
