"""Looking back, the pure parts: Archiver Appliance answers parsed, requests built, what to
fetch and hold, the archived/live seam, statistics, and the test Appliance's answers."""
from __future__ import annotations

import json
import math
from typing import List

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iocs.chart.archivecache import STEP, Coverage, FetchPlan, hold, plan_fetch, split_answer
from iocs.chart.history import Samples
from iocs.chart.retrieval import (
    ArchiveError,
    bin_interval,
    data_url,
    iso_utc,
    parse_response,
    request_params,
    request_span,
)
from iocs.chart.series import as_binned, between, concat, merge
from iocs.chart.stats import statistics, value_at
from tests.support.appliance import MadeUpHistory, answer, sine

pytestmark = pytest.mark.unit

NOW = 1_700_000_000.0
DAY = 86400.0
PROPERTIES = settings(max_examples=200, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))


def raw(t, y, sev=None) -> Samples:
    t = np.asarray(t, dtype=float)
    return Samples(t, np.asarray(y, dtype=float),
                   np.zeros(len(t), np.int8) if sev is None else np.asarray(sev, np.int8))


def sample(secs, val, nanos=0, severity=0) -> dict:
    return {"secs": secs, "nanos": nanos, "val": val, "severity": severity, "status": 0}


def payload(data, name="X:Y", **meta) -> str:
    return json.dumps([{"meta": {"name": name, **meta}, "data": data}])


# -- parsing -----------------------------------------------------------------------------------

def test_raw_answer_becomes_samples_with_units_and_precision():
    got = parse_response(payload([sample(100, 1.5, 250_000_000, 1), sample(101, -2)],
                                 EGU="mm", PREC="3"), "X:Y")
    assert (got.name, got.egu, got.prec) == ("X:Y", "mm", 3)
    s = got.samples
    assert not s.binned
    assert s.t.tolist() == [100.25, 101.0]
    assert s.y.tolist() == [1.5, -2.0]
    assert s.severity.tolist() == [1, 0]


def test_optimized_answer_becomes_bins():
    s = parse_response(payload([sample(10, [2.0, 0.5, 1.0, 3.0, 4], severity=2),
                                sample(20, [5.0, 0.0, 5.0, 5.0, 1])]), "X:Y").samples
    assert s.binned
    assert s.y.tolist() == [2.0, 5.0]
    assert s.std.tolist() == [0.5, 0.0]
    assert s.lo.tolist() == [1.0, 5.0] and s.hi.tolist() == [3.0, 5.0]
    assert s.count.tolist() == [4, 1]
    assert s.severity.tolist() == [2, 0]


def test_raw_samples_among_bins_are_bins_of_one():
    s = parse_response(payload([sample(5, 7.0), sample(10, [2.0, 0.5, 1.0, 3.0, 4])]),
                       "X:Y").samples
    assert s.binned
    assert (s.y[0], s.lo[0], s.hi[0], s.std[0], s.count[0]) == (7.0, 7.0, 7.0, 0.0, 1.0)


def test_a_bin_repeated_by_the_appliance_counts_for_nothing():
    """An empty bin repeats the one before it; it holds the line but summarises no sample."""
    b = [2.0, 0.5, 1.0, 3.0, 4]
    s = parse_response(payload([sample(10, b), sample(20, b), sample(30, [1, 0, 1, 1, 1])]),
                       "X:Y").samples
    assert s.y.tolist() == [2.0, 2.0, 1.0]
    assert s.count.tolist() == [4, 0, 1]
    assert statistics(s, 0, 100).count == 5


def test_nothing_archived_in_the_range_is_no_samples():
    got = parse_response(b"[ ]", "X:Y")
    assert len(got.samples) == 0 and got.name == "X:Y"


def test_the_entry_for_the_pv_is_found_among_several():
    text = json.dumps([{"meta": {"name": "A"}, "data": [sample(1, 1.0)]},
                       {"meta": {"name": "X:Y"}, "data": [sample(2, 2.0)]}])
    assert parse_response(text, "X:Y").samples.y.tolist() == [2.0]
    with pytest.raises(ArchiveError, match="no data for PV"):
        parse_response(text, "OTHER")


def test_unsorted_samples_are_put_in_order():
    s = parse_response(payload([sample(3, 3.0), sample(1, 1.0), sample(2, 2.0)]), "X:Y").samples
    assert s.t.tolist() == [1, 2, 3] and s.y.tolist() == [1, 2, 3]


