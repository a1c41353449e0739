"""The pure renderer and history: known data gives known pixels, without CA or Qt."""
import math

import numpy as np
import pytest

from iocs.chart.history import History, TimeSeries
from iocs.chart.render import ChartRenderer, Trace, decimate


def near(img, rgb, tol=40):
    return np.all(np.abs(img.astype(int) - np.array(rgb)) < tol, axis=-1)


def test_trace_in_its_colour_at_the_expected_row():
    r = ChartRenderer(640, 480, window=10.0)
    t = np.linspace(-10, 0, 50)
    traces = [Trace("A", t, np.full(50, 3.0), "mm"), Trace("B", t, np.linspace(0, 1, 50))]
    img = r.render(traces)
    assert img.shape == (480, 640, 3) and img.dtype == np.uint8
    col, row = r.pixel_of(0, -5.0, 3.0)
    hits = np.nonzero(near(img[:, col], r.color_of(0)))[0]
    assert len(hits) and abs(np.median(hits) - row) <= 2
    col, row = r.pixel_of(1, -2.5, 0.75)
    hits = np.nonzero(near(img[:, col], r.color_of(1)))[0]
    assert len(hits) and np.min(np.abs(hits - row)) <= 3


def test_gap_leaves_no_trace_pixels():
    r = ChartRenderer(640, 480, window=10.0)
    t = np.array([-10.0, -6.0, -6.0, -4.0, -4.0, 0.0])
    y = np.array([1.0, 1.0, math.nan, math.nan, 1.0, 1.0])
    img = r.render([Trace("A", t, y)])
    colour = r.color_of(0)
    assert near(img[:, r.pixel_of(0, -8.0, 1.0)[0]], colour).any()
    assert not near(img[:, r.pixel_of(0, -5.0, 1.0)[0]], colour).any()
    assert near(img[:, r.pixel_of(0, -2.0, 1.0)[0]], colour).any()


def test_disconnected_mark_and_mono():
    r = ChartRenderer(320, 240, window=10.0)
    t = np.linspace(-10, 0, 10)
    ok = r.render([Trace("A", t, t)])
    down = r.render([Trace("A", t, t, connected=False)])
    red = (214, 39, 40)
    assert near(down, red).sum() > near(ok, red).sum() + 100
    r.mode = "Mono"
    mono = r.render([Trace("A", t, t)])
    assert mono.shape == (240, 320) and mono.dtype == np.uint8


def test_blitting_avoids_full_redraws_until_the_layout_changes():
    r = ChartRenderer(640, 480, window=10.0)
    t = np.linspace(-10, 0, 100)
    for k in range(20):
        r.render([Trace("A", t, np.sin(t + k * 0.01))])
    assert r.full_redraws == 1 and r.frames == 20
    r.render([Trace("A", t, np.sin(t) * 10)])          # leaves the y range
    assert r.full_redraws == 2
    r.width = 320
    r.render([Trace("A", t, np.sin(t) * 10)])
    assert r.full_redraws == 3


def test_bad_sizes_and_modes_are_refused():
    with pytest.raises(ValueError):
        ChartRenderer(0, 480)
    r = ChartRenderer()
    r.mode = "CMYK"
    with pytest.raises(ValueError):
        r.render([])


def test_decimate_keeps_the_envelope():
    t = np.linspace(-10, 0, 100_000)
    y = np.sin(t * 50)
    y[50_000] = 5.0
    tt, yy = decimate(t, y, -10, 0, 640)
    assert len(tt) <= 2 * 640 and yy.max() == 5.0 and yy.min() == pytest.approx(-1, abs=1e-3)


def test_time_series_is_bounded_and_trims():
    s = TimeSeries(capacity=100)
    for i in range(1000):
        s.append(float(i), float(i))
    assert len(s) == 100 and s.last == (999.0, 999.0)
    s.trim(950.0)
    t, _ = s.arrays()
    assert t[0] == 949.0 and len(t) == 51
    s.gap(1000.0)
    s.gap(1001.0)
    assert math.isnan(s.last[1]) and s.last[0] == 1000.0


def test_history_snapshot_is_relative_to_now():
    h = History(["a", "b"], window=10.0)
    h.add("a", 100.0, 1.0)
    h.add("a", 105.0, 2.0)
    h.add("unknown", 105.0, 2.0)
    snap = h.snapshot(now=110.0)
    assert list(snap["a"][0]) == [-10.0, -5.0] and len(snap["b"][0]) == 0
    h.set_sources(["a", "c"])
    assert set(h.series) == {"a", "c"} and len(h.series["a"]) == 2
