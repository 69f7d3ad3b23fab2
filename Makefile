# The two commands a newcomer needs: `make serve` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DB ?= emulator.db
# The seed of generated test data (hypothesis, schemathesis): fixed unless given; `SEED=random`
# explores with a fresh one. Every run prints the seed it used (tests/seeding.py).
SEED ?=

.PHONY: serve test contracts lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's declaration changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

serve: $(VENV)/.installed
	$(BIN)/emulator serve --host $(HOST) --port $(PORT) --db $(DB)

test: $(VENV)/.installed-test
	SEED=$(SEED) $(BIN)/python -m pytest

contracts: $(VENV)/.installed-test
	SEED=$(SEED) $(BIN)/python -m pytest contracts

# Benchmarks (~15 minutes; never part of `make test`): bench/results/*.json and docs/benchmarks.md.
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
