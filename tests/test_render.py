"""The pure renderer and history: known scenes give known pixels, without CA or Qt."""
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iocs.chart.history import History, Samples, TimeSeries
from iocs.chart.layout import CURSOR_COLOR, NOTE_COLOR
from iocs.chart.plotdata import (
    ALARM_COLORS,
    PALETTE,
    AlarmLimits,
    Scene,
    TimeView,
    Trace,
    TraceStyle,
    pair_by_time,
)
from iocs.chart.render import ChartRenderer

pytestmark = pytest.mark.unit
RED, GREEN = "#ff0000", "#00c800"
END = 1_760_000_000.0          # the right edge of every scene (POSIX s)


def near(img, rgb, tol=40):
    return np.all(np.abs(img.astype(int) - np.array(rgb)) < tol, axis=-1)


def trace(name, t, y, color=PALETTE[0], severity=None, array=False, lo=None, hi=None,
          alarm=AlarmLimits(), **kw):
    """A trace; ``t`` of a time trace in seconds before END; ``alarm``: its alarm limits."""
    style = TraceStyle(**{k: kw.pop(k) for k in list(kw) if k in TraceStyle.__annotations__},
                       color=color)
    t, y = np.asarray(t, float), np.asarray(y, float)
    severity = np.zeros(len(y), np.int8) if severity is None else severity
    extra = {} if lo is None else dict(lo=lo, hi=hi, std=np.zeros(len(t)),
                                       count=np.ones(len(t)))
    samples = Samples(t if array else t + END, y, severity, array=array, **extra)
    return Trace(name, samples, style=style, limits=alarm, **kw)


def scene(traces, window=10.0, **kw):
    view = {k: kw.pop(k) for k in ("live", "cursor", "end") if k in kw}
    return Scene(traces, TimeView(view.pop("end", END), window, **view), **kw)


def rows_with(img, col, color, tol=40):
    return np.nonzero(near(img[:, col], ChartRenderer.color_of(color), tol))[0]


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


def test_overlay_shares_axes_with_a_legend_and_an_axis_per_kind_of_units():
    r = ChartRenderer(640, 480, layout="Overlay")
    t = np.linspace(-10, 0, 50)
    img = r.render(scene([trace("A", t, np.full(50, 0.0), RED, units="mm"),
                          trace("B", t, np.full(50, 1.0), GREEN, units="mm")]))
    (a_col, a_row), (b_col, b_row) = r.pixel_of(0, END - 5, 0.0), r.pixel_of(0, END - 5, 1.0)
    assert len(r.panels) == 1 and abs(a_row - b_row) > 50           # one panel, both lines
    assert len(rows_with(img, a_col, RED)) and len(rows_with(img, b_col, GREEN))
    assert r.panels[0].ax.get_legend() is not None
    units = ["mm", "deg", "V", "mm", "A"]
    values = [0.0, 10.0, 100.0, 5.0, -3.0]
    shapes = [v + np.sin(t * (i + 1) / 4) for i, v in enumerate(values)]   # no two alike
    img = r.render(scene([trace(f"T{i}", t, y, PALETTE[i], units=u)
                          for i, (u, y) in enumerate(zip(units, shapes))]))
    assert len(r.areas) == 1 and len(r.panels) == 4                 # one box, four y axes
    assert len({r.plot_box(p) for p in range(4)}) == 1
    spines = [p.ax.spines["left" if k % 2 == 0 else "right"].get_position()
              for k, p in enumerate(r.panels)]
    assert spines[2] != spines[0] and spines[3] != spines[1]         # extra ones offset
    for i, y in enumerate(shapes):
        panel = next(k for k, p in enumerate(r.panels) if i in p.members)
        col, row = r.pixel_of(panel, END + t[20], y[20])
        assert np.min(np.abs(rows_with(img, col, PALETTE[i], 50) - row)) <= 3


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
        expected = time.localtime(r.time_at(col) + 0.5 * window / 600)
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


# ---- alarm limits -----------------------------------------------------------------------------
def band_colour(img, r, y, col):
    """The pixel at value ``y`` in panel 0, column ``col``."""
    _, row = r.pixel_of(0, END, y)
    return img[row, col].astype(int)


