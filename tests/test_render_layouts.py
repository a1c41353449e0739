"""The renderer's layouts and kinds: Overlay axes per unit, Stagger bands, alarm-limit bands,
waveforms against their x, X-Y correlation; known scenes give known pixels."""
import math

import numpy as np
import pytest

from iocs.chart.history import Samples
from iocs.chart.layout import NOTE_COLOR, plan_areas
from iocs.chart.plotdata import (
    PALETTE,
    AlarmLimits,
    Scene,
    TimeView,
    Trace,
    TraceStyle,
    pair_by_time,
)
from iocs.chart.render import ChartRenderer
from tests.support.scenes import END, GREEN, RED, near, rows_with, scene, trace

pytestmark = pytest.mark.unit


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


def test_xy_without_a_y_or_with_a_waveform_x_says_so():
    r = ChartRenderer(640, 480)
    t = np.linspace(-10, 0, 50)
    grey = ChartRenderer.color_of(NOTE_COLOR)
    corner = (slice(0, 14), slice(300, 640))
    for traces in ([trace("X", t, t)], [trace("W", t + 10, t, array=True), trace("Y", t, t)],
                   []):
        img = r.render(scene(traces, mode="XY"))
        assert near(img[corner], grey, 50).sum() > 30
        assert all(not p.members for p in r.panels)


def test_areas_follow_the_layout_and_the_mode():
    t = np.linspace(-10, 0, 5)
    traces = [trace("A", t, t, units="mm"), trace("B", t, t, units="V"),
              trace("W", t + 10, t, array=True), trace("C", t, t, units="mm")]
    assert [(a.kind, a.groups, a.arrangement) for a in plan_areas(traces, "Overlay", "Time")] \
        == [("time", ((0, 3), (1,)), "axes"), ("array", ((2,),), "single")]
    assert [(a.kind, a.groups) for a in plan_areas(traces, "Stacked", "Time")] == [
        ("time", ((0,),)), ("time", ((1,),)), ("time", ((3,),)), ("array", ((2,),))]
    stagger = plan_areas(traces, "Stagger", "Time")[0]
    assert (stagger.groups, stagger.arrangement) == (((0,), (1,), (3,)), "bands")
    assert [(a.kind, a.groups) for a in plan_areas(traces, "Stacked", "XY")] == [
        ("xy", ((1,),)), ("xy", ((3,),))]               # trace 1 is X; waveforms left out
    assert [(a.kind, a.groups) for a in plan_areas([], "Stacked", "Time")] == [("time", ((),))]
