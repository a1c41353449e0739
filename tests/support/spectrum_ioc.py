"""A test IOC serving a spectrum and its energy axis (waveforms), an axis of another length
and a scalar, all writable, so tests can plot a waveform against its X axis."""
import numpy as np
from caproto.server import PVGroup, pvproperty, run, template_arg_parser

N = 50


class SpectrumIOC(PVGroup):
    """``<prefix>spectrum`` against ``<prefix>energy`` (eV); ``short`` has fewer points."""

    spectrum = pvproperty(value=list(np.sin(np.linspace(0, 3, N))), dtype=float,
                          max_length=1000, doc="Counts per channel")
    energy = pvproperty(value=list(np.linspace(7000.0, 7100.0, N)), dtype=float,
                        max_length=1000, units="eV", doc="Photon energy")
    short = pvproperty(value=list(np.linspace(0.0, 1.0, N // 2)), dtype=float,
                       max_length=1000, doc="An axis with too few points")
    scalar = pvproperty(value=1.0, doc="Not an axis")


if __name__ == "__main__":
    parser, split_args = template_arg_parser(default_prefix="SPEC:", desc=SpectrumIOC.__doc__)
    ioc_options, run_options = split_args(parser.parse_args())
    run(SpectrumIOC(ioc_options["prefix"]).pvdb, **run_options)
