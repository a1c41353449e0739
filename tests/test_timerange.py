"""The chart's time range (pure): end and its text, live, paging, and the history that backs
it (retention apart from the window, since when it is complete)."""
import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iocs.chart.history import History, TimeSeries
from iocs.chart.timerange import TimeRange, format_local_time, parse_local_time

pytestmark = pytest.mark.unit

NOW = 1_800_000_000.0


def test_live_follows_the_present_and_holding_keeps_the_range():
    r = TimeRange(window=60.0)
    assert r.edges(NOW) == (NOW - 60.0, NOW)
    r.hold(NOW - 3600.0, NOW)
    assert not r.live
    assert r.edges(NOW + 500.0) == (NOW - 3660.0, NOW - 3600.0)     # holds while time goes on
    r.follow(True, NOW)
    assert r.live and r.edges(NOW + 1.0) == (NOW - 59.0, NOW + 1.0)


def test_live_off_holds_the_range_shown_then():
    r = TimeRange(window=10.0)
    r.follow(False, NOW)
    assert r.edges(NOW + 100.0) == (NOW - 10.0, NOW)


def test_paging_moves_half_a_span_and_reaching_the_present_goes_live():
    r = TimeRange(window=100.0)
    r.page(-1, NOW)
    assert not r.live and r.end == NOW - 50.0
    r.page(-2, NOW)
    assert r.end == NOW - 150.0
    r.page(+1, NOW)
    assert r.end == NOW - 100.0 and not r.live
    r.page(+2, NOW)                      # would end in the future: live again
    assert r.live


@pytest.mark.parametrize("end", [0.0, -5.0, math.nan, math.inf, NOW + 1e6])
def test_impossible_ends_are_refused_and_change_nothing(end):
    r = TimeRange(window=60.0)
    with pytest.raises(ValueError):
        r.hold(end, NOW)
    assert r.live and r.end == 0.0


def test_end_text_round_trips_local_time():
    stamp = float(int(NOW))
    text = format_local_time(stamp)
    assert parse_local_time(text) == stamp
    assert parse_local_time(text.replace(" ", "T")) == stamp
    assert parse_local_time(text[:16]) == stamp - time.localtime(stamp).tm_sec


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01 00:00:00", "3 am",
                                  "2026-11-30 25:00:00", "1e9"])
def test_bad_end_texts_say_what_to_type(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD HH:MM:SS"):
        parse_local_time(text)


@given(st.floats(min_value=1e9, max_value=4e9))
def test_format_then_parse_is_the_second(stamp):
    assert parse_local_time(format_local_time(stamp)) == math.floor(stamp)


def test_retention_is_apart_from_the_window():
    h = History(["a"], retention=100.0)
    h.set_sources(["a"], NOW - 1000)
    for k in range(200):
        h.add("a", NOW - 199 + k, np.array([float(k)]))
    h.trim(NOW)
    s = h.samples("a", NOW - 30.0, NOW)
    assert s.t[0] < NOW - 30.0 <= s.t[1]                   # one sample to draw the line in
    kept = h.samples("a", 0.0, NOW)
    assert kept.t[0] <= NOW - 100.0 and len(kept) <= 102     # 100 s kept, not the window
    assert h.covered_since("a") == kept.t[0]


def test_complete_since_follows_watching_trimming_and_first_values():
    series = TimeSeries(capacity=10, since=NOW)
    assert series.complete_since == NOW
    series.append(NOW - 3600.0, 1.0)         # a value stamped an hour ago: known since then
    assert series.complete_since == NOW - 3600.0
    for k in range(20):                      # the capacity drops the oldest samples
        series.append(NOW + k, float(k))
    assert series.complete_since == NOW + 10
    series.clear(NOW + 100)
    assert series.complete_since == NOW + 100 and len(series) == 0


def test_samples_reach_just_past_the_right_edge():
    series = TimeSeries(capacity=100, since=0.0)
    for k in range(10):
        series.append(float(k), float(k))
    s = series.samples(2.5, 5.5)
    assert list(s.t) == [2.0, 3.0, 4.0, 5.0, 6.0]
