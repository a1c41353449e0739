"""The chart's pure data: alarm-limit bands, envelope decimation, X-Y pairing, scene checks."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iocs.chart.history import Samples
from iocs.chart.plotdata import (
    AlarmLimits,
    Scene,
    TimeView,
    Trace,
    TraceStyle,
    decimate,
    limit_bands,
    pair_by_time,
)

pytestmark = pytest.mark.unit
nan, inf = math.nan, math.inf


def samples(t, y, **kw):
    return Samples(np.asarray(t, float), np.asarray(y, float), np.zeros(len(t), np.int8), **kw)


# ---- alarm limits -----------------------------------------------------------------------------
@pytest.mark.parametrize("limits, present", [
    (AlarmLimits(), False), (AlarmLimits(0, 0, 0, 0), False), (AlarmLimits(0, 0, nan, nan), False),
    (AlarmLimits(-2, -1, 1, 2), True), (AlarmLimits(high=5.0), True),
    (AlarmLimits(0, 0, 0, 3), True), (AlarmLimits(inf, -inf, nan, nan), False)])
def test_limits_are_present_when_some_is_finite_and_not_all_zero(limits, present):
    assert limits.present() is present


def test_bands_minor_between_warning_and_alarm_limits_major_beyond():
    assert sorted(limit_bands(AlarmLimits(-2, -1, 1, 2))) == [
        (-inf, -2, 2), (-2, -1, 1), (1, 2, 1), (2, inf, 2)]


def test_bands_of_partial_limits():
    assert limit_bands(AlarmLimits(high=5.0)) == [(5.0, inf, 1)]           # no HIHI: MINOR up
    assert limit_bands(AlarmLimits(lolo=-3.0)) == [(-inf, -3.0, 2)]
    assert limit_bands(AlarmLimits(0, 0, 4, 6)) == [(6, inf, 2), (4, 6, 1)]  # 0/0: side unset
    assert limit_bands(AlarmLimits(-1, -2, nan, nan)) == [(-inf, -1, 2)]    # LOLO above LOW
    assert limit_bands(AlarmLimits()) == []


def test_limit_keys_compare_equal_for_fresh_nans():
    assert AlarmLimits(float("nan")).key() == AlarmLimits(float("nan")).key()


# ---- decimation -------------------------------------------------------------------------------
def test_decimate_keeps_the_envelope_and_the_worst_severity():
    t = np.linspace(-10, 0, 100_000)
    y = np.sin(t * 50)
    y[50_000] = 5.0
    s = np.zeros(100_000, np.int8)
    s[70_000] = 2
    tt, yy, ss = decimate(t, y, s, -10, 0, 640)
    assert len(tt) <= 2 * 640 and yy.max() == 5.0 and yy.min() == pytest.approx(-1, abs=1e-3)
    assert ss.max() == 2 and len(ss) == len(tt)


def test_bins_fill_every_column_they_span_from_lo_to_hi():
    t = np.array([0.0, 10.0, 20.0])            # three bins, each 10 s wide
    y = np.array([1.0, 2.0, 3.0])
    lo, hi = y - 0.5, y + 0.5
    tt, yy, _ = decimate(t, y, None, 0.0, 30.0, 30, lo=lo, hi=hi)
    assert len(tt) == 2 * 21                   # columns from the first bin to the last
    lows, highs = np.minimum(yy[0::2], yy[1::2]), np.maximum(yy[0::2], yy[1::2])
    col = tt[0::2]
    assert np.all(lows[col < 10] == 0.5) and np.all(highs[col < 10] == 1.5)
    assert np.all(lows[(col >= 10) & (col < 20)] == 1.5) and np.all(highs[col >= 20] == 3.5)


def test_decimate_shows_only_the_range_and_the_sample_held_into_it():
    t = np.arange(0.0, 1000.0)
    y = t.copy()
    tt, yy, _ = decimate(t, y, None, 500.5, 600.0, 10)
    assert yy.min() == 500.0 and yy.max() == 600.0      # 500 is held into the range
    tt, yy, _ = decimate(t, y, None, 500.5, 600.0, 100)  # short: raw, one past the edge
    assert yy[0] == 500.0 and yy[-1] == 601.0
    tt, yy, _ = decimate(t, y, None, -100.0, -50.0, 10)
    assert len(tt) == 0


def test_gaps_survive_decimation():
    t = np.linspace(0, 100, 10_000)
    y = np.ones(10_000)
    y[5000:5200] = nan
    _, yy, _ = decimate(t, y, None, 0, 100, 100)
    assert np.isnan(yy).any() and np.nanmax(yy) == 1.0


# ---- X-Y pairing ------------------------------------------------------------------------------
def test_each_y_pairs_with_the_last_x_at_or_before_it_within_the_pairing():
    xt, xv = np.array([0.0, 1.0, 2.0, 10.0]), np.array([10.0, 11.0, 12.0, 20.0])
    yt, yv = np.array([-1.0, 0.0, 1.5, 2.0, 5.0, 10.5]), np.arange(6.0)
    x, y, t = pair_by_time(xt, xv, yt, yv, within=1.0)
    assert list(t) == [0.0, 1.5, 2.0, 10.5]          # -1: no X yet; 5: X is 3 s old
    assert list(x) == [10.0, 11.0, 12.0, 20.0] and list(y) == [1.0, 2.0, 3.0, 5.0]


def test_pairing_drops_non_finite_values_and_copes_with_no_x():
    x, _, _ = pair_by_time(np.array([0.0, 1.0]), np.array([nan, 1.0]), np.array([0.5, 1.5]),
                           np.array([1.0, inf]), 5.0)
    assert len(x) == 0
    x, _, _ = pair_by_time(np.zeros(0), np.zeros(0), np.array([1.0]), np.array([1.0]), 5.0)
    assert len(x) == 0


times = st.lists(st.floats(0, 100, allow_nan=False), max_size=40).map(sorted).map(np.array)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(xt=times, yt=times, within=st.floats(0, 20, allow_nan=False))
def test_pairs_are_the_latest_x_within_the_pairing(xt, yt, within):
    xv, yv = np.arange(len(xt), dtype=float), np.arange(len(yt), dtype=float) + 1000
    x, y, t = pair_by_time(xt, xv, yt, yv, within)
    for xi, yi, ti in zip(x, y, t):
        k = int(xi)                                     # X value = its index
        assert xt[k] <= ti and ti - xt[k] <= within
        assert k == len(xt) - 1 or xt[k + 1] > ti       # no later X at or before the Y
        assert yt[int(yi) - 1000] == ti
    paired = set((y - 1000).astype(int))
    for j, tj in enumerate(yt):                         # the dropped had no X close enough
        if j not in paired:
            before = xt[xt <= tj]
            assert not len(before) or tj - before[-1] > within


# ---- scenes and traces ------------------------------------------------------------------------
@pytest.mark.parametrize("scene, message", [
    (Scene([], TimeView(nan, 60.0)), "finite"),
    (Scene([], TimeView(1e9, 0.0)), "window"),
    (Scene([], TimeView(1e9, 40 * 86400.0)), "window"),
    (Scene([], TimeView(1e9, 60.0, cursor=inf)), "finite"),
    (Scene([], TimeView(1e9, 60.0), mode="Polar"), "mode"),
    (Scene([], TimeView(1e9, 60.0), pairing=-1.0), "pairing"),
    (Scene([Trace("A", samples([0], [0]), style=TraceStyle(limits="Maybe"))],
           TimeView(1e9, 60.0)), "limits")])
def test_bad_scenes_are_refused_with_the_reason(scene, message):
    with pytest.raises(ValueError, match=message):
        scene.check()


def test_a_trace_says_why_it_cannot_be_drawn():
    ok = Trace("W", samples(np.arange(4.0), np.zeros(4), array=True))
    assert ok.problem() == "" and ok.array
    bad = Trace("W", Samples(np.arange(3.0), np.zeros(4), np.zeros(4, np.int8), array=True),
                x_label="energy")
    assert "energy" in bad.problem() and "3" in bad.problem() and "4" in bad.problem()
    assert Trace("A", samples([0.0], [1.0]), style=TraceStyle(label="a")).label == "a"
