"""The contract suite can fail: a contacts route broken on purpose (an `id` dropped from the
contact, or 201 instead of 200) is caught by the same schemathesis checks, config and app set-up
that contracts/test_schemathesis.py runs, while the unbroken route passes them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from flask import Flask, Response
from schemathesis.core.failures import FailureGroup

from contracts.schemathesis_support import SUPPLY, bearer, contract_app, load_schema

CONTACT = {"email": "frodo@example.com", "external_id": "f-1"}


def _rewrite_contacts_route(app: Flask, change: Callable[[Response], None]) -> None:
    route = app.view_functions["contacts.create_contact"]

    def broken(*args: Any, **kwargs: Any) -> Any:
        response = app.make_response(route(*args, **kwargs))
        change(response)
        return response

    app.view_functions["contacts.create_contact"] = broken


def drop_id(response: Response) -> None:
    body = response.get_json()
    body.pop("id", None)
    response.set_data(json.dumps(body))


def answer_201(response: Response) -> None:
    response.status_code = 201


@pytest.fixture
def broken_app(tmp_path: Path) -> Callable[[Callable[[Response], None] | None], Any]:
    def build(change: Callable[[Response], None] | None) -> Any:
        app = contract_app(tmp_path / "contracts.db")
        if change is not None:
            _rewrite_contacts_route(app, change)
        return load_schema(app)["/contacts"]["POST"]

    return build


@pytest.mark.parametrize(
    ("change", "failure"),
    [
        (drop_id, '"id" is a required property'),
        (answer_201, "Undocumented status code"),
    ],
    ids=["contact without id", "201 instead of 200"],
)
def test_a_broken_response_fails_the_contract(
    broken_app: Callable[..., Any], change: Callable[[Response], None], failure: str
) -> None:
    case = broken_app(change).Case(body=CONTACT, headers=bearer(SUPPLY.next()))
    with pytest.raises(FailureGroup) as caught:
        case.call_and_validate()
    assert failure in str(caught.value)


def test_generated_cases_catch_it_too(broken_app: Callable[..., Any]) -> None:
    """Positive cases the fuzzer draws for `POST /contacts`, not a hand-written one."""
    operation = broken_app(answer_201)

    @hypothesis.settings(max_examples=30, phases=[hypothesis.Phase.generate], database=None)
    @hypothesis.given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), **bearer(SUPPLY.next())}
        case.call_and_validate()

    with pytest.raises(FailureGroup, match="Undocumented status code"):
        run()


def test_the_unbroken_route_passes_the_same_case(broken_app: Callable[..., Any]) -> None:
    case = broken_app(None).Case(body=CONTACT, headers=bearer(SUPPLY.next()))
    assert case.call_and_validate().status_code == 200
