"""Render the screenshot of pvchart-web's chart page for the docs, in Debian's headless Chromium.

Starts local-mode IOCs under procServ (launcher, free loopback ports, a temporary run
directory) and pvchart-web on a free loopback port (with ``--allow-writes``, so its controls
show), moves the motor through the demo's moves and captures the page; then stops it all.

    python docs/make_web_screenshot.py docs/_generated/web_page.png
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iocs.common.caenv import IocPorts, free_port  # noqa: E402
from iocs.ops.launcher import Launcher  # noqa: E402
from iocs.ops.processes import wait_for  # noqa: E402

PREFIX = "DOCS:"


def _wait_for(condition, timeout: float, what: str) -> None:
    if not wait_for(condition, timeout):
        raise RuntimeError(f"docs web screenshot: no {what} within {timeout:g} s")


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs/_generated/web_page.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="pvchart-docs-web-"))
    launcher = Launcher(tmp / "run", local=True, prefix=PREFIX,
                        ports={"motor": IocPorts.allocate(pva=False),
                               "chart": IocPorts.allocate()},
                        repeater_port=free_port())
    web = driver = None
    try:
        launcher.start(timeout=90)
        os.environ.update(launcher.client_env())
        from tests.support.browser import WebProcess, chromium, quit_chromium
        web = WebProcess(["--prefix", PREFIX, "--charts", "chart", "--allow-writes"],
                         tmp / "web").start()
        from iocs.ops.demo import Choreography
        moves = Choreography(f"{PREFIX}motor").start()
        if not moves.done.wait(90):
            raise RuntimeError("docs web screenshot: the demo moves did not finish")
        driver = chromium(1200, 760)
        driver.get(f"{web.url}chart/chart")
        _wait_for(lambda: int(driver.execute_script("return document.body.dataset.frames")
                              or 0) >= 3, 30, "frames on the page")
        _wait_for(lambda: driver.execute_script(
            "return document.querySelectorAll('#traces tbody tr').length") == 2, 30,
            "trace rows")
        driver.save_screenshot(str(out))
        print(f"wrote {out}")
        return 0
    finally:
        if driver is not None:
            quit_chromium(driver)
        if web is not None:
            web.stop()
        launcher.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
