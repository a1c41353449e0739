"""Chart IOC: the middle man that charts source PVs and serves the chart as an image PV.

It subscribes to source PVs (default the motor's RBV and VAL), keeps their history, renders a
chart with :class:`iocs.chart.render.ChartRenderer` at up to ``rate`` Hz and publishes it
areaDetector-style (``ArrayData`` + ``ArraySize*_RBV`` + ``ColorMode_RBV`` ...), so PyDM's
PVImage, ImageJ, Phoebus or caQtDM users can all view it. The named positions and jog of the
seed's middle man (:mod:`iocs.chart.presets`) are served by the same IOC.
"""
from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
from caproto import ChannelType
from caproto.asyncio.client import Context
from caproto.server import PVGroup, run, template_arg_parser

from ..common.autosave import AutosaveFile
from ..common.camonitor import RemotePV
from ..common.channels import RECORD_TYPE_MAP, as_scalar, channel, finite_float
from .history import History
from .presets import PresetsGroup, add_preset_arguments
from .render import COLOR_MODES, MAX_PIXELS, ChartRenderer, Trace

logger = logging.getLogger(__name__)

__all__ = ["ChartIOC", "parse_sources", "build_parser", "pv_groups", "main"]

DEFAULT_SOURCES = ("{prefix}motor.RBV", "{prefix}motor.VAL")
MAX_SOURCES = 8
SEARCH_TIMEOUT = 2.0
AD_COLOR_MODES = ("Mono", "Bayer", "RGB1", "RGB2", "RGB3", "YUV444", "YUV422", "YUV421")
AD_DATA_TYPES = ("Int8", "UInt8", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64",
                 "Float32", "Float64")
_PV_NAME = re.compile(r"^[A-Za-z0-9_:.\-\[\]<>;{}$]+$")


def parse_sources(text: str) -> List[str]:
    """Source PV names from a comma- or space-separated list (``ca://`` allowed)."""
    names = [n.strip() for n in re.split(r"[,\s]+", str(text)) if n.strip()]
    names = [n[5:] if n.startswith("ca://") else n for n in names]
    if len(names) > MAX_SOURCES:
        raise ValueError(f"at most {MAX_SOURCES} sources, not {len(names)}")
    for name in names:
        if not _PV_NAME.match(name) or len(name) > 128:
            raise ValueError(f"{name!r} is not a PV name")
    if len(set(names)) != len(names):
        raise ValueError("a source is listed twice")
    return names


