"""The pure image codec: layouts, levels, colormaps, NTNDArray shapes and clear errors."""
import numpy as np
import pytest
from qtpy.QtGui import QImage

from pydm_widgets import codec

pytestmark = pytest.mark.unit


def pixels(decoded):
    img = decoded.image.convertToFormat(QImage.Format_RGB888)
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    rows = np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())
    return rows[:, :img.width() * 3].reshape(img.height(), img.width(), 3).copy()


RGB = np.random.default_rng(3).integers(0, 256, (6, 8, 3), dtype=np.uint8)


@pytest.mark.parametrize("mode,flat,sizes", [
    ("RGB1", RGB.reshape(-1), (3, 8, 6)),
    ("RGB2", RGB.transpose(0, 2, 1).reshape(-1), (8, 3, 6)),
    ("RGB3", RGB.transpose(2, 0, 1).reshape(-1), (8, 6, 3)),
])
def test_colour_layouts_decode_to_the_same_picture(mode, flat, sizes):
    width, height = codec.size_from_ad_dims(*sizes, mode)
    decoded = codec.decode(flat, width, height, mode)
    assert decoded.image.format() == QImage.Format_RGB32
    assert np.array_equal(pixels(decoded), RGB)


@pytest.mark.parametrize("shape,expected", [((8, 6), (8, 6, "Mono")),
                                            ((3, 8, 6), (8, 6, "RGB1")),
                                            ((8, 3, 6), (8, 6, "RGB2")),
                                            ((8, 6, 3), (8, 6, "RGB3")),
                                            ((4, 8, 6), (8, 6, "RGBA"))])
def test_ntndarray_shapes(shape, expected):
    assert codec.geometry_from_shape(shape) == expected


@pytest.mark.parametrize("dtype", [np.uint16, np.int32, np.uint32, np.float32, np.float64])
def test_mono_of_any_type_fills_the_grey_range_with_automatic_levels(dtype):
    ramp = np.linspace(100, 4000, 64).astype(dtype)
    grey = pixels(codec.decode(ramp, 64, 1, "Mono"))[0, :, 0]
    assert grey.min() == 0 and grey.max() == 255 and np.all(np.diff(grey.astype(int)) >= 0)


def test_set_levels_clip_and_eight_bit_data_stays_as_it_is():
    data = np.array([0, 50, 100, 150, 200], dtype=np.uint8)
    assert list(pixels(codec.decode(data, 5, 1, "Mono"))[0, :, 0]) == [0, 50, 100, 150, 200]
    grey = pixels(codec.decode(data, 5, 1, "Mono", levels=(50, 150)))[0, :, 0]
    assert list(grey) == [0, 0, 127, 255, 255]


def test_colormap_and_nan():
    table = codec.colormap_table(np.array([[0, 0, 0, 255], [255, 0, 0, 255]]))
    assert table.shape == (256, 4) and tuple(table[-1]) == (255, 0, 0, 255)
    data = np.array([0.0, np.nan, 1.0])
    out = pixels(codec.decode(data, 3, 1, "Mono", colormap=table))[0]
    assert tuple(out[0]) == (0, 0, 0) and tuple(out[2]) == (255, 0, 0)
    with pytest.raises(codec.ImageError, match="no finite"):
        codec.decode(np.full(4, np.nan), 2, 2, "Mono")


@pytest.mark.parametrize("data,width,height,mode,words", [
    (np.zeros(0, np.uint8), 2, 2, "Mono", "empty"),
    (np.zeros(10, np.uint8), 2, 2, "Mono", "needs 4"),
    (np.zeros(12, np.uint8), 0, 0, "RGB1", "unknown"),
    (np.zeros(12, np.uint8), 2, 2, "Bayer", "unsupported"),
    (np.frombuffer(codec.PNG_SIGNATURE + b"junk" * 4, np.uint8), 0, 0, "Mono", "corrupt PNG"),
])
def test_bad_data_is_named(data, width, height, mode, words):
    with pytest.raises(codec.ImageError, match=words):
        codec.decode(data, width, height, mode)
