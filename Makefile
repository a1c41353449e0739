# pvchart: `make test` and `make demo` work on a fresh Debian machine (idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBS := procServ:procserv Xvfb:xvfb

.PHONY: test demo docs bench deps system-deps clean

deps: system-deps $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,docs]'
	touch $@

system-deps:
	@missing=""; for pair in $(DEBS); do \
	  command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

test: deps docs
	$(PY) -m pytest tests

# Sphinx with warnings as errors; the screenshot comes from the headless display.
docs: deps
	$(PY) docs/make_screenshot.py docs/_generated/display.png
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

# IOCs under procServ, then the display (headless: rendered to demo.png); IOCs stop after.
demo: deps
	@$(VENV)/bin/pvchart-iocs start && \
	trap '$(VENV)/bin/pvchart-iocs stop' EXIT && \
	$(VENV)/bin/pvchart-display

bench: deps
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache demo.png run
