"""The emulator answers as description/ says: schemathesis against it, in process, every operation,
every check, and the stateful sequences the description's links allow.

Each generated case runs as a fresh bearer token (its own empty workspace); each stateful
scenario shares one token across its steps, so a contact it creates is there for the next step.
`make contracts` prints what the run covered (contracts/conftest.py).
"""

from __future__ import annotations

from typing import Any

import hypothesis

from contracts.schemathesis_support import (
    COVERAGE,
    STATEFUL_SCENARIOS,
    SUPPLY,
    bearer,
    contract_app,
    load_schema,
    temporary_database,
)

APP = contract_app(temporary_database())
schema = load_schema(APP)


@schema.auth(refresh_interval=None)
class FreshWorkspace:
    """A token nobody has used yet, for every generated case."""

    def get(self, case: Any, context: Any) -> str:
        return SUPPLY.next()

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), **bearer(data)}


@schema.hook
def after_validate(context: Any, case: Any, response: Any, results: list[Any]) -> None:
    COVERAGE.record(case, response, results)


# `/contacts/search`, `/contacts/merge`, `/companies/list` and `/companies/scroll` are operations
# of their own: a contact or company id spelled so would test one of those instead.
OTHER_OPERATIONS = {"search", "merge", "list", "scroll"}


@schema.hook
def filter_path_parameters(context: Any, path_parameters: Any) -> bool:
    if not isinstance(path_parameters, dict):
        return True
    return not any(
        str(path_parameters.get(name)) in OTHER_OPERATIONS for name in ("contact_id", "company_id")
    )


@schema.parametrize()
def test_every_operation_answers_as_described(case: Any) -> None:
    case.call_and_validate()


class Scenario(schema.as_state_machine()):
    """Follows the links (create a contact, then show, update, tag, delete it...) in a workspace
    of its own."""

    def setup(self) -> None:
        self.token = SUPPLY.next()
        COVERAGE.scenarios += 1

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": bearer(self.token)}

    def validate_response(
        self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
    ) -> None:
        # The token travels as a header the test gave, which checks read as deliberate auth.
        case.validate_response(
            response,
            additional_checks=additional_checks,
            headers=kwargs.get("headers"),
            transport_kwargs=kwargs or None,
            recorder=self.recorder,
        )


TestScenarios = Scenario.TestCase
TestScenarios.settings = hypothesis.settings(
    TestScenarios.settings, max_examples=STATEFUL_SCENARIOS, stateful_step_count=8
)