@pytest.mark.parametrize("body, reason", [
    (b"<html>Tomcat</html>", "bad JSON"),
    (b"\xff\xfe[", "bad JSON"),
    (b"[" * 100_000, "bad JSON"),
    (b'{"meta": {}}', "bad answer"),
    (b"[1, 2]", "bad answer"),
    (b'[{"meta": {"name": "X:Y"}}]', "bad answer"),
    (b'[{"meta": "x", "data": []}]', "bad answer"),
    (payload([{"nanos": 0, "val": 1}]), "bad sample"),
    (payload([sample(True, 1.0)]), "bad sample"),
    (payload([sample("100", 1.0)]), "bad sample"),
    (payload([sample(1e300, 1.0)]), "bad timestamp"),
    (payload([sample(10**400, 1.0)]), "bad sample"),
    (payload([sample(1, 10**400)]), "non-numeric"),
    (payload([sample(1, [10**400, 0, 1, 2, 3])]), "waveform"),
    (payload([sample(1, [1.0, 0.0, 1.0, 1.0, 1]), sample(2, 10**400)]), "non-numeric"),
    (b'[{"data": [{"secs": NaN, "val": 1}]}]', "bad timestamp"),
    (payload([sample(1, "on")]), "non-numeric"),
    (payload([sample(1, None)]), "non-numeric"),
    (payload([sample(1, [1, 2, 3])]), "waveform"),
    (payload([sample(1, [1, 2, 3, 4, 5, 6])]), "waveform"),
    (payload([sample(1, [1.0, 0.0, 5.0, 2.0, 3])]), "waveform"),    # min > max
    (payload([sample(1, [1.0, -1.0, 0.0, 2.0, 3])]), "waveform"),   # std < 0
])
def test_malformed_answers_get_a_short_reason(body, reason):
    with pytest.raises(ArchiveError, match=reason):
        parse_response(body, "X:Y")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["meta", "data", "name", "secs", "nanos", "val", "severity",
                         "status", "EGU", "PREC"]), inner, max_size=5),
    max_leaves=30)


@PROPERTIES
@given(st.one_of(JSON.map(json.dumps), st.binary(max_size=200)))
def test_any_answer_parses_or_raises_archive_error(body):
    try:
        got = parse_response(body, "X:Y")
    except ArchiveError as ex:
        assert str(ex)
    else:
        assert len(got.samples.t) == len(got.samples.y) == len(got.samples.severity)


# -- requests ----------------------------------------------------------------------------------

def test_request_form():
    assert data_url("http://a:17668/retrieval") == "http://a:17668/retrieval/data/getData.json"
    assert data_url("http://a:17668/retrieval/") == "http://a:17668/retrieval/data/getData.json"
    assert iso_utc(1_349_337_600_000) == "2012-10-04T08:00:00.000Z"
    params = request_params("X:Y", 1_349_337_600.0004, 1_349_337_660.0004, 500)
    assert params == {"pv": "optimized_500(X:Y)", "from": "2012-10-04T08:00:00.000Z",
                      "to": "2012-10-04T08:01:00.001Z"}
    assert request_span(1.0004, 2.0004) == (1.0, 2.001)
    assert bin_interval(0.0, 3600.0, 1000) == 3 and bin_interval(0.0, 10.0, 1000) == 1


# -- what to fetch and what is held -----------------------------------------------------------

def test_what_is_missing_is_fetched():
    held = Coverage(1000.0, 2000.0, 0.0)
    assert plan_fetch(None, 1000.0, 2000.0, 100) == FetchPlan(1000.0, 2000.0, 100)
    assert plan_fetch(held, 1000.0, 2000.0, 100) is None
    assert plan_fetch(held, 1009.0, 2009.0, 100) is None           # less than a column
    assert plan_fetch(held, 1100.0, 2100.0, 100) == FetchPlan(2000.0 + STEP, 2100.0, 10,
                                                               "right")
    assert plan_fetch(held, 800.0, 1800.0, 100) == FetchPlan(800.0, 1000.0 - STEP, 20, "left")
    assert plan_fetch(held, 900.0, 2100.0, 100) == FetchPlan(900.0, 2100.0, 100)  # both
    assert plan_fetch(held, 5000.0, 6000.0, 100) == FetchPlan(5000.0, 6000.0, 100)  # apart


def test_zooming_in_far_on_bins_fetches_them_again():
    held = Coverage(0.0, 100_000.0, 100.0)        # bins of 100 s
    assert plan_fetch(held, 0.0, 20_000.0, 100) is None                 # columns of 200 s
    assert plan_fetch(held, 0.0, 4_000.0, 100) == FetchPlan(0.0, 4_000.0, 100)  # of 40 s
    raw_held = Coverage(0.0, 100_000.0, 0.0)      # every sample: zooming needs nothing
    assert plan_fetch(raw_held, 0.0, 10.0, 100) is None


