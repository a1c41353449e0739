"""The pure renderer and history: known data gives known pixels, without CA or Qt."""
import math

import numpy as np
import pytest

from iocs.chart.history import History, TimeSeries
from iocs.chart.plotdata import ALARM_COLORS, TraceStyle, decimate
from iocs.chart.render import ChartRenderer, Trace
from iocs.chart.settings import PALETTE

pytestmark = pytest.mark.unit

RED, GREEN = "#ff0000", "#00c800"


def near(img, rgb, tol=40):
    return np.all(np.abs(img.astype(int) - np.array(rgb)) < tol, axis=-1)


def trace(name, t, y, color=PALETTE[0], **kw):
    style = TraceStyle(**{k: kw.pop(k) for k in list(kw) if k in TraceStyle.__annotations__},
                       color=color)
    return Trace(name, t, y, style=style, **kw)


def rows_with(img, col, color):
    return np.nonzero(near(img[:, col], ChartRenderer.color_of(color)))[0]


def test_trace_in_its_colour_at_the_expected_row():
    r = ChartRenderer(640, 480, window=10.0)
    t = np.linspace(-10, 0, 50)
    img = r.render([trace("A", t, np.full(50, 3.0), RED, units="mm"),
                    trace("B", t, np.linspace(0, 1, 50), GREEN)])
    assert img.shape == (480, 640, 3) and img.dtype == np.uint8
    col, row = r.pixel_of(0, -5.0, 3.0)
    hits = rows_with(img, col, RED)
    assert len(hits) and abs(np.median(hits) - row) <= 2 and row < 240   # the upper band
    col, row = r.pixel_of(1, -2.5, 0.75)
    hits = rows_with(img, col, GREEN)
    assert len(hits) and np.min(np.abs(hits - row)) <= 3 and row > 240    # the lower band


def test_overlay_shares_axes_with_a_legend_and_a_second_axis_for_other_units():
    r = ChartRenderer(640, 480, window=10.0, layout="Overlay")
    t = np.linspace(-10, 0, 50)
    img = r.render([trace("A", t, np.full(50, 0.0), RED, units="mm"),
                    trace("B", t, np.full(50, 1.0), GREEN, units="mm")])
    (a_col, a_row), (b_col, b_row) = r.pixel_of(0, -5, 0.0), r.pixel_of(0, -5, 1.0)
    assert abs(a_row - b_row) > 50                                 # one panel, both lines
    assert np.min(np.abs(rows_with(img, a_col, RED) - a_row)) <= 2
    assert np.min(np.abs(rows_with(img, b_col, GREEN) - b_row)) <= 2
    assert r._panels[0].ax.get_legend() is not None     # no public view of the legend
    img = r.render([trace("A", t, np.full(50, 0.0), RED, units="mm"),
                    trace("B", t, np.full(50, 1.0), GREEN, units="deg")])
    (a_col, _), (b_col, b_row) = r.pixel_of(0, -5, 0.0), r.pixel_of(1, -5, 1.0)
    assert a_col == b_col                                          # twin: the same time axis
    assert np.min(np.abs(rows_with(img, b_col, GREEN) - b_row)) <= 2   # on its own y axis


def test_fixed_range_and_log_scale():
    r = ChartRenderer(640, 480, window=10.0)
    t = np.linspace(-10, 0, 50)
    img = r.render([trace("A", t, np.sin(t), autoscale=False, ymin=-100.0, ymax=100.0)])
    top, middle, bottom = (r.pixel_of(0, -5, y)[1] for y in (100.0, 0.0, -100.0))
    assert top < middle < bottom and abs(2 * middle - top - bottom) <= 2   # -100 .. 100
    hits = rows_with(img, r.pixel_of(0, -5, 0)[0], PALETTE[0])
    assert hits.max() - hits.min() < 6 and abs(np.median(hits) - middle) <= 3  # flattened
    r.render([trace("A", t, 10 ** np.linspace(0, 4, 50), log=True)])
    rows = [r.pixel_of(0, -5, 10.0 ** k)[1] for k in range(5)]
    steps = np.diff(rows)
    assert np.all(steps < 0) and np.ptp(steps) <= 2                # decades evenly spaced


def test_samples_in_alarm_are_marked_in_alarm_colours():
    r = ChartRenderer(640, 480, window=10.0)
    t = np.linspace(-10, 0, 20)
    severity = np.zeros(20, np.int8)
    severity[5], severity[10], severity[15] = 1, 2, 3
    img = r.render([trace("A", t, np.full(20, 1.0), severity=severity)])
    for k, color in zip((5, 10, 15), ALARM_COLORS):
        col, row = r.pixel_of(0, t[k], 1.0)
        patch = img[row - 3:row + 4, col - 3:col + 4]
        assert near(patch, ChartRenderer.color_of(color), 50).sum() >= 4, color


