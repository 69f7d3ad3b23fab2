"""Random Unicode into every JSON field of every route: never a 5xx, the store unchanged on
refusal, and a lone surrogate always refused at the edge (400 `parameter_invalid`).

The routes and their fields come from the description (emulator/description/intercom.yaml
and emulator.yaml, merged by emulator.openapi): every operation with a JSON body (the API
and the control API), and the Messenger's JSON form fields (`user_data`, `metadata`). Each
example puts text made of lone surrogates, NUL, right-to-left marks, emoji, 4-byte characters,
combining marks and ordinary characters into one field's value or one key. Seeded
(`derandomize=True`): the same examples on every run, so a red run is never luck.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import create_app, openapi
from tests.conftest import ApiClient
from tests.reliability.store_state import snapshot

PIECES = [
    "\ud800",  # lone high surrogate
    "\udfff",  # lone low surrogate
    "\ud83d",  # half of an emoji's pair
    "\x00",
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\U0001f600",  # emoji (4 bytes in UTF-8)
    "\U0001d11e",  # musical symbol (4 bytes)
    "\ufeff",
    "e\u0301",
    "plan",
    " ",
]
TEXT = st.lists(
    st.one_of(st.sampled_from(PIECES), st.characters(codec="utf-8")), min_size=1, max_size=6
).map("".join)
FORM_JSON_FIELDS = {
    "/messenger/web/ping": ("user_data",),
    "/messenger/web/events": ("user_data", "metadata"),
}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _properties(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A body schema's properties, those of its allOf/anyOf/oneOf branches included."""
    schema = _resolve(document, schema)
    found = {name: _resolve(document, s) for name, s in schema.get("properties", {}).items()}
    for branch in ("allOf", "anyOf", "oneOf"):
        for inner in schema.get(branch, []):
            found.update(_properties(document, inner))
    return found


def routes() -> list[tuple[str, str, str, dict[str, dict[str, Any]]]]:
    """(method, path, media type, fields) of every operation that reads JSON."""
    document = openapi.load()
    found = []
    for method, path, operation in openapi.operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            schema = content["application/json"]["schema"]
            found.append((method, path, "json", _properties(document, schema)))
        elif path in FORM_JSON_FIELDS:
            fields = {name: {"type": "object"} for name in FORM_JSON_FIELDS[path]}
            found.append((method, path, "form", fields))
    return found


ROUTES = routes()
CASES = [
    (method, path, kind, name, schema)
    for method, path, kind, fields in ROUTES
    for name, schema in fields.items()
]


def test_the_fuzzed_routes_are_every_route_that_reads_json() -> None:
    paths = {path for _, path, _, _ in ROUTES}
    assert {"/contacts", "/events", "/users", "/messenger/web/events"} <= paths
    assert {"/_emulator/settings", "/_emulator/seed", "/_emulator/faults", "/_emulator/clock"} <= (
        paths
    )
    assert len(CASES) > 60


def _has_lone_surrogate(text: str) -> bool:
    """Whether the text as sent (a JSON escape; two halves side by side make one character)
    holds a lone surrogate."""
    try:
        json.loads(json.dumps(text)).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _value(schema: dict[str, Any], text: str, as_key: bool) -> Any:
    """`text` where this field's schema puts text: in an object's key or value, an array's
    item, or the field itself."""
    kinds = schema.get("type", "string")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "object" in kinds or schema.get("properties"):
        return {text: "v"} if as_key else {"k": text}
    if "array" in kinds:
        return [{text: "v"}] if as_key else [{"name": text, "email": text}]
    return text


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[ApiClient, Path, dict[str, str]]:
    db_path = tmp_path_factory.mktemp("unicode") / "unicode.db"
    client = ApiClient(create_app({"DATABASE": str(db_path)}).test_client(), "unicode-fuzz")
    attribute = {"name": "plan", "model": "contact", "data_type": "string"}
    made = client.post("/data_attributes", json=attribute).get_json()
    contact = client.post("/contacts", json={"external_id": "u1", "email": "u1@x.io"})
    company = client.post("/companies", json={"company_id": "acme", "name": "Acme"})
    opened = {"from": {"type": "user", "id": contact.get_json()["id"]}, "body": "Hello"}
    conversation = client.post("/conversations", json=opened).get_json()
    tag = client.post("/tags", json={"name": "fuzzed"}).get_json()
    ids = {
        "contact_id": contact.get_json()["id"],
        "conversation_id": conversation["conversation_id"],
        "tag_id": tag["id"],
        "company_id": company.get_json()["id"],
        "data_attribute_id": str(made["id"]),
        "name": "plan",
        "app_id": client.get("/me").get_json()["app"]["id_code"],
    }
    return client, db_path, ids


def _send(client: ApiClient, ids: dict[str, str], case: tuple[Any, ...], body: Any) -> Any:
    method, path, kind, name, _ = case
    url = path.format(**ids)
    headers = {"Intercom-Version": "1.4"} if path == "/users" else {}
    if kind == "form":
        user_data = body if name == "user_data" else {"user_id": "u1"}
        form = {"app_id": ids["app_id"], "user_data": json.dumps(user_data), "event_name": "e"}
        if name == "metadata":
            form["metadata"] = json.dumps(body)
        return client.request(method, url, data=form, headers=headers, check=False)
    return client.request(method, url, json=body, headers=headers, check=False)


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(case=st.sampled_from(CASES), text=TEXT, as_key=st.booleans())
def test_random_unicode_in_any_field_never_breaks_the_store(
    served: tuple[ApiClient, Path, dict[str, str]], case: tuple[Any, ...], text: str, as_key: bool
) -> None:
    client, db_path, ids = served
    _, path, kind, name, schema = case
    inner = _value(schema, text, as_key)
    body = inner if kind == "form" else {name: inner}  # a form field holds the object itself
    before = snapshot(db_path)
    response = _send(client, ids, case, body)
    assert response.status_code < 500, (path, name, response.data[:300])
    if response.status_code >= 400:
        assert response.get_json()["type"] == "error.list", response.data[:300]
        assert snapshot(db_path) == before, (path, name, text)
    if _has_lone_surrogate(text):
        assert response.status_code == 400, (path, name, response.data[:300])
        assert response.get_json()["errors"][0]["code"] == "parameter_invalid"
    if path == "/_emulator/faults" and response.status_code == 200:
        client.delete("/_emulator/faults")  # a rule it made must not fail later examples