def test_an_answer_splits_into_the_sample_from_before_and_the_range():
    plan = FetchPlan(100.0, 200.0, 1000)
    lead, body = split_answer(raw([90, 100, 150, 200, 200.5], [1, 2, 3, 4, 5]), plan)
    assert lead.t.tolist() == [90] and body.t.tolist() == [100, 150, 200]
    # Bins of 36 s: the lead-in alone in the bin before; the end bins are clamped in.
    history = sine(period=50, rate=1, start=0, end=10_000)
    data = answer(history, "X:Y", 1000.5, 4600.5, 100)[0]["data"]
    got = parse_response(json.dumps([{"data": data}]), "X:Y").samples
    lead, body = split_answer(got, FetchPlan(1000.5, 4600.5, 100))
    assert lead.count.tolist() == [1] and lead.t[0] < 1000.5
    assert body.t[0] >= 1000.5 and body.t[-1] <= 4600.5
    assert body.count.sum() == 3600


def test_parts_join_without_losing_or_repeating_a_sample():
    history = sine(period=77, rate=2, start=0, end=NOW)
    first = FetchPlan(1000.0, 2000.0, 50)
    held = hold(None, first, _fetched(history, first))
    right = plan_fetch(held.coverage, 1500.0, 3000.0, 75)
    left = plan_fetch(held.coverage, 400.0, 1900.0, 75)
    for part in (right, left):
        joined = hold(held, part, _fetched(history, part))
        cov = joined.coverage
        (t, y, _), _ = history.samples(cov.t0, cov.t1)
        got = statistics(joined.body, cov.t0, cov.t1)
        assert got.count == len(t)
        assert got.mean == pytest.approx(y.mean(), abs=1e-9)
        assert got.std == pytest.approx(y.std(ddof=1), rel=1e-9)
        assert np.all(np.diff(joined.body.t) >= 0)


def test_what_is_held_is_cut_to_the_range_and_its_neighbours():
    plan = FetchPlan(0.0, 10_000.0, 10_000)
    held = hold(None, plan, raw(np.arange(0, 10_001, 1.0), np.arange(0, 10_001, 1.0)))
    cut = held.trimmed(4000.0, 6000.0)
    assert (cut.coverage.t0, cut.coverage.t1) == (4000.0, 6000.0)
    assert cut.lead.t.tolist() == [3999.0]
    assert cut.body.t[0] == 4000.0 and cut.body.t[-1] == 6000.0
    assert cut.samples(3999.5, 4002.0).t.tolist() == [3999.0, 4000.0, 4001.0]


def _fetched(history: MadeUpHistory, plan: FetchPlan) -> Samples:
    params = request_params("X:Y", plan.t0, plan.t1, plan.points)
    t0, t1 = request_span(plan.t0, plan.t1)
    assert params["from"] == iso_utc(round(t0 * 1000))
    return parse_response(json.dumps(answer(history, "X:Y", t0, t1, plan.points)),
                          "X:Y").samples


# -- merge and samples helpers ------------------------------------------------------------------

def test_archived_and_live_meet_without_gap_or_step():
    archived = as_binned(raw([10, 20, 30], [1, 2, 3]))
    live = raw([35, 40, 50], [3.5, 4, 5])                 # 35: its way in from the left
    m = merge(archived, live, seam=38.0)
    assert m.t.tolist() == [10, 20, 30, 35, 40, 50]
    assert m.y.tolist() == [1, 2, 3, 3.5, 4, 5]
    assert m.binned and m.count.tolist() == [1] * 6
    # The live way-in older than the last archived sample: the archive knows better.
    m = merge(raw([10, 36], [1, 2]), raw([35, 40], [9, 4]), seam=38.0)
    assert m.t.tolist() == [10, 36, 40] and m.y.tolist() == [1, 2, 4]
    # Nothing archived, or nothing live yet: the other as it is.
    assert merge(raw([], []), live, 38.0) is live
    assert merge(archived, raw([], []), 38.0) is archived


@PROPERTIES
@given(st.lists(st.floats(0, 100), min_size=0, max_size=20),
       st.lists(st.floats(0, 100), min_size=0, max_size=20), st.floats(0, 100))
def test_merge_is_in_order_and_drops_nothing_after_the_seam(a, b, seam):
    archived, live = raw(sorted(a), sorted(a)), raw(sorted(b), sorted(b))
    m = merge(archived, live, seam)
    assert np.all(np.diff(m.t) >= 0)
    if len(b):      # from the seam on, the live samples and only they
        assert m.t[m.t >= seam].tolist() == live.t[live.t >= seam].tolist()


