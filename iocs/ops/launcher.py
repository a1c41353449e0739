"""``pvchart-iocs start|stop|status|env``: the IOCs under procServ, as control rooms run them.

One procServ per process (CA repeater, motor IOC, each chart IOC, pvchart-web), started only
for those named, so a site runs the motor IOC on one host and its charts on others, several
charts per host (``chart@vacuum``, ``chart@rf``, each its own prefix, log, console, autosave
and, in local mode, ports). Site mode (the default) hands the IOCs the EPICS environment it
was given; ``--local`` keeps everything on loopback with private ports (see
:mod:`iocs.common.caenv`). The run directory (mode 0700, or 0750 with a console group) holds
the logs, PID files, consoles, ``ca.env`` and ``launcher.json``, the installation's settings.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from functools import partial
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..common.caenv import CLIENT_KEYS, IocPorts, client_env, server_env, site_env
from ..common.logs import STAMPED_ENV
from ..common.names import (
    DEFAULT_PREFIX,
    LOCAL_CA_PORTS,
    LOCAL_PVA_PORTS,
    LOCAL_REPEATER_PORT,
    SITE_CA_PORT,
    SITE_REPEATER_PORT,
    WEB_PORT,
)
from .instances import DEFAULT_INSTANCES, Instance, parse_instance
from .processes import udp_port_in_use, wait_for
from .procserv import ProcServ, ProcServError

logger = logging.getLogger(__name__)

__all__ = ["Launcher", "LOCAL_PORTS", "LOCAL_REPEATER_PORT", "LauncherError",
           "DEFAULT_WEB_PORT"]

#: Local mode's default loopback ports (away from the site's 5064..5076).
LOCAL_PORTS = {name: IocPorts(port, *LOCAL_PVA_PORTS.get(name, (0, 0)))
               for name, port in LOCAL_CA_PORTS.items()}
#: pvchart-web's HTTP port unless told otherwise.
DEFAULT_WEB_PORT = WEB_PORT


class LauncherError(RuntimeError):
    """Something the operator must fix; the message says what."""


class Launcher:
    """The processes of one pvchart installation, run from ``run_dir``.

    In local mode ``ports`` gives the loopback ports by process name (``motor``, ``chart``,
    ``chart@vacuum``); a chart without ports gets free ones at its first start, kept in
    ``launcher.json``; a name the launcher does not run is another local-mode IOC these IOCs
    and their clients search too.
    """

    def __init__(self, run_dir: Path, *, local: bool = False, prefix: str = DEFAULT_PREFIX,
                 ports: Optional[Dict[str, IocPorts]] = None,
                 repeater_port: Optional[int] = None, holdoff: float = 1.0,
                 autosave_dir: Optional[Path] = None, console_group: Optional[str] = None,
                 python: str = sys.executable, web_port: int = DEFAULT_WEB_PORT) -> None:
        self.run_dir = Path(run_dir).resolve()
        self.local = local
        self.prefix = prefix
        self.ports = dict(LOCAL_PORTS, **(ports or {})) if local else {}
        self.repeater_port = repeater_port or (
            LOCAL_REPEATER_PORT if local else int(os.environ.get("EPICS_CA_REPEATER_PORT",
                                                                 SITE_REPEATER_PORT)))
        self.holdoff = holdoff
        self.autosave_dir = Path(autosave_dir or self.run_dir / "autosave").resolve()
        self.console_group = console_group
        self.python = python
        self.web_port = web_port
        self.log_offsets: Dict[str, int] = {}
        self.known: List[str] = []          #: every process started from here, by name

    # ---- the run directory ----------------------------------------------------------------
    @classmethod
    def from_run_dir(cls, run_dir: Path) -> Launcher:
        """The launcher that started the processes in ``run_dir`` (its saved settings)."""
        try:
            saved = json.loads((Path(run_dir) / "launcher.json").read_text())
            launcher = cls(run_dir, local=saved["local"], prefix=saved["prefix"],
                           ports={k: IocPorts(*v) for k, v in saved["ports"].items()},
                           repeater_port=saved["repeater_port"], holdoff=saved["holdoff"],
                           autosave_dir=Path(saved["autosave_dir"]),
                           console_group=saved.get("console_group"), python=saved["python"],
                           web_port=int(saved.get("web_port", DEFAULT_WEB_PORT)))
            launcher.log_offsets = dict(saved.get("log_offsets", {}))
            launcher.known = [str(n) for n in saved.get("known", [])]
        except (OSError, ValueError, KeyError, TypeError) as ex:
            raise LauncherError(f"no usable launcher settings in {run_dir} ({ex}); were "
                                "the IOCs started from here?") from None
        return launcher

    def _save(self) -> None:
        (self.run_dir / "launcher.json").write_text(json.dumps(dict(
            local=self.local, prefix=self.prefix,
            ports={k: [p.ca, p.pva, p.pva_udp] for k, p in self.ports.items()},
            repeater_port=self.repeater_port, holdoff=self.holdoff,
            autosave_dir=str(self.autosave_dir), console_group=self.console_group,
            python=self.python, web_port=self.web_port, log_offsets=self.log_offsets,
            known=self.known), indent=1))

    def procserv(self, name: str) -> ProcServ:
        instance = parse_instance(name)
        return ProcServ(self.run_dir, instance.name, instance.file_stem)

    def path(self, name: str, kind: str) -> Path:
        """A file of process ``name`` in the run directory (``log``, ``sock``, ...)."""
        return self.procserv(name).path(kind)

    def _prepare_run_dir(self) -> None:
        mode = 0o750 if self.console_group else 0o700
        self.run_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.run_dir, mode)
        if self.console_group:
            shutil.chown(self.run_dir, group=self.console_group)
        self.autosave_dir.mkdir(parents=True, exist_ok=True)

    # ---- environments ---------------------------------------------------------------------
    def client_env(self, base: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        """Environment for a CA/PVA client (PyDM, pyepics, ...) of these IOCs."""
        if not self.local:
            return site_env(base)
        return client_env(self.ports.values(), self.repeater_port, base)

    def env_text(self) -> str:
        """Shell lines giving a client what it needs (``pvchart-iocs env``, ``run/ca.env``)."""
        env = self.client_env()
        if not self.local:
            return ("# site mode: clients use the site's EPICS settings (broadcast search, "
                    "EPICS_CA_ADDR_LIST as the site sets it)\n"
                    f"export EPICS_CA_MAX_ARRAY_BYTES='{env['EPICS_CA_MAX_ARRAY_BYTES']}'\n")
        return "".join(f"export {k}='{env[k]}'\n" for k in CLIENT_KEYS)

    def server_env(self, name: str) -> Dict[str, str]:
        if self.local:
            own = self.ports.get(name, IocPorts(self.ports["motor"].ca))
            peers = [p for n, p in self.ports.items() if n != name]
            env = server_env(own, peers, self.repeater_port)
        else:
            env = site_env()
        env[STAMPED_ENV] = "1"                # procServ stamps every line
        return env

    def command(self, instance: Instance, ioc_args: Sequence[str] = ()) -> List[str]:
        module = ["-m", instance.module]
        if instance.kind == "repeater":
            return module + (["--host", "127.0.0.1"] if self.local else [])
        if instance.kind == "web":
            charts = ",".join(sorted({parse_instance(n).chart for n in self.known
                                      if n.startswith("chart")} or {"chart"}))
            return module + ["--prefix", self.prefix, "--charts", charts,
                             "--port", str(self.web_port), *ioc_args]
        return module + ["--prefix", self.prefix, "--autosave-dir", str(self.autosave_dir),
                         *instance.ioc_args(self.prefix), *ioc_args]

    # ---- what runs ------------------------------------------------------------------------
    def procserv_pid(self, name: str) -> Optional[int]:
        return self.procserv(name).pid()

    def child_pids(self, name: str) -> List[int]:
        return self.procserv(name).children()

    def names(self) -> List[str]:
        """Every process of this installation: the defaults and any started from here."""
        return list(dict.fromkeys([*DEFAULT_INSTANCES, *self.known]))

    def running(self) -> List[str]:
        return [n for n in self.names() if self.procserv_pid(n)]

    # ---- start ----------------------------------------------------------------------------
    def start(self, names: Sequence[str] = DEFAULT_INSTANCES,
              ioc_args: Optional[Dict[str, List[str]]] = None, wait: bool = True,
              timeout: float = 60.0) -> List[str]:
        """Start the named processes not already running; returns those started."""
        if shutil.which("procServ") is None:
            raise LauncherError("procServ not found: install Debian's 'procserv' package")
        instances = [parse_instance(n) for n in names]
        self._check_mode()
        self._prepare_run_dir()
        started = []
        for instance in instances:
            name = instance.name
            if self.procserv_pid(name):
                logger.info("%s already running under procServ", name)
                continue
            if instance.kind == "repeater" and udp_port_in_use(
                    self.repeater_port, "127.0.0.1" if self.local else ""):
                logger.info("a CA repeater already listens on port %d; using it",
                            self.repeater_port)
                continue
            if self.local and instance.kind == "chart" and name not in self.ports:
                try:
                    self.ports[name] = IocPorts.allocate()
                except (ValueError, RuntimeError) as ex:
                    raise LauncherError(str(ex)) from None
            if instance.kind == "chart" and self.answering(instance, 1.0):
                raise LauncherError(f"a chart named {instance.chart} already answers at "
                                    f"{instance.ready_pv(self.prefix)} (from another host or "
                                    "run directory); choose another name")
            if name not in self.known:
                self.known.append(name)
            self._start_one(instance, (ioc_args or {}).get(name, []))
            started.append(name)
        self._save()
        (self.run_dir / "ca.env").write_text(self.env_text())
        if wait:
            self.wait_ready([i for i in instances if i.name in started], timeout)
        return started

    def _check_mode(self) -> None:
        """Processes still running from the run directory fix its mode, prefix and ports."""
        try:
            previous = Launcher.from_run_dir(self.run_dir)
        except LauncherError:
            return
        running = previous.running()
        diff = installation_diff(self, previous)
        if running and diff:
            described = "; ".join(f"{what} {theirs}" for what, _, theirs in diff)
            raise LauncherError(f"{', '.join(running)} run from {self.run_dir} with "
                                f"{described}; start with the same settings, stop them "
                                "first or use another --run-dir")
        self.log_offsets.update(previous.log_offsets)
        self.known = list(dict.fromkeys([*previous.known, *self.known]))
        if self.local:
            self.ports = dict(previous.ports, **self.ports)

    def _start_one(self, instance: Instance, ioc_args: Sequence[str]) -> None:
        procserv = self.procserv(instance.name)
        self.log_offsets[instance.name] = procserv.log_size()
        try:
            procserv.start([self.python, *self.command(instance, ioc_args)],
                           self.server_env(instance.name), holdoff=self.holdoff,
                           console_group=self.console_group)
        except ProcServError as ex:
            raise LauncherError(str(ex)) from None

    def wait_ready(self, instances: Sequence[Instance], timeout: float = 60.0) -> None:
        """Wait until each IOC answers a CA read."""
        waits = [(i.name, i.ready_pv(self.prefix)) for i in instances]
        with self._client_environment():
            for name, pv in waits:
                if pv is not None and not wait_for(partial(_answers, pv), timeout, 0.2):
                    raise LauncherError(f"{name} IOC does not answer {pv}; see "
                                        f"{self.path(name, 'log')}")

    def answering(self, instance: Instance, timeout: float = 2.0) -> bool:
        """True when some IOC (started from here or not) serves this instance's PVs."""
        pv = instance.ready_pv(self.prefix)
        if pv is None:
            return False
        with self._client_environment():
            return wait_for(lambda: _answers(pv), timeout, 0.2)

    def _client_environment(self) -> _Environment:
        return _Environment(self.client_env())

    # ---- stop -----------------------------------------------------------------------------
    def stop(self, names: Optional[Sequence[str]] = None, timeout: float = 10.0) -> List[str]:
        """Stop the named procServs and their children, by verified PID (web and charts
        first, the repeater last); returns those stopped."""
        order = {"web": 0, "chart": 1, "motor": 2, "repeater": 3}
        wanted = [parse_instance(n) for n in (names if names is not None else self.names())]
        stopped = []
        for instance in sorted(wanted, key=lambda i: (order[i.kind], i.chart)):
            if self.procserv(instance.name).stop(timeout):
                stopped.append(instance.name)
        return stopped

    # ---- status ---------------------------------------------------------------------------
    def status(self, names: Optional[Sequence[str]] = None) -> Dict[str, Dict[str, Any]]:
        """Per process: procServ and child PIDs, port, restarts, console, log and (charts)
        the sources' connection state as the chart reports it."""
        out = {}
        site_port = int(os.environ.get("EPICS_CAS_SERVER_PORT",
                                       os.environ.get("EPICS_CA_SERVER_PORT", SITE_CA_PORT)))
        for name in (names if names is not None else self.names()):
            instance = parse_instance(name)
            procserv = self.procserv(instance.name)
            ports = self.ports.get(instance.name)
            port = self.repeater_port if instance.kind == "repeater" else \
                self.web_port if instance.kind == "web" else ports.ca if ports else site_port
            children = procserv.children()
            out[instance.name] = {
                "procserv": procserv.pid(), "children": children, "port": port,
                "restarts": procserv.restarts(self.log_offsets.get(instance.name, 0)),
                "console": str(procserv.path("sock")), "log": str(procserv.path("log")),
                "sources": self._sources(instance) if children else ""}
        return out

    def _sources(self, instance: Instance) -> str:
        pv = instance.status_pv(self.prefix)
        if pv is None:
            return ""
        with self._client_environment():
            return _read_text(pv) or "no answer"



