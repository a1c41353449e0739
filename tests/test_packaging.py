"""Names stated once, packaging without Qt for IOC hosts, dependency bounds that were tested."""
import configparser
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from iocs.common import names
from iocs.common.resources import display_file, resource_dir

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]


def ui_macro_defaults(path: Path) -> dict:
    """The MacroDefaults widget's ``defaults`` of a .ui file, as a dict."""
    tree = ET.parse(path)
    for widget in tree.iter("widget"):
        if widget.get("class") == "MacroDefaults":
            text = widget.find("property[@name='defaults']/string").text
            return dict(item.strip().split("=", 1) for item in text.split(", "))
    raise AssertionError(f"{path.name} has no MacroDefaults widget")


@pytest.mark.parametrize("ui", ["chart.ui", "chart_settings.ui"])
def test_display_macro_defaults_agree_with_the_names_module(ui):
    defaults = ui_macro_defaults(display_file(ui))
    assert defaults, ui
    for name, value in defaults.items():
        assert names.DISPLAY_MACROS[name] == value, (ui, name)


def env_file(name: str) -> dict:
    out = {}
    for line in (resource_dir("deploy") / name).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


@pytest.mark.parametrize("name", ["motor.env", "chart.env", "chart-vacuum.env"])
def test_deploy_env_files_agree_with_the_names_module(name):
    args = env_file(name)["IOC_ARGS"].split()
    assert args[args.index("--prefix") + 1] == names.DEFAULT_PREFIX
    if name == "motor.env":
        assert args[args.index("--axes") + 1] == names.DEFAULT_AXIS


def test_deploy_max_array_bytes_agrees():
    assert int(env_file("common.env")["EPICS_CA_MAX_ARRAY_BYTES"]) == \
        names.DEFAULT_MAX_ARRAY_BYTES


def requirements(section: str, key: str) -> list:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return [Requirement(line) for line in cfg[section][key].splitlines() if line.strip()]


def test_installed_dependencies_lie_within_the_declared_bounds():
    """The bounds in setup.cfg are the versions this suite runs against."""
    wanted = requirements("options", "install_requires") + \
        requirements("options.extras_require", "display")
    for req in wanted:
        version = metadata.version(req.name)
        assert req.specifier.contains(version, prereleases=True), f"{req.name} {version}"


def test_ioc_hosts_need_no_qt():
    """The IOCs and the launcher import neither Qt nor PyDM (``pip install .`` has none)."""
    code = ("import sys, iocs.motor.ioc, iocs.chart.ioc, iocs.ops.launcher_cli, "
            "iocs.ops.repeater, iocs.ops.client\n"
            "print(sorted(m for m in sys.modules if re.match(r'(PyQt5|qtpy|pydm)\\b', m)))")
    out = subprocess.run([sys.executable, "-c", "import re\n" + code], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout.strip()
    assert out == "[]", out
    install = {r.name for r in requirements("options", "install_requires")}
    assert not install & {"pydm", "PyQt5", "qtpy"}


def test_names_are_not_restated_in_the_code():
    """Defaults appear as literals only in the names module."""
    literals = [re.escape(repr(names.DEFAULT_PREFIX)), r"\b20_?000_?000\b", r"\b200_000\b",
                r"\b1506[456]\b", r"\b1507[56]\b"]
    offenders = []
    for path in sorted((ROOT / "iocs").rglob("*.py")) + sorted(
            (ROOT / "pydm_widgets").rglob("*.py")):
        if path.name == "names.py":
            continue
        text = path.read_text()
        offenders += [f"{path.relative_to(ROOT)}: {pat}" for pat in literals
                      if re.search(pat, text)]
    assert offenders == []
