"""Site mode across hosts (issue 9): IOC hosts and a console host as network namespaces.

Host A runs the motor IOC, host B the chart IOC (which must find A's motor by broadcast),
host C both IOCs and a repeater (two IOCs on port 5064), and the console host runs only a CA
repeater, as a site host does. Every IOC is started with ``pvchart-iocs start`` in site mode,
with no EPICS variable set anywhere.
"""
import json
import os
import sys
import textwrap
from contextlib import contextmanager

import pytest

from iocs.ops.launcher import Launcher
from tests.support.netns import Network, netns_available
from tests.support.reconnection import reconnection_times

WHY_NOT = netns_available()
pytestmark = [pytest.mark.netns, pytest.mark.xdist_group("site"),
              pytest.mark.skipif(WHY_NOT is not None, reason=f"no network namespaces: {WHY_NOT}")]
PY = sys.executable


def console_py(host, code, timeout=60):
    """Run Python ``code`` on ``host``; returns its stdout."""
    return host.run([PY, "-c", textwrap.dedent(code)], timeout=timeout).stdout


@pytest.fixture
def site(lasting, request, tmp_path_factory):
    """The hosts and their IOCs, from the module's first test to its last."""
    yield lasting.get(request, lambda: build_site(tmp_path_factory))
    lasting.release(request)


