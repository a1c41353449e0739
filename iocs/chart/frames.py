"""Frames of the chart IOC: when to render, and how a frame is published over CA and PVA.

:class:`FrameLoop` renders (in a worker thread) at most ``rate`` times a second and only when
something visible changed — the data, the sources' state, a setting, the time range, archived
data arriving — or the time axis has slid by a pixel. A change of a setting (the rate
included) wakes it, so it shows within :data:`WAKE_DELAY` whatever the rate. ``freeze``
holds the published picture: once its put completes no frame goes out, not even one rendered
before it (:attr:`FrameLoop.lock` orders settings and posts).

:class:`ImagePublisher` posts sizes and colour mode before the data they describe, then the
frame counter and time, as areaDetector does; the same frame, with the same ``uniqueId``,
goes out over PV Access.
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, Tuple

import numpy as np

from .plotdata import Scene
from .pva import ImageServer, encode_frame

if TYPE_CHECKING:
    from .render import ChartRenderer

logger = logging.getLogger(__name__)

__all__ = ["FrameLoop", "FrameJob", "ImagePublisher", "WAKE_DELAY"]

#: A woken loop renders at once, but frames stay this far apart at least (s).
WAKE_DELAY = 0.05


@dataclass
class FrameJob:
    """One frame to render: the renderer's settings and the scene; ``state`` identifies what
    it shows (an unchanged state needs no new frame)."""

    state: Any
    width: int
    height: int
    color_mode: str
    layout: str
    scene: Scene


class FrameLoop:
    """Renders and publishes frames when something visible changed, at most ``rate()`` Hz.

    ``prepare(now, last_state)`` returns the frame to render, or None when nothing changed
    since ``last_state``; ``publish(frame, render_ms)`` posts it.
    """

    def __init__(self, *, rate: Callable[[], float], frozen: Callable[[], bool],
                 prepare: Callable[[float, Any], Optional[FrameJob]],
                 publish: Callable[[np.ndarray, float], Awaitable[None]]) -> None:
        self.rate = rate
        self.frozen = frozen
        self.prepare = prepare
        self.publish = publish
        self.renderer: Optional[ChartRenderer] = None   # made at the first frame
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
        self.lock = asyncio.Lock()          # settings change between frames, not in one
        self._wake = asyncio.Event()
        self._state: Any = None
        self._last_error = ""

    def wake(self) -> None:
        """Something visible changed that should show now (a setting, the time range)."""
        self._wake.set()

    async def run(self) -> None:
        """Render frames until cancelled, their starts ``1 / rate()`` apart (a woken loop
        starts at once); a failing frame is logged once per distinct error."""
        last_start = -float("inf")
        while True:
            due = last_start + 1.0 / self.rate()
            now = time.monotonic()
            if due > now:
                try:
                    await asyncio.wait_for(self._wake.wait(), due - now)
                except TimeoutError:
                    pass
                else:                              # frames stay WAKE_DELAY apart
                    await asyncio.sleep(max(0.0, last_start + WAKE_DELAY - time.monotonic()))
            self._wake.clear()
            last_start = time.monotonic()
            try:
                await self.frame()
                self._last_error = ""
            except Exception as ex:                # a bad frame must not stop the chart
                if str(ex) != self._last_error:
                    logger.exception("rendering a frame failed")
                self._last_error = str(ex)

    async def frame(self) -> None:
        """Render and publish a frame if anything visible changed (and not frozen)."""
        if self.frozen():
            return
        loop = asyncio.get_running_loop()
        if self.renderer is None:        # matplotlib loads after the server answers
            self.renderer = await loop.run_in_executor(self.executor, _new_renderer)
        renderer = self.renderer
        job = self.prepare(time.time(), self._state)       # the state after loading it
        if job is None:
            return
        start = time.perf_counter()
        frame = await loop.run_in_executor(self.executor, _render, renderer, job)
        render_ms = (time.perf_counter() - start) * 1e3
        async with self.lock:
            if self.frozen():                 # frozen while this frame was rendered
                return
            self._state = job.state
            await self.publish(frame, render_ms)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def _new_renderer() -> ChartRenderer:
    from .render import ChartRenderer
    return ChartRenderer()


def _render(renderer: ChartRenderer, job: FrameJob) -> np.ndarray:
    renderer.width, renderer.height = job.width, job.height
    renderer.mode, renderer.layout = job.color_mode, job.layout
    return renderer.render(job.scene)


class ImagePublisher:
    """Posts frames on the chart's areaDetector-style CA PVs and its PVA NTNDArray.

    ``pvs`` is the chart's PVGroup (``ArrayData``, ``ArraySize0_RBV`` ..., ``UniqueId_RBV``,
    ``t1``, ``render_ms``); ``codec()`` names the PVA compressor.
    """

    def __init__(self, pvs: Any, codec: Callable[[], str], executor: ThreadPoolExecutor) -> None:
        self.pvs = pvs
        self.codec = codec
        self.executor = executor
        self.pva: Optional[ImageServer] = None

    def serve_pva(self, name: str) -> None:
        """Serve the frames over PV Access as ``name`` (CA keeps serving if this fails)."""
        try:
            self.pva = ImageServer(name)
        except Exception as ex:
            logger.error("PV Access server not started: %s", ex)

    async def post(self, frame: np.ndarray, render_ms: float) -> None:
        """Size PVs first, then the data they describe, then the counters; then PVA."""
        pvs = self.pvs
        if frame.ndim == 3:
            sizes: Tuple[Any, ...] = (3, frame.shape[1], frame.shape[0], 3, "RGB1")
        else:
            sizes = (frame.shape[1], frame.shape[0], 0, 2, "Mono")
        for pv, value in zip((pvs.ArraySize0_RBV, pvs.ArraySize1_RBV, pvs.ArraySize2_RBV,
                              pvs.NDimensions_RBV, pvs.ColorMode_RBV), sizes):
            if pv.value != value:
                await pv.write(value, verify_value=False)
        stamp = time.time()
        uid = pvs.UniqueId_RBV.value + 1
        # A uint8 array, not bytes: caproto turns bytes into a list of ints per subscriber.
        await pvs.ArrayData.write(frame.reshape(-1), timestamp=stamp, verify_value=False)
        await pvs.UniqueId_RBV.write(uid, timestamp=stamp, verify_value=False)
        await pvs.t1.write(stamp, timestamp=stamp, verify_value=False)
        await pvs.render_ms.write(round(render_ms, 3), verify_value=False)
        if self.pva is not None:
            await asyncio.get_running_loop().run_in_executor(
                self.executor, self._post_pva, frame, self.codec(), uid, stamp)

    def _post_pva(self, frame: np.ndarray, codec: str, uid: int, stamp: float) -> None:
        if self.pva is not None:
            self.pva.post(encode_frame(frame, codec, uid, stamp))

    def close(self) -> None:
        if self.pva is not None:
            self.pva.close()