def test_between_keeps_the_way_in_from_the_left():
    s = raw([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    assert between(s, 2.5, 4.5).t.tolist() == [2, 3, 4]
    assert between(s, 3.0, 4.0).t.tolist() == [3]
    assert between(s, 0.0, 1.5).t.tolist() == [1]
    assert len(concat([])) == 0


# -- statistics ----------------------------------------------------------------------------------

def test_statistics_of_raw_samples_and_gaps():
    s = raw([1, 2, 3, 4, 5], [1.0, math.nan, 3.0, 5.0, 100.0])
    got = statistics(s, 1.0, 4.0)
    assert (got.min, got.max, got.count) == (1.0, 5.0, 3)
    assert got.mean == pytest.approx(3.0) and got.std == pytest.approx(2.0)
    none = statistics(s, 10.0, 20.0)
    assert none.count == 0 and math.isnan(none.mean) and math.isnan(none.min)
    assert value_at(s, 3.5) == 3.0 and value_at(s, 5.0) == 100.0
    assert math.isnan(value_at(s, 0.5)) and math.isnan(value_at(s, 2.5))    # before; a gap


def _bins_of(values: List[float], sizes: List[int]) -> Samples:
    """Bins made from consecutive groups of ``values`` as the Appliance makes them."""
    rows, i = [], 0
    for n in sizes:
        group = np.asarray(values[i:i + n])
        i += n
        rows.append([group.mean(), group.std(ddof=1) if n > 1 else 0.0, group.min(),
                     group.max(), n])
    v = np.asarray(rows, dtype=float).reshape(-1, 5)
    k = len(rows)
    return Samples(np.arange(k, dtype=float), v[:, 0], np.zeros(k, np.int8), lo=v[:, 2],
                   hi=v[:, 3], std=v[:, 1], count=v[:, 4])


@PROPERTIES
@given(st.lists(st.integers(1, 30), min_size=1, max_size=12).flatmap(
    lambda sizes: st.tuples(st.just(sizes), st.lists(
        st.floats(-1e6, 1e6), min_size=sum(sizes), max_size=sum(sizes)))))
def test_pooled_statistics_of_bins_equal_those_of_their_samples(case):
    sizes, values = case
    got = statistics(_bins_of(values, sizes), -1.0, 1e9)
    y = np.asarray(values)
    assert got.count == len(y)
    assert (got.min, got.max) == (y.min(), y.max())
    scale = max(1.0, float(np.abs(y).max()))
    assert got.mean == pytest.approx(y.mean(), abs=1e-9 * scale)
    expected_std = y.std(ddof=1) if len(y) > 1 else 0.0
    assert got.std == pytest.approx(expected_std, abs=1e-6 * scale)


# -- the test Appliance answers as the real one does ---------------------------------------------

def test_test_appliance_switches_from_raw_to_bins_above_n_samples():
    history = MadeUpHistory(np.arange(100.0, 110.0), np.arange(10.0))
    data = answer(history, "X:Y", 100.0, 109.0, 10)[0]["data"]
    assert [d["val"] for d in data] == list(range(10))                  # 10 <= 10: raw
    # 9 in the range and the one before it: 10 > 9, bins of 1 s; the one from before alone in
    # the bin before the first, which is empty and repeats it.
    data = answer(history, "X:Y", 100.5, 109.0, 9)[0]["data"]
    assert [d["secs"] + d["nanos"] * 1e-9 for d in data] == [99.5 + k for k in range(11)]
    assert [d["val"] for d in data[:3]] == [[0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [1, 0, 1, 1, 1]]
    s = parse_response(json.dumps([{"data": data}]), "X:Y").samples
    assert s.count.tolist() == [1, 0] + [1] * 9


def test_test_appliance_repeats_a_bin_over_a_gap():
    """Bins of 10 s (100 s / 10), an empty stretch in the middle: the bin before repeats."""
    t = np.r_[np.arange(1000.0, 1040.0), np.arange(1070.0, 1100.0)]
    history = MadeUpHistory(t, np.sin(t))
    data = answer(history, "X:Y", 1000.0, 1100.0, 10)[0]["data"]
    stamps = [d["secs"] + d["nanos"] * 1e-9 for d in data]
    assert stamps == [1005.0 + 10 * k for k in range(11)]               # bin middles
    assert data[4]["val"] == data[3]["val"] == data[5]["val"]           # 1040..1069 empty
    s = parse_response(json.dumps([{"data": data}]), "X:Y").samples
    assert statistics(s, 0, 2000).count == len(t)
    assert answer(history, "X:Y", 0.0, 999.0, 10) == []                 # nothing yet
