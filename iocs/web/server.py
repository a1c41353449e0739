"""``pvchart-web``: the HTTP server (aiohttp) of the chart IOCs' live charts.

Routes (``<name>`` one of ``--charts``; every link relative, so a reverse proxy may mount it
at any path):

* ``GET /``: the charts served, with thumbnails.
* ``GET /chart/<name>``: the chart's page; ``GET /chart/<name>/ws``: its WebSocket (frames
  and state, :mod:`iocs.web.viewers`); ``GET /chart/<name>/state``: the state as JSON.
* ``GET /chart/<name>.png``: the current frame; ``GET /chart/<name>.csv``: the plotted data.
* ``POST /chart/<name>/set`` ``{"pv": ..., "value": ...}``: a write control; only with
  ``--allow-writes`` (else 403), through CA as this process's user and host.

One p4p client context (PV Access) and one caproto client context (Channel Access) serve every
chart; frames are encoded in a small thread pool, once per frame.
"""
from __future__ import annotations

import asyncio
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

import caproto as ca
from aiohttp import web

from ..chart.csvexport import csv_text
from ..common import logs
from ..common.camonitor import client_context
from ..common.names import chart_prefix
from .capvs import RemoteWriteError
from .charts import WebChart
from .pages import chart_page, index_page
from .settings import OPTIONS, build_parser, chart_names
from .state import write_request
from .viewers import SOCKETS, serve_viewer

logger = logging.getLogger(__name__)

__all__ = ["WebConfig", "make_app", "main", "STATIC"]

STATIC = Path(__file__).resolve().parent / "static"
#: Threads that decode and encode frames (and write CSV).
ENCODERS = 2


@dataclass(frozen=True)
class WebConfig:
    """What the server serves: ``charts`` under ``prefix``; write controls if ``writable``."""

    prefix: str
    charts: List[str]
    writable: bool = False


CONFIG: web.AppKey[WebConfig] = web.AppKey("config")
CHARTS: web.AppKey[Dict[str, WebChart]] = web.AppKey("charts")
EXECUTOR: web.AppKey[ThreadPoolExecutor] = web.AppKey("executor")
CLIENTS: web.AppKey[Dict[str, Any]] = web.AppKey("clients")     # "pva": p4p, "ca": caproto


def make_app(config: WebConfig) -> web.Application:
    """The aiohttp application (its clients start with it and stop with it)."""
    app = web.Application(client_max_size=64 * 1024)
    app[CONFIG] = config
    app[SOCKETS] = set()
    app.router.add_get("/", index)
    app.router.add_get("/chart/{name}.png", snapshot)
    app.router.add_get("/chart/{name}.csv", data_csv)
    app.router.add_get("/chart/{name}/ws", websocket)
    app.router.add_get("/chart/{name}/state", state)
    app.router.add_post("/chart/{name}/set", write)
    app.router.add_get("/chart/{name}", page)
    app.router.add_static("/static", STATIC)
    app.on_response_prepare.append(_security_headers)
    app.on_startup.append(_start)
    app.on_shutdown.append(_close_sockets)
    app.on_cleanup.append(_stop)
    return app


#: The pages use only what this server sends (scripts, style, images, its WebSocket).
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data: blob:; "
                           "connect-src 'self'; object-src 'none'; base-uri 'none'")


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)


async def _start(app: web.Application) -> None:
    from p4p.client.asyncio import Context
    config = app[CONFIG]
    executor = ThreadPoolExecutor(ENCODERS, thread_name_prefix="encode")
    app[EXECUTOR] = executor
    clients = {"pva": Context("pva", nt=False), "ca": client_context()}
    app[CLIENTS] = clients
    charts = {name: WebChart(name, config.prefix, executor, config.writable)
              for name in config.charts}
    app[CHARTS] = charts
    for chart in charts.values():
        await chart.start(clients["pva"], clients["ca"])


async def _close_sockets(app: web.Application) -> None:
    sockets = app[SOCKETS]
    for ws in list(sockets):
        await ws.close(code=1001, message=b"server shutting down")


async def _stop(app: web.Application) -> None:
    for chart in app[CHARTS].values():
        await chart.stop()
    app[CLIENTS]["pva"].close()
    await app[CLIENTS]["ca"].disconnect()
    app[EXECUTOR].shutdown(wait=False)


# ---- handlers -------------------------------------------------------------------------------
def _chart(request: web.Request) -> WebChart:
    charts = request.app[CHARTS]
    chart = charts.get(request.match_info["name"])
    if chart is None:
        raise web.HTTPNotFound(text=f"no chart {request.match_info['name']!r} here; charts: "
                                    f"{', '.join(charts)}")
    return chart


