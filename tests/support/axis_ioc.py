"""A test IOC standing in for the chart IOC's time axis: an areaDetector-style image to click
on and the PVs a ChartImage maps columns to times with (``plotLeft``, ``plotRight``, ``end``,
``window``, ``live``, ``t1``, ``mode``) and the ``cursor`` it writes, all writable, so a test
sets the mapping it checks. (The chart IOC itself does not serve plotLeft/plotRight yet.)"""
import numpy as np
from caproto import ChannelType
from caproto.server import PVGroup, pvproperty, run, template_arg_parser

WIDTH, HEIGHT = 640, 480
MODES = ("Mono", "Bayer", "RGB1", "RGB2", "RGB3", "YUV444", "YUV422", "YUV421")


class AxisIOC(PVGroup):
    """``<prefix>ArrayData`` (a grey RGB1 frame) and the chart's time-axis PVs."""

    ArrayData = pvproperty(value=np.full(WIDTH * HEIGHT * 3, 200, dtype=np.uint8).tobytes(),
                           dtype=bytes, max_length=WIDTH * HEIGHT * 3)
    ArraySize0_RBV = pvproperty(value=3)
    ArraySize1_RBV = pvproperty(value=WIDTH)
    ArraySize2_RBV = pvproperty(value=HEIGHT)
    ColorMode_RBV = pvproperty(value="RGB1", dtype=ChannelType.ENUM, enum_strings=MODES)
    plotLeft = pvproperty(value=100)
    plotRight = pvproperty(value=500)
    end = pvproperty(value=1_700_000_000.0, precision=3)
    t1 = pvproperty(value=1_700_000_100.0, precision=3)
    window = pvproperty(value=60.0)
    live = pvproperty(value="Off", dtype=ChannelType.ENUM, enum_strings=("Off", "On"))
    mode = pvproperty(value="Time", dtype=ChannelType.ENUM, enum_strings=("Time", "XY"))
    cursor = pvproperty(value=0.0, precision=3)


if __name__ == "__main__":
    parser, split_args = template_arg_parser(default_prefix="AXIS:", desc=AxisIOC.__doc__)
    ioc_options, run_options = split_args(parser.parse_args())
    run(AxisIOC(**ioc_options).pvdb, **run_options)
