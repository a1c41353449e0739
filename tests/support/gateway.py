"""A site with a PV Access gateway, as network namespaces: IOCs on subnet A, consoles on B.

::

    subnet A  10.<a>.0.0/24            subnet B  10.<b>.0.0/24
      ioc   .10  motor + chart IOCs      con  .20  consoles
      pvs   .11  writable PVA PVs
      gw    .2  ─── eth0 │ eth1 ───   .2  gw   (p4p's pvagw, deploy/pvagw.json)

Nothing routes between the subnets: a console reaches A's PVs only through the gateway. The
gateway runs the shipped configuration (``deploy/pvagw.json`` with its ACF and pvlist) with
the example addresses replaced by the namespaces' (:func:`site_config`). Shared by
``tests/test_gateway.py`` and ``benchmarks/scale.py``.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from .netns import Host, Network, Subnet

__all__ = ["DEPLOY", "STATUS_PREFIX", "site_config", "GatewaySite", "host_python"]

PY = sys.executable
ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
#: The shipped configuration's status prefix (deploy/pvagw.json).
STATUS_PREFIX = "BEAMLINE:GW:"


def site_config(out_dir: Path, *, iocs: Subnet, consoles: Subnet, gateway: Host,
                template: Path = DEPLOY / "pvagw.json") -> Path:
    """The shipped gateway configuration with the example addresses replaced by the gateway
    host's on ``iocs`` and ``consoles``; written (as plain JSON) to ``out_dir`` beside copies
    of the ACF and pvlist files it names. Returns the configuration's path."""
    from p4p.gw import jload  # pvagw's own reader (JSON with C comments)

    conf = jload(template.read_text())
    (client,) = conf["clients"]
    client["addrlist"] = iocs.broadcast
    for server in conf["servers"]:
        subnet = consoles if server["clients"] else iocs
        server["interface"] = [gateway.address_on(subnet)]
        server["addrlist"] = subnet.broadcast
        for key in ("access", "pvlist"):
            if key in server:
                shutil.copy(template.parent / server[key], out_dir / server[key])
    path = out_dir / "pvagw.json"
    path.write_text(json.dumps(conf, indent=1))
    return path


def host_python(host: Host, code: str, *args: str, timeout: float = 120,
                env: Optional[Dict[str, str]] = None) -> str:
    """Run Python ``code`` on ``host``; its stdout (an AssertionError if it fails)."""
    return host.run([PY, "-c", textwrap.dedent(code), *args], timeout=timeout, env=env,
                    cwd=ROOT).stdout


PVA_GET = """
    import sys
    from p4p.client.thread import Context
    name, timeout = sys.argv[1], float(sys.argv[2])
    with Context("pva", nt=False) as ctxt:
        try:
            v = ctxt.get(name, timeout=timeout)
        except TimeoutError:
            print("timeout")
        else:
            print("ok", v.getID())
"""


class GatewaySite:
    """The hosts above, on two new subnets; ``start_*`` starts the parts, ``close`` ends all."""

    def __init__(self, env: Dict[str, str], workdir: Path, prefix: str = "BEAMLINE:") -> None:
        self.prefix = prefix
        self.workdir = Path(workdir)
        self.net = Network(env)
        try:
            self.a, self.b = self.net.subnets[0], self.net.add_subnet()
            self.ioc = self.net.add("ioc", 10)
            self.pvs = self.net.add("pvs", 11)
            self.gw = self.net.add("gw", 2)
            self.net.attach(self.gw, self.b, 2)
            self.console = self.net.add("con", 20, subnet=self.b)
        except BaseException:
            self.net.close()
            raise
        self.gateway: Optional[subprocess.Popen] = None

    def log(self, name: str) -> Any:
        return open(self.workdir / f"{name}.log", "wb")

    def start_ioc(self, name: str, args: Sequence[str]) -> subprocess.Popen:
        """``python <args>`` on host ``ioc`` (site mode: the EPICS defaults), logged."""
        with self.log(name) as log:
            return self.ioc.popen([PY, *args], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)

    def start_iocs(self, chart_args: Sequence[str] = ()) -> subprocess.Popen:
        """The motor IOC and the chart IOC (charting the motor unless ``chart_args`` say
        otherwise) on host ``ioc``; returns the chart IOC's process."""
        self.start_ioc("motor", ["-m", "iocs.motor", "--prefix", self.prefix, "--axes", "motor"])
        return self.start_ioc("chart", ["-m", "iocs.chart", "--prefix", self.prefix,
                                        *chart_args])

    def start_setpoints(self, *names: str) -> None:
        """Writable PVA PVs (:mod:`tests.support.pva_setpoint`) on host ``pvs``."""
        proc = self.pvs.popen([PY, "-m", "tests.support.pva_setpoint", *names],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == "ready", f"the setpoint server did not start ({line!r})"

    def start_gateway(self) -> subprocess.Popen:
        """pvagw on host ``gw`` with the shipped configuration (:func:`site_config`)."""
        conf_dir = self.workdir / "pvagw"
        conf_dir.mkdir(parents=True, exist_ok=True)
        conf = site_config(conf_dir, iocs=self.a, consoles=self.b, gateway=self.gw)
        with self.log("pvagw") as log:
            self.gateway = self.gw.popen([PY, "-m", "p4p.gw", str(conf)], stdout=log,
                                         stderr=subprocess.STDOUT)
        return self.gateway

    def pva_get(self, host: Host, name: str, timeout: float,
                env: Optional[Dict[str, str]] = None) -> str:
        """``ok <type id>`` if ``host`` gets ``name`` over PVA within ``timeout``, else
        ``timeout``."""
        return host_python(host, PVA_GET, name, str(timeout), timeout=timeout + 60,
                           env=env).strip()

    def close(self) -> None:
        self.net.close()
