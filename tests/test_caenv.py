"""Local mode's ports: taken from PVCHART_PORT_RANGE or from below the kernel's ephemeral
range, never one a client socket may be given, never the same twice."""
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iocs.common import caenv
from iocs.common.caenv import LOOPBACK, PORT_RANGE_ENV, free_port, port_range

pytestmark = pytest.mark.unit


def test_by_default_the_ports_lie_below_the_kernels_ephemeral_range():
    with open(caenv.EPHEMERAL_RANGE_FILE) as f:
        first, last = (int(v) for v in f.read().split())
    low, high = port_range({})
    assert low <= high and (high < first or low > last)


def test_the_range_is_taken_from_the_environment():
    assert port_range({PORT_RANGE_ENV: " 24000-24010 "}) == (24000, 24010)


@given(st.one_of(st.text(max_size=12), st.tuples(st.integers(-10, 70000),
                                                   st.integers(-10, 70000)).map(
    lambda t: f"{t[0]}-{t[1]}")))
def test_a_bad_range_is_a_clear_error(text):
    parts = text.strip().split("-")
    good = (len(parts) == 2 and all(p.strip().isdigit() for p in parts)
            and 1024 <= int(parts[0]) <= int(parts[1]) <= 65535)
    if good or not text.strip():
        return
    with pytest.raises(ValueError, match=PORT_RANGE_ENV):
        port_range({PORT_RANGE_ENV: text})


def test_free_ports_come_from_the_range_once_each_and_skip_busy_ones(monkeypatch):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind((LOOPBACK, 0))
        taken = busy.getsockname()[1]
        monkeypatch.setenv(PORT_RANGE_ENV, f"{taken}-{taken}")
        with pytest.raises(RuntimeError, match="no free port"):
            free_port()                              # its one port is busy (UDP)
    low = 32700                      # above every test worker's block and the docs' ports
    monkeypatch.setenv(PORT_RANGE_ENV, f"{low}-{low + 9}")
    ports = [p for p in (free_port_or_none() for _ in range(12)) if p is not None]
    assert ports and len(set(ports)) == len(ports)
    assert all(low <= p <= low + 9 for p in ports)


def free_port_or_none():
    try:
        return free_port()
    except RuntimeError:                             # the ten are handed out (or busy)
        return None