def test_waveform_source_is_drawn_against_index():
    r = ChartRenderer(640, 480, window=10.0)
    wave = np.linspace(0, 5, 100)
    img = r.render([trace("W", np.arange(100.0), wave, array=True)])
    for index in (3, 50, 96):                   # the whole waveform, by index, not time
        col, row = r.pixel_of(0, index, wave[index])
        assert 0 <= col < 640
        assert np.min(np.abs(rows_with(img, col, PALETTE[0]) - row)) <= 3, index


def test_gap_leaves_no_trace_pixels():
    r = ChartRenderer(640, 480, window=10.0)
    t = np.array([-10.0, -6.0, -6.0, -4.0, -4.0, 0.0])
    y = np.array([1.0, 1.0, math.nan, math.nan, 1.0, 1.0])
    img = r.render([trace("A", t, y)])
    assert len(rows_with(img, r.pixel_of(0, -8.0, 1.0)[0], PALETTE[0]))
    assert not len(rows_with(img, r.pixel_of(0, -5.0, 1.0)[0], PALETTE[0]))
    assert len(rows_with(img, r.pixel_of(0, -2.0, 1.0)[0], PALETTE[0]))


def test_disconnected_mark_and_mono():
    r = ChartRenderer(320, 240, window=10.0)
    t = np.linspace(-10, 0, 10)
    ok = r.render([trace("A", t, t)])
    down = r.render([trace("A", t, t, connected=False)])
    red = (214, 39, 40)
    assert near(down, red).sum() > near(ok, red).sum() + 100
    r.mode = "Mono"
    mono = r.render([trace("A", t, t)])
    assert mono.shape == (240, 320) and mono.dtype == np.uint8


def test_blitting_avoids_full_redraws_until_the_layout_changes():
    r = ChartRenderer(640, 480, window=10.0)
    t = np.linspace(-10, 0, 100)
    for k in range(20):
        r.render([trace("A", t, np.sin(t + k * 0.01))])
    assert r.full_redraws == 1 and r.frames == 20
    r.render([trace("A", t, np.sin(t) * 10)])          # leaves the y range
    assert r.full_redraws == 2
    r.width = 320
    r.render([trace("A", t, np.sin(t) * 10)])
    assert r.full_redraws == 3
    r.render([trace("A", t, np.sin(t) * 10, color=RED)])  # a style change redraws
    assert r.full_redraws == 4


def test_bad_sizes_and_modes_are_refused():
    with pytest.raises(ValueError):
        ChartRenderer(0, 480)
    r = ChartRenderer()
    r.mode = "CMYK"
    with pytest.raises(ValueError):
        r.render([])


def test_decimate_keeps_the_envelope_and_the_worst_severity():
    t = np.linspace(-10, 0, 100_000)
    y = np.sin(t * 50)
    y[50_000] = 5.0
    s = np.zeros(100_000, np.int8)
    s[70_000] = 2
    tt, yy, ss = decimate(t, y, s, -10, 0, 640)
    assert len(tt) <= 2 * 640 and yy.max() == 5.0 and yy.min() == pytest.approx(-1, abs=1e-3)
    assert ss.max() == 2 and len(ss) == len(tt)


def test_time_series_is_bounded_and_trims():
    s = TimeSeries(capacity=100)
    for i in range(1000):
        s.append(float(i), float(i), i % 3)
    assert len(s) == 100 and s.last == (999.0, 999.0)
    s.trim(950.0)
    samples = s.samples()
    assert samples.t[0] == 949.0 and len(samples.t) == 51
    assert list(samples.severity[:3]) == [949 % 3, 950 % 3, 951 % 3]
    s.gap(1000.0)
    s.gap(1001.0)
    assert math.isnan(s.last[1]) and s.last[0] == 1000.0


def test_history_keeps_series_and_waveforms_in_the_window():
    h = History(["a", "b"], window=10.0)
    h.add("a", 100.0, np.array([1.0]))
    h.add("a", 105.0, np.array([2.0]), 2)
    h.add("unknown", 105.0, np.array([2.0]))
    h.add("b", 106.0, np.arange(5.0), 1)
    snap = h.samples(now=110.0)
    assert list(snap["a"].t) == [100.0, 105.0] and list(snap["a"].severity) == [0, 2]
    assert snap["b"].array and list(snap["b"].y) == [0, 1, 2, 3, 4]
    h.set_sources(["a", "c"])
    assert set(h.series) == {"a", "c"} and len(h.series["a"]) == 2