@pytest.mark.parametrize("shown", ["Auto", "On"])
def test_limit_bands_lie_at_the_limits(shown):
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 50)
    limits = AlarmLimits(-2.0, -1.0, 1.0, 2.0)
    img = r.render(scene([trace("A", t, np.zeros(50), alarm=limits, limits=shown,
                                autoscale=False, ymin=-3.0, ymax=3.0)]))
    left, _, right, _ = r.plot_box(0)
    col = (left + right) // 2 + 7                     # off the grid lines
    minor, major = (band_colour(img, r, y, col) for y in (1.5, 2.5))
    assert minor[2] < minor[0] - 20 and abs(minor[0] - minor[1]) < 20      # yellowish
    assert major[1] < major[0] - 15 and major[2] < major[0] - 15           # reddish
    assert np.all(band_colour(img, r, 0.5, col) > 245)                      # white inside
    assert np.array_equal(band_colour(img, r, -1.5, col), minor)
    assert np.array_equal(band_colour(img, r, -2.5, col), major)
    for edge in (-2.0, -1.0, 1.0, 2.0):               # colour changes at each limit's row
        _, row = r.pixel_of(0, END, edge)
        above, below = img[row - 3, col].astype(int), img[row + 3, col].astype(int)
        assert np.abs(above - below).max() > 10, edge


def test_no_bands_when_off_or_without_limits():
    t = np.linspace(-10, 0, 50)
    for style, limits in ((TraceStyle(limits="Off"), AlarmLimits(-2, -1, 1, 2)),
                          (TraceStyle(limits="On"), AlarmLimits()),
                          (TraceStyle(), AlarmLimits(0.0, 0.0, 0.0, 0.0))):
        r = ChartRenderer(640, 480)
        r.render(Scene([Trace("A", Samples(t + END, np.zeros(50), np.zeros(50, np.int8)),
                              style=style, limits=limits)], TimeView(END, 10.0)))
        assert r.panels[0].bands == []


def test_changed_limits_redraw_fresh_nans_do_not():
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 50)

    def frame(limits):
        r.render(Scene([Trace("A", Samples(t + END, np.sin(t), np.zeros(50, np.int8)),
                              limits=limits)], TimeView(END, 10.0)))
    frame(AlarmLimits(float("nan"), float("nan"), 0.5, float("nan")))
    frame(AlarmLimits(float("nan"), float("nan"), 0.5, float("nan")))
    assert r.full_redraws == 1
    frame(AlarmLimits(float("nan"), float("nan"), 0.7, float("nan")))
    assert r.full_redraws == 2


# ---- layouts ----------------------------------------------------------------------------------
def test_stagger_bands_do_not_overlap_and_each_has_its_ticks():
    r = ChartRenderer(640, 480, layout="Stagger")
    t = np.linspace(-10, 0, 200)
    traces = [trace(f"T{i}", t, np.sin(t + i) * 10 ** i, PALETTE[i]) for i in range(4)]
    img = r.render(scene(traces))
    assert len(r.areas) == 1 and len(r.panels) == 4
    boxes = [r.plot_box(p) for p in range(4)]
    for upper, lower in zip(boxes, boxes[1:]):
        assert upper[3] < lower[1] and upper[0] == lower[0] and upper[2] == lower[2]
    for i, (_, top, _, bottom) in enumerate(boxes):
        for when in (END - 7.0, END - 2.0):
            col, row = r.pixel_of(i, when, np.sin(when - END + i) * 10 ** i)
            assert top <= row <= bottom
            assert np.min(np.abs(rows_with(img, col, PALETTE[i], 50) - row)) <= 3
        ax = r.panels[i].ax
        lo, hi = ax.get_ylim()
        ticks = [lab for v, lab in zip(ax.get_yticks(), ax.get_yticklabels())
                 if lo <= v <= hi and lab.get_text()]
        assert len(ticks) >= 2 and all(top - 6 <= r.height - lab.get_window_extent().y0
                                       <= bottom + 6 for lab in ticks)


