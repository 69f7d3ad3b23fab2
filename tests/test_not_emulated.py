"""What is not emulated says so (issue 14, item 11): each operation of Intercom's 2.11
description that description/intercom.yaml does not describe answers 501 `not_emulated`, naming the
operation, and README.md's table of operations, `/openapi.json`, description/not_emulated.yaml and
the app's routes agree about which operations are served."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from emulator import create_app, openapi
from tests import intercom_reference, not_emulated_list
from tests.test_route_coverage import normalise

DESCRIPTION = openapi.load()
NOT_EMULATED = openapi.not_emulated()
NOT_INTERCOM_REST = {"Emulator", "Users", "Messenger"}  # control API, 1.4, Messenger
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
_ROW = re.compile(r"^\| `(\w+)` \| `(GET|POST|PUT|DELETE|PATCH) (/\S*)` \| (yes|no)\b", re.M)


def emulated_intercom_operations() -> set[tuple[str, str, str]]:
    return {
        (op["operationId"], method, path)
        for method, path, op in openapi.operations(DESCRIPTION)
        if not NOT_INTERCOM_REST & set(op.get("tags", []))
    }


def unemulated_operations() -> set[tuple[str, str, str]]:
    return {(op["operationId"], op["method"], op["path"]) for op in NOT_EMULATED}


def readme_rows(answer: str) -> set[tuple[str, str, str]]:
    return {(o, m, p) for o, m, p, emulated in _ROW.findall(README) if emulated == answer}


def example_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", template)


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app({"DATABASE": ":memory:"})


def test_the_list_and_the_description_do_not_overlap() -> None:
    described = {(m, normalise(p)) for _, m, p in emulated_intercom_operations()}
    assert NOT_EMULATED, "emulator/description/not_emulated.yaml is empty"
    assert not {(m, normalise(p)) for _, m, p in unemulated_operations()} & described


def test_the_list_is_what_intercoms_description_less_ours_gives() -> None:
    """description/not_emulated.yaml was written by tests/not_emulated_list.py from Intercom's 2.11
    description and ours; regenerating it now must give the same file."""
    reference = intercom_reference.load("2.11")
    if reference is None:
        pytest.skip(f"Intercom's 2.11 description is not at {intercom_reference.reference_path()}")
    expected = not_emulated_list.render(
        not_emulated_list.unemulated(reference.document, DESCRIPTION)
    )
    written = (openapi.DESCRIPTION_DIR / openapi.NOT_EMULATED_FILE).read_text(encoding="utf-8")
    assert written == expected, "run `python -m tests.not_emulated_list <2.11 description>`"


def test_the_readme_table_lists_every_operation_once_with_its_answer() -> None:
    rows = _ROW.findall(README)
    assert len(rows) == len({(m, p) for _, m, p, _ in rows}), "an operation is listed twice"
    assert readme_rows("yes") == emulated_intercom_operations()
    assert readme_rows("no") == unemulated_operations()


def test_openapi_json_serves_the_emulated_and_lists_the_rest(app: Flask) -> None:
    served = app.test_client().get("/openapi.json").get_json()
    operations = {
        (op["operationId"], method, path) for method, path, op in openapi.operations(served)
    }
    assert emulated_intercom_operations() <= operations
    assert not {(m, normalise(p)) for _, m, p in unemulated_operations()} & {
        (m, normalise(p)) for _, m, p in operations
    }
    listed = served[openapi.NOT_EMULATED_KEY]
    assert {(o["operationId"], o["method"], o["path"]) for o in listed} == readme_rows("no")


def test_the_app_routes_match_the_table(app: Flask) -> None:
    routes: dict[tuple[str, str], str] = {}
    for rule in app.url_map.iter_rules():
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routes[(method, normalise(rule.rule))] = rule.endpoint.split(".")[0]
    for _, method, path in readme_rows("yes"):
        assert routes.get((method, normalise(path))) not in (None, "not_emulated"), path
    for _, method, path in readme_rows("no"):
        assert routes.get((method, normalise(path))) == "not_emulated", path


@pytest.mark.parametrize(
    "method, path, operation_id",
    [(op["method"], op["path"], op["operationId"]) for op in NOT_EMULATED],
    ids=[op["operationId"] for op in NOT_EMULATED],
)
def test_each_unemulated_operation_answers_501_naming_itself(
    client: Any, method: str, path: str, operation_id: str
) -> None:
    body = {} if method in ("POST", "PUT") else None
    response = client.request(method, example_path(path), json=body)
    assert response.status_code == 501
    errors = response.get_json()["errors"]
    assert errors == [
        {
            "code": "not_emulated",
            "message": f"{method} {path} is not emulated (Intercom's {operation_id})",
        }
    ]


def test_the_token_is_checked_first(app: Flask) -> None:
    """A caller without a valid token learns nothing about the surface: 401, as anywhere."""
    response = app.test_client().get("/conversations")
    assert response.status_code == 401
    assert response.get_json()["errors"][0]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/conversationz"),
        ("GET", "/subscription_types/1"),  # Intercom's 2.11 has no such operation
        ("GET", "/tickets/x1/notes"),
    ],
)
def test_paths_intercom_does_not_have_stay_404(client: Any, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["code"] == "not_found"