class ChartIOC(PVGroup):
    """Live chart of source PVs as an areaDetector-style image: ``<prefix>ArrayData`` ..."""

    type_map = RECORD_TYPE_MAP

    ArrayData = channel("ArrayData", b"", "Image data, uint8, row-major", dtype=bytes,
                        max_length=MAX_PIXELS * 3, read_only=True)
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
    ColorMode = channel("ColorMode", "RGB1", "Colour mode to render: Mono or RGB1",
                        dtype=ChannelType.ENUM, enum_strings=COLOR_MODES)
    width = channel("width", 640, "Image width (px), 64..4096", units="px")
    height = channel("height", 480, "Image height (px), 64..4096", units="px")
    rate = channel("rate", 10.0, "Maximum frames per second, 0.1..60", units="Hz",
                   precision=1)
    window = channel("window", 60.0, "Time span shown (s), 1..86400", units="s", precision=1)
    sources = channel("sources", "", "Source PVs, comma-separated", dtype=str,
                      max_length=MAX_SOURCES * 130)
    clear = channel("clear", 0, "Write 1 to forget the history")

    def __init__(self, prefix: str, *, source_names: Sequence[str], width: int = 640,
                 height: int = 480, rate: float = 10.0, window: float = 60.0,
                 color_mode: str = "RGB1", **kwargs) -> None:
        super().__init__(prefix, **kwargs)
        ChartRenderer.check_size(width, height)
        self.renderer = ChartRenderer(width, height, window, color_mode)
        self.history = History(source_names, window)
        self.remotes: Dict[str, RemotePV] = {}
        self.context: Optional[Context] = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
        self._want = dict(width=width, height=height, window=window, mode=color_mode,
                          rate=rate)
        self._rendered_state = None
        self._last_render = 0.0
        self.pvdb[self.prefix + "image"] = self.ArrayData     # the seed's name, same data

    async def publish_settings(self) -> None:
        """Show the settings given at construction in their PVs (before serving)."""
        for name, value in (("width", self._want["width"]), ("height", self._want["height"]),
                            ("rate", self._want["rate"]), ("window", self._want["window"]),
                            ("ColorMode", self._want["mode"]),
                            ("sources", ",".join(self.history.series))):
            await getattr(self, name).write(value, verify_value=False)

    # ---- sources --------------------------------------------------------------------------
    async def _watch(self, names: Sequence[str]) -> None:
        for name in list(self.remotes):
            if name not in names:
                await self.remotes.pop(name).stop()
        for name in names:
            if name not in self.remotes:
                self.remotes[name] = await RemotePV(
                    self.context, name, on_value=self.history.add,
                    on_connection=self._on_connection).start()
        self.history.set_sources(names)
        await self._publish_status()

    def _on_connection(self, name: str, connected: bool) -> None:
        if not connected:
            self.history.gap(name, time.time())
        asyncio.get_running_loop().create_task(self._publish_status())

    async def _publish_status(self) -> None:
        up = sum(r.connected for r in self.remotes.values())
        text = f"{up} of {len(self.remotes)} sources connected"
        if self.status.value != text:
            await self.status.write(text, verify_value=False)

    @sources.putter
    async def sources(self, instance, value):
        names = parse_sources(value)
        for name in names:
            if name in self.remotes:
                continue
            (pv,) = await self.context.get_pvs(name)
            try:
                await pv.wait_for_search(timeout=SEARCH_TIMEOUT)
            except (asyncio.TimeoutError, TimeoutError):
                raise ValueError(f"unknown source {name!r}: no IOC answered within "
                                 f"{SEARCH_TIMEOUT:g} s") from None
        await self._watch(names)
        return ",".join(names)

    # ---- settings -------------------------------------------------------------------------
    @width.putter
    async def width(self, instance, value):
        return self._size(instance, value, "width")

    @height.putter
    async def height(self, instance, value):
        return self._size(instance, value, "height")

    def _size(self, instance, value, name: str) -> int:
        number = int(finite_float(value, instance.pvname))
        size = dict(self._want, **{name: number})
        try:
            ChartRenderer.check_size(size["width"], size["height"])
        except ValueError as ex:
            raise ValueError(f"{instance.pvname}: {ex}") from None
        self._want[name] = number
        return number

    @rate.putter
    async def rate(self, instance, value):
        return self._ranged(instance, value, "rate", 0.1, 60.0, "Hz")

    @window.putter
    async def window(self, instance, value):
        return self._ranged(instance, value, "window", 1.0, 86400.0, "s")

    def _ranged(self, instance, value, key: str, low: float, high: float, unit: str) -> float:
        number = finite_float(value, instance.pvname)
        if not low <= number <= high:
            raise ValueError(f"{instance.pvname}: {number} {unit} outside {low:g}..{high:g}")
        self._want[key] = number
        return number

    @ColorMode.putter
    async def ColorMode(self, instance, value):
        self._want["mode"] = value
        return value

    @clear.putter
    async def clear(self, instance, value):
        if as_scalar(value):
            self.history.clear()
        return 0

    # ---- frames ---------------------------------------------------------------------------
    @UniqueId_RBV.startup
    async def UniqueId_RBV(self, instance, async_lib):
        # (not on ArrayData: it is served under two names and would start twice)
        self.context = Context()
        await self._watch(list(self.history.series))
        next_frame = time.monotonic()
        while True:
            period = 1.0 / self._want["rate"]
            next_frame += period
            now = time.monotonic()
            if next_frame < now - period:          # fell behind: don't try to catch up
                next_frame = now
            await asyncio.sleep(max(0.0, next_frame - now))
            try:
                await self._frame()
            except Exception:                      # a bad frame must not stop the chart
                logger.exception("rendering a frame failed")

    def _traces(self, now: float) -> List[Trace]:
        self.history.trim(now)
        traces = []
        for name, (t, y) in self.history.snapshot(now).items():
            remote = self.remotes.get(name)
            connected = bool(remote and remote.connected)
            if connected and len(y) and not math.isnan(y[-1]):
                t, y = np.append(t, 0.0), np.append(y, y[-1])   # hold the value until now
            traces.append(Trace(name, t, y, remote.units if remote else "", connected))
        return traces

    def _state(self) -> tuple:
        return (self.history.version, tuple(r.connected for r in self.remotes.values()),
                tuple(r.units for r in self.remotes.values()),
                tuple(sorted(self._want.items())))

    async def _frame(self) -> None:
        """Render and post a frame if anything visible changed."""
        now = time.time()
        state = self._state()
        pixel_age = self._want["window"] / self._want["width"]
        if state == self._rendered_state and now - self._last_render < pixel_age:
            return
        r = self.renderer
        r.width, r.height = self._want["width"], self._want["height"]
        r.window, r.mode = self._want["window"], self._want["mode"]
        self.history.window = r.window
        traces = self._traces(now)
        start = time.perf_counter()
        frame = await asyncio.get_running_loop().run_in_executor(self._executor, r.render,
                                                                 traces)
        elapsed = (time.perf_counter() - start) * 1e3
        self._rendered_state, self._last_render = state, now
        await self._post(frame, elapsed)

    async def _post(self, frame: np.ndarray, render_ms: float) -> None:
        """Size PVs first, then the data they describe, then the counters."""
        if frame.ndim == 3:
            sizes = (3, frame.shape[1], frame.shape[0], 3, "RGB1")
        else:
            sizes = (frame.shape[1], frame.shape[0], 0, 2, "Mono")
        for pv, value in zip((self.ArraySize0_RBV, self.ArraySize1_RBV, self.ArraySize2_RBV,
                              self.NDimensions_RBV, self.ColorMode_RBV), sizes):
            if pv.value != value:
                await pv.write(value)
        stamp = time.time()
        # A uint8 array, not bytes: caproto turns bytes into a list of ints per subscriber.
        await self.ArrayData.write(frame.reshape(-1), timestamp=stamp)
        await self.UniqueId_RBV.write(self.UniqueId_RBV.value + 1, timestamp=stamp)
        await self.t1.write(stamp, timestamp=stamp)
        await self.render_ms.write(round(render_ms, 3))


