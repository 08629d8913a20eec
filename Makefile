# PreCog compendium. `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PROFILE ?= demo
export HF_HUB_OFFLINE ?= 1

.PHONY: help setup test lint reproduce figures data bench lock clean

help:  ## this list
	@grep -E '^[a-z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup: $(VENV)/.installed  ## virtual environment with the pinned packages and precog

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==25.3
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

test: setup  ## unit tests + notebook tests (smoke profile), offline
	$(BIN)/python -m pytest

lint: setup  ## ruff
	$(BIN)/ruff check precog tests benchmarks

bench: setup  ## speed of the scoring engine (numbers go to README)
	$(BIN)/python benchmarks/score_bench.py

lock:  ## re-pin requirements.lock and environment.yml from the current venv
	$(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//' | grep -v '^precog' > requirements.lock
	$(BIN)/python -m precog.envfile requirements.lock > environment.yml

clean:  ## remove build outputs (keeps data/raw and data/cache)
	rm -rf build figures/*.png figures/*.pdf figures/*.json figures/*.csv
