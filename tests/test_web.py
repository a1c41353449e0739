"""pvchart-web in a real browser: Debian's headless Chromium (selenium) on the page served by a
real pvchart-web process, a client of real motor and chart IOCs on loopback."""
from __future__ import annotations

import asyncio
import csv
import io
import json

import epics
import numpy as np
import pytest
from PIL import Image

from iocs.common.caenv import LOOPBACK
from iocs.web.images import FRAME_HEADER
from iocs.web.viewers import CREDITS
from tests.support.browser import (
    PAGE_TIMEOUT,
    canvas_pixels,
    frames,
    http,
    open_chart,
    page_value,
    start_web,
)
from tests.support.chart import chart_ready, pva_context
from tests.support.chart import decode_ntnd as decode
from tests.support.harness import PATIENCE, caget_fresh, wait_until

pytestmark = pytest.mark.browser


def put(pv, value, timeout=10):
    assert epics.caput(pv, value, wait=True, timeout=timeout) == 1, pv


def post(web, name, body, content_type="application/json", origin=None):
    headers = {"Content-Type": content_type}
    if origin:
        headers["Origin"] = origin
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http(f"{web.url}chart/{name}/set", data, headers, "POST")


# The pages of the shared chart IOC (put back after each test): tests that stop or restart a
# chart IOC are in test_web_restart.py.
@pytest.fixture
def prefix(shared_prefix):
    return shared_prefix


@pytest.fixture
def chart(chart_view, prefix):
    return chart_ready(f"{prefix}chart:")


def test_the_page_paints_the_chart_ioc_frame_and_the_snapshot_is_that_frame(
        chart, web, browser, prefix):
    open_chart(browser, web)
    seen = frames(browser)
    wait_until(lambda: frames(browser) >= seen + 5, PAGE_TIMEOUT, "frames to keep coming")
    put(chart + "freeze", "On")                   # hold one frame: IOC and page must agree
    ctx = pva_context()
    try:
        value = ctx.get(chart + "Pva1:Image", timeout=5)
        uid = value.uniqueId
        wait_until(lambda: page_value(browser, "document.getElementById('chart').dataset.uid")
                   == str(uid), PAGE_TIMEOUT, f"the page to show frame {uid}")
        assert ctx.get(chart + "Pva1:Image", timeout=5).uniqueId == uid     # still held
    finally:
        ctx.close()
    frame = decode(value)
    painted = canvas_pixels(browser)
    assert painted.shape[:2] == frame.shape[:2]
    assert (painted[..., 3] == 255).all()
    assert np.array_equal(painted[..., :3], frame)
    status, headers, body = http(f"{web.url}chart/chart.png")
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert headers["X-Unique-Id"] == str(uid)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(body)).convert("RGB")), frame)
    assert browser.title == "chart - pvchart"
    assert "default-src 'self'" in http(f"{web.url}chart/chart")[1]["Content-Security-Policy"]
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    put(chart + "freeze", "Off")
    held = frames(browser)
    wait_until(lambda: frames(browser) > held, PAGE_TIMEOUT, "frames again after freeze Off")


def test_the_page_shows_sources_and_their_state(chart, web, browser, prefix):
    open_chart(browser, web)
    wait_until(lambda: page_value(browser, "document.querySelectorAll('#traces tbody tr')"
                                  ".length") == 2, PAGE_TIMEOUT, "two trace rows")
    rows = page_value(browser, """[...document.querySelectorAll('#traces tbody tr')].map(
        (r) => [r.dataset.source, ...[...r.cells].map((c) => c.textContent)])""")
    assert [r[0] for r in rows] == [f"{prefix}motor.RBV", f"{prefix}motor.VAL"]
    assert [r[2] for r in rows] == [f"{prefix}motor.RBV", f"{prefix}motor.VAL"]   # labels
    assert [r[3] for r in rows] == ["connected", "connected"]
    text = page_value(browser, "document.body.innerText")
    assert "2 of 2 sources connected" in text and "last 20 s" in text


