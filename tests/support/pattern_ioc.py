"""A test IOC serving a writable areaDetector-style image, so tests can push known patterns."""
from caproto import ChannelType
from caproto.server import PVGroup, pvproperty, run, template_arg_parser

from iocs.common.caproto_compat import set_silently

MODES = ("Mono", "Bayer", "RGB1", "RGB2", "RGB3", "YUV444", "YUV422", "YUV421")


class PatternIOC(PVGroup):
    """``<prefix>ArrayData`` and its size/mode PVs, all writable (served at two prefixes)."""

    ArrayData = pvproperty(value=b"", dtype=bytes, max_length=4_000_000)
    ArraySize0_RBV = pvproperty(value=0)
    ArraySize1_RBV = pvproperty(value=0)
    ArraySize2_RBV = pvproperty(value=0)
    ColorMode_RBV = pvproperty(value="Mono", dtype=ChannelType.ENUM, enum_strings=MODES)
    width = pvproperty(value=0)
    height = pvproperty(value=0)
    Mono16 = pvproperty(value=[0], dtype=ChannelType.INT, max_length=100_000)
    silent_sizes = pvproperty(value=[0, 0, 0], dtype=int, max_length=3,
                              doc="Sets ArraySize0..2_RBV without telling subscribers "
                                  "(a size update lost on the way)")

    @silent_sizes.putter
    async def silent_sizes(self, instance, value):
        for pv, size in zip((self.ArraySize0_RBV, self.ArraySize1_RBV, self.ArraySize2_RBV),
                            value):
            set_silently(pv, int(size))
        return value


if __name__ == "__main__":
    parser, split_args = template_arg_parser(default_prefix="PAT:", desc=PatternIOC.__doc__)
    ioc_options, run_options = split_args(parser.parse_args())
    prefix = ioc_options["prefix"]
    pvdb = {**PatternIOC(prefix).pvdb, **PatternIOC(prefix + "B:").pvdb}
    run(pvdb, **run_options)
