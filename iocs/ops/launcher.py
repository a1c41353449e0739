"""``pvchart-iocs start|stop|status``: the IOCs under procServ, as control rooms run them.

One procServ per IOC (CA repeater, motor IOC, chart IOC): auto-restart after a 1 s holdoff, a
timestamped log per IOC, the console on a unix socket in the run directory (never on a
network port), procServ pid and info files beside it. ``stop`` ends each procServ and then its
child by PID (SIGTERM, then SIGKILL), so no IOC is ever orphaned. ``run/ca.env`` holds the CA
settings clients need to reach these IOCs (``. run/ca.env``).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from ..common.caenv import client_env, server_env

logger = logging.getLogger(__name__)

__all__ = ["IocSpec", "Launcher", "main"]

ENV_KEYS = ("EPICS_CA_ADDR_LIST", "EPICS_CA_AUTO_ADDR_LIST", "EPICS_CA_SERVER_PORT",
            "EPICS_CA_REPEATER_PORT", "EPICS_CA_MAX_ARRAY_BYTES")


@dataclass
class IocSpec:
    """One process to run under procServ."""

    name: str
    args: List[str]
    port: int                 # its CA server port (0 for the repeater)


def _alive(pid: Optional[int]) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:                                   # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children_of(pid: int) -> List[int]:
    """PIDs whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def udp_port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _wait(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Launcher:
    """The IOCs of one pvchart installation, run from ``run_dir``."""

    def __init__(self, run_dir: Path, *, prefix: str = "BEAMLINE:", motor_port: int = 5064,
                 chart_port: int = 5066, repeater_port: int = 5065, holdoff: float = 1.0,
                 autosave_dir: Optional[Path] = None, python: str = sys.executable) -> None:
        self.run_dir = Path(run_dir).resolve()
        self.prefix = prefix
        self.ports = {"motor": motor_port, "chart": chart_port}
        self.repeater_port = repeater_port
        self.holdoff = holdoff
        self.autosave_dir = Path(autosave_dir or self.run_dir / "autosave").resolve()
        self.python = python

    @classmethod
    def from_run_dir(cls, run_dir: Path) -> "Launcher":
        """The launcher that started the IOCs in ``run_dir`` (its saved settings)."""
        saved = json.loads((Path(run_dir) / "launcher.json").read_text())
        return cls(run_dir, **saved)

    def specs(self) -> List[IocSpec]:
        p = self.prefix
        return [
            IocSpec("repeater", ["-m", "iocs.ops.repeater"], 0),
            IocSpec("motor", ["-m", "iocs.motor", "--prefix", p, "--axes", "motor",
                              "--autosave-dir", str(self.autosave_dir)], self.ports["motor"]),
            IocSpec("chart", ["-m", "iocs.chart", "--prefix", p, "--autosave-dir",
                              str(self.autosave_dir)], self.ports["chart"]),
        ]

    def client_env(self, base: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        """Environment for a CA client (PyDM, pyepics, ...) of these IOCs."""
        return client_env(self.ports.values(), self.repeater_port, base)

    def _path(self, name: str, kind: str) -> Path:
        return self.run_dir / f"{name}.{kind}"

    def procserv_pid(self, name: str) -> Optional[int]:
        try:
            pid = int(self._path(name, "pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if _alive(pid) else None

    def child_pids(self, name: str) -> List[int]:
        pid = self.procserv_pid(name)
        return children_of(pid) if pid else []

    # ---- start ----------------------------------------------------------------------------
    def start(self, wait: bool = True, timeout: float = 60.0) -> None:
        """Start every IOC not already running; with ``wait``, until each answers on CA."""
        if shutil.which("procServ") is None:
            raise RuntimeError("procServ not found: install Debian's 'procserv' package")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.autosave_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "launcher.json").write_text(json.dumps(dict(
            prefix=self.prefix, motor_port=self.ports["motor"], chart_port=self.ports["chart"],
            repeater_port=self.repeater_port, holdoff=self.holdoff,
            autosave_dir=str(self.autosave_dir), python=self.python), indent=1))
        env = self.client_env()
        (self.run_dir / "ca.env").write_text("".join(f"export {k}='{env[k]}'\n"
                                                     for k in ENV_KEYS))
        for spec in self.specs():
            if self.procserv_pid(spec.name):
                logger.info("%s already running under procServ", spec.name)
                continue
            if spec.name == "repeater" and udp_port_in_use(self.repeater_port):
                logger.info("a CA repeater already listens on port %d; using it",
                            self.repeater_port)
                continue
            if spec.port and udp_port_in_use(spec.port):
                raise RuntimeError(f"{spec.name}: CA port {spec.port} is in use on 127.0.0.1 "
                                   "(another IOC?); choose another port")
            self._start_one(spec)
        if wait:
            self.wait_ready(timeout)

    def _start_one(self, spec: IocSpec) -> None:
        peers = [p for p in self.ports.values() if p != spec.port]
        env = server_env(spec.port or self.ports["motor"], peers, self.repeater_port)
        repo = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = repo + os.pathsep + env.get("PYTHONPATH", "")
        for stale in ("sock", "pid", "info"):
            self._path(spec.name, stale).unlink(missing_ok=True)
        cmd = ["procServ", "--quiet", "--holdoff", str(self.holdoff),
               "--logfile", str(self._path(spec.name, "log")), "--logstamp",
               "--pidfile", str(self._path(spec.name, "pid")),
               "--info-file", str(self._path(spec.name, "info")),
               "--name", spec.name, "--chdir", str(self.run_dir),
               f"unix:{self._path(spec.name, 'sock')}", self.python, *spec.args]
        subprocess.run(cmd, env=env, check=True, stdin=subprocess.DEVNULL)
        if not _wait(lambda: self.procserv_pid(spec.name) and self.child_pids(spec.name), 10):
            raise RuntimeError(f"{spec.name} did not start; see {self._path(spec.name, 'log')}")
        logger.info("%s started under procServ (console: %s)", spec.name,
                    self._path(spec.name, "sock"))

    def ready_pvs(self) -> Dict[str, str]:
        return {"motor": f"{self.prefix}motor.RTYP", "chart": f"{self.prefix}chart:UniqueId_RBV"}

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until each IOC answers a CA read."""
        from caproto.sync.client import read
        saved = {k: os.environ.get(k) for k in ENV_KEYS}
        os.environ.update({k: v for k, v in self.client_env().items() if k in ENV_KEYS})
        try:
            for name, pv in self.ready_pvs().items():
                def answers() -> bool:
                    try:
                        read(pv, timeout=1.0, repeater=False)   # the launcher runs one
                        return True
                    except Exception:
                        return False
                if not _wait(answers, timeout, 0.2):
                    raise RuntimeError(f"{name} IOC does not answer {pv}; see "
                                       f"{self._path(name, 'log')}")
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    # ---- stop -----------------------------------------------------------------------------
    def stop(self, timeout: float = 10.0) -> List[str]:
        """Stop every procServ and its child by PID; returns what was stopped."""
        stopped = []
        for spec in reversed(self.specs()):
            server = self.procserv_pid(spec.name)
            if not server:
                continue
            children = children_of(server)
            os.kill(server, signal.SIGTERM)      # first, so nothing restarts the child
            if not _wait(lambda: not _alive(server), timeout / 2):
                os.kill(server, signal.SIGKILL)
                _wait(lambda: not _alive(server), timeout / 2)
            for pid in children:
                if _alive(pid):
                    os.kill(pid, signal.SIGTERM)
                    if not _wait(lambda: not _alive(pid), timeout / 2):
                        os.kill(pid, signal.SIGKILL)
                        _wait(lambda: not _alive(pid), timeout / 2)
            for stale in ("sock", "pid", "info"):
                self._path(spec.name, stale).unlink(missing_ok=True)
            stopped.append(spec.name)
        return stopped

    # ---- status ---------------------------------------------------------------------------
    def status(self) -> Dict[str, dict]:
        out = {}
        for spec in self.specs():
            server = self.procserv_pid(spec.name)
            log = self._path(spec.name, "log")
            restarts = 0
            if log.exists():
                restarts = max(log.read_text(errors="replace").count("Restarting child") - 1, 0)
            out[spec.name] = {"procserv": server, "children": self.child_pids(spec.name),
                              "port": spec.port or self.repeater_port, "restarts": restarts,
                              "console": str(self._path(spec.name, "sock")), "log": str(log)}
        return out


def main(argv: Optional[List[str]] = None) -> int:
    """``pvchart-iocs``."""
    parser = argparse.ArgumentParser(prog="pvchart-iocs", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "stop", "status", "env"))
    parser.add_argument("--run-dir", type=Path, default=Path(os.environ.get(
        "PVCHART_RUN_DIR", "run")), help="pid, log, console and env files (default: ./run)")
    parser.add_argument("--prefix", default="BEAMLINE:")
    parser.add_argument("--motor-port", type=int, default=5064)
    parser.add_argument("--chart-port", type=int, default=5066)
    parser.add_argument("--repeater-port", type=int, default=5065)
    parser.add_argument("--holdoff", type=float, default=1.0,
                        help="seconds procServ waits before restarting a crashed IOC")
    parser.add_argument("--no-wait", action="store_true",
                        help="start: return before the IOCs answer")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    saved = args.run_dir / "launcher.json"
    if args.command != "start" and saved.exists():
        launcher = Launcher.from_run_dir(args.run_dir)
    else:
        launcher = Launcher(args.run_dir, prefix=args.prefix, motor_port=args.motor_port,
                            chart_port=args.chart_port, repeater_port=args.repeater_port,
                            holdoff=args.holdoff)
    try:
        if args.command == "start":
            launcher.start(wait=not args.no_wait)
            print(f"IOCs running; CA settings for clients: . {launcher.run_dir / 'ca.env'}")
        elif args.command == "stop":
            print("stopped: " + (", ".join(launcher.stop()) or "nothing was running"))
        elif args.command == "env":
            env = launcher.client_env()
            print("".join(f"export {k}='{env[k]}'\n" for k in ENV_KEYS), end="")
        else:
            status = launcher.status()
            for name, s in status.items():
                state = f"running, pid {s['children']}" if s["children"] else "STOPPED"
                print(f"{name:9s} {state:24s} procServ {s['procserv'] or '-':>7} "
                      f"port {s['port']:5d} restarts {s['restarts']}  console {s['console']}")
            return 0 if all(s["children"] for n, s in status.items() if n != "repeater") else 3
    except RuntimeError as ex:
        print(f"pvchart-iocs: {ex}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
