"""Fixtures: real IOC subprocesses on loopback, free ports per session, stopped by PID."""
from __future__ import annotations

import os

from iocs.common.caenv import IocPorts, client_env, free_port

# Before anything loads libca: CA and PVA ports per IOC role, all on loopback.
SLOTS = {role: IocPorts.allocate() for role in ("motor", "chart", "aux")}
REPEATER_PORT = free_port()
os.environ.update(client_env(SLOTS.values(), REPEATER_PORT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.support.harness import IocProcess, unique_prefix  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def ca_repeater(tmp_path_factory):
    """A loopback CA repeater for the session, so clients notice restarted IOCs quickly."""
    proc = IocProcess("repeater", ["-m", "iocs.ops.repeater", "--host", "127.0.0.1"],
                      SLOTS["aux"], REPEATER_PORT, tmp_path_factory.mktemp("repeater"),
                      ready_pv=None)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def start_ioc(tmp_path):
    """Factory: ``start_ioc(role, module, *args, ready_pv=...)`` -> running :class:`IocProcess`."""
    started = []

    def start(role: str, module: str, *args: str, ready_pv: str) -> IocProcess:
        proc = IocProcess(role, ["-m", module, *args], SLOTS[role], REPEATER_PORT,
                          tmp_path / role, ready_pv=ready_pv, peers=SLOTS.values())
        started.append(proc)
        proc.start()
        return proc

    yield start
    for proc in reversed(started):
        proc.stop()


@pytest.fixture
def prefix() -> str:
    """A PV prefix no other test in this session uses."""
    return unique_prefix()


@pytest.fixture
def motor_ioc(start_ioc, prefix, tmp_path):
    """A motor IOC with axes ``motor`` and ``m2`` and autosave under ``tmp_path``."""
    return start_ioc("motor", "iocs.motor", "--prefix", prefix, "--axes", "motor,m2",
                     "--autosave-dir", str(tmp_path / "autosave"),
                     ready_pv=f"{prefix}motor.RTYP")


@pytest.fixture
def chart_ioc(start_ioc, motor_ioc, prefix, tmp_path):
    """A chart IOC charting the motor IOC's ``motor`` axis (RBV and VAL), 10 Hz."""
    return start_ioc("chart", "iocs.chart", "--prefix", prefix, "--autosave-dir",
                     str(tmp_path / "autosave"), "--insert", "2", "--retract", "0",
                     "--jog-step", "0.5", "--window", "20",
                     ready_pv=f"{prefix}chart:UniqueId_RBV")


@pytest.fixture
def launcher(tmp_path, prefix, request):
    """Local-mode IOCs under real procServ via the launcher, on this session's ports (not
    yet started)."""
    from iocs.ops.launcher import Launcher
    holdoff = getattr(request, "param", 1)
    launched = Launcher(tmp_path / "run", local=True, prefix=prefix,
                        ports={"motor": SLOTS["motor"], "chart": SLOTS["chart"]},
                        repeater_port=REPEATER_PORT, holdoff=holdoff)
    yield launched
    launched.stop()
