"""Starting and stopping real IOC processes for tests and benchmarks."""
from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Callable, Iterable, List, Optional

from caproto import CaprotoError
from caproto.sync import client as _sync

from iocs.common.caenv import IocPorts, server_env

_counter = itertools.count()

#: A child started behind this gets SIGTERM when the process that started it ends (util-linux
#: setpriv sets PR_SET_PDEATHSIG, then execs): a test worker that crashed leaves no IOC behind.
DIES_WITH_PARENT = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []

#: Seconds a test waits for something that must happen: a liveness deadline, never a speed
#: goal (speed goals are measured in benchmarks/). A loaded two-core machine is slow, not
#: wrong.
PATIENCE = 60.0


def _udp_socket_of_its_own(socket_module=socket) -> socket.socket:
    """caproto's ``bcast_socket()`` for its sync client, but on a port of its own.

    caproto sets SO_REUSEADDR on the client's search socket. On Linux a later socket with that
    option may then be bound to the same port (a bind to port 0 picks it as if free) and the
    datagrams to the port go to the newest socket: another process's caproto client took the
    replies to our searches (seen as 60 s search timeouts while the IOC logged its answers).
    Without the option the port stays ours alone."""
    sock = socket_module.socket(socket_module.AF_INET, socket_module.SOCK_DGRAM)
    sock.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_BROADCAST, 1)
    return sock                  # the sync client binds it to ("", 0): a free port


_sync.ca.bcast_socket = _udp_socket_of_its_own      # what caproto's sync client calls


def _again(operation, *args, **kwargs):
    """caproto's sync client searches and opens a circuit per call. Two of its failures come
    before anything reaches the IOC, so the call is made again: a circuit torn down while it
    initialises (twice more at most: an IOC that died fails the next check), and a search
    that went unanswered within the call's ``timeout`` (its datagrams are the first a loaded
    machine drops or delays; searched again until PATIENCE has passed). What the IOC answers
    (an error, a read, a completed write) is never retried."""
    deadline = time.monotonic() + PATIENCE
    hiccups = 0
    while True:
        try:
            return operation(*args, **kwargs)
        except CaprotoError as ex:
            unanswered = "from the search for" in str(ex)
            if "during initialization" in str(ex) and hiccups < 2:
                hiccups += 1
            elif not (unanswered and time.monotonic() < deadline):
                raise


def ca_read(*args, **kwargs):
    """caproto's sync ``read``, past the client's hiccups before the IOC is reached."""
    return _again(_sync.read, *args, **kwargs)


def ca_write(*args, **kwargs):
    """caproto's sync ``write``, past the client's hiccups before the IOC is reached."""
    return _again(_sync.write, *args, **kwargs)


def unique_prefix() -> str:
    return f"T{os.getpid()}X{next(_counter)}:"


def wait_until(condition: Callable[[], object], timeout: float, what: str,
               interval: float = 0.02) -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def caput(pv: str, value, timeout: float = PATIENCE) -> None:
    """pyepics' caput, waiting for completion; fail if it does not complete (refused, or no
    answer within ``timeout``)."""
    import epics
    if epics.caput(pv, value, wait=True, timeout=timeout, connection_timeout=timeout) != 1:
        raise AssertionError(f"caput {pv} {value!r} did not complete")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def caget_fresh(pv: str, timeout: float = 10.0, **kwargs):
    """A value read from the IOC now (not a cached monitor value)."""
    import epics
    kwargs.setdefault("connection_timeout", timeout)
    return epics.caget(pv, use_monitor=False, timeout=timeout, **kwargs)


class IocProcess:
    """One IOC subprocess on its own loopback port, with a log file, stopped by PID."""

    def __init__(self, role: str, args: List[str], ports: IocPorts, repeater_port: int,
                 workdir: Path, *, ready_pv: Optional[str], peers: Iterable[IocPorts] = ()):
        self.role = role
        self.args = args
        self.ports = ports
        self.workdir = Path(workdir)
        self.ready_pv = ready_pv
        self.env = server_env(ports, list(peers), repeater_port)
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.role}.{self.starts}.log"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def start(self, timeout: float = PATIENCE) -> IocProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([*DIES_WITH_PARENT, sys.executable, *self.args],
                                     env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        if self.ready_pv:
            try:
                wait_until(self._ready, timeout, f"{self.ready_pv} from {self.role} IOC")
            except TimeoutError:
                self.stop()
                raise TimeoutError(f"{self.role} IOC did not answer; log:\n{self.log()}") \
                    from None
        return self

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.role} IOC exited with {self.proc.returncode}:\n"
                               f"{self.log()}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")         # pyepics warns on each timed-out get
            return caget_fresh(self.ready_pv, timeout=0.5) is not None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """End the process (SIGTERM, then SIGKILL) and reap it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout)
        except ProcessLookupError:
            pass

    def restart(self) -> IocProcess:
        self.stop()
        return self.start()


def qimage_rgb(image):
    """An (h, w, 3) uint8 copy of a QImage's pixels."""
    import numpy as np
    from qtpy.QtGui import QImage
    img = image.convertToFormat(QImage.Format_RGB888)
    ptr = img.constBits()
    ptr.setsize(img.byteCount())
    rows = np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())
    return rows[:, :img.width() * 3].reshape(img.height(), img.width(), 3).copy()
