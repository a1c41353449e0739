"""Frames of the chart IOC: render when something visible changed, publish over CA and PVA.

A frame is rendered (in a worker thread) at most ``rate`` times a second and only when the
data, the sources' state or a setting changed, or the time axis has slid by a pixel. Sizes
and colour mode are posted before the data they describe, then the frame counter and time,
as areaDetector does; the same frame, with the same ``uniqueId``, goes out over PV Access.
``freeze = On`` holds the published picture while the history keeps recording: once the put
completes, no frame goes out, not even one rendered before it.
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

import numpy as np

from .history import Samples
from .pva import ImageServer, encode_frame

logger = logging.getLogger(__name__)

__all__ = ["FrameLoop", "DATA_PERIOD"]

#: Seconds between refreshes of the T<n>:times/values/severity waveforms.
DATA_PERIOD = 0.5
EMPTY = Samples(np.zeros(0), np.zeros(0), np.zeros(0, np.int8))


class FrameLoop:
    """Mixin of the chart IOC: the frame loop and the trace-data loop."""

    if TYPE_CHECKING:        # the rest of the record/IOC/widget this mixes into
        def __getattr__(self, name: str) -> Any: ...

    def init_frames(self) -> None:
        self.renderer: Optional[Any] = None        # made at the first frame (matplotlib
        #                                           loads after the server answers)
        self.pva: Optional[ImageServer] = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
        self._rendered_state: Any = None
        self._last_render = 0.0
        self._last_error = ""
        self._settings_version = 0
        self._published: Dict[int, Any] = {}
        self.post_lock = asyncio.Lock()      # settings change between frames, not in one

    def settings_changed(self) -> None:
        """A setting that changes the picture was written (also autosaved)."""
        self._settings_version += 1
        self.request_save()

    async def frame_loop(self) -> None:
        next_frame = time.monotonic()
        while True:
            period = 1.0 / self.rate.value
            next_frame += period
            now = time.monotonic()
            if next_frame < now - period:          # fell behind: don't try to catch up
                next_frame = now
            await asyncio.sleep(max(0.0, next_frame - now))
            try:
                await self.frame()
                self._last_error = ""
            except Exception as ex:                # a bad frame must not stop the chart
                if str(ex) != self._last_error:    # once per distinct failure, not 10/s
                    logger.exception("rendering a frame failed")
                self._last_error = str(ex)

    def _state(self) -> tuple:
        return (self.history.version, self.source_state(), self._settings_version)

    async def frame(self) -> None:
        """Render and post a frame if anything visible changed (and the chart is live)."""
        if self.freeze.value == "On":
            return
        now = time.time()
        state = self._state()
        if state == self._rendered_state and \
                now - self._last_render < self.window.value / self.width.value:
            return
        if self.renderer is None:
            self.renderer = await asyncio.get_running_loop().run_in_executor(
                self._executor, _new_renderer)
        r: Any = self.renderer
        r.width, r.height, r.window = self.width.value, self.height.value, self.window.value
        r.mode, r.layout = self.ColorMode.value, self.layout.value
        self.history.window = r.window
        self.history.trim(now)
        traces = self.traces(now, self.history.samples(now))
        start = time.perf_counter()
        frame = await asyncio.get_running_loop().run_in_executor(self._executor, r.render,
                                                                 traces)
        render_ms = (time.perf_counter() - start) * 1e3
        async with self.post_lock:
            if self.freeze.value == "On":         # frozen while this frame was rendered
                return
            self._rendered_state, self._last_render = state, now
            await self.post(frame, render_ms)

    async def post(self, frame: np.ndarray, render_ms: float) -> None:
        """Size PVs first, then the data they describe, then the counters; then PVA."""
        if frame.ndim == 3:
            sizes: Tuple[Any, ...] = (3, frame.shape[1], frame.shape[0], 3, "RGB1")
        else:
            sizes = (frame.shape[1], frame.shape[0], 0, 2, "Mono")
        for pv, value in zip((self.ArraySize0_RBV, self.ArraySize1_RBV, self.ArraySize2_RBV,
                              self.NDimensions_RBV, self.ColorMode_RBV), sizes):
            if pv.value != value:
                await pv.write(value, verify_value=False)
        stamp = time.time()
        uid = self.UniqueId_RBV.value + 1
        # A uint8 array, not bytes: caproto turns bytes into a list of ints per subscriber.
        await self.ArrayData.write(frame.reshape(-1), timestamp=stamp, verify_value=False)
        await self.UniqueId_RBV.write(uid, timestamp=stamp, verify_value=False)
        await self.t1.write(stamp, timestamp=stamp, verify_value=False)
        await self.render_ms.write(round(render_ms, 3), verify_value=False)
        if self.pva is not None:
            await asyncio.get_running_loop().run_in_executor(
                self._executor, self._post_pva, frame, self.Compressor.value, uid, stamp)

    def _post_pva(self, frame: np.ndarray, codec: str, uid: int, stamp: float) -> None:
        if self.pva is not None:
            self.pva.post(encode_frame(frame, codec, uid, stamp))

    async def data_loop(self) -> None:
        """Refresh T<n>:times/values/severity while their data change."""
        while True:
            try:
                await self.publish_data()
            except Exception:
                logger.exception("publishing the trace data failed")
            await asyncio.sleep(DATA_PERIOD)

    async def publish_data(self) -> None:
        samples = list(self.history.samples(time.time()).items())
        versions = self.history.data_versions()
        for index, group in enumerate(self.trace_groups()):
            name, data = samples[index] if index < len(samples) else ("", EMPTY)
            key = (name, versions.get(name))
            if self._published.get(index) != key:
                self._published[index] = key
                await group.publish(data)


def _new_renderer() -> Any:
    from .render import ChartRenderer
    return ChartRenderer()
