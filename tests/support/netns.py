"""Hosts for tests across a network: Linux network namespaces on private bridges (subnets).

Each subnet is a bridge with no address, ``10.<n>.0.0/24``. Each host is a namespace with
``eth0`` (a veth whose peer sits on its subnet's bridge) and a default route through ``eth0``,
so broadcasts (CA/PVA searches, beacons) go out on that bridge and nothing can route beyond
it. A host may also sit on further subnets (``eth1``, ...: a multi-homed host such as a
gateway); those reach their own ``/24`` only, and the host forwards nothing between them
(``net.ipv4.ip_forward = 0``) nor answers ARP on one subnet for its address on another
(``arp_ignore = 1``), so nothing on one subnet reaches anything on another. Names
are unique per run; the namespaces, the bridges and every process started in them are
removed at the end, processes by PID.
"""
from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

__all__ = ["netns_available", "Network", "Subnet", "Host"]

_counter = itertools.count()
#: In interface names (15 characters at most): the PID in hex, then a counter after an "x".
_ID = f"{os.getpid():x}x"


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


class Subnet:
    """A bridge with no address: the link layer of ``10.<number>.0.0/24``."""

    def __init__(self) -> None:
        n = next(_counter)
        self.number = 20 + (os.getpid() + n) % 200
        self.bridge = f"b{_ID}{n}"
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("link", "set", self.bridge, "up")

    def address(self, last_octet: int) -> str:
        return f"10.{self.number}.0.{last_octet}"

    @property
    def broadcast(self) -> str:
        return self.address(255)

    def plug(self, ns: str, device: str, last_octet: int) -> str:
        """A veth from the bridge into namespace ``ns``, named ``device`` there, with the
        address ``10.<number>.0.<last_octet>/24``; returns that address."""
        n = next(_counter)
        outside, inside = f"v{_ID}{n}", f"w{_ID}{n}"
        address = self.address(last_octet)
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", ns)
        _ip("-n", ns, "link", "set", inside, "name", device)
        _ip("-n", ns, "addr", "add", f"{address}/24", "brd", "+", "dev", device)
        _ip("-n", ns, "link", "set", device, "up")
        _ip("link", "set", outside, "master", self.bridge)
        _ip("link", "set", outside, "up")
        return address

    def close(self) -> None:
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


@dataclass
class Host:
    """One namespace: its name, address (on ``eth0``) and the processes started in it."""

    ns: str
    address: str
    env: Dict[str, str]
    procs: List[subprocess.Popen] = field(default_factory=list)
    #: Its address on each subnet it sits on, by bridge name.
    addresses: Dict[str, str] = field(default_factory=dict)

    def address_on(self, subnet: Subnet) -> str:
        """This host's address on ``subnet`` (KeyError if it is not on it)."""
        return self.addresses[subnet.bridge]

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
        """Start ``args`` in this namespace (``ip netns exec`` execs it: same PID)."""
        proc = subprocess.Popen(self.command(args), env=env or self.env, **kw)
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 10.0) -> None:
        """End one process started here: SIGTERM, then SIGKILL; reaped."""
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)


class Network:
    """Subnets with hosts on them; ``close()`` removes everything.

    ``Network(env)`` starts with one subnet (``bridge``, ``subnet``: its number), where
    ``add`` puts hosts unless given another from ``add_subnet``; ``attach`` puts a host on a
    further subnet.
    """

    def __init__(self, base_env: Dict[str, str]) -> None:
        self.env = {k: v for k, v in base_env.items() if not k.startswith("EPICS_")}
        self.hosts: Dict[str, Host] = {}
        self.subnets: List[Subnet] = []
        self.tag = f"pv{_ID}{next(_counter)}"
        first = self.add_subnet()
        self.subnet, self.bridge = first.number, first.bridge

    def add_subnet(self) -> Subnet:
        """A further subnet (its own bridge and ``10.<n>.0.0/24``)."""
        subnet = Subnet()
        self.subnets.append(subnet)
        return subnet

    def add(self, name: str, last_octet: int, subnet: Optional[Subnet] = None) -> Host:
        """A host ``name`` with ``eth0`` on ``subnet`` (default: the first) and its default
        route through ``eth0``."""
        subnet = subnet or self.subnets[0]
        ns = f"{self.tag}{name}"
        _ip("netns", "add", ns)
        host = Host(ns, "", dict(self.env))
        self.hosts[name] = host                   # removed by close() from here on
        _ip("-n", ns, "link", "set", "lo", "up")
        host.address = subnet.plug(ns, "eth0", last_octet)
        host.addresses[subnet.bridge] = host.address
        _ip("-n", ns, "route", "add", "default", "dev", "eth0")
        host.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=0"])
        return host

    def attach(self, host: Host, subnet: Subnet, last_octet: int) -> str:
        """Put ``host`` on ``subnet`` too (the next ``eth<k>``, its ``/24`` only); returns its
        address there."""
        device = f"eth{len(host.addresses)}"
        address = subnet.plug(host.ns, device, last_octet)
        host.addresses[subnet.bridge] = address
        # ARP answers only for the asking interface's own address (Linux answers for any of
        # the host's by default), so no subnet reaches the host's addresses on the others.
        host.run(["sysctl", "-q", "-w", "net.ipv4.conf.all.arp_ignore=1"])
        return address

    def close(self) -> None:
        for host in self.hosts.values():
            for proc in host.procs:
                host.stop(proc)
            subprocess.run(["ip", "netns", "del", host.ns], capture_output=True)
        for subnet in self.subnets:
            subnet.close()
