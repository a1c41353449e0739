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
127.0.0.0/8, so a demo never announces PVs on a beamline network.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Dict, Iterable, Mapping, MutableMapping, Optional, Sequence

from .names import ARCHIVER_ENV, DEFAULT_MAX_ARRAY_BYTES

__all__ = ["LOOPBACK", "IocPorts", "free_port", "client_env",
           "server_env", "site_env", "ensure_max_array_bytes", "CLIENT_KEYS"]

LOOPBACK = "127.0.0.1"
#: What a client of local-mode IOCs needs (``pvchart-iocs env``, ``run/ca.env``).
CLIENT_KEYS = ("EPICS_CA_ADDR_LIST", "EPICS_CA_AUTO_ADDR_LIST", "EPICS_CA_SERVER_PORT",
               "EPICS_CA_REPEATER_PORT", "EPICS_CA_MAX_ARRAY_BYTES", "EPICS_PVA_ADDR_LIST",
               "EPICS_PVA_AUTO_ADDR_LIST")


def free_port() -> int:
    """A port that is free for both TCP and UDP on 127.0.0.1 right now."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((LOOPBACK, 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((LOOPBACK, port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port pair found on 127.0.0.1")


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
