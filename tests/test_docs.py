"""The reference docs list exactly the PVs the IOCs really serve."""
import re
import sys
from pathlib import Path

import pytest

from tests.support.harness import PATIENCE, wait_until

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

from pvdocs import pv_rows  # noqa: E402

pytestmark = pytest.mark.ioc

PAGES = {"iocs.motor.ioc": ("motor_ioc.rst", "motor", "{p}motor.RTYP", ["--axes", "motor"]),
         "iocs.chart.ioc": ("chart_ioc.rst", "chart", "{p}chart:UniqueId_RBV", [])}


def served_pvs(ioc, prefix):
    """PV names a running IOC logged with --list-pvs."""
    text = wait_until(lambda: "PVs available" in (log := ioc.log_path.read_text()) and log,
                      PATIENCE, "PV list")          # the whole log: ioc.log() is its end
    names = re.findall(r"^\s*(" + re.escape(prefix) + r"\S+)\s*$", text, re.M)
    return {n.replace(prefix, "BEAMLINE:", 1) for n in names}


@pytest.mark.parametrize("module", sorted(PAGES))
def test_reference_lists_every_served_pv(module, start_ioc, prefix):
    page, role, ready, extra = PAGES[module]
    assert f".. pv-table:: {module}" in (DOCS / page).read_text()
    assert f".. cli-help:: {module}" in (DOCS / page).read_text()
    ioc = start_ioc(role, module, "--prefix", prefix, "--list-pvs", *extra,
                    ready_pv=ready.format(p=prefix))
    documented = {row[0] for row in pv_rows(module)}
    assert served_pvs(ioc, prefix) == documented
    html = DOCS / "_build" / "html" / page.replace(".rst", ".html")
    if html.exists():                                   # built by `make docs`
        built = html.read_text()
        assert all(pv in built for pv in documented)
