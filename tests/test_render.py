"""The pure renderer and history: known scenes give known pixels, without CA or Qt.

The time chart, looking back, the cursor and notes, what is refused; the layouts and kinds
are in test_render_layouts.py.
"""
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iocs.chart.history import History, TimeSeries
from iocs.chart.layout import CURSOR_COLOR, NOTE_COLOR
from iocs.chart.plotdata import ALARM_COLORS, PALETTE, AlarmLimits
from iocs.chart.render import ChartRenderer
from tests.support.scenes import END, GREEN, RED, near, rows_with, scene, trace

pytestmark = pytest.mark.unit

# ---- the time chart ---------------------------------------------------------------------------
def test_trace_in_its_colour_at_the_expected_row():
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 50)
    img = r.render(scene([trace("A", t, np.full(50, 3.0), RED, units="mm"),
                          trace("B", t, np.linspace(0, 1, 50), GREEN)]))
    assert img.shape == (480, 640, 3) and img.dtype == np.uint8
    col, row = r.pixel_of(0, END - 5.0, 3.0)
    hits = rows_with(img, col, RED)
    assert len(hits) and abs(np.median(hits) - row) <= 2 and row < 240   # the upper panel
    col, row = r.pixel_of(1, END - 2.5, 0.75)
    hits = rows_with(img, col, GREEN)
    assert len(hits) and np.min(np.abs(hits - row)) <= 3 and row > 240    # the lower panel



def test_fixed_range_and_log_scale():
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 50)
    tr = trace("A", t, np.sin(t), autoscale=False, ymin=-100.0, ymax=100.0)
    r.render(scene([tr]))
    assert r.panels[0].ax.get_ylim() == (-100.0, 100.0)
    img = r.render(scene([tr]))
    hits = rows_with(img, r.pixel_of(0, END - 5, 0)[0], PALETTE[0])
    assert hits.max() - hits.min() < 6                            # flattened
    r.render(scene([trace("A", t, 10 ** np.linspace(0, 4, 50), log=True)]))
    assert r.panels[0].ax.get_yscale() == "log"


def test_samples_in_alarm_are_marked_in_alarm_colours():
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 20)
    severity = np.zeros(20, np.int8)
    severity[5], severity[10], severity[15] = 1, 2, 3
    img = r.render(scene([trace("A", t, np.full(20, 1.0), severity=severity)]))
    for k, color in zip((5, 10, 15), ALARM_COLORS):
        col, row = r.pixel_of(0, END + t[k], 1.0)
        patch = img[row - 3:row + 4, col - 3:col + 4]
        assert near(patch, ChartRenderer.color_of(color), 50).sum() >= 4, color


def test_gap_leaves_no_trace_pixels():
    r = ChartRenderer(640, 480)
    t = np.array([-10.0, -6.0, -6.0, -4.0, -4.0, 0.0])
    y = np.array([1.0, 1.0, math.nan, math.nan, 1.0, 1.0])
    img = r.render(scene([trace("A", t, y)]))
    assert len(rows_with(img, r.pixel_of(0, END - 8.0, 1.0)[0], PALETTE[0]))
    assert not len(rows_with(img, r.pixel_of(0, END - 5.0, 1.0)[0], PALETTE[0]))
    assert len(rows_with(img, r.pixel_of(0, END - 2.0, 1.0)[0], PALETTE[0]))


def test_disconnected_mark_and_mono():
    r = ChartRenderer(320, 240)
    t = np.linspace(-10, 0, 10)
    ok = r.render(scene([trace("A", t, t)]))
    down = r.render(scene([trace("A", t, t, connected=False)]))
    red = (214, 39, 40)
    assert near(down, red).sum() > near(ok, red).sum() + 100
    r.mode = "Mono"
    mono = r.render(scene([trace("A", t, t)]))
    assert mono.shape == (240, 320) and mono.dtype == np.uint8


def test_a_time_axis_maps_both_ways():
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 50)
    r.render(scene([trace("A", t, t), trace("B", t, t)]))
    left, top, right, bottom = r.plot_box(1)
    assert 0 < left < right < 640 and 240 < top < bottom < 480
    for when in (END - 9.0, END - 5.0, END - 0.5):
        col, _ = r.pixel_of(1, when, 0.0)
        assert left <= col <= right
        assert abs(r.time_at(col) - when) <= 10.0 / (right - left)
    assert r.time_at(0) == pytest.approx(END - 10.0) and r.time_at(639) == pytest.approx(END)


