"""Fixtures: real IOC subprocesses on loopback, free ports per session, stopped by PID; test
tiers; Hypothesis profiles.

Every test carries exactly one tier (:data:`TIERS`), as ``pytestmark = pytest.mark.<tier>`` in
its module; a module with a test that has none (or two) fails to collect.
"""
from __future__ import annotations

import os

from iocs.common.caenv import PORT_RANGE_ENV, IocPorts, client_env, free_port

# Each xdist worker takes its loopback ports from a block of its own, below the kernel's
# ephemeral range (20000-31999; `make docs` uses 32000-32599): no other worker, and no client
# socket, can be given a port one of its IOCs is to serve on (an IOC restarted on a port a
# client had taken meanwhile is never found).
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0) % 8
os.environ[PORT_RANGE_ENV] = f"{20000 + 1500 * _WORKER}-{20000 + 1500 * _WORKER + 1499}"

# Before anything loads libca: CA and PVA ports per IOC role, all on loopback. The "shared_"
# roles serve the IOCs a worker's tests share (tests/support/shared.py).
SLOTS = {role: IocPorts.allocate() for role in ("motor", "chart", "aux", "shared_motor",
                                                "shared_chart", "shared_pattern")}
REPEATER_PORT = free_port()
os.environ.update(client_env(SLOTS.values(), REPEATER_PORT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from tests.support.harness import IocProcess, unique_prefix  # noqa: E402
from tests.support.lasting import Lasting  # noqa: E402
from tests.support.shared import AxisPool, PatternPool, SharedChart  # noqa: E402

#: The tiers, from pure to the most demanding; a module is marked with what it needs most.
TIERS = ("unit", "qt", "ioc", "procserv", "netns", "browser", "install")

# Hypothesis: no deadline and no time-based health check (a loaded machine is slow, not
# wrong); derandomized, so a run is repeatable. PVCHART_HYPOTHESIS_PROFILE picks the profile:
# "test" (make test), "unit" (make unit, the quick loop) or "fuzz" (make fuzz: random, with
# PVCHART_FUZZ_EXAMPLES examples, default 1000).
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                     HealthCheck.function_scoped_fixture])
settings.register_profile("test", max_examples=100, derandomize=True, **_COMMON)
settings.register_profile("unit", max_examples=25, derandomize=True, **_COMMON)
settings.register_profile("fuzz", max_examples=int(os.environ.get("PVCHART_FUZZ_EXAMPLES",
                                                                  1000)),
                          derandomize=False, print_blob=True, **_COMMON)
settings.load_profile(os.environ.get("PVCHART_HYPOTHESIS_PROFILE", "test"))


def tiers_of(item: pytest.Item) -> list:
    return sorted({m.name for m in item.iter_markers() if m.name in TIERS})


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """A collected test without exactly one tier fails its module's collection."""
    report = yield
    if report.passed:
        wrong = [f"{item.name}: {', '.join(tiers) or 'no tier'}"
                 for item in report.result if isinstance(item, pytest.Item)
                 for tiers in [tiers_of(item)] if len(tiers) != 1]
        if wrong:
            report.outcome = "failed"
            report.longrepr = (f"{collector.nodeid}: every test needs exactly one tier "
                               f"(pytestmark = pytest.mark.<tier>, one of {', '.join(TIERS)}):"
                               "\n  " + "\n  ".join(wrong))
            report.result = []
    return report


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The most demanding tiers first: with pytest-xdist the long tests start early and the
    short ones fill the gaps at the end. Under ``--dist loadgroup`` a test marked
    ``xdist_group`` must carry its group in its node id (pytest-xdist's way of keeping a group
    on one worker), or the run stops."""
    if getattr(config.option, "loadgroup", False):
        lost = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and
                "@" not in i.nodeid]
        if lost:
            raise pytest.UsageError(f"--dist loadgroup did not group {lost[0]} (and "
                                    f"{len(lost) - 1} more): pytest and pytest-xdist "
                                    "versions that do not work together?")
    rank = {tier: -k for k, tier in enumerate(TIERS)}
    items.sort(key=lambda item: min((rank[t] for t in tiers_of(item)), default=0))


#: A test still running after this long is hung (pytest-timeout, at 300 s, needs the GIL).
HUNG_AFTER = float(os.environ.get("PVCHART_HUNG_AFTER", 600))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """A test that hangs with the GIL held (a deadlock in a C extension: pytest-timeout's
    handler never runs) ends its process after :data:`HUNG_AFTER` s, every thread's stack
    written to ``hung-tests.txt`` in pytest's base temporary directory: a failed run, not a
    run that never ends."""
    import faulthandler
    path = item.config._tmp_path_factory.getbasetemp() / "hung-tests.txt"
    with open(path, "a") as out:
        out.write(f"--- {item.nodeid}\n")
        out.flush()
        faulthandler.dump_traceback_later(HUNG_AFTER, exit=True, file=out)
        try:
            return (yield)
        finally:
            faulthandler.cancel_dump_traceback_later()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can see whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def failed(request) -> bool:
    return any(getattr(getattr(request.node, f"report_{when}", None), "failed", False)
               for when in ("setup", "call"))


@pytest.fixture(scope="session", autouse=True)
def ca_repeater(tmp_path_factory):
    """A loopback CA repeater for the session, so clients notice restarted IOCs quickly."""
    proc = IocProcess("repeater", ["-m", "iocs.ops.repeater", "--host", "127.0.0.1"],
                      SLOTS["aux"], REPEATER_PORT, tmp_path_factory.mktemp("repeater"),
                      ready_pv=None)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def lasting():
    """Resources a module's tests share from its first test to its last (see
    :mod:`tests.support.lasting`)."""
    held = Lasting()
    yield held
    held.close()


@pytest.fixture(scope="session")
def ioc_factory():
    """:func:`ioc_process`, for fixtures that keep an IOC longer than one test."""
    return ioc_process


def ioc_process(role: str, workdir, module: str, *args: str, ready_pv: str) -> IocProcess:
    """An IOC subprocess (not started) on the session's ports for ``role``."""
    return IocProcess(role, ["-m", module, *args], SLOTS[role], REPEATER_PORT, workdir,
                      ready_pv=ready_pv, peers=SLOTS.values())


