"""The test Archiver Appliance as a process of its own, as IOC tests and benchmarks start it."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from iocs.chart.archive import ArchiveFetcher
from tests.support.appliance import ApplianceProcess

pytestmark = pytest.mark.ioc


def test_the_appliance_process_serves_what_its_specs_say():
    with ApplianceProcess(["BL:temp=sine:period=600,rate=1,days=2,egu=degC,prec=2"]) as proc:
        assert proc.url.startswith("http://127.0.0.1:")

        async def fetch():
            done = asyncio.Event()
            fetcher = ArchiveFetcher(proc.url, on_change=done.set)
            now = time.time()
            try:
                fetcher.want("BL:temp", now - 86400.0, now - 3600.0, 300)
                while fetcher.status.startswith("fetching"):
                    done.clear()
                    await asyncio.wait_for(done.wait(), 60.0)
                return fetcher.status, fetcher.samples("BL:temp", now - 86400.0, now - 3600.0)
            finally:
                await fetcher.close()

        status, samples = asyncio.run(fetch())
        assert status == "ok"
        assert samples.binned and abs(samples.y).max() <= 1.0
        popen = proc.proc
    assert popen is not None and popen.returncode is not None      # stopped, and reaped


def test_a_bad_history_spec_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "tests.support.appliance", "--history",
                             "BL:temp=square"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "history spec must be PV=sine" in result.stderr
