"""Chart IOC: the middle man that charts source PVs and serves the chart as an image.

It subscribes to source PVs (default the motor's RBV and VAL), keeps their history, fetches
older data from the site's Archiver Appliance where the history does not reach, renders a
chart of the time range every console shares at up to ``rate`` Hz and publishes it
areaDetector-style over Channel Access (``ArrayData`` + ``ArraySize*_RBV`` + ``ColorMode_RBV``
...) and as an NTNDArray over PV Access (``Pva1:Image``), so PyDM's PVImage, ImageJ, Phoebus or
caQtDM users can all view it. Its settings, the per-trace styles, data and statistics, and the
named positions and jog of a motor (:mod:`iocs.chart.presets`) are PVs; settings are
autosaved.

:class:`ChartIOC` is the PV shell; it holds its parts: the history (:mod:`.history`), the
sources (:mod:`.sources`), the time range (:mod:`.timerange`), the archiver client
(:mod:`.archive`), the scene builder (:mod:`.scene`), the frame loop and image publisher
(:mod:`.frames`), the data loop (:mod:`.dataloop`); the time-range PVs are a SubGroup
(:mod:`.rangepvs`), as are the traces' (:mod:`.traces`). Each put goes to the handler its PV's
name maps to in :attr:`ChartIOC.puts`.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional

from caproto import ChannelType, SkipWrite
from caproto.asyncio.client import Context
from caproto.server import SubGroup

from ..common.autosave import Autosaver
from ..common.caproto_compat import LiteralPrefixGroup
from ..common.channels import RECORD_TYPE_MAP, RECORD_TYPE_MAP_READ_ONLY, channel, is_action
from ..common.names import AD_COLOR_MODES, AD_DATA_TYPES, MAX_PIXELS, PVA_IMAGE
from ..common.tasks import TaskSet
from .archive import ArchiveFetcher
from .dataloop import DataLoop
from .frames import FrameJob, FrameLoop, ImagePublisher
from .history import History
from .rangepvs import TimeRangeGroup
from .scene import SceneBuilder, TraceSpec
from .settings import CHART, check_size, source_list
from .sources import SourceSet
from .traces import TraceGroup

logger = logging.getLogger(__name__)

__all__ = ["ChartIOC"]

Put = Callable[[Any, Any], Awaitable[Any]]


async def _put(group: ChartIOC, instance: Any, value: Any) -> Any:
    return await group.put(instance, value)


class ChartIOC(LiteralPrefixGroup):
    """Live chart of source PVs as an areaDetector-style image: ``<prefix>ArrayData`` ..."""

    type_map = RECORD_TYPE_MAP
    type_map_read_only = RECORD_TYPE_MAP_READ_ONLY

    # ---- the image, areaDetector-style ----------------------------------------------------
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
    # ---- state ----------------------------------------------------------------------------
    status = channel("status", "starting", "Sources connected, as text", read_only=True)
    archiverStatus = channel("archiverStatus", "off", "The site's archiver: off, ok, "
                             "fetching k of n, or why the last request failed",
                             read_only=True)
    autosave = channel("autosave", "no autosave", "Result of the last autosave write",
                       read_only=True)
    file = channel("file", "", "Chart file the IOC started from (empty: none)",
                   dtype=str, max_length=1000, read_only=True)
    # ---- commands -------------------------------------------------------------------------
    clear = channel("clear", 0, "Write 1 to forget the history")
    save = channel("save", 0, "Write 1: save the chart's settings to its chart file")
    # ---- settings (iocs.chart.settings.CHART) ---------------------------------------------
    sources = CHART["sources"].pvproperty().putter(_put)
    rate = CHART["rate"].pvproperty().putter(_put)
    window = CHART["window"].pvproperty().putter(_put)
    width = CHART["width"].pvproperty().putter(_put)
    height = CHART["height"].pvproperty().putter(_put)
    ColorMode = CHART["ColorMode"].pvproperty().putter(_put)
    layout = CHART["layout"].pvproperty().putter(_put)
    mode = CHART["mode"].pvproperty().putter(_put)
    pairing = CHART["pairing"].pvproperty().putter(_put)
    freeze = CHART["freeze"].pvproperty().putter(_put)
    Compressor = CHART["Compressor"].pvproperty().putter(_put)
    # ---- the time range: live, end, endText, cursor, back, forward ------------------------
    timerange = SubGroup(TimeRangeGroup, prefix="")
    # ---- traces ---------------------------------------------------------------------------
    T1 = SubGroup(TraceGroup, prefix="T1:")
    T2 = SubGroup(TraceGroup, prefix="T2:")
    T3 = SubGroup(TraceGroup, prefix="T3:")
    T4 = SubGroup(TraceGroup, prefix="T4:")
    T5 = SubGroup(TraceGroup, prefix="T5:")
    T6 = SubGroup(TraceGroup, prefix="T6:")
    T7 = SubGroup(TraceGroup, prefix="T7:")
    T8 = SubGroup(TraceGroup, prefix="T8:")

    def __init__(self, prefix: str, *, settings: Dict[str, Any],
                 traces: Optional[Dict[str, Dict[str, Any]]] = None,
                 retention: float = 3600.0, archiver: str = "",
                 archiver_timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(prefix, **kwargs)
        self.initial = dict(CHART.defaults(), **settings)
        self.initial_traces = traces or {}
        self.autosaver: Optional[Autosaver] = None
        self.on_save: Optional[Callable[[], Awaitable[str]]] = None   # chart:save's work
        self.history = History(source_list(self.initial["sources"]), retention)
        self.watcher = SourceSet(self.history, self.sources_changed)
        self.range = self.timerange.range
        self.range.window = self.initial["window"]
        self.timerange.on_change = self.settings_changed
        self.archive = (ArchiveFetcher(archiver, timeout=archiver_timeout,
                                       on_change=self.archive_changed)
                        if archiver else None)
        self.builder = SceneBuilder(self.history, self.watcher, self.range, self.archive,
                                    self.trace_specs)
        self.frames = FrameLoop(rate=lambda: self.rate.value,
                                frozen=lambda: self.freeze.value == "On",
                                prepare=self.prepare_frame, publish=self._publish)
        self.image = ImagePublisher(self, lambda: self.Compressor.value, self.frames.executor)
        self.tasks = TaskSet(f"{prefix} chart")
        self._version = 0                   # settings, sources' state, archived data
        self.data = DataLoop(self.history, self.builder, self.trace_groups(), self.timerange,
                             columns=lambda: self.width.value, version=lambda: self._version,
                             after=self._show_status)
        self.puts: Dict[str, Put] = {       # the time range's: TimeRangeGroup
            "sources": self._put_sources, "rate": self._put_setting,
            "window": self._put_window, "width": self._put_size, "height": self._put_size,
            "ColorMode": self._put_setting, "layout": self._put_setting,
            "mode": self._put_setting, "pairing": self._put_setting,
            "freeze": self._put_setting, "Compressor": self._put_setting,
        }
        for group in self.trace_groups():
            group.on_change = self.settings_changed
            group.use_axis = self._use_axis
        self.pvdb[self.prefix + "image"] = self.ArrayData     # the first version's name

    def trace_groups(self) -> List[TraceGroup]:
        return [self.T1, self.T2, self.T3, self.T4, self.T5, self.T6, self.T7, self.T8]

    def trace_specs(self) -> List[TraceSpec]:
        return [group.spec() for group in self.trace_groups()]

    # ---- changes --------------------------------------------------------------------------
    def settings_changed(self) -> None:
        """A setting that changes the picture was written: show it now, autosave it."""
        self._version += 1
        self.frames.wake()
        self.request_save()

    def sources_changed(self) -> None:
        """A source (dis)connected or its units, description or alarm limits changed."""
        self._version += 1
        self.frames.wake()
        self.tasks.start(self._show_status())

    def archive_changed(self) -> None:
        self._version += 1
        self.frames.wake()
        self.tasks.start(self._show_status())

    def request_save(self) -> None:
        if self.autosaver is not None:
            self.autosaver.request()

    async def autosave_result(self, ok: bool, message: str) -> None:
        await self.autosave.write(message, verify_value=False)

    async def _show_status(self) -> None:
        for pv, text in ((self.status, self.watcher.status_text()),
                         (self.archiverStatus,
                          self.archive.status if self.archive is not None else "off")):
            if pv.value != text:
                await pv.write(text, verify_value=False)

    # ---- puts (the table in __init__: PV name -> handler) ---------------------------------
    async def put(self, instance: Any, value: Any) -> Any:
        name = instance.pvname[len(self.prefix):]
        new = CHART[name].coerce(value, instance.pvname)
        return await self.puts[name](instance, new)

    async def _put_setting(self, instance: Any, new: Any) -> Any:
        async with self.frames.lock:     # between frames: one being posted goes out first,
            await instance.write(new, verify_value=False)   # and none after freeze = On
        self.settings_changed()
        return SkipWrite                 # written (and posted) once, above

    async def _put_size(self, instance: Any, new: int) -> int:
        name = instance.pvname[len(self.prefix):]
        size = {"width": self.width.value, "height": self.height.value, name: new}
        try:
            check_size(size["width"], size["height"])
        except ValueError as ex:
            raise ValueError(f"{instance.pvname}: {ex}") from None
        return await self._put_setting(instance, new)

    async def _put_sources(self, instance: Any, new: str) -> str:
        names = source_list(new)
        try:
            await self.watcher.check(names)
        except ValueError as ex:
            raise ValueError(f"{instance.pvname}: {ex}") from None
        await self.watcher.watch(names)
        if self.archive is not None:
            self.archive.retain(names)
        return await self._put_setting(instance, new)

    async def _use_axis(self, name: str) -> None:
        await self.watcher.check([name], "X-axis PV")
        await self.watcher.watch_axes([*(g.xsource.value for g in self.trace_groups()), name])

    async def _put_window(self, instance: Any, new: float) -> float:
        if not self.range.live:
            self.range.check_end(self.range.end, time.time())
        self.range.window = new
        return await self._put_setting(instance, new)

    @clear.putter
    async def clear(self, instance: Any, value: Any) -> int:
        if is_action(value, instance.pvname):
            self.history.clear(time.time())
        return 0

    @save.putter
    async def save(self, instance: Any, value: Any) -> int:
        if is_action(value, instance.pvname):
            if self.on_save is None:
                raise ValueError(f"{instance.pvname}: this chart has no file to save to")
            await self.autosave.write(await self.on_save(), verify_value=False)
        return 0

    # ---- settings -------------------------------------------------------------------------
    async def restore(self) -> None:
        """Show the starting settings in their PVs (before serving)."""
        for s in CHART.saved():
            await getattr(self, s.name).write(self.initial[s.name], verify_value=False)
        for group in self.trace_groups():
            await group.restore(self.initial_traces.get(f"T{group.index + 1}", {}))
        await self.timerange.show(time.time())

    def all_settings(self) -> Dict[str, Any]:
        """The chart's saved settings and trace styles."""
        return {"chart": {s.name: getattr(self, s.name).value for s in CHART.saved()},
                "traces": {f"T{g.index + 1}": g.settings() for g in self.trace_groups()}}

    # ---- frames and data ------------------------------------------------------------------
    def prepare_frame(self, now: float, last_state: Any) -> Optional[FrameJob]:
        """The frame to render at ``now``, or None when it would show what ``last_state``
        did (a live chart slides: a new frame each time the axis moves by a pixel)."""
        width = self.width.value
        if self.range.live:        # slides: a new frame as the axis moves by a pixel
            data: object = (self.history.version, int(now * width / self.range.window))
        else:                      # held: only what arrives inside the range matters
            t0, t1 = self.range.edges(now)
            data = tuple(self.history.range_version(n, t0, t1) for n in self.history.names)
        state = (data, self.watcher.state(), self._version, self.range.key(now))
        if state == last_state:
            return None
        visible = self.builder.visible(now, width)
        scene = self.builder.scene(now, visible, self.mode.value, self.pairing.value)
        return FrameJob(state, width, self.height.value, self.ColorMode.value,
                        self.layout.value, scene)

    async def _publish(self, frame: Any, render_ms: float) -> None:
        renderer = self.frames.renderer          # idle: the next frame waits for this post
        await self.timerange.drawn(renderer.time_axis() if renderer is not None else None)
        await self.image.post(frame, render_ms)

    # ---- lifecycle ------------------------------------------------------------------------
    async def run(self, context: Context) -> None:
        """Serve the chart (from caproto's startup hook): watch the sources through the IOC's
        client ``context``, serve the PVA image, run the frame and data loops."""
        self.watcher.start(context)
        self.image.serve_pva(self.prefix + PVA_IMAGE)
        await self.watcher.watch(self.history.names)
        await self.watcher.watch_axes([g.xsource.value for g in self.trace_groups()])
        await asyncio.gather(self.frames.run(), self.data.run())

    async def shutdown(self) -> None:
        if self.autosaver is not None:
            await self.autosaver.flush()
        self.tasks.cancel()
        await self.watcher.stop()
        if self.archive is not None:
            await self.archive.close()
        self.image.close()
        self.frames.close()