def test_csv_is_what_the_chart_plots(chart, web, prefix):
    put(f"{prefix}motor.VELO", 20.0)
    put(f"{prefix}motor.VAL", 1.5, timeout=30)
    wait_until(lambda: np.size(v := caget_fresh(chart + "T1:values")) >= 3 and
               v[-1] == pytest.approx(1.5), 20, "the history up to the end of the move")
    status, headers, body = http(f"{web.url}chart/chart.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert list(rows[0]) == ["trace", "source", "time", "epoch_s", "value", "severity"]
    assert {r["source"] for r in rows} == {f"{prefix}motor.RBV", f"{prefix}motor.VAL"}
    rbv = [r for r in rows if r["trace"] == "1"]
    times = [float(r["epoch_s"]) for r in rbv]
    assert times == sorted(times) and len(rbv) >= 3
    assert float(rbv[-1]["value"]) == pytest.approx(1.5, abs=1e-6)
    assert all(r["severity"] in ("0", "1", "2", "3") for r in rows)


def test_a_chart_without_ioc_and_an_unknown_chart(chart, web, browser):
    browser.get(f"{web.url}chart/absent")
    wait_until(lambda: page_value(browser, "document.body.dataset.ioc") == "disconnected",
               PAGE_TIMEOUT, "the absent chart shown disconnected")
    assert frames(browser) == 0
    assert http(f"{web.url}chart/absent.png")[0] == 503
    status, _, body = http(f"{web.url}chart/nosuch")
    assert status == 404 and b"chart, absent" in body
    browser.get(web.url)                               # the index lists both, with status
    wait_until(lambda: page_value(browser, "document.querySelectorAll('.card .status')[1]"
                                  ".textContent") == "chart IOC disconnected",
               PAGE_TIMEOUT, "the index to show the absent chart disconnected")
    names = page_value(browser, "[...document.querySelectorAll('.card .name')]"
                                ".map((e) => e.textContent)")
    assert names == ["chart", "absent"]
    wait_until(lambda: page_value(browser, "document.querySelector('.card img').naturalWidth")
               == 640, PAGE_TIMEOUT, "the chart's thumbnail")


def test_read_only_by_default(chart, web, browser):
    open_chart(browser, web)
    assert page_value(browser, "document.body.dataset.writable") == "false"
    assert page_value(browser, "document.querySelectorAll('#controls, button, select')"
                               ".length") == 0
    status, _, body = post(web, "chart", {"pv": "freeze", "value": "On"})
    assert status == 403 and b"--allow-writes" in body
    assert caget_fresh(chart + "freeze", as_string=True) == "Off"


def served(pv) -> bool:
    return caget_fresh(pv, timeout=2) is not None


def click(driver, control):
    driver.execute_script(f"document.querySelector('[data-control=\"{control}\"]').click()")


def test_write_controls_with_allow_writes_go_through_ca(chart, tmp_path, prefix, browser):
    web = start_web(tmp_path, prefix, "--allow-writes")
    try:
        open_chart(browser, web)
        wait_until(lambda: page_value(browser, "document.querySelector("
                                      "'[data-control=\"freeze\"]').hidden") is False,
                   PAGE_TIMEOUT, "the freeze control")
        for control in ("back", "forward", "live"):        # shown only where served
            assert page_value(browser, f"document.querySelector('[data-control=\"{control}\"]')"
                                       ".hidden") is (not served(chart + control)), control
        click(browser, "freeze")
        wait_until(lambda: caget_fresh(chart + "freeze", as_string=True) == "On", PATIENCE,
                   "freeze On through CA")
        wait_until(lambda: page_value(browser, "document.querySelector("
                                      "'[data-control=\"freeze\"]').textContent") ==
                   "Unfreeze", PAGE_TIMEOUT, "the button to say Unfreeze")
        click(browser, "freeze")
        wait_until(lambda: caget_fresh(chart + "freeze", as_string=True) == "Off", PATIENCE,
                   "freeze Off")
        browser.execute_script("const s = document.getElementById('span'); s.value = '30';"
                               "s.dispatchEvent(new Event('change'));")
        wait_until(lambda: caget_fresh(chart + "window") == 30.0, PATIENCE, "window 30 s")
        wait_until(lambda: "last 30 s" in page_value(browser, "document.body.innerText"),
                   PAGE_TIMEOUT, "the page's range")
        if served(chart + "back"):
            end = caget_fresh(chart + "end")
            click(browser, "back")
            wait_until(lambda: caget_fresh(chart + "live", as_string=True) == "Off", PATIENCE,
                       "back leaves live")
            assert caget_fresh(chart + "end") < end
            click(browser, "live")
            wait_until(lambda: caget_fresh(chart + "live", as_string=True) == "On", PATIENCE,
                       "live again")
        # bad requests: a clear error each, nothing written, the process alive
        for body, expected in (({"pv": "window", "value": 0}, b"outside"),
                               ({"pv": "window", "value": "nan"}, b"not a finite"),
                               ({"pv": "rate", "value": 1}, b"not a control"),
                               ({"pv": "freeze", "value": "maybe"}, b"not one of"),
                               ({"pv": "back", "value": 0}, b"write 1"),
                               ([1, 2], b"JSON object")):
            status, _, text = post(web, "chart", body)
            assert status == 400 and expected in text, (body, text)
        assert post(web, "chart", b"{", )[0] == 400
        assert post(web, "chart", b"pv=freeze&value=On",
                    "application/x-www-form-urlencoded")[0] == 415
        assert post(web, "chart", {"pv": "freeze", "value": "On"},
                    origin="http://elsewhere.example")[0] == 403
        assert post(web, "absent", {"pv": "freeze", "value": "On"})[0] == 503
        assert caget_fresh(chart + "window") == 30.0
        assert caget_fresh(chart + "freeze", as_string=True) == "Off"
        assert web.proc.poll() is None
        assert "freeze = 'On' (from the page" in web.log()
    finally:
        assert web.stop() == 0, web.log()


def test_a_viewer_that_does_not_acknowledge_gets_no_more_frames(chart, web):
    """A slow browser: frames are not queued for it; after its ack it gets the latest."""
    import aiohttp

    async def until(condition, what):
        deadline = asyncio.get_running_loop().time() + PAGE_TIMEOUT
        while not condition():
            assert asyncio.get_running_loop().time() < deadline, f"timed out: {what}"
            await asyncio.sleep(0.05)

    async def run():
        url = f"ws://{LOOPBACK}:{web.port}/chart/chart/ws"
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(url) as slow, session.ws_connect(url) as fast:
            slow_frames, fast_frames = [], []

            async def read(ws, into, ack):
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        into.append(FRAME_HEADER.unpack_from(message.data)[0])
                        if ack:
                            await ws.send_str("ack")
            readers = [asyncio.ensure_future(read(slow, slow_frames, False)),
                       asyncio.ensure_future(read(fast, fast_frames, True))]
            await until(lambda: len(fast_frames) >= 10 + CREDITS, "frames to the fast viewer")
            assert len(slow_frames) == CREDITS          # the rest were never sent to it
            await slow.send_str("ack")
            await until(lambda: len(slow_frames) > CREDITS, "a frame after the ack")
            await until(lambda: len(fast_frames) >= 20 + CREDITS, "more frames to the fast one")
            assert len(slow_frames) == CREDITS + 1
            assert slow_frames[-1] > slow_frames[-2] + 1    # the latest, not the next
            for reader in readers:
                reader.cancel()
    asyncio.run(run())
