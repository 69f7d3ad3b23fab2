# The two commands a newcomer needs: `make serve` and `make test`. Both create .venv on first use.
# Any Python 3.11 or later will do: `make PYTHON=python3.12 serve`. Without PYTHON, python3.11,
# else python3 (refused below unless it is 3.11 or later).
PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DB ?= emulator.db
# The seed of generated test data (hypothesis, schemathesis): fixed unless given; `SEED=random`
# explores with a fresh one. Every run prints the seed it used (tests/seeding.py).
SEED ?=
# Test processes (pytest-xdist). Most tests wait on servers and subprocesses, so more processes
# than cores pays; `make test TEST_WORKERS=0` runs the suite in this one process.
TEST_WORKERS ?= 4

.PHONY: serve test contracts lint format bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "make: '$(PYTHON)' is not Python 3.11 or later; name one: make PYTHON=python3.12 $(or $(MAKECMDGOALS),serve)" >&2; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

# Reinstall when the project's declaration changes. -qq: errors only (pip's -q still relays the
# build backend's notices, such as setuptools' "Editable installation" one).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e '.[test]'
	touch $(VENV)/.installed $@

serve: $(VENV)/.installed
	$(BIN)/intercom-emulator serve --host $(HOST) --port $(PORT) --db $(DB)

test: $(VENV)/.installed-test
	SEED=$(SEED) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

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
