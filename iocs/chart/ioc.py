"""Chart IOC: the middle man that charts source PVs and serves the chart as an image.

It subscribes to source PVs (default the motor's RBV and VAL), keeps their history, renders a
chart at up to ``rate`` Hz and publishes it areaDetector-style over Channel Access
(``ArrayData`` + ``ArraySize*_RBV`` + ``ColorMode_RBV`` ...) and as an NTNDArray over PV Access
(``Pva1:Image``), so PyDM's PVImage, ImageJ, Phoebus or caQtDM users can all view it. Its
settings, the per-trace styles and the named positions and jog of the seed's middle man
(:mod:`iocs.chart.presets`) are PVs, autosaved.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

from caproto import ChannelType
from caproto.server import PVGroup, SubGroup

from ..common.autosave import AutosaveFile, Autosaver, autosave_path
from ..common.camonitor import client_context
from ..common.channels import RECORD_TYPE_MAP, RECORD_TYPE_MAP_READ_ONLY, channel, is_action
from ..common.iocmain import DEFAULT_PREFIX, ioc_parser, prepare, serve
from ..common.settings import SettingsTable
from .frames import FrameLoop
from .presets import PresetsGroup
from .pva import ImageServer
from .settings import CHART, MAX_PIXELS, MAX_SOURCES, PRESETS, TRACE, check_size, source_list
from .sources import SourceWatcher
from .traces import TraceGroup

logger = logging.getLogger(__name__)

__all__ = ["ChartIOC", "build_parser", "pv_groups", "main", "default_sources"]

DESCRIPTION = ("Chart IOC: charts source PVs and serves the chart as an areaDetector-style "
               "image (CA) and NTNDArray (PVA).")
AD_COLOR_MODES = ("Mono", "Bayer", "RGB1", "RGB2", "RGB3", "YUV444", "YUV422", "YUV421")
AD_DATA_TYPES = ("Int8", "UInt8", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64",
                 "Float32", "Float64")


def default_sources(prefix: str) -> str:
    return f"{prefix}motor.RBV,{prefix}motor.VAL"


async def _setting(group: ChartIOC, instance: Any, value: Any) -> Any:
    return await group.apply_setting(instance, value)


class ChartIOC(SourceWatcher, FrameLoop, PVGroup):
    """Live chart of source PVs as an areaDetector-style image: ``<prefix>ArrayData`` ..."""

    type_map = RECORD_TYPE_MAP
    type_map_read_only = RECORD_TYPE_MAP_READ_ONLY

    ArrayData = channel("ArrayData", b"", "Image data, uint8, row-major", dtype=bytes,
                        max_length=MAX_PIXELS * 3, read_only=True, max_subscription_backlog=2)
    ArraySize0_RBV = channel("ArraySize0_RBV", 0, "RGB1: 3 (colour); Mono: width",
                             read_only=True)
    ArraySize1_RBV = channel("ArraySize1_RBV", 0, "RGB1: width; Mono: height",
                             read_only=True)
    ArraySize2_RBV = channel("ArraySize2_RBV", 0, "RGB1: height; Mono: 0", read_only=True)
    NDimensions_RBV = channel("NDimensions_RBV", 0, "3 for RGB1, 2 for Mono", read_only=True)
    ColorMode_RBV = channel("ColorMode_RBV", "RGB1", "Colour mode of ArrayData",
                            dtype=ChannelType.ENUM, enum_strings=AD_COLOR_MODES,
                            read_only=True)
    DataType_RBV = channel("DataType_RBV", "UInt8", "Element type of ArrayData",
                           dtype=ChannelType.ENUM, enum_strings=AD_DATA_TYPES, read_only=True)
    UniqueId_RBV = channel("UniqueId_RBV", 0, "Frame counter", read_only=True)
    t1 = channel("t1", 0.0, "Time of the last frame (s since the epoch)", read_only=True,
                 precision=3)
    render_ms = channel("render_ms", 0.0, "Duration of the last render (ms)", read_only=True,
                        precision=2, units="ms")
    status = channel("status", "starting", "Sources connected, as text", read_only=True)
    autosave = channel("autosave", "no autosave", "Result of the last autosave write",
                       read_only=True)
    clear = channel("clear", 0, "Write 1 to forget the history")
    for _s in CHART:
        locals()[_s.name] = _s.pvproperty().putter(_setting)
    for _n in range(1, MAX_SOURCES + 1):
        locals()[f"T{_n}"] = SubGroup(TraceGroup, prefix=f"T{_n}:")
    del _s, _n

    def __init__(self, prefix: str, *, settings: Dict[str, Any],
                 traces: Optional[Dict[str, Dict[str, Any]]] = None,
                 presets: Optional[PresetsGroup] = None,
                 autosaver: Optional[Autosaver] = None, **kwargs: Any) -> None:
        super().__init__(prefix, **kwargs)
        self.initial = dict(CHART.defaults(), **settings)
        self.initial_traces = traces or {}
        self.presets = presets
        self.autosaver = autosaver
        self.init_sources(source_list(self.initial["sources"]), self.initial["window"])
        self.init_frames()
        self.pvdb[self.prefix + "image"] = self.ArrayData     # the seed's name, same data

    def trace_groups(self) -> List[TraceGroup]:
        return [getattr(self, f"T{n}") for n in range(1, MAX_SOURCES + 1)]

    def trace_style(self, index: int) -> Any:
        return self.trace_groups()[index].style()

    # ---- settings -------------------------------------------------------------------------
    async def restore(self) -> None:
        """Show the starting settings in their PVs (before serving)."""
        for name, value in self.initial.items():
            await getattr(self, name).write(value, verify_value=False)
        for group in self.trace_groups():
            await group.restore(self.initial_traces.get(group.prefix[len(self.prefix):-1],
                                                        {}))

    def all_settings(self) -> Dict[str, Any]:
        """What autosave keeps: chart settings, trace styles, named positions."""
        saved: Dict[str, Any] = {"chart": {s.name: getattr(self, s.name).value for s in CHART},
                                 "traces": {f"T{g.index + 1}": g.settings()
                                            for g in self.trace_groups()}}
        if self.presets is not None:
            saved["presets"] = self.presets.settings()
        return saved

    def request_save(self) -> None:
        if self.autosaver is not None:
            self.autosaver.request()

    async def autosave_result(self, ok: bool, message: str) -> None:
        await self.autosave.write(message, verify_value=False)

    async def apply_setting(self, instance: Any, value: Any) -> Any:
        name = instance.pvname[len(self.prefix):]
        new = CHART[name].coerce(value, instance.pvname)
        if name in ("width", "height"):
            size = {"width": self.width.value, "height": self.height.value, name: new}
            try:
                check_size(size["width"], size["height"])
            except ValueError as ex:
                raise ValueError(f"{instance.pvname}: {ex}") from None
        if name == "sources":
            await self.check_sources(source_list(new))
            await self.watch(source_list(new))
        async with self.post_lock:     # between frames: one being posted goes out first, and
            await instance.write(new, verify_value=False)   # none after freeze = On
        self.settings_changed()
        return new

    @clear.putter
    async def clear(self, instance: Any, value: Any) -> int:
        if is_action(value, instance.pvname):
            self.history.clear()
        return 0

    # ---- lifecycle ------------------------------------------------------------------------
    async def startup(self, async_lib: Any) -> None:
        """caproto's startup hook: the client context, the PVA server, the loops."""
        self.context = client_context()
        try:
            self.pva = ImageServer(self.prefix + "Pva1:Image")
        except Exception as ex:                      # CA keeps serving without PVA
            logger.error("PV Access server not started: %s", ex)
        await self.watch(self.history.names)
        if self.presets is not None:
            await self.presets.connect(self.context)
        await self.gather_loops()

    async def gather_loops(self) -> None:
        await asyncio.gather(self.frame_loop(), self.data_loop())

    async def shutdown(self) -> None:
        if self.autosaver is not None:
            await self.autosaver.flush()
        await self.stop_sources()
        if self.pva is not None:
            self.pva.close()


