# Two commands do all the set-up on a fresh machine:
#   make demo   - install into .venv, migrate an embedded SQLite database, load demo data, serve
#   make test   - install into .venv (with test tools and Chromium) and run the whole suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install lint browser-deps bench

$(STAMP): pyproject.toml setup.py
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/registry demo

browser-deps:
	@scripts/ensure-chromium

test: $(STAMP) browser-deps
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)
