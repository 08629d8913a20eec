# PreCog compendium. `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PROFILE ?= demo
export HF_HUB_OFFLINE ?= 1

.PHONY: help setup test verify lint reproduce replicate lesson screenshots figures data bench bench-precision lock clean

help:  ## this list
	@grep -E '^[a-z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup: $(VENV)/.installed  ## virtual environment with the pinned packages and precog

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==25.3
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

test: setup data  ## unit tests, precog verify, every notebook on the smoke profile (reproduce + checks of the executed copies, nbval), offline
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadfile tests --ignore=tests/executed  # two workers, one thread each, a file per worker
	$(BIN)/precog verify  # the committed results: every file, every run, the pooled answer, README
	$(BIN)/precog -q replicate --profile smoke  # two replicates for fig6 to pool (one on its own base model)
	$(BIN)/precog -q reproduce --profile smoke --force
	$(BIN)/precog verify --profile smoke  # the same checks of what the smoke run just wrote
	$(BIN)/precog -q lesson  # the lesson into build/lesson (the demo's models if cached, else its own tiny ones)
	$(BIN)/python -m pytest tests/executed
	rm -rf build/nbval && $(BIN)/precog -q prepare-notebooks --profile smoke --out build/nbval
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest --nbval-lax -p no:cacheprovider -n 2 --dist loadfile build/nbval  # a notebook stays on one worker; its steps come from the cache

verify: setup  ## in seconds, no training: every committed result file, every run, the pooled answer and README checked
	$(BIN)/precog verify

data: setup  ## fetch the pinned raw data into data/raw (idempotent)
	$(BIN)/precog fetch

reproduce: setup data  ## run every notebook on the $(PROFILE) profile (default demo; docs/performance.md has its minutes)
	$(BIN)/precog reproduce --profile $(PROFILE)

lesson: setup data  ## the lesson (notebooks/precog_explained.ipynb) executed into build/lesson/: about 2 minutes from an empty cache
	$(BIN)/precog lesson

replicate: setup data  ## remake the committed replicates (figures/replicate<N>/; docs/performance.md says how long), then reproduce to pool them
	$(BIN)/precog replicate --profile $(PROFILE)
	$(BIN)/precog reproduce --profile $(PROFILE)

screenshots: setup  ## screenshots of build/demo/index.html at 1280 and 390 px into docs/ (headless Chromium)
	$(BIN)/precog screenshots --profile $(PROFILE)

figures: reproduce  ## alias: the figures are what reproduce writes

lint: setup  ## ruff
	$(BIN)/ruff check precog tests benchmarks

bench: setup  ## speed of the scoring engine (numbers go to docs/performance.md)
	$(BIN)/python benchmarks/score_bench.py

bench-precision: setup  ## bf16 against fp32: scoring speed beside minicons, agreement on the demo's models (after make reproduce)
	$(BIN)/python -m pip install -q --no-deps --target build/minicons minicons==0.3.39 wonderwords==3.0.1
	OMP_NUM_THREADS=2 $(BIN)/python benchmarks/precision_bench.py

lock:  ## re-pin requirements.lock and environment.yml from the current venv
	$(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//' | grep -v '^precog' > requirements.lock
	$(BIN)/python -m precog.envfile requirements.lock > environment.yml

clean:  ## remove build outputs (keeps data/raw and data/cache)
	rm -rf build figures/*.png figures/*.pdf figures/*.json figures/*.csv