# ---- looking back -----------------------------------------------------------------------------
def test_looking_back_the_axis_shows_local_date_and_time():
    r = ChartRenderer(640, 480)
    window = 6 * 3600.0
    t = np.linspace(-window, 0, 500)
    r.render(scene([trace("A", t, np.sin(t / 3000))], window=window, live=False))
    ax = r.panels[0].ax
    labels = [(x, lab.get_text()) for x, lab in zip(ax.get_xticks(), ax.get_xticklabels())
              if lab.get_text()]
    assert len(labels) >= 3
    for x, text in labels:
        col, _ = r.pixel_of(0, END + x, 0.0)
        expected = time.localtime(round(r.time_at(col) / 60) * 60)   # a pixel is < 30 s
        assert text in (time.strftime("%H:%M", expected), time.strftime("%d %b", expected))
        assert time.localtime(END + x).tm_min % 30 == 0               # round local times
    assert time.strftime("%Y-%m-%d", time.localtime(END)) in ax.get_xlabel()
    live = ChartRenderer(640, 480)
    live.render(scene([trace("A", t, np.sin(t / 3000))], window=window))
    assert live.panels[0].ax.get_xlabel() == "time relative to now (h)"


def test_days_back_read_as_dates():
    r = ChartRenderer(640, 480)
    window = 20 * 86400.0
    t = np.linspace(-window, 0, 500)
    r.render(scene([trace("A", t, np.sin(t / 3e5))], window=window, live=False))
    texts = [lab.get_text() for lab in r.panels[0].ax.get_xticklabels() if lab.get_text()]
    assert len(texts) >= 2 and all(time.strptime(s, "%d %b") for s in texts)


def test_envelope_of_bins_covers_lo_to_hi():
    r = ChartRenderer(640, 480)
    window = 86400.0
    t = np.arange(-window, 0.0, 3600.0)               # hourly bins, ~22 columns each
    y = np.where(np.arange(len(t)) % 2 == 0, 0.0, 4.0)
    lo, hi = y - 1.0, y + 1.0
    img = r.render(scene([trace("A", t, y, lo=lo, hi=hi)], window=window, live=False))
    for k in (3, 4, 11, 12):                          # even: 0 +- 1; odd: 4 +- 1
        col, top = r.pixel_of(0, END + t[k] + 1800.0, hi[k])
        _, bottom = r.pixel_of(0, END + t[k] + 1800.0, lo[k])
        hits = rows_with(img, col, PALETTE[0])
        assert abs(hits.min() - top) <= 2 and abs(hits.max() - bottom) <= 2
        assert len(hits) >= 0.9 * (bottom - top)      # filled, not two dots


def test_an_archived_range_is_drawn_once_then_blitted():
    r = ChartRenderer(640, 480)
    window = 7 * 86400.0
    t = np.linspace(-window, 0, 5000)
    for k in range(5):
        r.render(scene([trace("A", t, np.sin(t / 1e4 + k * 0.01))], window=window, live=False))
    assert r.full_redraws == 1 and r.frames == 5
    r.render(scene([trace("A", t, np.sin(t / 1e4))], window=window, live=False,
                   end=END - 3600.0))                 # moved back: new ticks
    assert r.full_redraws == 2


# ---- cursor and notes -------------------------------------------------------------------------
def test_cursor_line_at_its_time_in_every_time_panel():
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 50)
    traces = [trace("A", t, np.zeros(50)), trace("B", t, np.ones(50), GREEN)]
    plain = r.render(scene(traces))
    img = r.render(scene(traces, cursor=END - 3.7))
    assert r.full_redraws == 1                        # the cursor is drawn each frame
    dark = ChartRenderer.color_of(CURSOR_COLOR)
    for p in range(2):
        col, _ = r.pixel_of(p, END - 3.7, 0.0)
        _, top, _, bottom = r.plot_box(p)
        column = near(img[top + 2:bottom - 2, col - 1:col + 2], dark, 60).any(axis=1)
        assert column.mean() > 0.4                    # dashed, across the panel
        assert not near(plain[top + 2:bottom - 2, col], dark, 60).any()


