"""The pure parts of the display widgets: chart lists, the column-to-time mapping, readout
formatting, the named-positions sentence, image geometry and hit-testing."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from qtpy.QtCore import QPointF, QRectF

from pydm_widgets.chartimage import column_time
from pydm_widgets.chooser import chart_names, switched_macros
from pydm_widgets.codec import ImageError, frame_geometry
from pydm_widgets.painting import image_point, target_rect
from pydm_widgets.positions import position_text
from pydm_widgets.properties import ScaleMode
from pydm_widgets.readouts import NONE, format_value

pytestmark = pytest.mark.unit

CHOICES = ("Insert", "Retract", "")


@pytest.mark.parametrize("text, current, names", [
    ("chart,vacuum,rf", "chart", ["chart", "vacuum", "rf"]),
    ("chart; vacuum  rf", "", ["chart", "vacuum", "rf"]),
    ("chart,chart,rf", "rf", ["chart", "rf"]),
    ("chart", "vacuum", ["vacuum", "chart"]),
    ("${CHARTS}", "${C}", []),
    ("", "", []),
])
def test_chart_names(text, current, names):
    assert chart_names(text, current) == names


def test_switched_macros_change_one_macro_and_keep_the_rest():
    given_macros = {"P": "X:", "C": "chart", "IMAGE": "pva://${P}${C}:Pva1:Image"}
    assert switched_macros(given_macros, "C", "vacuum") == dict(given_macros, C="vacuum")
    assert given_macros["C"] == "chart"                  # the display's own stay as they were
    assert switched_macros(None, "C", "rf") == {"C": "rf"}


def test_column_time_is_linear_between_the_axis_columns():
    assert column_time(100, 100, 500, 1000.0, 60.0) == 940.0
    assert column_time(500, 100, 500, 1000.0, 60.0) == 1000.0
    assert column_time(200, 100, 500, 1000.0, 60.0) == 955.0
    for bad in [(99.9, 100, 500, 1000.0, 60.0), (500.1, 100, 500, 1000.0, 60.0),
                (300, 500, 100, 1000.0, 60.0), (300, 100, 100, 1000.0, 60.0),
                (300, 100, 500, 1000.0, 0.0)]:
        assert column_time(*bad) is None


@given(st.floats(0, 4000), st.integers(0, 3000), st.integers(1, 3000),
       st.floats(1e8, 4e9), st.floats(1.0, 31 * 86400.0))
def test_column_time_stays_within_the_range_shown(x, left, width, end, window):
    t = column_time(x, left, left + width, end, window)
    if left <= x <= left + width:
        assert t is not None and end - window - 1e-6 <= t <= end + 1e-6
    else:
        assert t is None


@pytest.mark.parametrize("value, precision, text", [
    (1.23456, 4, "1.2346"), (0.0, 3, "0.000"), (-2.5, 2, "-2.50"), (1.2e-8, 4, "1.200e-08"),
    (3.4e7, 3, "3.40e+07"), (float("nan"), 4, NONE), (float("inf"), 4, NONE), (None, 4, NONE),
    ("text", 4, NONE), (np.float32(0.5), 1, "0.5"), (7, 0, "7"),
])
def test_format_value(value, precision, text):
    assert format_value(value, precision) == text


@pytest.mark.parametrize("choice, connected, rbv, text", [
    (None, 1, 1.0, "named positions not connected"),
    (0, 0, 1.0, "motor not connected"),
    (0, 1, 2.0, "at Insert"),
    ("Retract", 1, 0.0, "at Retract"),
    (2, 1, 1.23449, "between positions, RBV 1.234 mm"),
    (2, 1, None, "between positions"),
    (7, 1, 0.5, "between positions, RBV 0.500 mm"),
])
def test_position_text(choice, connected, rbv, text):
    assert position_text(choice, CHOICES, connected, rbv, 3, "mm") == text


def test_target_rect_and_image_point_are_inverse():
    area = QRectF(2, 2, 800, 400)
    for mode in (ScaleMode.KeepAspect, ScaleMode.Stretch, ScaleMode.Original):
        target = target_rect(area, 640, 480, mode)
        centre = image_point(target, 640, 480, target.center())
        assert (centre.x(), centre.y()) == pytest.approx((320.0, 240.0))
        corner = image_point(target, 640, 480, target.topLeft())
        assert (corner.x(), corner.y()) == pytest.approx((0.0, 0.0))
    keep = target_rect(area, 640, 480, ScaleMode.KeepAspect)
    assert keep.height() == 400 and keep.width() == pytest.approx(400 * 640 / 480)
    assert image_point(keep, 640, 480, QPointF(5, 200)) is None      # beside the picture
    assert image_point(QRectF(), 640, 480, QPointF(0, 0)) is None


@pytest.mark.parametrize("data, values, fallback, geometry", [
    (np.zeros((3, 8, 4)), {}, {"width": 0, "height": 0, "mode": "Mono"}, (8, 4, "RGB1")),
    (np.zeros(96), {"size0": 3, "size1": 8, "size2": 4, "mode": 2}, None, (8, 4, "RGB1")),
    (np.zeros(32), {}, {"width": 8, "height": 0, "mode": "Mono"}, (8, 4, "Mono")),
    (np.zeros(32), {"width": 4, "height": 8}, {"width": 8, "height": 0, "mode": "Mono"},
     (4, 8, "Mono")),
    (np.zeros(32), {"mode": 99}, {"width": 8, "height": 4, "mode": "Mono"},
     (8, 4, "mode #99")),
])
def test_frame_geometry(data, values, fallback, geometry):
    fallback = fallback or {"width": 0, "height": 0, "mode": "Mono"}
    modes = ("Mono", "Bayer", "RGB1", "RGB2", "RGB3")
    assert frame_geometry(data, values, modes, fallback) == geometry


def test_frame_geometry_of_an_array_that_is_no_image():
    with pytest.raises(ImageError, match="not an image"):
        frame_geometry(np.zeros((5, 5, 5)), {}, (), {"width": 0, "height": 0, "mode": "Mono"})


def test_charts_of_a_launchers_processes():
    from iocs.ops.display import charts_of
    assert charts_of(["motor", "chart", "chart@vacuum", "repeater", "chart@rf"]) == \
        "chart,vacuum,rf"
    assert charts_of(["motor", "web"]) == "chart"
