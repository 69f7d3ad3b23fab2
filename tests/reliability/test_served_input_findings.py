"""Issue 13's input findings, reproduced against a real `emulator serve`; each now holds:

- a Messenger ping carrying a lone surrogate loses no other workspace's journal entries, is a
  400 `parameter_invalid` (never a 500, never `client_error`), and leaves the server serving;
- a lone surrogate (`"\\ud800"`, a valid JSON escape of invalid Unicode) is 400
  `parameter_invalid` naming the field on every route that reads JSON: the API, the control
  API, the seed and the Messenger, in a value or in a key; the store is unchanged;
- what the edge accepts (NUL, right-to-left marks, emoji in an event's metadata) the
  inspector page renders;
- an event name past 255 characters is 400 (a 900 KB one included); the clock refuses values
  outside 0..9999-12-31 and works at both ends; a frozen clock with a full rate window admits
  again within one window of real time; deeply nested seeds and control bodies are 400;
- a body that is not a JSON object is 400 on every control route that reads one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator.json_input import MAX_DEPTH
from emulator.limits import CLOCK_MAX_SECONDS, EVENT_NAME_MAX_LENGTH
from emulator.testing import EmulatorProcess
from tests.reliability.store_state import snapshot

SURROGATE = "\ud800"  # requests sends it as the JSON escape "\ud800"
TOKEN = "input-findings"


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("input") / "input.db"


@pytest.fixture(scope="module")
def server(db_path: Path) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(db_path) as running:
        yield running


@pytest.fixture(scope="module")
def world(server: EmulatorProcess) -> dict[str, str]:
    """One workspace with a contact, a company and a data attribute, and its app id."""
    session = server.session(TOKEN)
    url = server.url
    attribute = {"name": "plan", "model": "contact", "data_type": "string"}
    made = session.post(f"{url}/data_attributes", json=attribute).json()
    contact = session.post(f"{url}/contacts", json={"external_id": "u1", "email": "u1@x.io"})
    company = session.post(f"{url}/companies", json={"company_id": "acme", "name": "Acme"})
    return {
        "contact_id": contact.json()["id"],
        "company_id": company.json()["id"],
        "attr_id": str(made["id"]),
        "app_id": session.get(f"{url}/me").json()["app"]["id_code"],
    }


def journal(server: EmulatorProcess, token: str) -> list[dict[str, Any]]:
    found = server.session(token).get(f"{server.url}/_emulator/journal", params={"limit": 1000})
    assert found.status_code == 200
    return list(found.json()["data"])


def assert_invalid(response: requests.Response, field: str | None = None) -> None:
    assert response.status_code == 400, response.text[:300]
    error = response.json()["errors"][0]
    assert error["code"] == "parameter_invalid", error
    if field is not None:
        assert error["field"] == field, error


def test_a_surrogate_in_a_messenger_ping_loses_no_other_workspaces_journal(
    server: EmulatorProcess, world: dict[str, str]
) -> None:
    # Workspace A's entries: writes (stored in their own transactions) and reads (waiting in
    # the shared log), none read back yet.
    other = server.session("journal-victim")
    for n in range(3):
        other.post(f"{server.url}/contacts", json={"email": f"v{n}@x.io"})
        other.get(f"{server.url}/contacts")
    data = {"app_id": world["app_id"], "user_data": json.dumps({SURROGATE: 1, "user_id": "u1"})}
    ping = requests.post(f"{server.url}/messenger/web/ping", data=data, timeout=30)
    assert_invalid(ping, "user_data.\\ud800")
    assert len(journal(server, "journal-victim")) == 6
    refused = [e for e in journal(server, TOKEN) if e["path"] == "/messenger/web/ping"]
    assert refused and refused[0]["status"] == 400
    # Nothing was left holding the write lock: the next write is answered.
    created = other.post(f"{server.url}/contacts", json={"email": "after@x.io"}, timeout=30)
    assert created.status_code == 200


def _api_cases() -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, body, field): a surrogate in a value and in a key of every API route
    that reads a JSON body (emulator/description/intercom.yaml), and of the control API."""
    cases = [
        ("POST", "/contacts", {"email": f"a{SURROGATE}@x.io"}, "email"),
        ("PUT", "/contacts/{contact_id}", {"name": SURROGATE}, "name"),
        ("POST", "/contacts/search", {"query": {"field": "name", "operator": "=",
                                                 "value": SURROGATE}}, "query.value"),
        ("POST", "/contacts/merge", {"from": SURROGATE, "into": "x"}, "from"),
        ("POST", "/contacts/{contact_id}/companies", {"id": SURROGATE}, "id"),
        ("POST", "/contacts/{contact_id}/tags", {"id": SURROGATE}, "id"),
        ("POST", "/contacts/{contact_id}/notes", {"body": SURROGATE}, "body"),
        ("POST", "/contacts/{contact_id}/subscriptions", {"id": SURROGATE}, "id"),
        ("POST", "/companies", {"company_id": "c", "name": SURROGATE}, "name"),
        ("PUT", "/companies/{company_id}", {"name": SURROGATE}, "name"),
        ("POST", "/data_attributes", {"name": SURROGATE, "model": "contact",
                                      "data_type": "string"}, "name"),
        ("PUT", "/data_attributes/{attr_id}", {"description": SURROGATE}, "description"),
        ("POST", "/events", {"event_name": "e", "created_at": 1, "user_id": "u1",
                             "metadata": {"k": SURROGATE}}, "metadata.k"),
        ("POST", "/events/summaries", {"user_id": SURROGATE}, "user_id"),
        ("POST", "/tags", {"name": SURROGATE}, "name"),
        ("POST", "/users", {"user_id": SURROGATE}, "user_id"),
        ("PATCH", "/_emulator/settings", {"default_version": SURROGATE}, "default_version"),
        ("POST", "/_emulator/faults", {"path": SURROGATE, "status": 500}, "path"),
        ("POST", "/_emulator/clock", {"freeze": True, SURROGATE: 1}, "\\ud800"),
        ("POST", "/_emulator/seed", {"contacts": [{"email": SURROGATE}]}, "contacts[0].email"),
    ]  # fmt: skip
    keyed = [
        (method, path, {"custom_attributes": {SURROGATE: "v"}}, "custom_attributes.\\ud800")
        for method, path in (("POST", "/contacts"), ("POST", "/companies"), ("POST", "/users"))
    ]
    return cases + keyed


