"""The schemathesis set-up the contract suite and its reproducibility test share: a fresh
workspace for every generated case, the path parameters that would name another operation left
out, every answer recorded, and the stateful scenarios (each in a workspace of its own)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemathesis.core.parameters import ParameterLocation

from contracts.schemathesis_support import COVERAGE, TokenSupply, bearer
from emulator import openapi


def _literal_segments() -> frozenset[str]:
    """Every fixed segment of a path the emulator answers, Intercom's operations it does not
    emulate included: `/contacts/search`, `/companies/scroll`, `/conversations/deleted` (501,
    2.16's) are operations of their own, so an id spelled so would test one of those instead."""
    paths = [*openapi.load()["paths"], *(item["path"] for item in openapi.not_emulated())]
    return frozenset(
        segment
        for path in paths
        for segment in path.strip("/").split("/")
        if segment and not segment.startswith("{")
    )


OTHER_OPERATIONS = _literal_segments()

Recorder = Callable[[Any, Any, list[Any]], None]


# The time a scenario's workspace is frozen at (`prepare(..., frozen_at=app)`): what a step
# answers may then depend on the steps before it, never on the wall clock (a snooze "in the
# future", a second boundary), so hypothesis replays a scenario exactly.
FROZEN_AT = 1_750_000_000


def prepare(schema: Any, supply: TokenSupply, record: Recorder, frozen_app: Any = None) -> type:
    """Register the suite's auth and hooks on `schema`; returns its state machine. With
    `frozen_app`, each scenario's workspace starts with its clock frozen at FROZEN_AT."""

    @schema.auth(refresh_interval=None)
    class FreshWorkspace:
        """A token nobody has used yet, for every generated case."""

        def get(self, case: Any, context: Any) -> str:
            return supply.next()

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), **bearer(data)}

    @schema.hook
    def after_validate(context: Any, case: Any, response: Any, results: list[Any]) -> None:
        record(case, response, results)

    @schema.hook
    def filter_path_parameters(context: Any, path_parameters: Any) -> bool:
        if not isinstance(path_parameters, dict):
            return True
        return not any(str(value) in OTHER_OPERATIONS for value in path_parameters.values())

    class Scenario(schema.as_state_machine()):  # type: ignore[misc]
        """Follows the links (create a contact, then show, update, tag, delete it...) in a
        workspace of its own."""

        def setup(self) -> None:
            self.token = supply.next()
            COVERAGE.scenarios += 1
            if frozen_app is not None:
                frozen = frozen_app.test_client().post(
                    "/_emulator/clock",
                    json={"at": FROZEN_AT, "freeze": True},
                    headers=bearer(self.token),
                )
                assert frozen.status_code == 200, frozen.get_json()

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            if _leaves_out_the_token(case):
                return {}  # a case made to go without one goes without one
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

    return Scenario


def _leaves_out_the_token(case: Any) -> bool:
    """Whether schemathesis made this case without its `Authorization` header (a negative case
    whose only other flaw a link's values may have overwritten)."""
    meta = case.meta
    mutations = getattr(getattr(meta, "phase", None), "data", None)
    return any(
        mutation.parameter_location == ParameterLocation.HEADER
        and str(mutation.parameter).lower() == "authorization"
        for mutation in getattr(mutations, "mutations", ())
    )
