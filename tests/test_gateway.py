"""Consoles on another subnet see the chart through p4p's PVA gateway, read-only (issue part 4).

The site of :mod:`tests.support.gateway`: the motor and chart IOCs (and a PVA server with
writable PVs) on subnet A, consoles on subnet B, ``pvagw`` on a host on both with the shipped
configuration (``deploy/pvagw.json``, ``pvagw.acf``, ``pvagw.pvlist``; only the addresses are
the namespaces'). Nothing routes between A and B.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager

import pytest

from tests.support.gateway import DEPLOY, STATUS_PREFIX, GatewaySite, host_python
from tests.support.netns import netns_available

pytestmark = [pytest.mark.netns, pytest.mark.xdist_group("gateway")]

WHY_NOT = netns_available()
PY = sys.executable
IMAGE = "BEAMLINE:chart:Pva1:Image"
SETPOINT = "BEAMLINE:gwtest:setpoint"       # writable, under the pvlist's prefix
OUTSIDE = "OTHER:gwtest:setpoint"           # writable, a name the pvlist does not allow
REFUSED = "Put permission denied by gateway"


@pytest.fixture
def site(lasting, request, tmp_path_factory):
    """The gateway site, from the module's first test to its last."""
    if WHY_NOT is not None:
        pytest.skip(f"no network namespaces: {WHY_NOT}")
    yield lasting.get(request, lambda: build_site(tmp_path_factory))
    lasting.release(request)


@contextmanager
def build_site(tmp_path_factory):
    site = GatewaySite(dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                       tmp_path_factory.mktemp("gateway"))
    try:
        site.start_iocs()
        site.start_setpoints(SETPOINT, OUTSIDE)
        site.start_gateway()
        ready = site.pva_get(site.console, IMAGE, timeout=60)
        assert ready.startswith("ok"), f"no {IMAGE} through the gateway: {ready}\n" + \
            (site.workdir / "pvagw.log").read_text()[-3000:]
        yield site
    finally:
        site.close()