@pytest.mark.parametrize(("method", "path", "body", "field"), _api_cases())
def test_a_lone_surrogate_is_400_naming_the_field(
    server: EmulatorProcess,
    world: dict[str, str],
    db_path: Path,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    before = snapshot(db_path)
    version = "1.4" if path == "/users" else None  # the legacy API answers on 1.x only
    response = server.session(TOKEN, version).request(
        method, server.url + path.format(**world), json=body, timeout=30
    )
    assert_invalid(response, field)
    assert snapshot(db_path) == before


@pytest.mark.parametrize(
    ("route", "form", "field"),
    [
        ("ping", {"user_data": json.dumps({"user_id": "u1", "name": SURROGATE})}, "user_data.name"),
        ("events", {"user_data": '{"user_id": "u1"}', "event_name": "e",
                    "metadata": json.dumps({"k": SURROGATE})}, "metadata.k"),
        ("events", {"user_data": '{"user_id": "u1"}', "event_name": "e",
                    "metadata": json.dumps({SURROGATE: 1})}, "metadata.\\ud800"),
    ],
)  # fmt: skip
def test_a_lone_surrogate_in_the_messengers_json_fields_is_400(
    server: EmulatorProcess,
    world: dict[str, str],
    db_path: Path,
    route: str,
    form: dict[str, str],
    field: str,
) -> None:
    before = snapshot(db_path)
    data = {"app_id": world["app_id"], **form}
    response = requests.post(f"{server.url}/messenger/web/{route}", data=data, timeout=30)
    assert_invalid(response, field)
    assert snapshot(db_path) == before


def test_a_yaml_seed_with_a_surrogate_or_a_date_is_400(
    server: EmulatorProcess, db_path: Path
) -> None:
    before = snapshot(db_path)
    headers = {"Content-Type": "application/yaml"}
    session = server.session(TOKEN)
    for text in ('contacts:\n  - email: "\\ud800"\n', "contacts:\n  - email: 2024-01-01\n"):
        seeded = session.post(f"{server.url}/_emulator/seed", data=text, headers=headers)
        assert_invalid(seeded)
        assert seeded.json()["errors"][0].get("field") in (None, "contacts[0].email")
    assert snapshot(db_path) == before


def test_the_inspector_renders_what_an_event_stored(
    server: EmulatorProcess, world: dict[str, str]
) -> None:
    session = server.session(TOKEN)
    metadata = {"nul": "a\x00b", "rtl": "\u202eevil", "emoji": "\U0001f600 \U0001d11e"}
    event = {"event_name": "odd-text", "created_at": 1_700_000_000, "user_id": "u1"}
    accepted = session.post(f"{server.url}/events", json={**event, "metadata": metadata})
    assert accepted.status_code == 202, accepted.text
    page = session.get(f"{server.url}/_emulator/", params={"workspace": world["app_id"]})
    assert page.status_code == 200
    assert "odd-text" in page.text and "\U0001f600" in page.text


def test_event_names_past_the_limit_are_400(server: EmulatorProcess, world: dict[str, str]) -> None:
    """Intercom documents no limit; 255 is the emulator's (emulator/limits.py says why)."""
    session = server.session(TOKEN)
    event = {"created_at": 1_700_000_000, "user_id": "u1"}
    for name in ("n" * (EVENT_NAME_MAX_LENGTH + 1), "n" * 900_000):
        refused = session.post(f"{server.url}/events", json={**event, "event_name": name})
        assert_invalid(refused, "event_name")
    longest = {**event, "event_name": "m" * EVENT_NAME_MAX_LENGTH}
    assert session.post(f"{server.url}/events", json=longest).status_code == 202


def test_the_clock_stays_in_range_and_works_at_both_ends(server: EmulatorProcess) -> None:
    session = server.session("clock-range")
    url = server.url
    session.post(f"{url}/contacts", json={"external_id": "c1"})
    for change, field in [
        ({"at": 1e300}, "at"),
        ({"at": -1}, "at"),
        ({"at": CLOCK_MAX_SECONDS + 1}, "at"),
        ({"advance": 1e18}, "advance"),
        ({"advance": -1e18}, "advance"),
    ]:
        assert_invalid(session.post(f"{url}/_emulator/clock", json=change), field)
    for at in (0, CLOCK_MAX_SECONDS):
        state = session.post(f"{url}/_emulator/clock", json={"freeze": True, "at": at}).json()
        assert state["now"] == at
        event = {"event_name": "tick", "created_at": at, "user_id": "c1"}
        query = {"field": "created_at", "operator": "<", "value": at + 1}
        answers = [
            session.post(f"{url}/events", json=event),
            session.get(f"{url}/events", params={"type": "user", "user_id": "c1"}),
            session.post(f"{url}/contacts/search", json={"query": query}),
            session.post(f"{url}/contacts", json={"email": f"at{at}@x.io"}),
            session.get(f"{url}/contacts"),
        ]
        assert all(a.status_code < 500 for a in answers), [a.text[:200] for a in answers]


def test_a_frozen_clocks_full_rate_window_ends(server: EmulatorProcess) -> None:
    """While frozen, the windows keep running at real speed from the frozen time
    (emulator/store/clock.py): frozen 1 s before a window's end, the full window ends."""
    session = server.session("frozen-window")
    url = server.url
    session.patch(f"{url}/_emulator/settings", json={"rate_limit_app": 1})
    session.post(f"{url}/_emulator/clock", json={"freeze": True, "at": 1_700_000_009})
    first, refused = session.get(f"{url}/me"), session.get(f"{url}/me")
    assert (first.status_code, refused.status_code) == (200, 429)
    deadline = time.monotonic() + 60
    while (answer := session.get(f"{url}/me")).status_code == 429:
        assert time.monotonic() < deadline, "a frozen clock held a full window for 60 s"
        time.sleep(0.2)
    assert answer.status_code == 200
    assert int(answer.headers["X-RateLimit-Reset"]) > int(first.headers["X-RateLimit-Reset"])
    assert session.get(f"{url}/_emulator/clock").json()["now"] == 1_700_000_009  # still frozen


def _nested(depth: int) -> str:
    """JSON text of `depth` objects, one inside the other (past what json.dumps can write)."""
    return '{"a": ' * depth + '"leaf"' + "}" * depth


@pytest.mark.parametrize(
    ("method", "path", "text"),
    [
        ("POST", "/_emulator/seed", '{"contacts": [{"custom_attributes": ' + _nested(30) + "}]}"),
        (
            "POST",
            "/_emulator/seed",
            '{"segments": [{"name": "s", "query": ' + _nested(5000) + "}]}",
        ),
        ("PATCH", "/_emulator/settings", '{"default_version": ' + _nested(MAX_DEPTH) + "}"),
        ("POST", "/_emulator/faults", '{"body": ' + _nested(MAX_DEPTH) + "}"),
        ("POST", "/_emulator/clock", '{"at": ' + _nested(3000) + "}"),
        ("POST", "/contacts", '{"custom_attributes": ' + _nested(MAX_DEPTH) + "}"),
    ],
    ids=["seed", "seed 5000 deep", "settings", "faults", "clock 3000 deep", "contacts"],
)
def test_nesting_deeper_than_the_limit_is_400(
    server: EmulatorProcess, db_path: Path, method: str, path: str, text: str
) -> None:
    # The token's workspace first: a refused request's only trace would be the workspace its
    # token made on first use (when this case runs before any other of the module's).
    assert server.session(TOKEN).get(f"{server.url}/me").status_code == 200
    before = snapshot(db_path)
    response = server.session(TOKEN).request(
        method, server.url + path, data=text, headers={"Content-Type": "application/json"}
    )
    assert_invalid(response)
    assert "nested" in response.json()["errors"][0]["message"]
    assert snapshot(db_path) == before


NOT_OBJECTS = ["[]", "[1, 2]", '"text"', "42", "null", "true", "{", "NaN", '{"a": Infinity}']


@pytest.mark.parametrize("text", NOT_OBJECTS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/_emulator/settings"),
        ("POST", "/_emulator/faults"),
        ("POST", "/_emulator/clock"),
        ("POST", "/_emulator/seed"),
        ("POST", "/contacts"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(
    server: EmulatorProcess,
    db_path: Path,
    world: dict[str, str],
    method: str,
    path: str,
    text: str,
) -> None:
    # `world` made the token's workspace: a null seed (an empty one) would make it otherwise,
    # when this test runs first in its process.
    before = snapshot(db_path)
    response = server.session(TOKEN).request(
        method, server.url + path, data=text, headers={"Content-Type": "application/json"}
    )
    if path.endswith("/seed") and text == "null":  # the description: an empty seed
        assert response.status_code == 200 and response.json()["created"] == {}
    else:
        assert_invalid(response)
    assert snapshot(db_path) == before
