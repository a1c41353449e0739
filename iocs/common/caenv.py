"""The two network modes, stated once: the site's EPICS environment, or ``--local`` loopback.

**Site mode** (the default of the IOCs, the launcher and the systemd units) uses the EPICS
environment it is given, like any EPICS IOC: CA on port 5064 on every interface (or
``EPICS_CAS_INTF_ADDR_LIST``), beacons to the broadcast addresses, clients searching by
broadcast or ``EPICS_CA_ADDR_LIST``; PVA likewise on 5075/5076. Several IOCs on one host all
serve on 5064: a broadcast search reaches every one of them (their UDP sockets share the
port), a *unicast* search to that host reaches only one, so clients that list hosts in
``EPICS_CA_ADDR_LIST`` must keep broadcast (``EPICS_CA_AUTO_ADDR_LIST=YES``) or give each IOC
its own port. Site mode only adds ``EPICS_CA_MAX_ARRAY_BYTES`` when it is unset.

**Local mode** (``make demo``, the tests) keeps everything on 127.0.0.1: each IOC gets its
own CA port and PVA ports (a unicast search reaches one server per port), clients list them
all, beacons go to a loopback repeater. Nothing here ever names an address outside
127.0.0.0/8, so a demo never announces PVs on a beamline network. Local-mode ports come from
``PVCHART_PORT_RANGE`` (``LOW-HIGH``), by default the ports just below the kernel's ephemeral
range: a port from that range may be handed to some client's socket while its IOC is
restarting, and the IOC's searches would then go to that client.
"""
from __future__ import annotations

import os
import random
import socket
from dataclasses import dataclass
from typing import Dict, Iterable, Mapping, MutableMapping, Optional, Sequence, Set, Tuple

from .names import ARCHIVER_ENV, DEFAULT_MAX_ARRAY_BYTES

__all__ = ["LOOPBACK", "IocPorts", "free_port", "port_range", "PORT_RANGE_ENV", "client_env",
           "server_env", "site_env", "ensure_max_array_bytes", "CLIENT_KEYS"]

LOOPBACK = "127.0.0.1"
#: What a client of local-mode IOCs needs (``pvchart-iocs env``, ``run/ca.env``).
CLIENT_KEYS = ("EPICS_CA_ADDR_LIST", "EPICS_CA_AUTO_ADDR_LIST", "EPICS_CA_SERVER_PORT",
               "EPICS_CA_REPEATER_PORT", "EPICS_CA_MAX_ARRAY_BYTES", "EPICS_PVA_ADDR_LIST",
               "EPICS_PVA_AUTO_ADDR_LIST")


PORT_RANGE_ENV = "PVCHART_PORT_RANGE"
EPHEMERAL_RANGE_FILE = "/proc/sys/net/ipv4/ip_local_port_range"
_handed_out: Set[int] = set()


def port_range(environ: Optional[Mapping[str, str]] = None) -> Tuple[int, int]:
    """The ports local mode takes from: ``PVCHART_PORT_RANGE`` (``LOW-HIGH``, inclusive), or
    the ports from 20000 up to the kernel's ephemeral range (above it if that starts lower).

    Raises ValueError for a range that is not ``LOW-HIGH`` with 1024 <= LOW <= HIGH <= 65535.
    """
    text = (os.environ if environ is None else environ).get(PORT_RANGE_ENV, "").strip()
    if text:
        try:
            low, high = (int(part) for part in text.split("-"))
        except ValueError:
            low = high = -1
        if not 1024 <= low <= high <= 65535:
            raise ValueError(f"{PORT_RANGE_ENV}={text!r}: expected LOW-HIGH, "
                             "1024 <= LOW <= HIGH <= 65535")
        return low, high
    try:
        with open(EPHEMERAL_RANGE_FILE) as f:
            first, last = (int(v) for v in f.read().split())
    except (OSError, ValueError):
        first, last = 32768, 60999
    return (20000, first - 1) if first > 21000 else (last + 1, 65535)


def free_port() -> int:
    """A port of :func:`port_range` free for both TCP and UDP on 127.0.0.1 right now, and not
    handed out before by this process."""
    low, high = port_range()
    pick = random.SystemRandom()
    for _ in range(500):
        port = pick.randint(low, high)
        if port in _handed_out:
            continue
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, \
                    socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                tcp.bind((LOOPBACK, port))
                udp.bind((LOOPBACK, port))
        except OSError:
            continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port pair found on {LOOPBACK} in {low}-{high} "
                       f"(set {PORT_RANGE_ENV})")


@dataclass(frozen=True)
class IocPorts:
    """The loopback ports of one IOC in local mode."""

    ca: int            #: CA server (TCP and UDP search)
    pva: int = 0       #: PVA server (TCP); 0: no PVA
    pva_udp: int = 0   #: PVA search (UDP)

    @classmethod
    def allocate(cls, pva: bool = True) -> IocPorts:
        return cls(free_port(), free_port(), free_port()) if pva else cls(free_port())


def client_env(iocs: Iterable[IocPorts], repeater_port: int,
               base: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Environment for a CA/PVA client that finds the given local-mode IOCs, and only them."""
    env = dict(os.environ if base is None else base)
    ports = list(iocs)
    env.update({
        "EPICS_CA_ADDR_LIST": " ".join(f"{LOOPBACK}:{p.ca}" for p in ports),
        "EPICS_CA_AUTO_ADDR_LIST": "NO",
        "EPICS_CA_SERVER_PORT": str(ports[0].ca),
        "EPICS_CA_REPEATER_PORT": str(repeater_port),
        "EPICS_PVA_ADDR_LIST": " ".join(f"{LOOPBACK}:{p.pva_udp}" for p in ports
                                        if p.pva_udp),
        "EPICS_PVA_AUTO_ADDR_LIST": "NO",
    })
    ensure_max_array_bytes(env)
    return env


def server_env(own: IocPorts, peers: Sequence[IocPorts], repeater_port: int,
               base: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Environment for a local-mode IOC serving on ``own`` (and a client of ``peers``)."""
    env = client_env([own, *[p for p in peers if p != own]], repeater_port, base)
    env.pop(ARCHIVER_ENV, None)          # a demo or test never asks the site's archiver
    env.update({
        "EPICS_CA_SERVER_PORT": str(own.ca),
        "EPICS_CAS_SERVER_PORT": str(own.ca),
        "EPICS_CAS_INTF_ADDR_LIST": LOOPBACK,
        "EPICS_CAS_BEACON_ADDR_LIST": LOOPBACK,
        "EPICS_CAS_AUTO_BEACON_ADDR_LIST": "NO",
        "EPICS_CAS_BEACON_PORT": str(repeater_port),
        "EPICS_PVAS_INTF_ADDR_LIST": LOOPBACK,
        "EPICS_PVAS_BEACON_ADDR_LIST": LOOPBACK,
        "EPICS_PVAS_AUTO_BEACON_ADDR_LIST": "NO",
    })
    if own.pva:
        env.update(EPICS_PVAS_SERVER_PORT=str(own.pva),
                   EPICS_PVAS_BROADCAST_PORT=str(own.pva_udp))
    return env


def site_env(base: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The site's environment as given, with room for image waveforms."""
    env = dict(os.environ if base is None else base)
    ensure_max_array_bytes(env)
    return env


def ensure_max_array_bytes(env: MutableMapping[str, str] = os.environ) -> None:
    """Give libca room for image waveforms unless the user chose a size already."""
    env.setdefault("EPICS_CA_MAX_ARRAY_BYTES", str(DEFAULT_MAX_ARRAY_BYTES))
