"""The emulator answers as description/ says: schemathesis against it, in process, every operation,
every check, and the stateful sequences the description's links allow.

Each generated case runs as a fresh bearer token (its own empty workspace); each stateful
scenario shares one token across its steps, so a contact it creates is there for the next step.
`make contracts` prints what the run covered (contracts/conftest.py).
"""

from __future__ import annotations

from typing import Any

import hypothesis
from hypothesis.stateful import run_state_machine_as_test

from contracts.schemathesis_scenarios import prepare
from contracts.schemathesis_support import (
    CONVERSATION_CHAIN_ANSWERED,
    CONVERSATION_PHASE_OPERATIONS,
    CONVERSATION_SCENARIOS,
    CONVERSATION_STEPS,
    COVERAGE,
    STATEFUL_SCENARIOS,
    SUPPLY,
    contract_app,
    load_schema,
    temporary_database,
)
from tests import seeding

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


def test_the_stateful_phase_follows_the_conversation_links() -> None:
    """Issue 19: the conversation operations' own stateful phase (CONVERSATION_PHASE_OPERATIONS,
    contracts/schemathesis_support.py) follows the description's links to a 2xx from each of
    CONVERSATION_CHAIN_ANSWERED, with every check of the suite on every step."""
    # Its own app and database, its scenarios' clocks frozen: what a step answers depends on
    # the steps before it alone (not on what other tests left in a shared database, nor on the
    # wall clock), so hypothesis replays each scenario exactly.
    app = contract_app(temporary_database())
    ConversationScenario = prepare(
        load_schema(app, stateful_only=CONVERSATION_PHASE_OPERATIONS),
        SUPPLY,
        COVERAGE.record,
        frozen_app=app,
    )
    before = COVERAGE.stateful_answers.copy()
    settings = hypothesis.settings(
        ConversationScenario.TestCase.settings,
        max_examples=CONVERSATION_SCENARIOS,
        stateful_step_count=CONVERSATION_STEPS,
    )
    run_state_machine_as_test(
        hypothesis.seed(seeding.SEED)(ConversationScenario), settings=settings
    )
    answered = COVERAGE.stateful_answers - before
    unreached = [
        operation_id
        for operation_id in CONVERSATION_CHAIN_ANSWERED
        if answered[f"{operation_id} 2xx"] == 0
    ]
    assert not unreached, f"the stateful phase never had a 2xx from {unreached}: {answered}"
