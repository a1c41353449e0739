"""Looking back: the Archiver Appliance fetcher against the test Appliance (a real HTTP server
on loopback): only the missing part fetched, held, never waited for, failures said; the pure
parts are tested in test_archive_parts."""
from __future__ import annotations

import asyncio
import json
import math
from typing import Any, Callable, Coroutine

import numpy as np
import pytest

from iocs.chart.archive import STATUS_LENGTH, ArchiveFetcher
from iocs.chart.archivecache import STEP
from iocs.chart.stats import statistics, value_at
from tests.support.appliance import MadeUpHistory, TestAppliance, sine

pytestmark = pytest.mark.unit

NOW = 1_700_000_000.0
DAY = 86400.0


# -- the fetcher against the test Appliance ------------------------------------------------------


class Changes:
    """``on_change`` for a fetcher: waits on what the fetcher reports, with a deadline."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        self.event.set()

    async def until(self, condition: Callable[[], Any], what: str, timeout: float = 60.0):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            self.event.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
            try:
                await asyncio.wait_for(self.event.wait(), left)
            except TimeoutError:
                pass
        return condition()


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(test())


@pytest.fixture
def appliance():
    history = {"BL:temp": sine(period=3600, amplitude=2, offset=20, rate=1,
                               start=NOW - 7 * DAY, end=NOW, high=21.5, egu="degC"),
               "BL:slow": MadeUpHistory([NOW - 5 * DAY, NOW - DAY], [1.0, 2.0])}
    with TestAppliance(history) as app:
        yield app


def idle(fetcher: ArchiveFetcher) -> bool:
    return not fetcher.status.startswith("fetching")


def test_fetches_only_the_missing_part_and_holds_it(appliance):
    async def scenario():
        changes = Changes()
        fetcher = ArchiveFetcher(appliance.url + "/", on_change=changes)
        try:
            t0, t1 = NOW - DAY, NOW - 0.5 * DAY
            fetcher.want("BL:temp", t0, t1, 1000)
            assert fetcher.status == "fetching 1 of 1"
            await changes.until(lambda: idle(fetcher), "the first fetch")
            assert fetcher.status == "ok"
            s = fetcher.samples("BL:temp", t0, t1)
            assert s.binned and t0 <= s.t[0] < t0 + 43 and t1 - 43 < s.t[-1] <= t1  # 43 s bins
            assert statistics(s, t0, t1).count == 43200 + 1
            assert s.severity.max() == 2                     # above 21.5: MAJOR
            # The same range, and one shifted by less than a column: nothing to fetch.
            fetcher.want("BL:temp", t0, t1, 1000)
            fetcher.want("BL:temp", t0 + 30.0, t1 + 30.0, 1000)
            assert fetcher.status == "ok"
            # Ten columns on: only those.
            step = 10 * (t1 - t0) / 1000
            fetcher.want("BL:temp", t0 + step, t1 + step, 1000)
            await changes.until(lambda: idle(fetcher), "the second fetch")
            first, second = appliance.requests
            assert (first.pv, first.points) == ("BL:temp", 1000)
            assert (first.t0, first.t1) == (t0, t1)
            assert second.points == 10
            assert second.t0 == pytest.approx(t1 + STEP) and second.t1 == pytest.approx(t1 + step)
            s = fetcher.samples("BL:temp", t0, t1 + step)
            assert np.all(np.diff(s.t) >= 0)
            assert statistics(s, t0, t1 + step).count == 43200 + 432 + 1
        finally:
            await fetcher.close()
    run(scenario)


def test_few_samples_come_raw_with_the_one_before(appliance):
    async def scenario():
        changes = Changes()
        fetcher = ArchiveFetcher(appliance.url, on_change=changes)
        try:
            fetcher.want("BL:slow", NOW - 3 * DAY, NOW - 0.5 * DAY, 800)
            await changes.until(lambda: idle(fetcher), "the fetch")
            s = fetcher.samples("BL:slow", NOW - 3 * DAY, NOW - 0.5 * DAY)
            assert not s.binned
            assert s.t.tolist() == [NOW - 5 * DAY, NOW - DAY]
            assert value_at(s, NOW - 2 * DAY) == 1.0 and value_at(s, NOW - DAY) == 2.0
        finally:
            await fetcher.close()
    run(scenario)


@pytest.mark.parametrize("setup, expected", [
    ("down", "archiver unreachable"),
    ("slow", "archiver timed out after 0.5 s"),
    ("garbage", "bad JSON from archiver"),
    ("unknown", "HTTP 404 for NOT:ARCHIVED"),
])
def test_failures_say_why_and_frames_go_on(appliance, setup, expected):
    source = "NOT:ARCHIVED" if setup == "unknown" else "BL:temp"
    if setup == "down":
        appliance.stop()
    appliance.delay = 30.0 if setup == "slow" else 0.0
    appliance.garbage = setup == "garbage"

    async def scenario():
        changes = Changes()
        fetcher = ArchiveFetcher(appliance.url, timeout=0.5, on_change=changes, retry=3600.0)
        ticks = 0

        async def frames():
            nonlocal ticks
            while True:
                ticks += 1
                assert len(fetcher.samples(source, NOW - DAY, NOW)) == 0   # never waits
                await asyncio.sleep(0)

        ticker = asyncio.get_running_loop().create_task(frames())
        try:
            fetcher.want(source, NOW - DAY, NOW, 500)
            await changes.until(lambda: fetcher.status == expected, expected)
            assert ticks > 0
            assert len(fetcher.status) <= STATUS_LENGTH
            # No retry storm: the next frames' wants ask nothing until the retry is due.
            before = len(appliance.requests)
            for _ in range(10):
                fetcher.want(source, NOW - DAY, NOW, 500)
            assert fetcher.status == expected and len(appliance.requests) == before
        finally:
            ticker.cancel()
            await fetcher.close()
    run(scenario)


def test_a_failed_fetch_is_retried_and_recovers(appliance):
    appliance.garbage = True

    async def scenario():
        changes = Changes()
        fetcher = ArchiveFetcher(appliance.url, on_change=changes, retry=0.2)
        try:
            fetcher.want("BL:temp", NOW - DAY, NOW, 500)
            await changes.until(lambda: fetcher.status == "bad JSON from archiver", "failure")
            appliance.garbage = False
            await changes.until(lambda: fetcher.status == "ok", "recovery")
            assert len(fetcher.samples("BL:temp", NOW - DAY, NOW)) > 0
        finally:
            await fetcher.close()
    run(scenario)


def test_status_counts_fetches_in_flight_and_one_per_source(appliance):
    appliance.delay = 30.0

    async def scenario():
        fetcher = ArchiveFetcher(appliance.url, on_change=Changes())
        try:
            fetcher.want("BL:temp", NOW - DAY, NOW, 500)
            fetcher.want("BL:slow", NOW - DAY, NOW, 500)
            fetcher.want("BL:temp", NOW - 2 * DAY, NOW - DAY, 500)    # waits its turn
            assert fetcher.status == "fetching 1 of 2"
            assert len(fetcher.samples("BL:temp", NOW - DAY, NOW)) == 0
        finally:
            await fetcher.close()
    run(scenario)


def test_no_archiver_is_off():
    async def scenario():
        fetcher = ArchiveFetcher(None, on_change=Changes())
        fetcher.want("BL:temp", NOW - DAY, NOW, 500)
        assert fetcher.status == "off"
        assert len(fetcher.samples("BL:temp", NOW - DAY, NOW)) == 0
        await fetcher.close()
    run(scenario)


@pytest.mark.parametrize("args", [
    (math.nan, NOW, 100), (NOW, NOW - 1, 100), (NOW - 1, math.inf, 100), (NOW - 1, NOW, 0)])
def test_nonsense_wants_are_ignored_or_bounded(appliance, args):
    async def scenario():
        fetcher = ArchiveFetcher(appliance.url, on_change=Changes())
        try:
            fetcher.want("BL:temp", *args)
            assert fetcher.status in ("ok", "fetching 1 of 1")
        finally:
            await fetcher.close()
    run(scenario)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="http"):
        ArchiveFetcher("archiver:17668", on_change=lambda: None)
    with pytest.raises(ValueError, match="time-out"):
        ArchiveFetcher("http://a/retrieval", timeout=0.0, on_change=lambda: None)
    with pytest.raises(ValueError, match="time-out"):
        ArchiveFetcher("http://a/retrieval", timeout=math.nan, on_change=lambda: None)
    with pytest.raises(ValueError, match="retry"):
        ArchiveFetcher("http://a/retrieval", retry=-1.0, on_change=lambda: None)


def test_sources_that_left_are_forgotten(appliance):
    async def scenario():
        changes = Changes()
        fetcher = ArchiveFetcher(appliance.url, on_change=changes)
        try:
            fetcher.want("BL:temp", NOW - DAY, NOW, 500)
            fetcher.want("NOT:ARCHIVED", NOW - DAY, NOW, 500)
            await changes.until(lambda: idle(fetcher), "both fetches")
            assert fetcher.status == "HTTP 404 for NOT:ARCHIVED"
            fetcher.retain(["BL:temp"])
            assert fetcher.status == "ok"
            assert len(fetcher.samples("BL:temp", NOW - DAY, NOW)) > 0
            fetcher.retain([])
            assert len(fetcher.samples("BL:temp", NOW - DAY, NOW)) == 0
        finally:
            await fetcher.close()
    run(scenario)


def test_test_appliance_speaks_http(appliance):
    from urllib.error import HTTPError
    from urllib.request import urlopen
    base = appliance.url + "/data/getData.json?"
    with pytest.raises(HTTPError) as info:
        urlopen(base + "pv=NOT:ARCHIVED", timeout=30)
    assert info.value.code == 404
    with pytest.raises(HTTPError) as info:
        urlopen(base + "pv=BL:temp&from=yesterday", timeout=30)
    assert info.value.code == 400
    with urlopen(base + "pv=BL:slow&from=2023-11-09T22:13:20.000Z&to=2023-11-14T22:13:20Z"
                 "&fetchLatestMetadata=true", timeout=30) as resp:
        assert resp.headers["Content-Type"].startswith("application/json")
        assert [d["val"] for d in json.load(resp)[0]["data"]] == [1.0, 2.0]
    assert [(r.pv, r.points) for r in appliance.requests] == [
        ("NOT:ARCHIVED", None), ("BL:slow", None)]