async def index(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    return web.Response(text=index_page(config.charts, config.prefix),
                        content_type="text/html")


async def page(request: web.Request) -> web.Response:
    chart = _chart(request)
    return web.Response(text=chart_page(chart.name, chart.prefix, chart.writable),
                        content_type="text/html")


async def websocket(request: web.Request) -> web.WebSocketResponse:
    return await serve_viewer(request, _chart(request))


async def state(request: web.Request) -> web.Response:
    return web.json_response(_chart(request).state())


def _stamp(seconds: float) -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(seconds))


async def snapshot(request: web.Request) -> web.Response:
    chart = _chart(request)
    if not chart.feed.connected:
        raise web.HTTPServiceUnavailable(text=f"{chart.feed.name} is not connected")
    frame = await chart.feed.current()
    if frame is None:
        raise web.HTTPServiceUnavailable(text=f"{chart.feed.name} has no frame "
                                              f"({chart.feed.error or 'none received yet'})")
    return web.Response(body=frame.png, content_type="image/png", headers={
        "Cache-Control": "no-store", "X-Unique-Id": str(frame.unique_id),
        "Content-Disposition": f'inline; filename="{chart.name}-{_stamp(frame.stamp)}.png"'})


async def data_csv(request: web.Request) -> web.Response:
    chart = _chart(request)
    assert chart.pvs is not None
    try:
        data = await chart.pvs.read_data()
    except ConnectionError as ex:
        raise web.HTTPServiceUnavailable(text=str(ex)) from None
    text, _ = await asyncio.get_running_loop().run_in_executor(request.app[EXECUTOR],
                                                               csv_text, data)
    return web.Response(text=text, content_type="text/csv", charset="utf-8", headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{chart.name}-{_stamp(time.time())}.csv"'})


async def write(request: web.Request) -> web.Response:
    chart = _chart(request)
    if not chart.writable:
        raise web.HTTPForbidden(text="read-only: pvchart-web was started without "
                                     "--allow-writes")
    _same_origin(request)
    try:
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("send a JSON object {\"pv\": ..., \"value\": ...}")
        pv, value = write_request(body.get("pv"), body.get("value"))
    except ValueError as ex:
        raise web.HTTPBadRequest(text=str(ex)) from None
    who = request.headers.get("X-Forwarded-User") or request.headers.get("Remote-User") or \
        request.headers.get("X-Forwarded-For") or request.remote or "?"
    logger.info("%s%s = %r (from the page, requested by %s)", chart.prefix, pv, value, who)
    assert chart.pvs is not None
    try:
        await chart.pvs.write(pv, value)
    except ConnectionError as ex:
        raise web.HTTPServiceUnavailable(text=str(ex)) from None
    except RemoteWriteError as ex:
        raise web.HTTPConflict(text=f"{chart.prefix}{pv} refused: {ex}") from None
    except (ca.CaprotoTimeoutError, TimeoutError):
        raise web.HTTPGatewayTimeout(text=f"{chart.prefix}{pv}: no answer") from None
    return web.json_response({"pv": chart.prefix + pv, "value": value})


def _same_origin(request: web.Request) -> None:
    """Writes come as JSON from a page of this server (no cross-site form posts)."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON (application/json)")
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise web.HTTPForbidden(text=f"a page from {origin} may not write here")


# ---- command line ---------------------------------------------------------------------------
def main(argv: Optional[List[str]] = None) -> None:
    """``pvchart-web``: serve the charts until SIGTERM or Ctrl-C."""
    parser = build_parser()
    args = parser.parse_args(argv)
    values = OPTIONS.from_args(args)
    logs.configure(logging.DEBUG if args.verbose > 1 else logging.INFO)
    logging.getLogger("aiohttp.access").setLevel(logging.INFO if args.verbose else
                                                 logging.WARNING)
    config = WebConfig(values["prefix"], chart_names(values["charts"]), args.allow_writes)
    host, port = values["bind"], values["port"]
    url_host = f"[{host}]" if ":" in host else host
    logger.info("serving %s at http://%s:%d/ (%s)",
                ", ".join(chart_prefix(config.prefix, c) for c in config.charts), url_host,
                port, "write controls on" if config.writable else "read-only")
    try:
        web.run_app(make_app(config), host=host, port=port, print=None,
                    shutdown_timeout=5.0, handle_signals=True)
    except OSError as ex:
        logger.error("cannot serve on %s:%d: %s", host, port, ex)
        sys.exit(1)


if __name__ == "__main__":
    main()
