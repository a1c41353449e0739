"""The WebSocket of one browser watching a chart: the latest frame when it is ready for one.

Server to browser: text messages carry the page state (JSON, ``"type": "state"``), binary
messages a frame (:data:`iocs.web.images.FRAME_HEADER` + PNG, the bytes every viewer shares).
Browser to server: ``ack`` once a frame is painted. At most :data:`CREDITS` frames are on their
way to a browser; until it acknowledges one, newer frames replace each other and only the
latest goes out, so a slow browser (or network) gets fewer frames, never a queue.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Optional, Set

from aiohttp import WSMsgType, web

from .charts import Viewer, WebChart

logger = logging.getLogger(__name__)

__all__ = ["serve_viewer", "SOCKETS", "CREDITS", "HEARTBEAT"]

#: Frames sent to a browser and not yet acknowledged, at most.
CREDITS = 2
#: Seconds between WebSocket pings (a browser that vanished is noticed).
HEARTBEAT = 20.0
#: The application's open WebSockets (closed when the server stops).
SOCKETS: web.AppKey[Set[web.WebSocketResponse]] = web.AppKey("sockets")


async def serve_viewer(request: web.Request, chart: WebChart) -> web.WebSocketResponse:
    """Stream ``chart`` to the browser of ``request`` until it goes away."""
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=4096)
    await ws.prepare(request)
    sockets = request.app[SOCKETS]
    sockets.add(ws)
    viewer = Viewer()
    chart.watch(viewer)
    sender = asyncio.get_running_loop().create_task(_send(ws, chart, viewer))
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT and message.data == "ack":
                viewer.unacked = max(0, viewer.unacked - 1)
                viewer.wake.set()
    finally:
        sender.cancel()
        chart.unwatch(viewer)
        sockets.discard(ws)
    return ws


async def _send(ws: web.WebSocketResponse, chart: WebChart, viewer: Viewer) -> None:
    sent_version: Optional[int] = None
    sent_seq: Optional[int] = None
    try:
        await chart.feed.current()             # the frame now, even if none follows (frozen)
        while not ws.closed:
            viewer.wake.clear()
            if chart.version != sent_version:
                sent_version = chart.version
                await ws.send_str(chart.state_json())
            frame = chart.feed.latest
            if frame is not None and frame.seq != sent_seq and viewer.unacked < CREDITS:
                sent_seq = frame.seq
                viewer.unacked += 1
                await ws.send_bytes(frame.message)
                continue
            await viewer.wake.wait()
    except (ConnectionError, RuntimeError) as ex:      # the browser went away mid-send
        logger.debug("viewer of %s gone: %s", chart.name, ex)