@pytest.fixture
def start_ioc(tmp_path, request):
    """Factory: ``start_ioc(role, module, *args, ready_pv=...)`` -> running :class:`IocProcess`.
    If the test fails, the end of each IOC's log is printed with it."""
    started = []

    def start(role: str, module: str, *args: str, ready_pv: str) -> IocProcess:
        proc = ioc_process(role, tmp_path / role, module, *args, ready_pv=ready_pv)
        started.append(proc)
        proc.start()
        return proc

    yield start
    for proc in reversed(started):
        if failed(request):
            print(f"--- {proc.role} IOC ({'alive' if proc.alive() else 'ended'}), "
                  f"{proc.log_path}:\n{proc.log()}")
        proc.stop()


@pytest.fixture
def prefix() -> str:
    """A PV prefix no other test in this session uses."""
    return unique_prefix()


@pytest.fixture
def motor_ioc(start_ioc, prefix, tmp_path):
    """A motor IOC of this test's own, axes ``motor`` and ``m2``, autosave under
    ``tmp_path`` (for tests that stop, restart or break it; others take an axis of the shared
    motor IOC: :func:`motor`)."""
    return start_ioc("motor", "iocs.motor", "--prefix", prefix, "--axes", "motor,m2",
                     "--autosave-dir", str(tmp_path / "autosave"),
                     ready_pv=f"{prefix}motor.RTYP")


@pytest.fixture
def chart_ioc(start_ioc, motor_ioc, prefix, tmp_path):
    """A chart IOC of this test's own charting its own motor IOC's ``motor`` axis (RBV and
    VAL), 10 Hz (for tests that stop or restart one of them; others use :func:`chart`)."""
    return start_ioc("chart", "iocs.chart", "--prefix", prefix, *SharedChart.ARGS,
                     "--autosave-dir", str(tmp_path / "autosave"),
                     ready_pv=f"{prefix}chart:UniqueId_RBV")


@pytest.fixture(scope="session")
def motor_pool(tmp_path_factory):
    """The worker's shared motor IOC: many axes, each handed to one test only."""
    pool = AxisPool(lambda prefix, workdir, *args: ioc_process(
        "shared_motor", workdir, "iocs.motor", "--prefix", prefix, *args,
        ready_pv=f"{prefix}motor.RTYP"), tmp_path_factory.mktemp("shared-motor"))
    yield pool
    pool.stop()


@pytest.fixture
def motor(motor_pool):
    """A motor record (``<prefix>aN``) no other test has used, on the shared motor IOC: at
    rest at 0, default settings. Stopped after the test; an IOC that died during the test
    fails it."""
    with motor_pool.lend() as name:
        yield name


@pytest.fixture(scope="session")
def pattern_pool(tmp_path_factory):
    """The worker's shared pattern IOC: many image prefixes, each handed to one test only."""
    pool = PatternPool(lambda prefix, workdir, *args: ioc_process(
        "shared_pattern", workdir, "tests.support.pattern_ioc", "--prefix", prefix, *args,
        ready_pv=f"{prefix}1:ArraySize0_RBV"), tmp_path_factory.mktemp("shared-pattern"))
    yield pool
    pool.stop()


@pytest.fixture
def image_prefix(pattern_pool):
    """An image prefix (``<prefix>N:``, and its twin ``<prefix>N:B:``) of the shared pattern
    IOC that no other test has used: sizes 0, Mono, no data."""
    with pattern_pool.lend() as name:
        yield name


@pytest.fixture(scope="session")
def shared_chart(motor_pool, tmp_path_factory):
    """The worker's shared chart IOC, charting the shared motor IOC's ``motor`` axis."""
    workdir = tmp_path_factory.mktemp("shared-chart")
    shared = SharedChart(motor_pool, lambda prefix: ioc_process(
        "shared_chart", workdir, "iocs.chart", "--prefix", prefix, *SharedChart.ARGS,
        ready_pv=f"{prefix}chart:UniqueId_RBV"))
    yield shared
    shared.stop()


@pytest.fixture
def chart_view(shared_chart):
    """The shared chart IOC and its motor, rendering with sources connected; whatever the
    test changed (settings, motor position and fields, history) is put back after it."""
    with shared_chart.session() as view:
        yield view


@pytest.fixture
def chart(chart_view):
    """:func:`chart_view` (modules whose own ``chart`` fixture means more take that)."""
    return chart_view


@pytest.fixture
def shared_prefix(chart_view) -> str:
    """The shared chart's IOC prefix: its ``chart:`` and ``motor`` (for a module that
    overrides ``prefix`` with it, the IOCs of :func:`chart_ioc` without starting them)."""
    return chart_view.prefix


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


@pytest.fixture
def browser():
    """Debian's headless Chromium through selenium, quit after the test."""
    from tests.support.browser import chromium, quit_chromium
    driver = chromium()
    yield driver
    quit_chromium(driver)


@pytest.fixture
def web(chart, tmp_path, prefix):
    """pvchart-web serving the test module's ``chart`` (read-only); it must end cleanly."""
    from tests.support.browser import start_web
    proc = start_web(tmp_path, prefix)
    yield proc
    assert proc.stop() == 0, proc.log()
