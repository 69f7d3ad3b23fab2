"""Every API request is checked against description/ before it reaches the store, and refused as
Intercom refuses: `bad_request` for an unknown key, `parameter_not_found` for a missing field,
`parameter_invalid` for any other violation, each naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulator import create_app, openapi, request_validation
from tests.intercom_errors import first_error

CONTACT = {"email": "frodo@example.com", "external_id": "f-1"}


# (method, path, request keyword arguments, listing that must stay empty) -> (code, field, message)
REFUSALS = [
    (
        ("POST", "/contacts", {"json": {**CONTACT, "nickname": "Mr Underhill"}}, "/contacts"),
        ("bad_request", "nickname", "bad 'nickname' parameter"),
    ),
    (
        ("POST", "/contacts", {"json": {"name": "Frodo"}}, "/contacts"),
        ("parameter_not_found", "email", "email, external_id or role not specified"),
    ),
    (
        ("POST", "/contacts", {"json": {**CONTACT, "email": 7}}, "/contacts"),
        ("parameter_invalid", "email", "email must be a string"),
    ),
    (
        ("POST", "/contacts", {"json": {**CONTACT, "role": "hobbit"}}, "/contacts"),
        ("parameter_invalid", "role", "role must be one of: user, lead"),
    ),
    (
        ("POST", "/contacts", {"json": {**CONTACT, "custom_attributes": ["ring"]}}, "/contacts"),
        ("parameter_invalid", "custom_attributes", "custom_attributes must be an object or null"),
    ),
    (
        ("POST", "/contacts", {"json": {**CONTACT, "signed_up_at": "yesterday"}}, "/contacts"),
        ("parameter_invalid", "signed_up_at", "signed_up_at must be an integer or null"),
    ),
    (
        (
            "POST",
            "/events",
            {"json": {"created_at": 1, "user_id": "f-1"}},
            "/_emulator/event_names",
        ),
        ("parameter_not_found", "event_name", "event_name not specified"),
    ),
    (
        (
            "POST",
            "/events",
            {"json": {"event_name": "x", "created_at": 1}},
            "/_emulator/event_names",
        ),
        ("parameter_not_found", "id", "id, intercom_user_id, user_id or email not specified"),
    ),
    (
        (
            "POST",
            "/users",
            {"json": {"user_id": "u-1", "companies": [{"name": "Shire"}]}},
            "/contacts",
        ),
        ("parameter_not_found", "companies[0].company_id", "companies[0].company_id not specified"),
    ),
    (
        (
            "POST",
            "/users",
            {"json": {"user_id": "u-1", "companies": [{"company_id": "c", "motto": "x"}]}},
            "/contacts",
        ),
        ("parameter_invalid", "companies[0].motto", "bad 'companies[0].motto' parameter"),
    ),
    (
        ("POST", "/companies", {"json": {"company_id": "c-1", "size": "big"}}, "/companies"),
        ("parameter_invalid", "size", "size must be an integer"),
    ),
    (
        ("POST", "/contacts/merge", {"json": {"from": "a"}}, "/contacts"),
        ("parameter_not_found", "into", "into not specified"),
    ),
    (
        ("GET", "/contacts?per_page=many", {}, "/contacts"),
        ("parameter_invalid", "per_page", "per_page must be an integer"),
    ),
    (
        ("GET", "/contacts?per_page=151", {}, "/contacts"),
        ("parameter_invalid", "per_page", "per_page must be between 1 and 150"),
    ),
    (
        ("GET", "/contacts?per_page=" + "9" * 5000, {}, "/contacts"),
        ("parameter_invalid", "per_page", "per_page must be an integer"),
    ),
    (
        ("GET", "/data_attributes?include_archived=sometimes", {}, "/data_attributes"),
        ("parameter_invalid", "include_archived", "include_archived must be a boolean"),
    ),
    (
        ("GET", "/events?user_id=f-1", {}, "/_emulator/event_names"),
        ("parameter_not_found", "type", "type not specified"),
    ),
]


@pytest.mark.parametrize(
    ("request_", "expected"), REFUSALS, ids=[f"{r[0]} {r[1][:40]}-{e[1]}" for r, e in REFUSALS]
)
def test_each_violation_is_refused_naming_its_field_and_changes_nothing(
    client: Any, request_: tuple[Any, ...], expected: tuple[str, str, str]
) -> None:
    method, path, kwargs, listing = request_
    version = {"Intercom-Version": "1.4"} if path.startswith("/users") else {}
    response = client.request(method, path, headers=version, check=False, **kwargs)
    assert response.status_code == 400
    error = first_error(response)
    assert (error["code"], error.get("field"), error["message"]) == expected
    listed = client.get(listing, check=False).get_json()
    stored = listed.get("data", listed.get("users"))
    # Intercom's own data attributes (`custom: false`) are always listed; nothing else may be.
    assert [item for item in stored if item.get("custom", True)] == []


def test_a_messenger_form_field_is_checked_as_its_type(client: Any) -> None:
    app_id = client.get("/me").get_json()["app"]["id_code"]
    form = {"app_id": app_id, "event_name": "opened", "created_at": "yesterday"}
    response = client.post("/messenger/web/events", data=form, check=False)
    assert response.status_code == 400
    error = first_error(response)
    assert (error["code"], error["field"]) == ("parameter_invalid", "created_at")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "tier", "model": "contact", "data_type": "mithril"}, "Data Type isn't an option"),
        (
            {"name": "tier", "model": "ticket", "data_type": "string"},
            "The Data Attribute model field must be either contact or company",
        ),
    ],
)
def test_a_check_the_store_words_as_intercom_is_left_to_it(
    client: Any, body: dict[str, str], message: str
) -> None:
    """`x-emulator-checked-by-store`: the description keeps the enum, the answer is Intercom's."""
    error = first_error(client.post("/data_attributes", json=body, check=False))
    assert (error["code"], error["message"]) == ("parameter_invalid", message)


