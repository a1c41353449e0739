"""Channel Access environments for running several IOCs and clients on one host, loopback only.

A UDP search sent to ``127.0.0.1:port`` reaches only one of the servers bound to that port, so
each IOC gets its own server port and clients list every IOC's port in ``EPICS_CA_ADDR_LIST``
(``127.0.0.1:5064 127.0.0.1:5066``). Nothing here ever names an address outside 127.0.0.0/8.
"""
from __future__ import annotations

import os
import socket
from typing import Dict, Iterable, Mapping, MutableMapping, Optional

__all__ = ["DEFAULT_MAX_ARRAY_BYTES", "free_port", "client_env", "server_env",
           "ensure_max_array_bytes"]

#: Enough for a 1920x1080 RGBA frame with headroom; libca's own default is 16 kB.
DEFAULT_MAX_ARRAY_BYTES = 20_000_000

LOOPBACK = "127.0.0.1"


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


def client_env(server_ports: Iterable[int], repeater_port: int,
               base: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Environment for a CA client that finds IOCs on the given loopback ports only."""
    env = dict(os.environ if base is None else base)
    ports = list(server_ports)
    env.update({
        "EPICS_CA_ADDR_LIST": " ".join(f"{LOOPBACK}:{p}" for p in ports),
        "EPICS_CA_AUTO_ADDR_LIST": "NO",
        "EPICS_CA_SERVER_PORT": str(ports[0]),
        "EPICS_CA_REPEATER_PORT": str(repeater_port),
    })
    ensure_max_array_bytes(env)
    return env


def server_env(server_port: int, peer_ports: Iterable[int], repeater_port: int,
               base: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Environment for an IOC serving on ``server_port`` (and a client of ``peer_ports``)."""
    env = client_env([server_port, *[p for p in peer_ports if p != server_port]],
                     repeater_port, base)
    env.update({
        "EPICS_CA_SERVER_PORT": str(server_port),
        "EPICS_CAS_SERVER_PORT": str(server_port),
        "EPICS_CAS_INTF_ADDR_LIST": LOOPBACK,
        "EPICS_CAS_BEACON_ADDR_LIST": LOOPBACK,
        "EPICS_CAS_AUTO_BEACON_ADDR_LIST": "NO",
        "EPICS_CAS_BEACON_PORT": str(repeater_port),
    })
    return env


def ensure_max_array_bytes(env: MutableMapping[str, str] = os.environ) -> None:
    """Give libca room for image waveforms unless the user chose a size already."""
    env.setdefault("EPICS_CA_MAX_ARRAY_BYTES", str(DEFAULT_MAX_ARRAY_BYTES))