def test_waveform_is_drawn_against_its_x_or_its_index():
    r = ChartRenderer(640, 480)
    wave = np.linspace(0, 5, 100)
    img = r.render(scene([trace("W", np.arange(100.0), wave, array=True)]))
    assert r.panels[0].kind == "array" and r.panels[0].ax.get_xlim() == (0.0, 99.0)
    assert r.panels[0].ax.get_xlabel() == "index"
    col, row = r.pixel_of(0, 50, wave[50])
    assert np.min(np.abs(rows_with(img, col, PALETTE[0]) - row)) <= 3
    energy = np.linspace(8000.0, 9000.0, 100)
    img = r.render(scene([trace("W", energy, wave, array=True, x_label="energy",
                                x_units="eV")]))
    assert r.panels[0].ax.get_xlabel() == "energy (eV)"
    col, row = r.pixel_of(0, energy[50], wave[50])
    assert np.min(np.abs(rows_with(img, col, PALETTE[0]) - row)) <= 3


def test_arrays_of_different_lengths_are_a_note_not_a_crash():
    r = ChartRenderer(640, 480)
    bad = Trace("W", Samples(np.arange(50.0), np.arange(80.0), np.zeros(80, np.int8),
                             array=True), x_label="energy")
    good = trace("V", np.arange(10.0), np.arange(10.0), GREEN, array=True)
    plain = r.render(scene([good, Trace("W", Samples(np.arange(80.0), np.arange(80.0),
                                                     np.zeros(80, np.int8), array=True))]))
    img = r.render(scene([good, bad]))
    grey = ChartRenderer.color_of(NOTE_COLOR)
    assert near(img, grey, 50).sum() > near(plain, grey, 50).sum() + 30
    left, top, right, bottom = r.plot_box(1)
    assert not near(img[top:bottom, left + 5:right - 5], ChartRenderer.color_of(PALETTE[0]),
                    30).any()


# ---- X-Y --------------------------------------------------------------------------------------
def test_xy_points_lie_where_the_pairs_put_them():
    r = ChartRenderer(640, 480, layout="Overlay")
    xt = np.linspace(-9.0, 0.0, 10)
    xv = np.linspace(0.0, 9.0, 10)                    # x = 0 .. 9
    yt = np.array([-7.8, -6.5, -4.9, -2.5, -0.7, 0.0])
    yv = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0])
    x_trace = trace("X", xt, xv, units="mm")
    y_trace = trace("Y", yt, yv, RED, units="V")
    loner = trace("Y", np.array([-4.0]), np.array([9.0]), RED)
    img = r.render(scene([x_trace, y_trace], mode="XY", pairing=0.4))
    px, py, pt = pair_by_time(xt + END, xv, yt + END, yv, 0.4)
    assert np.allclose(pt - END, [-7.8, -4.9, -0.7, 0.0])  # -6.5 and -2.5 pair with none
    for x, y in zip(px, py):
        col, row = r.pixel_of(0, x, y)
        patch = img[row - 2:row + 3, col - 2:col + 3].astype(int)
        assert ((patch[..., 0] - patch[..., 1:].max(axis=-1)) > 30).any(), (x, y)  # a red
    for t, y in ((-6.5, 3.0), (-2.5, 5.0)):           # dropped: nothing there
        x = xv[np.searchsorted(xt, t) - 1]
        col, row = r.pixel_of(0, x, y)
        assert np.all(img[row - 2:row + 3, col - 2:col + 3] > 200)
    old = img[r.pixel_of(0, px[0], py[0])[1], r.pixel_of(0, px[0], py[0])[0]].astype(int)
    new = img[r.pixel_of(0, px[-2], py[-2])[1], r.pixel_of(0, px[-2], py[-2])[0]].astype(int)
    assert old.sum() > new.sum() + 100                # fainter with age
    assert r.panels[0].ax.get_xlabel().startswith("X") and math.isnan(r.time_at(100))
    r.render(scene([x_trace, loner], mode="XY", pairing=0.4))   # nothing pairs: no crash


def test_xy_stacked_gives_a_panel_per_y_trace():
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 100)
    r.render(scene([trace("X", t, np.sin(t)), trace("A", t, np.cos(t)),
                    trace("B", t, t)], mode="XY"))
    assert [p.members for p in r.panels] == [[1], [2]]
    assert all(p.kind == "xy" for p in r.panels)


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
