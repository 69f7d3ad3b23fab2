"""Bad input never breaks the emulator: a 4xx `error.list`, never a 5xx, and the store unchanged.

Each case runs against the app on a real SQLite file; the store (every table but the request
journal and the rate counters) is compared row by row before and after. Hostile strings that
are valid input (SQL-looking, control characters) are stored and found verbatim instead.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator.limits import MAX_BODY_BYTES
from tests.intercom_errors import first_error
from tests.reliability.store_state import snapshot


def assert_error_list(response: Any, status: int) -> None:
    first_error(response, status)
    assert all(e["code"] and e["message"] for e in json.loads(response.data)["errors"])


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        value = {"inner": value}
    return value


JSON = "application/json"
# (label, method, path, keyword arguments of the test client's open(), expected status)
BAD_REQUESTS: list[tuple[str, str, str, dict[str, Any], int]] = [
    ("malformed JSON", "POST", "/contacts", {"data": '{"email": ', "content_type": JSON}, 400),
    ("JSON that is not an object", "POST", "/contacts", {"json": [1, 2]}, 400),
    ("email of the wrong type", "POST", "/contacts", {"json": {"email": 42}}, 400),
    ("role as a list", "POST", "/contacts", {"json": {"role": ["user"]}}, 400),
    ("unknown parameter", "POST", "/contacts", {"json": {"email": "a@x.io", "bogus": 1}}, 400),
    (
        "created_at as words",
        "POST",
        "/events",
        {"json": {"event_name": "e", "created_at": "yesterday", "user_id": "u1"}},
        400,
    ),
    ("name as a list", "PUT", "/contacts/{id}", {"json": {"name": ["x"]}}, 400),
    (
        "custom_attributes as text",
        "PUT",
        "/contacts/{id}",
        {"json": {"custom_attributes": "x"}},
        400,
    ),
    (
        "search value as an object",
        "POST",
        "/contacts/search",
        {"json": {"query": {"field": "email", "operator": "=", "value": {"a": 1}}}},
        400,
    ),
    ("tag name as a number", "POST", "/tags", {"json": {"name": 7}}, 400),
    ("company_id as a list", "POST", "/companies", {"json": {"company_id": ["x"]}}, 400),
    (
        "invalid UTF-8",
        "POST",
        "/contacts",
        {"data": b'{"email": "\xff\xfe"}', "content_type": JSON},
        400,
    ),
    (
        "100,000 nested arrays",
        "POST",
        "/contacts",
        {"data": "[" * 100_000 + "]" * 100_000, "content_type": JSON},
        400,
    ),
    (
        "a deeply nested custom attribute",
        "POST",
        "/contacts",
        {"json": {"email": "deep@x.io", "custom_attributes": {"a": _nested(60)}}},
        400,
    ),
    (
        "a body past MAX_BODY_BYTES",
        "POST",
        "/contacts",
        {"data": b'{"email": "' + b"a" * MAX_BODY_BYTES + b'"}', "content_type": JSON},
        413,
    ),
    (
        "a body that is not JSON",
        "POST",
        "/contacts",
        {"data": "{}", "content_type": "text/plain"},
        415,
    ),
    ("a 200 kB cursor", "GET", "/contacts?starting_after=" + "A" * 200_000, {}, 400),
    ("a 10,000-digit per_page", "GET", "/contacts?per_page=" + "9" * 10_000, {}, 400),
    ("a 100 kB external id", "GET", "/contacts/find_by_external_id/" + "x" * 100_000, {}, 404),
    ("a 100 kB user_id", "GET", "/events?type=user&user_id=" + "x" * 100_000, {}, 404),
    ("a 100 kB contact id", "GET", "/contacts/" + "x" * 100_000, {}, 404),
    ("an unknown version", "GET", "/me", {"headers": {"Intercom-Version": "9.99"}}, 400),
    ("a SQL-looking version", "GET", "/me", {"headers": {"Intercom-Version": "2.11'--"}}, 400),
    # A method Intercom's API does not take is 404 there ([DOC-HTTP] 2.17, facts §1).
    ("PATCH on a collection", "PATCH", "/contacts", {}, 404),
    ("an invented method", "BREW", "/contacts", {}, 404),
    ("DELETE /me", "DELETE", "/me", {}, 404),
    # Not a path Intercom has (its /conversations/{id} is emulated).
    ("an unknown route", "GET", "/conversationz/1; DROP TABLE contacts", {}, 404),
]


@pytest.fixture
def contact_id(client: Any) -> str:
    return str(client.post("/contacts", json={"email": "kept@example.com"}).get_json()["id"])


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_REQUESTS],
)
def test_bad_input_is_a_4xx_error_list_and_changes_nothing(
    client: Any,
    db_path: Any,
    contact_id: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    before = snapshot(db_path)
    response = client.request(method, path.replace("{id}", contact_id), check=False, **kwargs)
    assert_error_list(response, status)
    assert snapshot(db_path) == before


HOSTILE_STRINGS = [
    "' OR '1'='1",
    "Robert'); DROP TABLE contacts;--",
    '" OR ""="',
    "%_\\%",  # LIKE wildcards and the escape character
    "nul \x00 bell \x07 escape \x1b[31m",
    "\u202eright-to-left override",
]


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_hostile_search_values_match_nothing_and_change_nothing(
    client: Any, db_path: Any, contact_id: str, text: str
) -> None:
    before = snapshot(db_path)
    for field, operator in [("email", "="), ("name", "~"), ("external_id", "^"), ("name", "IN")]:
        value = [text] if operator == "IN" else text
        query = {"query": {"field": field, "operator": operator, "value": value}}
        response = client.post("/contacts/search", json=query)
        assert response.status_code == 200, response.data[:300]
        assert response.get_json()["total_count"] == 0
    assert snapshot(db_path) == before


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_hostile_names_and_external_ids_are_stored_verbatim(
    client: Any, db_path: Any, contact_id: str, text: str
) -> None:
    before = snapshot(db_path)
    created = client.post("/contacts", json={"name": text, "external_id": text, "role": "lead"})
    assert created.status_code == 200, created.data[:300]
    contact = created.get_json()
    assert (contact["name"], contact["external_id"]) == (text, text)
    after = snapshot(db_path)
    # Exactly one row more, and every table but contacts as it was.
    assert len(after["contacts"]) == len(before["contacts"]) + 1
    assert {t: rows for t, rows in after.items() if t != "contacts"} == {
        t: rows for t, rows in before.items() if t != "contacts"
    }
    found = client.get(f"/contacts/{contact['id']}").get_json()
    assert (found["name"], found["external_id"]) == (text, text)
    tag = client.post("/tags", json={"name": text[:50]})
    assert tag.status_code == 200 and tag.get_json()["name"] == text[:50]