# ---- command line ---------------------------------------------------------------------------
OPTIONS = SettingsTable([*CHART, *PRESETS])


def build_parser() -> Tuple[Any, Any]:
    """The ``chart-ioc`` command line: (parser, split_args)."""
    parser, split_args = ioc_parser("chart-ioc", DESCRIPTION, OPTIONS)
    parser.add_argument("--motor", default=None,
                        help="motor record for named positions and jog (default: "
                             "<prefix>motor)")
    return parser, split_args


def pv_groups(prefix: str = DEFAULT_PREFIX) -> List[PVGroup]:
    """The PVGroups this IOC serves (for docs and tests)."""
    return [ChartIOC(f"{prefix}chart:", settings={"sources": default_sources(prefix)}),
            PresetsGroup(f"{prefix}SERVER", motor=f"{prefix}motor")]


def given_options(argv: Sequence[str]) -> List[str]:
    """Names of the settings whose options appear on the command line."""
    given = []
    for s in OPTIONS.options():
        flag = s.option or ""
        if any(a == flag or a.startswith(flag + "=") for a in argv):
            given.append(s.name)
    return given


def starting_values(saved: Dict[str, Any], table: SettingsTable, cli: Dict[str, Any],
                    given: Sequence[str], last_cli: Dict[str, Any],
                    what: str) -> Dict[str, Any]:
    """Autosaved values win, except an option given with a new value since the last start."""
    values = dict(cli)
    values.update(table.restore(saved, what))
    for name in given:
        if name in table and last_cli.get(name) != cli[name]:
            values[name] = cli[name]
    return values