def installation(launcher: Launcher) -> Dict[str, str]:
    """What processes started from one run directory share: mode, prefix, ports."""
    ports = ", ".join(f"{name} {p.ca}/{p.pva}/{p.pva_udp}"
                      for name, p in sorted(launcher.ports.items())
                      if name in LOCAL_PORTS)
    if launcher.local:
        ports += f", repeater {launcher.repeater_port}"
    return {"mode": "local" if launcher.local else "site", "prefix": launcher.prefix,
            "ports": ports}


def installation_diff(ours: Launcher, other: Launcher) -> List[Tuple[str, str, str]]:
    """(setting, ours, other's) where two launchers' mode, prefix or ports differ."""
    mine, theirs = installation(ours), installation(other)
    return [(k, mine[k], theirs[k]) for k in mine if mine[k] != theirs[k]]


class _Environment:
    """This process's environment set to ``env`` for a ``with`` block (caproto's sync client
    reads its settings from the environment)."""

    def __init__(self, env: Dict[str, str]) -> None:
        self.env = env
        self.saved: Dict[str, Optional[str]] = {}

    def __enter__(self) -> _Environment:
        self.saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        return self

    def __exit__(self, *exc: object) -> None:
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _answers(pv: str) -> bool:
    return _read_text(pv) is not None


def _read_text(pv: str, timeout: float = 1.0) -> Optional[str]:
    """The value of ``pv`` as text, or None when nothing answers (a read: writes nothing)."""
    from caproto.sync.client import read
    try:
        data = read(pv, timeout=timeout, repeater=False).data
    except Exception:
        return None
    value = data[0] if len(data) else b""
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
