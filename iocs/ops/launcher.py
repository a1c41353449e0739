"""``pvchart-iocs start|stop|status|env``: the IOCs under procServ, as control rooms run them.

One procServ per IOC (CA repeater, motor IOC, chart IOC), started only for the IOCs named
(default: all), so a site runs the motor IOC on one host and the chart IOC on another.
procServ restarts a crashed IOC after a 1 s holdoff, logs it with timestamps and keeps its
console on a unix socket (mode 0600, or 0660 for ``--console-group``) in a private run
directory. Site mode (the default) hands the IOCs the EPICS environment it was given; ``--local``
keeps everything on loopback with private ports (see :mod:`iocs.common.caenv`).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..common import names
from ..common.caenv import CLIENT_KEYS, IocPorts, client_env, server_env, site_env
from ..common.logs import STAMPED_ENV
from ..common.names import DEFAULT_PREFIX, SITE_CA_PORT, SITE_REPEATER_PORT
from .processes import alive, children_of, end, udp_port_in_use, verified_procserv, wait_for

logger = logging.getLogger(__name__)

__all__ = ["Launcher", "NAMES", "LOCAL_PORTS", "LOCAL_REPEATER_PORT", "LauncherError"]

NAMES = ("repeater", "motor", "chart")
MODULES = {"repeater": "iocs.ops.repeater", "motor": "iocs.motor", "chart": "iocs.chart"}
#: Local mode's default loopback ports (away from the site's 5064..5076).
LOCAL_PORTS = {name: IocPorts(port, *names.LOCAL_PVA_PORTS.get(name, (0, 0)))
               for name, port in names.LOCAL_CA_PORTS.items()}
LOCAL_REPEATER_PORT = names.LOCAL_REPEATER_PORT


class LauncherError(RuntimeError):
    """Something the operator must fix; the message says what."""


class Launcher:
    """The IOCs of one pvchart installation, run from ``run_dir``.

    In local mode ``ports`` gives the loopback ports by IOC name; a name other than ``motor``
    and ``chart`` is another local-mode IOC (not started here) that these IOCs and their
    clients search too.
    """

    def __init__(self, run_dir: Path, *, local: bool = False, prefix: str = DEFAULT_PREFIX,
                 ports: Optional[Dict[str, IocPorts]] = None,
                 repeater_port: Optional[int] = None, holdoff: float = 1.0,
                 autosave_dir: Optional[Path] = None, console_group: Optional[str] = None,
                 python: str = sys.executable) -> None:
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
        self.log_offsets: Dict[str, int] = {}

    # ---- the run directory ----------------------------------------------------------------
    @classmethod
    def from_run_dir(cls, run_dir: Path) -> Launcher:
        """The launcher that started the IOCs in ``run_dir`` (its saved settings)."""
        try:
            saved = json.loads((Path(run_dir) / "launcher.json").read_text())
            launcher = cls(run_dir, local=saved["local"], prefix=saved["prefix"],
                           ports={k: IocPorts(*v) for k, v in saved["ports"].items()},
                           repeater_port=saved["repeater_port"], holdoff=saved["holdoff"],
                           autosave_dir=Path(saved["autosave_dir"]),
                           console_group=saved.get("console_group"), python=saved["python"])
            launcher.log_offsets = dict(saved.get("log_offsets", {}))
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
            python=self.python, log_offsets=self.log_offsets), indent=1))

    def path(self, name: str, kind: str) -> Path:
        return self.run_dir / f"{name}.{kind}"

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

    def command(self, name: str, ioc_args: Sequence[str] = ()) -> List[str]:
        module = ["-m", MODULES[name]]
        if name == "repeater":
            return module + (["--host", "127.0.0.1"] if self.local else [])
        return module + ["--prefix", self.prefix, "--autosave-dir", str(self.autosave_dir),
                         *ioc_args]

    def ready_pv(self, name: str) -> Optional[str]:
        return {"motor": f"{self.prefix}motor.RTYP",
                "chart": f"{self.prefix}chart:UniqueId_RBV"}.get(name)

    # ---- what runs ------------------------------------------------------------------------
    def procserv_pid(self, name: str) -> Optional[int]:
        return verified_procserv(self.path(name, "pid"))

    def child_pids(self, name: str) -> List[int]:
        pid = self.procserv_pid(name)
        return children_of(pid) if pid else []

    def running(self) -> List[str]:
        return [n for n in NAMES if self.procserv_pid(n)]

    # ---- start ----------------------------------------------------------------------------
    def start(self, names: Sequence[str] = NAMES,
              ioc_args: Optional[Dict[str, List[str]]] = None, wait: bool = True,
              timeout: float = 60.0) -> List[str]:
        """Start the named IOCs not already running; returns those started."""
        if shutil.which("procServ") is None:
            raise LauncherError("procServ not found: install Debian's 'procserv' package")
        self._check_mode()
        self._prepare_run_dir()
        started = []
        for name in names:
            if self.procserv_pid(name):
                logger.info("%s already running under procServ", name)
                continue
            if name == "repeater" and udp_port_in_use(
                    self.repeater_port, "127.0.0.1" if self.local else ""):
                logger.info("a CA repeater already listens on port %d; using it",
                            self.repeater_port)
                continue
            self._start_one(name, (ioc_args or {}).get(name, []))
            started.append(name)
        self._save()
        self.path("ca", "env").write_text(self.env_text())
        if wait:
            self.wait_ready([n for n in started if self.ready_pv(n)], timeout)
        return started

    def _check_mode(self) -> None:
        """IOCs still running from the run directory fix its mode, prefix and ports."""
        try:
            previous = Launcher.from_run_dir(self.run_dir)
        except LauncherError:
            return
        running = previous.running()
        diff = self.installation_diff(previous)
        if running and diff:
            described = "; ".join(f"{what} {theirs}" for what, _, theirs in diff)
            raise LauncherError(f"{', '.join(running)} run from {self.run_dir} with "
                                f"{described}; start with the same settings, stop them "
                                "first or use another --run-dir")
        self.log_offsets.update(previous.log_offsets)

    def installation(self) -> Dict[str, str]:
        """What IOCs started from one run directory share: mode, prefix, ports."""
        ports = ", ".join(f"{name} {p.ca}/{p.pva}/{p.pva_udp}"
                          for name, p in sorted(self.ports.items()) if name in ("motor", "chart"))
        if self.local:
            ports += f", repeater {self.repeater_port}"
        return {"mode": "local" if self.local else "site", "prefix": self.prefix,
                "ports": ports}

    def installation_diff(self, other: Launcher) -> List[Tuple[str, str, str]]:
        """(setting, ours, other's) where this launcher's mode, prefix or ports differ."""
        mine, theirs = self.installation(), other.installation()
        return [(k, mine[k], theirs[k]) for k in mine if mine[k] != theirs[k]]

    def _start_one(self, name: str, ioc_args: Sequence[str]) -> None:
        for stale in ("sock", "pid", "info"):
            self.path(name, stale).unlink(missing_ok=True)
        log = self.path(name, "log")
        self.log_offsets[name] = log.stat().st_size if log.exists() else 0
        group = self.console_group or ""
        perms = "0660" if self.console_group else "0600"
        cmd = ["procServ", "--quiet", "--holdoff", str(max(int(self.holdoff), 1)),
               "--logfile", str(log), "--logstamp", "--pidfile", str(self.path(name, "pid")),
               "--info-file", str(self.path(name, "info")), "--name", name,
               "--chdir", str(self.run_dir),
               f"unix::{group}:{perms}:{self.path(name, 'sock')}",
               self.python, *self.command(name, ioc_args)]
        subprocess.run(cmd, env=self.server_env(name), check=True, stdin=subprocess.DEVNULL)
        if not wait_for(lambda: self.procserv_pid(name) and self.child_pids(name), 10):
            raise LauncherError(f"{name} did not start; see {log}")
        logger.info("%s started under procServ (console: %s)", name, self.path(name, "sock"))

    def wait_ready(self, names: Sequence[str], timeout: float = 60.0) -> None:
        """Wait until each named IOC answers a CA read."""
        from caproto.sync.client import read
        env = self.client_env()
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            for name in names:
                pv = self.ready_pv(name)

                def answers(pv: Optional[str] = pv) -> bool:
                    try:
                        read(pv, timeout=1.0, repeater=False)
                        return True
                    except Exception:
                        return False
                if not wait_for(answers, timeout, 0.2):
                    raise LauncherError(f"{name} IOC does not answer {pv}; see "
                                        f"{self.path(name, 'log')}")
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    # ---- stop -----------------------------------------------------------------------------
    def stop(self, names: Sequence[str] = NAMES, timeout: float = 10.0) -> List[str]:
        """Stop the named procServs and their IOCs, by verified PID; returns those stopped."""
        stopped = []
        for name in reversed([n for n in NAMES if n in names]):
            server = self.procserv_pid(name)
            if not server:
                continue
            children = children_of(server)
            end(server, timeout / 2)             # first, so nothing restarts the child
            for pid in children:
                if alive(pid):
                    end(pid, timeout / 2)
            for stale in ("sock", "pid", "info"):
                self.path(name, stale).unlink(missing_ok=True)
            stopped.append(name)
        return stopped

    # ---- status ---------------------------------------------------------------------------
    def restarts(self, name: str) -> int:
        """Child restarts since the launcher started this procServ (crashes, not starts)."""
        log = self.path(name, "log")
        try:
            with open(log, "rb") as f:
                f.seek(self.log_offsets.get(name, 0))
                text = f.read().decode(errors="replace")
        except OSError:
            return 0
        return text.count("Received a sigChild")

    def status(self, names: Sequence[str] = NAMES) -> Dict[str, Dict[str, Any]]:
        out = {}
        for name in names:
            ports = self.ports.get(name)
            site_port = int(os.environ.get("EPICS_CAS_SERVER_PORT",
                                           os.environ.get("EPICS_CA_SERVER_PORT",
                                                          SITE_CA_PORT)))
            port = self.repeater_port if name == "repeater" else \
                ports.ca if ports else site_port
            out[name] = {"procserv": self.procserv_pid(name), "children": self.child_pids(name),
                         "port": port,
                         "restarts": self.restarts(name),
                         "console": str(self.path(name, "sock")),
                         "log": str(self.path(name, "log"))}
        return out
