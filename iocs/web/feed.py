"""One chart's image: a PV Access monitor of ``Pva1:Image``, encoded once per frame.

Each update is kept as the latest raw image (older ones not yet encoded are dropped). While
browsers watch, every new frame is decoded and encoded as PNG once, in a worker thread, and
kept as :attr:`ImageFeed.latest`; the snapshot (``.png``) and thumbnails encode on demand, once
per frame too. A chart IOC that goes away makes the feed disconnected. p4p would find it again
only after the server's next beacon (which pvxs rate-limits), so while disconnected the feed
subscribes anew now and then (as the display's PVImage does): the client then searches at
once, and the IOC's current frame arrives first.
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Callable, List, Optional

from .images import RawImage, decode, encode_png, frame_message, raw_image
from .state import ImageStatus

logger = logging.getLogger(__name__)

__all__ = ["EncodedFrame", "ImageFeed", "resubscribe_delay"]

#: Seconds between new subscriptions while disconnected: this, doubling every third try...
RESUBSCRIBE = 1.0
#: ... up to this.
RESUBSCRIBE_MAX = 10.0


def resubscribe_delay(attempt: int) -> float:
    """Seconds before new subscription number ``attempt`` (0, 1, ...) of one disconnection."""
    return min(RESUBSCRIBE * 2 ** (attempt // 3), RESUBSCRIBE_MAX)


@dataclass(frozen=True)
class EncodedFrame:
    """A frame as PNG, with what the browsers are sent of it."""

    seq: int                #: this feed's count of received frames (not the IOC's uniqueId)
    unique_id: int
    stamp: float
    width: int
    height: int
    png: bytes
    message: bytes          #: header + PNG, as a WebSocket sends it


class ImageFeed:
    """The latest frame of one chart IOC's NTNDArray PV: ``on_frame()`` when a new one is
    encoded, ``on_change()`` when the connection or error changes."""

    def __init__(self, name: str, executor: Executor, on_change: Callable[[], None],
                 on_frame: Callable[[], None]) -> None:
        self.name = name
        self.executor = executor
        self.on_change = on_change
        self.on_frame = on_frame
        self.connected = False
        self.error = ""
        self.latest: Optional[EncodedFrame] = None
        self.frames = 0                  #: frames received since start
        self.encoded = 0                 #: frames encoded (at most one per frame received)
        self.watchers = 0                #: browsers streaming this feed
        self._raw: Optional[RawImage] = None
        self._raw_seq = 0
        self._lock = asyncio.Lock()
        self._arrived = asyncio.Event()
        self._sub: Any = None
        self._context: Any = None
        self._tasks: List[asyncio.Task] = []

    def start(self, context: Any) -> None:
        """Monitor the PV through ``context`` (a p4p asyncio Context)."""
        self._context = context
        self._subscribe()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._encode_loop()),
                       loop.create_task(self._resubscribe_loop())]

    def _subscribe(self) -> None:
        if self._sub is not None:
            self._sub.close()
        self._sub = self._context.monitor(self.name, self._update, notify_disconnect=True)

    async def stop(self) -> None:
        if self._sub is not None:
            self._sub.close()
            self._sub = None
        for task in self._tasks:
            task.cancel()

    async def _resubscribe_loop(self) -> None:
        attempt = 0
        while True:
            await asyncio.sleep(resubscribe_delay(attempt))
            if self.connected:
                attempt = 0
            else:
                self._subscribe()
                attempt += 1

    def status(self) -> ImageStatus:
        return {"pv": self.name, "connected": self.connected, "error": self.error}

    async def _update(self, value: Any) -> None:
        """p4p's callback (in the event loop): a Value, or an exception (Disconnected ...)."""
        if isinstance(value, Exception):
            if self.connected:
                logger.info("%s disconnected (%s)", self.name, type(value).__name__)
                self.connected = False
                self.on_change()
            return
        if not self.connected:
            logger.info("%s connected", self.name)
            self.connected = True
            self.on_change()
        try:
            raw = raw_image(value)
        except (AttributeError, KeyError, TypeError, ValueError) as ex:
            self._failed(f"not an NTNDArray: {ex}")
            return
        if not raw.dims:                   # the IOC has published no frame yet
            return
        self._raw = raw
        self._raw_seq += 1
        self.frames += 1
        self._arrived.set()

    def _failed(self, message: str) -> None:
        if message != self.error:
            logger.error("%s: %s", self.name, message)
            self.error = message
            self.on_change()

    async def _encode_loop(self) -> None:
        """While browsers watch: encode each new frame once and tell them."""
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            if self.watchers:
                await self.current()

    async def current(self) -> Optional[EncodedFrame]:
        """The latest frame as PNG (encoded now if it was not yet), or None if there is none."""
        async with self._lock:
            raw, seq = self._raw, self._raw_seq
            if raw is None or (self.latest is not None and self.latest.seq == seq):
                return self.latest
            try:
                self.latest = await asyncio.get_running_loop().run_in_executor(
                    self.executor, _encode, raw, seq)
                self.encoded += 1
                self.on_frame()
                if self.error:
                    self.error = ""
                    self.on_change()
            except ValueError as ex:          # a bad frame: keep the last good one
                self._raw = None
                self._failed(f"frame {raw.unique_id} not shown: {ex}")
            return self.latest


def _encode(raw: RawImage, seq: int) -> EncodedFrame:
    """Decode and encode one frame (in a worker thread)."""
    start = time.perf_counter()
    pixels = decode(raw)
    png = encode_png(pixels)
    logger.debug("frame %d encoded in %.1f ms", raw.unique_id,
                 (time.perf_counter() - start) * 1e3)
    return EncodedFrame(seq, raw.unique_id, raw.stamp, pixels.shape[1], pixels.shape[0], png,
                        frame_message(raw.unique_id, raw.stamp, png))