@contextmanager
def build_site(tmp_path_factory):
    net = Network(dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    runs = {}
    try:
        a, b, c, console = (net.add(n, k) for n, k in (("a", 10), ("b", 11), ("c", 12),
                                                      ("con", 20)))
        console.popen([PY, "-m", "iocs.ops.repeater"])
        for host, names, prefix in ((a, ["motor"], "SITEA:"), (b, ["chart"], "SITEA:"),
                                    (c, [], "SITEC:")):
            run_dir = tmp_path_factory.mktemp(host.ns) / "run"
            runs[host.ns] = run_dir
            host.run([PY, "-m", "iocs.ops.launcher_cli", "start", *names, "--prefix", prefix,
                      "--run-dir", str(run_dir)], timeout=120)
        yield net, runs
    finally:
        for host in net.hosts.values():
            if host.ns in runs:
                host.run([PY, "-m", "iocs.ops.launcher_cli", "stop", "--run-dir",
                          str(runs[host.ns])], check=False)
        net.close()


def test_site_mode_uses_the_environment_as_given(site):
    net, runs = site
    saved = json.loads((runs[net.hosts["a"].ns] / "launcher.json").read_text())
    assert saved["local"] is False and saved["ports"] == {}
    env = (runs[net.hosts["a"].ns] / "ca.env").read_text()
    assert "export EPICS_CA_ADDR_LIST" not in env and "127.0.0.1" not in env


def test_console_reads_and_moves_the_motor_on_another_host(site):
    net, _ = site
    console = net.hosts["con"]
    out = console_py(console, """
        import epics
        m = epics.Motor("SITEA:motor", timeout=60)
        print("rbv", m.get_position(readback=True))
        print("move", m.move(1.5, wait=True, timeout=60))
        print("now", epics.caget("SITEA:motor.RBV", use_monitor=False))
    """)
    assert "rbv 0.0" in out and "move 0" in out and "now 1.5" in out
    r = console.run([PY, "-m", "iocs.ops.client", "move", "SITEA:motor", "2", "--wait"])
    assert "done at 2.0000" in r.stdout
    r = console.run([PY, "-m", "iocs.ops.client", "get", "SITEA:motor.DMOV"])
    assert "SITEA:motor.DMOV 1" in r.stdout


def test_chart_on_another_host_finds_the_motor_by_broadcast(site):
    """Both sources connect and frames keep coming (the frame rate is
    benchmarks/console_cpu.py's figure)."""
    net, _ = site
    out = console_py(net.hosts["con"], """
        import time, epics
        def poll(condition):                    # a liveness deadline, not a speed goal
            deadline = time.monotonic() + 60
            while not condition() and time.monotonic() < deadline:
                time.sleep(0.1)
            return condition()
        connected = poll(lambda: epics.caget("SITEA:chart:status", use_monitor=False,
                                             timeout=10) == "2 of 2 sources connected")
        first = epics.caget("SITEA:chart:UniqueId_RBV", use_monitor=False, timeout=10)
        more = poll(lambda: epics.caget("SITEA:chart:UniqueId_RBV", use_monitor=False,
                                        timeout=10) >= first + 5)
        print(connected, more)
    """, timeout=180)
    assert out.split() == ["True", "True"]


def test_two_iocs_on_one_host_share_5064_and_broadcast_finds_both(site):
    net, _ = site
    c = net.hosts["c"]
    sockets = c.run(["ss", "-uln"]).stdout
    assert sockets.count(":5064 ") >= 2
    out = console_py(net.hosts["con"], """
        import time, epics
        rtyp = epics.caget("SITEC:motor.RTYP", timeout=60)
        deadline = time.monotonic() + 60        # the chart IOC's first frame
        while (epics.caget("SITEC:chart:UniqueId_RBV", timeout=10) or 0) < 1 and \\
                time.monotonic() < deadline:
            time.sleep(0.1)
        print(rtyp, epics.caget("SITEC:chart:UniqueId_RBV", timeout=10) > 0)
    """, timeout=180)
    assert out.split() == ["motor", "True"]
    unicast = dict(net.env, EPICS_CA_ADDR_LIST=c.address, EPICS_CA_AUTO_ADDR_LIST="NO")
    r = net.hosts["con"].run([PY, "-c", textwrap.dedent("""
        import time, epics
        pvs = [epics.PV(name) for name in ("SITEC:motor.RTYP", "SITEC:chart:status")]
        deadline = time.monotonic() + 60          # searched together: one is reached...
        while not any(pv.connected for pv in pvs) and time.monotonic() < deadline:
            epics.poll(0.05)
        epics.poll(3.0)                           # ...the other, searched again, never
        print(sum(pv.connected for pv in pvs))
    """)], env=unicast)
    assert r.stdout.strip().splitlines()[-1] == "1"   # unicast to a shared port: one IOC


def test_display_screenshot_on_the_console_writes_no_pv(site, tmp_path):
    net, _ = site
    console = net.hosts["con"]
    probe = """
        import epics
        for f in ("VAL", "DMOV", "RBV"):
            v = epics.PV("SITEA:motor." + f, form="time")
            v.wait_for_connection(10)
            print(f, v.get_with_metadata(use_monitor=False)["timestamp"], v.get())
    """
    before = console_py(console, probe)
    shot = tmp_path / "console.png"
    console.run([PY, "-m", "iocs.ops.display", "--prefix", "SITEA:", "--screenshot",
                 str(shot)], timeout=120)
    assert shot.stat().st_size > 10_000
    assert console_py(console, probe) == before       # not even a timestamp changed


def test_the_console_comes_back_after_a_chart_ioc_kill(site):
    """After a SIGKILL of the chart IOC (procServ restarts it), the display's chart (PVA) and
    a plain libca monitor on the console host both get values again; how soon is
    benchmarks/reconnect.py's figure."""
    net, runs = site
    launcher = Launcher.from_run_dir(runs[net.hosts["b"].ns])
    back = reconnection_times(net.hosts["con"].popen, launcher, ("display", "ca"))
    print(f"chart IOC killed: the display's chart back after {back['display']:.2f} s, a "
          f"plain libca monitor after {back['ca']:.2f} s")
    assert set(back) == {"display", "ca"} and all(t > 0 for t in back.values())


def unit_environment(instance, autosave):
    """What systemd gives the unit's ExecStart: the env files, then the unit's settings."""
    from iocs.ops.display import data_path
    env = {}
    for name in ("common.env", f"{instance}.env"):
        for line in (data_path("deploy") / name).read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not line.lstrip().startswith("#"):
                env[key.strip()] = value.strip()
    args = env["IOC_ARGS"].replace("/var/lib/pvchart/autosave", str(autosave)).split()
    args = [a.replace("BEAMLINE:", "UNIT:") for a in args]
    command = [PY, "-m", env.pop("IOC_MODULE"), *args, *env.pop("PVCHART_ACCESS_ARGS").split()]
    env.pop("IOC_ARGS"), env.pop("PVCHART_PYTHON")
    return command, env


def test_the_shipped_unit_settings_work_across_hosts(site, tmp_path):
    net, _ = site
    for instance, name, octet in (("motor", "d", 13), ("chart", "e", 14)):
        host = net.add(name, octet)
        command, env = unit_environment(instance, tmp_path / instance)
        assert not any(k.startswith("EPICS_CA_ADDR") or "127.0.0.1" in v
                       for k, v in env.items())
        host.popen(command, env=dict(host.env, **env, PVCHART_LOG_STAMPED="1"),
                   stdout=-3, stderr=-3)
    out = console_py(net.hosts["con"], """
        import time, epics
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status != "2 of 2 sources connected":
            status = epics.caget("UNIT:chart:status", use_monitor=False, timeout=2)
            time.sleep(0.2)
        print(status)
    """, timeout=180)
    assert out.strip().splitlines()[-1] == "2 of 2 sources connected"
