"""One process under procServ: started with a timestamped log, a private console socket and a
PID file in the run directory, found and ended by verified PID.

procServ restarts a crashed child after ``holdoff`` seconds and logs it; the console is a unix
socket (mode 0600, or 0660 for a console group). Nothing is ever ended by name.
"""
from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from .processes import alive, children_of, end, verified_procserv, wait_for

logger = logging.getLogger(__name__)

__all__ = ["ProcServ", "ProcServError"]


class ProcServError(RuntimeError):
    """procServ or its child did not start; the message says where to look."""


class ProcServ:
    """The procServ running process ``name`` from ``run_dir`` (files ``<stem>.pid`` ...)."""

    def __init__(self, run_dir: Path, name: str, stem: str) -> None:
        self.run_dir = run_dir
        self.name = name
        self.stem = stem

    def path(self, kind: str) -> Path:
        """Its ``log``, ``pid``, ``sock`` (console) or ``info`` file."""
        return self.run_dir / f"{self.stem}.{kind}"

    def pid(self) -> Optional[int]:
        """procServ's PID, if it runs (verified: a procServ writing our PID file)."""
        return verified_procserv(self.path("pid"))

    def children(self) -> List[int]:
        pid = self.pid()
        return children_of(pid) if pid else []

    def start(self, command: Sequence[str], env: Dict[str, str], *, holdoff: float,
              console_group: Optional[str]) -> None:
        """Start procServ running ``command``; returns once its child runs."""
        for stale in ("sock", "pid", "info"):
            self.path(stale).unlink(missing_ok=True)
        group = console_group or ""
        perms = "0660" if console_group else "0600"
        cmd = ["procServ", "--quiet", "--holdoff", str(max(int(holdoff), 1)),
               "--logfile", str(self.path("log")), "--logstamp",
               "--pidfile", str(self.path("pid")), "--info-file", str(self.path("info")),
               "--name", self.name, "--chdir", str(self.run_dir),
               f"unix::{group}:{perms}:{self.path('sock')}", *command]
        subprocess.run(cmd, env=env, check=True, stdin=subprocess.DEVNULL)
        if not wait_for(lambda: self.pid() and self.children(), 10):
            raise ProcServError(f"{self.name} did not start; see {self.path('log')}")
        logger.info("%s started under procServ (console: %s)", self.name, self.path("sock"))

    def stop(self, timeout: float) -> bool:
        """End procServ first (so nothing restarts the child), then its children."""
        server = self.pid()
        if not server:
            return False
        children = children_of(server)
        end(server, timeout / 2)
        for pid in children:
            if alive(pid):
                end(pid, timeout / 2)
        for stale in ("sock", "pid", "info"):
            self.path(stale).unlink(missing_ok=True)
        return True

    def log_size(self) -> int:
        log = self.path("log")
        return log.stat().st_size if log.exists() else 0

    def restarts(self, since: int) -> int:
        """Child restarts logged after byte ``since`` of the log (crashes, not starts)."""
        try:
            with open(self.path("log"), "rb") as f:
                f.seek(since)
                text = f.read().decode(errors="replace")
        except OSError:
            return 0
        return text.count("Received a sigChild")
