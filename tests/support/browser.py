"""Debian's headless Chromium driven by selenium (nothing downloaded), and pvchart-web as a
subprocess on a free loopback port, for the browser tests, the benchmark and the docs."""
from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

from iocs.common.caenv import LOOPBACK, free_port
from tests.support.harness import wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Headless, no sandbox (root), nothing contacted beyond the page's own server.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--force-color-profile=srgb")

__all__ = ["chromium", "WebProcess", "canvas_pixels", "CHROMIUM", "CHROMEDRIVER", "PAGE_TIMEOUT",
           "http", "page_value", "frames", "open_chart", "start_web"]

#: Longest a test waits for a page to show something.
PAGE_TIMEOUT = 30


def chromium(width: int = 1280, height: int = 1000):
    """A selenium WebDriver of Debian's headless Chromium with a fresh profile.

    Quit it with ``driver.quit()``; its profile directory goes with :func:`quit_chromium`.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="pvchart-chromium-")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.profile_dir = profile
    return driver


def quit_chromium(driver) -> None:
    import shutil
    try:
        driver.quit()
    finally:
        shutil.rmtree(driver.profile_dir, ignore_errors=True)


def canvas_pixels(driver, element_id: str = "chart") -> np.ndarray:
    """The (h, w, 4) RGBA pixels of a canvas on the page, read with getImageData."""
    script = """
        const canvas = document.getElementById(arguments[0]);
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width,
                                                          canvas.height).data;
        let text = '';
        for (let i = 0; i < data.length; i += 0x8000) {
          text += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
        }
        return [canvas.width, canvas.height, btoa(text)];"""
    width, height, text = driver.execute_script(script, element_id)
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8).reshape(height, width, 4)


class WebProcess:
    """``python -m iocs.web`` on a free loopback port, its output in a log, ended by PID."""

    def __init__(self, args: Sequence[str], workdir: Path, env: Optional[dict] = None) -> None:
        self.args = list(args)
        self.workdir = Path(workdir)
        self.env = dict(os.environ if env is None else env)
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"web.{self.starts}.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def command(self) -> List[str]:
        return [sys.executable, "-m", "iocs.web", "--bind", LOOPBACK, "--port",
                str(self.port), *self.args]

    def start(self, timeout: float = 30.0) -> WebProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.command(), env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(self._answers, timeout, "pvchart-web to answer")
        except TimeoutError:
            self.stop()
            raise TimeoutError(f"pvchart-web did not answer; log:\n{self.log()}") from None
        return self

    def _answers(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"pvchart-web exited with {self.proc.returncode}:\n{self.log()}")
        try:
            with urllib.request.urlopen(self.url, timeout=2) as reply:
                return reply.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> Optional[int]:
        """SIGTERM, then SIGKILL; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        try:
            os.kill(self.proc.pid, signal.SIGTERM)
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(timeout)


def http(url, data=None, headers=None, method=None):
    """(status, headers, body) of a request, errors included."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=20) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as ex:
        return ex.code, ex.headers, ex.read()


def page_value(driver, script):
    return driver.execute_script("return " + script)


def frames(driver) -> int:
    return int(page_value(driver, "document.body.dataset.frames") or 0)


def open_chart(driver, web, name="chart"):
    driver.get(f"{web.url}chart/{name}")
    wait_until(lambda: frames(driver) >= 1, PAGE_TIMEOUT, "the page's first frame")


def start_web(tmp_path: Path, prefix: str, *extra: str) -> WebProcess:
    """pvchart-web serving ``<prefix>chart:`` and a chart without IOC, ``absent``."""
    return WebProcess(["--prefix", prefix, "--charts", "chart,absent", *extra],
                      tmp_path / "web").start()
