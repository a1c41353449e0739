"""A test IOC serving writable areaDetector-style images, so tests can push known patterns:
``<prefix>`` and ``<prefix>B:``, or with ``--copies N`` ``<prefix>1:`` .. ``<prefix>N:`` and
their ``B:`` twins (one per test of a shared IOC)."""
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
    parser.add_argument("--copies", type=int, default=0,
                        help="serve <prefix>1: .. <prefix>N: (default: <prefix> alone)")
    args = parser.parse_args()
    ioc_options, run_options = split_args(args)
    base = ioc_options["prefix"]
    prefixes = [f"{base}{k}:" for k in range(1, args.copies + 1)] if args.copies else [base]
    pvdb = {}
    for prefix in prefixes:
        pvdb.update(PatternIOC(prefix).pvdb)
        pvdb.update(PatternIOC(prefix + "B:").pvdb)
    run(pvdb, **run_options)
