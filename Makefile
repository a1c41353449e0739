# pvchart: `make test` and `make demo` work on a fresh Debian machine (idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: procServ, a virtual screen for headless tests, the X libraries Qt's xcb
# platform plugin needs to open a window on a real screen, xdotool to find that window,
# Chromium and its WebDriver for the browser tests of pvchart-web (selenium drives them; nothing
# is downloaded).
DEBS := procserv xvfb xdotool chromium chromium-driver libxcb-icccm4 libxcb-image0 \
        libxcb-keysyms1 libxcb-randr0 \
        libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 \
        libxcb-cursor0 libgl1 libegl1 libfontconfig1 libdbus-1-3

.PHONY: test test-suite unit demo docs bench deps system-deps lint fuzz clean bytecode

deps: system-deps $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# uv (pip's interface, a fraction of its time on a fresh machine) installs the packages; pip
# does when uv cannot be had or fails (a site whose pip is configured for a local mirror).
# Both leave them compiled to bytecode: every IOC, console and test worker is a new Python
# process, and where PYTHONDONTWRITEBYTECODE is set (as on CI) none would ever cache what it
# compiled (a chart IOC's imports take 2.1 s of CPU compiled, 4.8 s from source). A current
# setuptools: p4p imports it at every start (through setuptools_dso), and the one a venv
# comes with (65.5) takes 0.2 s longer to import.
$(STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	( $(PY) -m pip install -q uv && \
	  $(PY) -m uv pip install -q --compile-bytecode --python $(PY) -e '.[display,test,docs]' \
	    'setuptools>=70' ) \
	  || $(PY) -m pip install -q -e '.[display,test,docs]' 'setuptools>=70'
	touch $@

# The project's own modules compiled to bytecode (see above; only what changed is compiled).
bytecode: deps
	@$(PY) -m compileall -q -j 0 iocs pydm_widgets tests benchmarks docs > /dev/null

system-deps:
	@missing=""; for pkg in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q "ok installed" \
	    || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

# Every tier (tests/conftest.py: unit, qt, ioc, procserv, netns, browser, install) on four
# pytest-xdist workers (most tests wait on IOCs more than they compute, so four beat three on
# two cores): each worker has its own ports, prefixes and shared IOCs, so they run
# side by side; the load that adds is the loaded 2-core machine the tests must pass on anyway.
# loadgroup keeps a group (the network namespaces of the site tests) on one worker; a worker
# that crashes is not replaced (a replaced worker left xdist waiting for its tests forever).
# The docs (built with warnings as errors) and the linters run beside the tests (the docs'
# pictures mostly wait on their IOCs, on ports apart from the test workers').
test: deps
	$(MAKE) --no-print-directory -j3 docs lint test-suite

# The tests alone (what `make test` runs beside the docs and the linters).
test-suite: deps bytecode
	$(PY) -m pytest -n 4 --dist loadgroup --max-worker-restart=0 tests

# The quick loop: the unit tier (pure: no processes, no sockets beyond an in-process server),
# Hypothesis at its "unit" profile (fewer examples).
unit: deps
	PVCHART_HYPOTHESIS_PROFILE=unit $(PY) -m pytest -q -n 2 -m unit tests

lint: deps
	$(VENV)/bin/ruff check iocs pydm_widgets tests benchmarks docs
	$(VENV)/bin/mypy

# More property-based examples than make test runs: Hypothesis' "fuzz" profile, random (not
# derandomized), PVCHART_FUZZ_EXAMPLES examples per test (default 1000).
fuzz: deps
	PVCHART_HYPOTHESIS_PROFILE=fuzz PVCHART_FUZZ_EXAMPLES=$${PVCHART_FUZZ_EXAMPLES:-1000} \
	  $(PY) -m pytest tests/test_fuzz.py

# Sphinx with warnings as errors; the screenshots and plots come from the code. The three
# pictures taken from running IOCs mostly wait on them, so they are taken side by side, each
# with loopback ports of its own.
docs: deps bytecode
	@set -e; pids=""; n=0; \
	for job in "make_screenshot.py docs/_generated/display.png docs/_generated/overlay.png" \
	           "make_web_screenshot.py docs/_generated/web_page.png" \
	           "make_history_picture.py docs/_generated/week.png docs/_generated/seam.png"; do \
	  echo "$(PY) docs/$$job"; \
	  PVCHART_PORT_RANGE=$$((32000 + 200 * n))-$$((32199 + 200 * n)) \
	    $(PY) docs/$$job & pids="$$pids $$!"; n=$$((n + 1)); done; \
	for pid in $$pids; do wait $$pid; done
	$(PY) docs/make_plots.py docs/_generated
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

# Local-mode IOCs under procServ, the demo moves and the display (no screen: demo.png); the
# IOCs it started stop after, IOCs that were already running stay.
demo: deps
	$(VENV)/bin/pvchart-demo

# Each benchmark prints its figures, the ratio to its baseline last, and writes
# benchmarks/results/<name>.json, from which `make docs` draws the performance plots.
BENCHMARKS := console_cpu.py:--table chart_fanout.py chart_render.py motor_trajectory.py \
              reconnect.py latency.py pvimage.py scale.py web.py history.py
bench: deps
	@for b in $(BENCHMARKS); do echo "== benchmarks/$$b"; \
	  $(PY) benchmarks/$$(echo $$b | tr ':' ' ') || exit 1; done

clean:
	@if [ -x $(VENV)/bin/pvchart-iocs ] && [ -f run/launcher.json ]; then \
	  $(VENV)/bin/pvchart-iocs status >/dev/null 2>&1; rc=$$?; \
	  if [ $$rc -ne 4 ] && [ $$rc -ne 2 ]; then \
	    echo "IOCs still run from run/: 'pvchart-iocs stop' first"; exit 1; fi; fi
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache demo.png run