def _store_checked(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if request_validation.STORE_CHECKS in node:
            yield where, node
        for key, value in node.items():
            yield from _store_checked(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _store_checked(value, f"{where}/{index}")


@pytest.mark.parametrize(
    ("where", "node"),
    list(_store_checked(openapi.load())),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_check_left_to_the_store_names_a_keyword_of_its_schema(
    where: str, node: dict[str, Any]
) -> None:
    """A typo in `x-emulator-checked-by-store` would silently leave a check to no one."""
    keywords = node[request_validation.STORE_CHECKS]
    assert keywords and set(keywords) <= set(node), where


def test_a_refused_request_still_counts_against_the_rate_limit(client: Any) -> None:
    client.patch("/_emulator/settings", json={"rate_limit_app": 3})
    remaining = client.get("/contacts").headers["X-RateLimit-Remaining"]
    refused = client.get("/contacts?per_page=0", check=False)
    assert refused.status_code == 400
    assert int(refused.headers["X-RateLimit-Remaining"]) == int(remaining) - 1


def test_validators_are_compiled_when_the_app_is_built_not_per_request(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    compiled: list[Any] = []
    real = request_validation.compile_schema

    def counting(schema: dict[str, Any], registry: Any) -> Any:
        compiled.append(schema)
        return real(schema, registry)

    monkeypatch.setattr(request_validation, "compile_schema", counting)
    app = create_app({"DATABASE": str(tmp_path / "e.db")})
    validation = app.extensions["request_validation"]
    served = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith(("/_emulator", "/openapi.json", "/static"))
        and not rule.endpoint.startswith("not_emulated.")  # 501 whatever the request
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert set(validation.operations) == served
    at_start_up = len(compiled)
    assert at_start_up > 0
    client = app.test_client()
    headers = {"Authorization": "Bearer once"}
    for _ in range(3):
        client.post("/contacts", json={"email": 5}, headers=headers)
        client.get("/contacts?per_page=2", headers=headers)
    assert len(compiled) == at_start_up


def test_without_the_request_validation_the_store_still_checks(tmp_path: Any) -> None:
    app = create_app({"DATABASE": str(tmp_path / "e.db")})
    app.extensions["request_validation"] = request_validation.RequestValidation({})
    response = app.test_client().post(
        "/data_attributes", json={"name": 7}, headers={"Authorization": "Bearer t"}
    )
    assert first_error(response)["field"] == "name"
