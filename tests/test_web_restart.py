"""pvchart-web when its chart IOC goes away and comes back, and its command line: real
processes of the test's own (the other page tests share a chart IOC: test_web.py)."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from iocs.common.caenv import LOOPBACK
from tests.support.browser import PAGE_TIMEOUT, frames, http, open_chart, page_value
from tests.support.chart import chart_ready
from tests.support.harness import wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def chart(chart_ioc, prefix):
    """The test's own chart IOC, rendering with its sources connected."""
    return chart_ready(f"{prefix}chart:")


def test_a_chart_ioc_restart_shows_disconnected_then_live(chart_ioc, chart, web, browser):
    open_chart(browser, web)
    wait_until(lambda: page_value(browser, "document.body.dataset.ioc") == "connected",
               PAGE_TIMEOUT, "connected")
    chart_ioc.stop()
    wait_until(lambda: page_value(browser, "document.body.dataset.ioc") == "disconnected",
               PAGE_TIMEOUT, "the page to show the chart IOC disconnected")
    assert page_value(browser, "document.getElementById('overlay').hidden") is False
    assert "DISCONNECTED" in page_value(browser, "document.getElementById('overlay')"
                                                 ".textContent")
    assert http(f"{web.url}chart/chart.png")[0] == 503
    assert http(f"{web.url}chart/chart.csv")[0] == 503
    before = frames(browser)
    chart_ioc.start()
    wait_until(lambda: page_value(browser, "document.body.dataset.ioc") == "connected",
               PAGE_TIMEOUT, "the page to show the chart IOC again")
    wait_until(lambda: frames(browser) >= before + 3, PAGE_TIMEOUT, "live frames again")
    assert page_value(browser, "document.getElementById('overlay').hidden") is True
    assert http(f"{web.url}chart/chart.png")[0] == 200




def test_bad_command_lines_are_usage_errors_and_a_busy_port_an_error(prefix):
    """The real command (every bad value: tests/test_web_units.py)."""
    for args, text in ((["--port", "0"], "outside 1..65535"),
                       (["--bind", "example.org"], "not an IP address")):
        run = subprocess.run([sys.executable, "-m", "iocs.web", *args], capture_output=True,
                             text=True, timeout=60)
        assert run.returncode == 2 and "usage: pvchart-web" in run.stderr, (args, run.stderr)
        assert text in run.stderr, (args, run.stderr)
    with socket.socket() as busy:
        busy.bind((LOOPBACK, 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "iocs.web", "--prefix", prefix, "--bind",
                              LOOPBACK, "--port", str(port)], capture_output=True, text=True,
                             timeout=60)
    assert run.returncode == 1 and f"cannot serve on {LOOPBACK}:{port}" in run.stderr, \
        run.stderr