def add_chart_arguments(parser) -> None:
    parser.add_argument("--sources", default=None,
                        help="comma-separated source PVs (default: <prefix>motor.RBV,"
                             "<prefix>motor.VAL)")
    parser.add_argument("--width", type=int, default=640, help="image width, px (640)")
    parser.add_argument("--height", type=int, default=480, help="image height, px (480)")
    parser.add_argument("--rate", type=float, default=10.0, help="frames per second (10)")
    parser.add_argument("--window", type=float, default=60.0, help="time span, s (60)")
    parser.add_argument("--color-mode", choices=COLOR_MODES, default="RGB1")
    parser.add_argument("--autosave-dir", type=Path, default=None,
                        help="directory for the named positions' autosave file")


def build_parser():
    """The ``chart-ioc`` command line: caproto's IOC options plus ours; (parser, split_args)."""
    parser, split_args = template_arg_parser(
        default_prefix="BEAMLINE:", desc=__doc__.splitlines()[0],
        supported_async_libs=("asyncio",))
    parser.prog = "chart-ioc"
    add_chart_arguments(parser)
    add_preset_arguments(parser)
    return parser, split_args


def pv_groups(prefix: str = "BEAMLINE:") -> List[PVGroup]:
    """The PVGroups this IOC serves (for docs and tests)."""
    sources = [s.format(prefix=prefix) for s in DEFAULT_SOURCES]
    return [ChartIOC(f"{prefix}chart:", source_names=sources),
            PresetsGroup(f"{prefix}SERVER", motor=f"{prefix}motor")]


def main(argv: Optional[List[str]] = None) -> None:
    """``chart-ioc``: serve the live chart and the named positions."""
    parser, split_args = build_parser()
    args = parser.parse_args(argv)
    ioc_options, run_options = split_args(args)
    prefix = ioc_options["prefix"]
    try:
        names = parse_sources(args.sources if args.sources is not None else
                              ",".join(s.format(prefix=prefix) for s in DEFAULT_SOURCES))
        ChartRenderer.check_size(args.width, args.height)
        if not 0.1 <= args.rate <= 60 or not 1 <= args.window <= 86400:
            raise ValueError("--rate must be within 0.1..60 and --window within 1..86400")
    except ValueError as ex:
        parser.error(str(ex))
    chart = ChartIOC(f"{prefix}chart:", source_names=names, width=args.width,
                     height=args.height, rate=args.rate, window=args.window,
                     color_mode=args.color_mode)
    motor = args.motor or f"{prefix}motor"
    autosave = (AutosaveFile(args.autosave_dir / f"{prefix.replace(':', '_').strip('_')}"
                             ".presets.json") if args.autosave_dir else None)
    presets = PresetsGroup(f"{prefix}SERVER", motor=motor, autosave=autosave,
                           **PresetsGroup.options_from(args))

    async def prepare() -> None:
        await chart.publish_settings()
        await presets.restore()
    asyncio.run(prepare())
    run({**chart.pvdb, **presets.pvdb}, **run_options)


if __name__ == "__main__":
    main()