def main(argv: Optional[List[str]] = None) -> None:
    """``chart-ioc``: serve the live chart and the named positions."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, split_args = build_parser()
    args, ioc_options, run_options = prepare(parser, split_args, argv)
    prefix = ioc_options["prefix"]
    cli = OPTIONS.from_args(args)
    cli["sources"] = cli["sources"] or default_sources(prefix)
    given = given_options(argv)
    saved: Dict[str, Any] = {}
    if args.autosave_dir is not None:
        file = AutosaveFile(autosave_path(args.autosave_dir, prefix, "chart"))
        saved = file.load()
        if not saved:          # before this version the named positions had their own file
            old = AutosaveFile(autosave_path(args.autosave_dir, prefix, "presets"))
            saved = {"presets": old.load()} if old.path.exists() else {}
    last_cli = saved.get("_cli", {}) if isinstance(saved.get("_cli"), dict) else {}
    sections: Dict[str, Dict[str, Any]] = {}
    for key in ("chart", "traces", "presets"):
        section = saved.get(key)
        sections[key] = section if isinstance(section, dict) else {}
    chart_values = starting_values(sections["chart"], CHART,
                                   {s.name: cli[s.name] for s in CHART}, given, last_cli,
                                   "chart autosave")
    try:
        check_size(chart_values["width"], chart_values["height"])
    except ValueError as ex:
        parser.error(str(ex))
    preset_values = starting_values(sections["presets"], PRESETS,
                                    {s.name: cli[s.name] for s in PRESETS}, given, last_cli,
                                    "named positions autosave")
    traces = {name: TRACE.restore(values, f"{name} autosave")
              for name, values in sections["traces"].items() if isinstance(values, dict)}
    presets = PresetsGroup(f"{prefix}SERVER", motor=args.motor or f"{prefix}motor",
                           values=preset_values)
    chart = ChartIOC(f"{prefix}chart:", settings=chart_values, traces=traces,
                     presets=presets)
    if args.autosave_dir is not None:
        chart.autosaver = Autosaver(file, lambda: dict(chart.all_settings(),
                                                        _cli={n: cli[n] for n in given}),
                                    on_result=chart.autosave_result)
        presets.on_change = chart.request_save

    async def restore() -> None:
        await chart.restore()
        await presets.restore(preset_values)
        chart.request_save()             # records this start's command line

    serve({**chart.pvdb, **presets.pvdb}, run_options, restore=restore,
          startup=chart.startup, shutdown=chart.shutdown)


if __name__ == "__main__":
    main()
