"""The emulator answers as description/ says: schemathesis against it, in process, every operation,
every check, and the stateful sequences the description's links allow.

Each generated case runs as a fresh bearer token (its own empty workspace); each stateful
scenario shares one token across its steps, so a contact it creates is there for the next step.
`make contracts` prints what the run covered (contracts/conftest.py).
"""

from __future__ import annotations

from typing import Any

import hypothesis

from contracts.schemathesis_scenarios import prepare
from contracts.schemathesis_support import (
    COVERAGE,
    STATEFUL_SCENARIOS,
    SUPPLY,
    contract_app,
    load_schema,
    temporary_database,
)

APP = contract_app(temporary_database())
schema = load_schema(APP)
Scenario = prepare(schema, SUPPLY, COVERAGE.record)


@schema.parametrize()
def test_every_operation_answers_as_described(case: Any) -> None:
    case.call_and_validate()


TestScenarios = Scenario.TestCase
TestScenarios.settings = hypothesis.settings(
    TestScenarios.settings, max_examples=STATEFUL_SCENARIOS, stateful_step_count=8
)
