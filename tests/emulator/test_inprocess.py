"""The in-process mode (`emulator.inprocess`): Intercom's official Python SDK (httpx) and
requests-based clients against the emulator's app, with no server and no socket.

The SDK is python-intercom 5.0.1 (Fern-generated, pinned in the test extras); its calls below
are the ones its own docstrings show (`client.contacts.create(request=...)` and so on).
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from intercom import (
    AsyncIntercom,
    CreateContactRequestWithEmail,
    CreateDataEventRequestWithEmail,
    Intercom,
    SingleFilterSearchRequest,
)
from intercom.core.api_error import ApiError

from emulator import inprocess
from emulator.testing import EmulatorProcess
from tests import intercom_reference


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return inprocess.create_app(tmp_path / "inprocess.db")


@pytest.fixture
def token() -> str:
    return f"inprocess-{uuid.uuid4().hex}"


def _journal(app: Any, token: str) -> list[dict[str, Any]]:
    session = inprocess.requests_session(app, token)
    entries = session.get("http://localhost/_emulator/journal").json()["data"]
    return list(reversed(entries))


def test_the_official_sdk_runs_against_the_app_in_one_line(app: Any, token: str) -> None:
    client = Intercom(token=token, httpx_client=inprocess.httpx_client(app))
    assert client.admins.identify().type == "admin"
    created = client.contacts.create(
        request=CreateContactRequestWithEmail(email="sdk@example.com", name="Sdk")
    )
    assert client.contacts.find(created.id).email == "sdk@example.com"
    client.events.create(
        request=CreateDataEventRequestWithEmail(
            event_name="signed-up", email="sdk@example.com", created_at=1_700_000_000
        )
    )
    # Past the search lag (Intercom: a new contact reaches search "after a few minutes").
    skipped = app.test_client().post(
        "/_emulator/clock", json={"advance": 60}, headers={"Authorization": f"Bearer {token}"}
    )
    assert skipped.status_code == 200
    found = client.contacts.search(
        query=SingleFilterSearchRequest(field="email", operator="=", value="sdk@example.com")
    )
    assert [contact.id for contact in found] == [created.id]
    with pytest.raises(ApiError) as refused:
        client.contacts.find("no-such-contact")
    assert refused.value.status_code == 404
    # The same journal a server keeps: every call, with the emulator's verdict.
    entries = _journal(app, token)
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/me", 200),
        ("POST", "/contacts", 200),
        ("GET", f"/contacts/{created.id}", 200),
        ("POST", "/events", 202),
        ("POST", "/contacts/search", 200),
        ("GET", "/contacts/no-such-contact", 404),
    ]


def test_the_async_sdk_runs_against_the_app(app: Any, token: str) -> None:
    async def scenario() -> tuple[str, str]:
        client = AsyncIntercom(token=token, httpx_client=inprocess.async_httpx_client(app))
        created = await client.contacts.create(
            request=CreateContactRequestWithEmail(email="async@example.com")
        )
        return (await client.admins.identify()).type, (await client.contacts.find(created.id)).id

    kind, found = asyncio.run(scenario())
    assert kind == "admin" and found


def test_requests_clients_get_intercom_answers_checked_against_its_description(
    app: Any, token: str
) -> None:
    session = inprocess.requests_session(app, token)
    spec = intercom_reference.load()
    created = session.post(
        "https://api.intercom.io/contacts", json={"email": "req@example.com", "role": "user"}
    )
    assert created.status_code == 200
    answers = [
        created,
        session.get(f"https://api.intercom.io/contacts/{created.json()['id']}"),
        session.get("https://api.intercom.io/contacts", params={"per_page": 1}),
        session.post(
            "https://api.intercom.io/contacts/search",
            json={"query": {"field": "email", "operator": "=", "value": "req@example.com"}},
        ),
        session.post("https://api.intercom.io/contacts", json={"email": 7}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 400]
    assert answers[-1].json()["type"] == "error.list"
    assert answers[1].headers["Content-Type"] == "application/json"
    if spec is not None:
        for answer in answers:
            path = answer.request.path_url.split("?")[0]
            spec.assert_valid(answer.request.method, path, answer.status_code, answer.json())


def test_the_app_shares_its_database_with_a_server_on_the_same_file(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    session = inprocess.requests_session(inprocess.create_app(database), "shared-token")
    created = session.post("http://localhost/contacts", json={"email": "both@example.com"})
    with EmulatorProcess(database) as server:
        served = server.session("shared-token")
        assert served.get(f"{server.url}/contacts/{created.json()['id']}").status_code == 200
        served.post(f"{server.url}/contacts", json={"email": "served@example.com"})
        served.post(f"{server.url}/_emulator/faults", json={"path": "/me", "status": 503})
    listed = session.get("http://localhost/contacts").json()
    assert sorted(c["email"] for c in listed["data"]) == ["both@example.com", "served@example.com"]
    # The server's fault rule applies in process too: the rules live in the database.
    assert session.get("http://localhost/me").status_code == 503


def test_a_drop_fault_is_a_connection_error_for_either_client(app: Any, token: str) -> None:
    session = inprocess.requests_session(app, token)
    rule = {"path": "/me", "drop": True, "times": 2}
    assert session.post("http://localhost/_emulator/faults", json=rule).status_code == 200
    with pytest.raises(requests.ConnectionError):
        session.get("http://localhost/me")
    with pytest.raises(httpx.RemoteProtocolError):
        inprocess.httpx_client(app).get("/me", headers={"Authorization": f"Bearer {token}"})
    assert session.get("http://localhost/me").status_code == 200


def test_fixtures_give_an_in_process_workspace(intercom_inprocess, intercom_inprocess_workspace):
    workspace = intercom_inprocess_workspace
    workspace.settings(event_name_limit=3)
    assert workspace.post("/events", json={"event_name": "toolong", "email": "a@b.co"}).ok is False
    client = Intercom(token=workspace.token, httpx_client=intercom_inprocess.httpx_client())
    client.contacts.create(request=CreateContactRequestWithEmail(email="fixture@example.com"))
    workspace.journal.assert_called("POST", "/contacts", times=1, status=200)
    workspace.journal.assert_called("POST", "/events", times=1, status="4xx")


def test_each_in_process_test_gets_an_empty_workspace(intercom_inprocess_workspace):
    assert intercom_inprocess_workspace.get("/contacts").json()["total_count"] == 0
    intercom_inprocess_workspace.post("/contacts", json={"email": "again@example.com"})