def test_the_shipped_gateway_configuration_parses():
    r = subprocess.run([PY, "-m", "p4p.gw", "--test-config", str(DEPLOY / "pvagw.json")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    read = [line.rsplit("/", 1)[-1] for line in r.stdout.split()]
    assert read == ["pvagw.json", "pvagw.acf", "pvagw.pvlist"]
    assert "Configuration valid" in r.stderr


DIRECT_SEARCH = """
    import json, sys, warnings
    import epics
    from p4p.client.thread import Context
    found, timeout = {}, float(sys.argv[3])
    with Context("pva", nt=False) as ctxt:
        try:
            found["pva"] = ctxt.get(sys.argv[1], timeout=timeout).getID()
        except TimeoutError:
            found["pva"] = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found["ca"] = epics.caget(sys.argv[2], timeout=timeout)
    print(json.dumps(found))
"""


def test_the_console_reaches_nothing_on_subnet_a_directly(site):
    a_side = f"{site.a.broadcast} {site.ioc.address} {site.pvs.address} {site.gw.address}"
    direct = dict(site.net.env, EPICS_PVA_ADDR_LIST=a_side, EPICS_PVA_AUTO_ADDR_LIST="NO",
                  EPICS_CA_ADDR_LIST=a_side, EPICS_CA_AUTO_ADDR_LIST="NO")
    args = (IMAGE, "BEAMLINE:motor.RTYP")
    def search(host, timeout):
        out = host_python(host, DIRECT_SEARCH, *args, str(timeout), env=direct,
                          timeout=3 * timeout + 60)
        return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    # the same search from a host on A finds both: the searches work, the network stops them
    assert search(site.gw, 60) == {"pva": "epics:nt/NTNDArray:1.0", "ca": "motor"}
    assert search(site.console, 10) == {"pva": None, "ca": None}


FRAMES = """
    import json, sys, threading, time
    from p4p.client.thread import Context
    frames, done = [], threading.Event()
    def on_frame(v):
        frames.append({"id": v.uniqueId, "dims": [d.size for d in v.dimension],
                       "codec": v.codec.name, "size": v.compressedSize,
                       "payload": len(v.value)})
        if len(frames) >= 5:
            done.set()
    with Context("pva", nt=False) as ctxt:
        sub = ctxt.monitor(sys.argv[1], on_frame, notify_disconnect=False)
        done.wait(60)
        deadline = time.monotonic() + 60          # the gateway refreshes its status PVs
        while True:                               # now and then; the monitor holds the PV
            cache = list(ctxt.get(sys.argv[2], timeout=30).value)
            if sys.argv[1] in cache or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        sub.close()
    print(json.dumps({"frames": frames, "cache": cache}))
"""


def test_the_console_gets_the_chart_frames_through_the_gateway(site):
    out = json.loads(host_python(site.console, FRAMES, IMAGE, STATUS_PREFIX + "cache"))
    frames = [f for f in out["frames"] if f["id"] > 0]        # past the IOC's empty start
    assert len(frames) >= 3
    ids = [f["id"] for f in frames]
    assert ids == sorted(set(ids))                            # new frames, in order
    for f in frames:
        assert f["dims"] == [3, 640, 480] and f["codec"] == "lz4"
        assert f["payload"] == f["size"] < 640 * 480 * 3      # LZ4 went through unchanged
    assert IMAGE in out["cache"]                  # the gateway's client holds the channel


PAINT = """
    import json, sys, time
    import numpy as np
    from qtpy.QtWidgets import QApplication
    from pydm_widgets.pvimage import PVImage
    from tests.support.harness import qimage_rgb
    app = QApplication([])
    w = PVImage()
    shown = []
    w.newImageSignal.connect(lambda width, height: shown.append([width, height]))
    w.smoothScaling = False
    w.imageChannel = "pva://" + sys.argv[1]
    w.resize(644, 484)
    w.show()
    deadline = time.monotonic() + 60
    while len(shown) < 5 and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    painted = qimage_rgb(w.grab().toImage()).reshape(-1, 3)
    colours, counts = np.unique(painted, axis=0, return_counts=True)
    print(json.dumps({"frames": len(shown), "sizes": sorted(set(map(tuple, shown))),
                      "colours": len(colours), "commonest": float(counts.max() / len(painted)),
                      "error": w.error_message}))
"""


def test_pvimage_on_the_console_paints_the_chart_through_the_gateway(site):
    out = json.loads(host_python(site.console, PAINT, IMAGE).strip().splitlines()[-1])
    assert out["frames"] >= 5 and out["error"] == ""
    assert out["sizes"] == [[640, 480]]
    assert out["colours"] > 20 and out["commonest"] < 0.95      # a chart, not a blank


PUT = """
    import sys
    from p4p.client.thread import Context
    name, values = sys.argv[1], [float(v) for v in sys.argv[2:]]
    with Context("pva", nt=False) as ctxt:
        for value in values:
            try:
                ctxt.put(name, value, timeout=30)
                print("put done")
            except Exception as ex:
                print("put refused:", ex)
        print(ctxt.get(name, timeout=30).value)
"""


def test_a_put_through_the_read_only_gateway_is_refused(site):
    # reached directly (from subnet A), the PV takes puts
    assert host_python(site.ioc, PUT, SETPOINT, "3.5").split("\n")[:2] == ["put done", "3.5"]
    # through the gateway, the gateway refuses the put; the value stays
    out = host_python(site.console, PUT, SETPOINT, "7.25").split("\n")
    assert out[:2] == [f"put refused: {REFUSED}", "3.5"]
    assert host_python(site.ioc, PUT, SETPOINT).split("\n")[0] == "3.5"   # seen from A too
    assert all(p.poll() is None for p in site.pvs.procs)


def test_the_gateway_lets_through_only_the_pvlist_names(site):
    assert site.pva_get(site.ioc, OUTSIDE, timeout=60).startswith("ok")     # it is on A
    assert site.pva_get(site.console, OUTSIDE, timeout=10) == "timeout"
    assert site.pva_get(site.console, SETPOINT, timeout=60).startswith("ok")