def test_notes_chart_wide_top_right_and_per_trace_in_its_panel():
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 50)
    grey = ChartRenderer.color_of(NOTE_COLOR)
    plain = r.render(scene([trace("A", t, t), trace("B", t, t)]))
    for k in range(3):        # drawn once (a redraw), then put back over the traces
        moved = t + k / 10
        noted = r.render(scene([trace("A", t, moved),
                                trace("B", t, moved, note="archiver: no data")],
                               notes=("archiver unreachable",)))
    assert r.full_redraws == 2
    corner = (slice(0, 14), slice(400, 640))
    assert near(noted[corner], grey, 50).sum() > near(plain[corner], grey, 50).sum() + 30
    left, _, _, bottom = r.plot_box(1)
    inside = (slice(bottom - 20, bottom), slice(left, left + 150))
    assert near(noted[inside], grey, 50).sum() > near(plain[inside], grey, 50).sum() + 30
    left, _, _, bottom = r.plot_box(0)
    inside = (slice(bottom - 20, bottom), slice(left, left + 150))
    assert near(noted[inside], grey, 50).sum() == near(plain[inside], grey, 50).sum()


# ---- robustness -------------------------------------------------------------------------------
def test_blitting_avoids_full_redraws_until_the_layout_changes():
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 100)
    for k in range(20):        # live: the end moves on, the data with it
        r.render(scene([trace("A", t, np.sin(t + k * 0.01))], end=END + k * 0.1))
    assert r.full_redraws == 1 and r.frames == 20
    r.render(scene([trace("A", t, np.sin(t) * 10)]))          # leaves the y range
    assert r.full_redraws == 2
    r.width = 320
    r.render(scene([trace("A", t, np.sin(t) * 10)]))
    assert r.full_redraws == 3
    r.render(scene([trace("A", t, np.sin(t) * 10, color=RED)]))  # a style change redraws
    assert r.full_redraws == 4


def test_bad_sizes_modes_and_scenes_are_refused_and_change_nothing():
    with pytest.raises(ValueError):
        ChartRenderer(0, 480)
    with pytest.raises(ValueError, match="layout"):
        ChartRenderer(layout="Spiral")
    r = ChartRenderer()
    t = np.linspace(-10, 0, 10)
    good = r.render(scene([trace("A", t, t)]))
    r.mode = "CMYK"
    with pytest.raises(ValueError, match="colour mode"):
        r.render(scene([]))
    r.mode = "RGB1"
    for bad in (scene([], window=-1.0), scene([], mode="XYZ"), scene([], pairing=math.nan),
                scene([], end=math.inf)):
        with pytest.raises(ValueError):
            r.render(bad)
    assert np.array_equal(r.render(scene([trace("A", t, t)])), good)


#: One renderer per layout for every example, as in the IOC (a frame after another).
RENDERERS = {}
values = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from([0.0, 1e300, -1e300, 5e-324]))


@settings(max_examples=int(os.environ.get("PVCHART_FUZZ_EXAMPLES", 25)), deadline=None,
          derandomize=True, suppress_health_check=list(HealthCheck))
@given(ys=st.lists(st.lists(values, max_size=30), min_size=1, max_size=3),
       layout=st.sampled_from(["Stacked", "Overlay", "Stagger"]),
       mode=st.sampled_from(["Time", "XY"]), live=st.booleans(),
       log=st.booleans())
def test_any_values_draw_without_error(ys, layout, mode, live, log):
    r = RENDERERS.setdefault(layout, ChartRenderer(320, 240, layout=layout))
    traces = [trace(f"T{i}", np.linspace(-10, 0, len(y)), np.array(y, float), log=log,
                    alarm=AlarmLimits(*(y + [math.nan] * 4)[:4]))
              for i, y in enumerate(ys)]
    img = r.render(scene(traces, mode=mode, live=live, cursor=END - 1))
    assert img.shape == (240, 320, 3)


def test_the_renderer_loads_no_caproto():
    code = ("import sys, iocs.chart.render, iocs.chart.plotdata; "
            "print('caproto' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "False"


# ---- history ----------------------------------------------------------------------------------
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
    h = History(["a", "b"], retention=10.0)
    h.add("a", 100.0, np.array([1.0]))
    h.add("a", 105.0, np.array([2.0]), 2)
    h.add("unknown", 105.0, np.array([2.0]))
    h.add("b", 106.0, np.arange(5.0), 1)
    a, b = h.samples("a", 100.0, 110.0), h.samples("b", 100.0, 110.0)
    assert list(a.t) == [100.0, 105.0] and list(a.severity) == [0, 2]
    assert b.array and list(b.y) == [0, 1, 2, 3, 4]
    h.set_sources(["a", "c"])
    assert set(h.series) == {"a", "c"} and len(h.series["a"]) == 2
