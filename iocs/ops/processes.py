"""Processes the launcher started, found and ended by PID, trusting no PID it cannot verify.

A PID read from a file is ours only if ``/proc`` shows a procServ whose command line names our
``--pidfile`` (after a reboot the number may belong to anything). Children are ended only when
their parent is that procServ. Nothing is ever ended by name.
"""
from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path
from typing import Callable, List, Optional

__all__ = ["alive", "cmdline", "verified_procserv", "children_of", "end", "wait_for",
           "udp_port_in_use", "tcp_port_in_use"]


def alive(pid: Optional[int]) -> bool:
    """True for a running process (a zombie is not running)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cmdline(pid: int) -> List[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def verified_procserv(pid_file: Path) -> Optional[int]:
    """The PID in ``pid_file`` if it is a live procServ that was told to write that file."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    args = cmdline(pid)
    if not alive(pid) or not args or Path(args[0]).name != "procServ":
        return None
    target = str(pid_file.resolve())
    for i, arg in enumerate(args[:-1]):
        if arg == "--pidfile" and str(Path(args[i + 1]).resolve()) == target:
            return pid
    return None


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


def wait_for(predicate: Callable[[], object], timeout: float,
             interval: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass; returns its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def end(pid: int, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it is still there after ``timeout`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if wait_for(lambda: not alive(pid), timeout):
            return


def tcp_port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on TCP ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def udp_port_in_use(port: int, host: str = "") -> bool:
    """True when something already listens on UDP ``host:port`` (a CA repeater, say)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False
