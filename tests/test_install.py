"""A user's install (issue 10): ``pip install <clone>`` (not editable) into a fresh venv, then
the commands from an unrelated directory: ``pvchart-iocs start --local``, ``pvchart-display
--screenshot``, the installed ``chart.ui``, ``from pydm_widgets import PVImage`` and the
Designer entry points."""
import os
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.support.shell import ROOT, local_ports, plain_env, run

pytestmark = pytest.mark.install

SOURCES = ("iocs", "pydm_widgets", "displays", "deploy", "setup.cfg", "pyproject.toml",
           "README.md")


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh venv with ``pip install <clone>`` done (a wheel built in pip's isolated build
    environment, installed); its dependencies come from ours."""
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
    # a venv without its own copy of pip (ensurepip takes long); our pip installs into it
    run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], root, env)
    py = root / "venv" / "bin" / "python"
    site = run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
               root, env).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]      # numpy, PyQt5, pydm...: installed already
    (Path(site) / "pvchart-test-deps.pth").write_text(deps + "\n")
    run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         str(src)], root, env, 600)
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
