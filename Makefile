# gim: `make demo` and `make test` do all the set-up on a fresh Debian/Ubuntu machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install -q
export HF_HUB_OFFLINE := 1

.PHONY: demo test check lint format typecheck contracts bench setup setup-dev clean

demo: setup
	$(VENV)/bin/gim demo

test: setup-dev
	@scripts/system-deps.sh test
	$(PY) -m pytest -q

check: setup-dev lint typecheck contracts
	@scripts/system-deps.sh test
	$(PY) -m pytest -q

lint: setup-dev
	$(VENV)/bin/ruff check gim tests bench
	$(VENV)/bin/ruff format --check gim tests bench

format: setup-dev
	$(VENV)/bin/ruff format gim tests bench
	$(VENV)/bin/ruff check --fix gim tests bench

typecheck: setup-dev
	$(VENV)/bin/mypy

contracts: setup-dev
	$(VENV)/bin/lint-imports

bench: setup-dev
	@scripts/system-deps.sh test
	$(PY) -m bench

setup: $(VENV)/.base
setup-dev: $(VENV)/.dev

$(VENV)/.base: pyproject.toml scripts/system-deps.sh
	@scripts/system-deps.sh runtime
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e .
	touch $@

# openai-whisper is a supported engine tested in CI: CPU torch first (the pin takes the
# local CPU build; anything else pulls CUDA), then openai-whisper without triton.
$(VENV)/.dev: $(VENV)/.base
	$(PIP) torch==2.13.0
	$(PIP) -e '.[dev,openai-whisper]'
	$(PIP) --no-deps openai-whisper
	touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
