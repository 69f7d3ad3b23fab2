"""The contract suite's stateful phase is a function of the seed: two runs with the same seed make
the same requests and meet the same answers.

Each run is a small one (a few short scenarios) in a process of its own, as two `make test` runs
are, with a different `PYTHONHASHSEED` (so no set or dict order of strings can decide a case),
on an app and database of its own built as contracts/test_schemathesis.py builds its own
(contracts/schemathesis_scenarios.py), drawing from the run's seed (tests/seeding.py). Ids the
emulator makes up (random, as Intercom's are) are masked before the runs are compared.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import hypothesis
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.core import NOT_SET

from contracts.schemathesis_scenarios import prepare
from contracts.schemathesis_support import (
    TOKENS,
    TokenSupply,
    contract_app,
    load_schema,
    temporary_database,
)
from tests import seeding

ROOT = Path(__file__).resolve().parent.parent
# Modules of the project the contract app never imports itself.
LATE_MODULES = (
    "translator.cli.options",
    "translator.delivery.sender",
    "emulator.startup",
    "emulator.cli",
)
SCENARIOS = 20
STEPS = 6
# What the emulator draws at random: scroll parameters, contact, company and segment ids,
# workspace id codes.
MADE_UP = re.compile(r"\b[0-9a-f-]{36}\b|\b[0-9a-f]{24}\b|\b[0-9a-z]{8}\b")


def _run(seed: int) -> list[str]:
    """The requests of one small stateful run, and the status each met."""
    steps: list[str] = []

    def record(case: Any, response: Any, results: list[Any]) -> None:
        body = "-" if case.body is NOT_SET else case.body
        asked = MADE_UP.sub("<id>", f"{case.path_parameters} {case.query} {body}")
        operation = f"{case.operation.method.upper()} {case.operation.path}"
        steps.append(f"{operation} {asked} -> {response.status_code}")

    hypothesis.settings.register_profile("replay", database=None, deadline=None)
    hypothesis.settings.load_profile("replay")
    schema = load_schema(contract_app(temporary_database()))
    scenario = prepare(schema, TokenSupply(TOKENS), record)
    settings = hypothesis.settings(
        scenario.TestCase.settings, max_examples=SCENARIOS, stateful_step_count=STEPS
    )
    run_state_machine_as_test(hypothesis.seed(seed)(scenario), settings=settings)
    return steps


def _run_in_a_process(hash_seed: str, output: Path, *imported_first: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "contracts.test_schemathesis_reproducible", str(output)]
    subprocess.run([*command, *imported_first], cwd=ROOT, env=env, check=True, timeout=600)
    return output.read_text(encoding="utf-8").splitlines()


def test_two_runs_with_the_same_seed_make_the_same_requests(tmp_path: Path) -> None:
    first = _run_in_a_process("1", tmp_path / "first.txt")
    # Another hash seed, and modules of the project imported before the run that the first run
    # had not imported (as a lazy import or another test would): hypothesis draws some strings
    # from the constants of the local modules imported so far (tests/seeding.py).
    second = _run_in_a_process("2", tmp_path / "second.txt", *LATE_MODULES)
    assert len(first) > SCENARIOS  # the runs did make requests, several per scenario
    assert first == second


if __name__ == "__main__":
    for name in sys.argv[2:]:
        importlib.import_module(name)
    seeding.settle_constants()  # as the root conftest.py does for every pytest run
    Path(sys.argv[1]).write_text("\n".join(_run(seeding.SEED)), encoding="utf-8")
