"""Hosts for tests across a network: Linux network namespaces on one private bridge.

Each host is a namespace with ``eth0`` (a veth whose peer sits on a bridge that has no address)
on ``10.<n>.0.0/24`` and a default route through ``eth0``, so broadcasts (CA/PVA searches,
beacons) go out on the bridge and nothing can route beyond it. Names are unique per run; the
namespaces, the bridge and every process started in them are removed at the end, processes
by PID.
"""
from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

__all__ = ["netns_available", "Network", "Host"]

_counter = itertools.count()


def netns_available() -> Optional[str]:
    """None when namespaces can be made here, else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add); run the tests as root"
    if shutil.which("ip") is None:
        return "the 'ip' command (iproute2) is missing"
    probe = f"pvp{os.getpid() % 100000}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return f"ip netns add failed: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


@dataclass
class Host:
    """One namespace: its name, address and the processes started in it."""

    ns: str
    address: str
    env: Dict[str, str]
    procs: List[subprocess.Popen] = field(default_factory=list)

    def command(self, args: Sequence[str]) -> List[str]:
        return ["ip", "netns", "exec", self.ns, *args]

    def run(self, args: Sequence[str], timeout: float = 120, check: bool = True,
            env: Optional[Dict[str, str]] = None, **kw) -> subprocess.CompletedProcess:
        r = subprocess.run(self.command(args), env=env or self.env, capture_output=True,
                           text=True, timeout=timeout, **kw)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(args)} on {self.ns} exited {r.returncode}:\n"
                                 f"{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        return r

    def popen(self, args: Sequence[str], env: Optional[Dict[str, str]] = None,
              **kw) -> subprocess.Popen:
        proc = subprocess.Popen(self.command(args), env=env or self.env, **kw)
        self.procs.append(proc)
        return proc


class Network:
    """A bridge with hosts on it; ``close()`` removes everything."""

    def __init__(self, base_env: Dict[str, str]) -> None:
        n = next(_counter)
        self.tag = f"pv{os.getpid() % 10000}{n}"
        self.subnet = 20 + (os.getpid() + n) % 200
        self.bridge = f"br{self.tag}"
        self.env = {k: v for k, v in base_env.items() if not k.startswith("EPICS_")}
        self.hosts: Dict[str, Host] = {}
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("link", "set", self.bridge, "up")

    def add(self, name: str, last_octet: int) -> Host:
        ns = f"{self.tag}{name}"
        outside, inside = f"v{self.tag}{last_octet}", f"e{self.tag}{last_octet}"
        address = f"10.{self.subnet}.0.{last_octet}"
        _ip("netns", "add", ns)
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", ns)
        _ip("-n", ns, "link", "set", inside, "name", "eth0")
        _ip("-n", ns, "addr", "add", f"{address}/24", "brd", "+", "dev", "eth0")
        _ip("-n", ns, "link", "set", "eth0", "up")
        _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", ns, "route", "add", "default", "dev", "eth0")
        _ip("link", "set", outside, "master", self.bridge)
        _ip("link", "set", outside, "up")
        host = Host(ns, address, dict(self.env))
        self.hosts[name] = host
        return host

    def close(self) -> None:
        for host in self.hosts.values():
            for proc in host.procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(10)
            subprocess.run(["ip", "netns", "del", host.ns], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
