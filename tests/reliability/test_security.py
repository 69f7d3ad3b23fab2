"""One token never reads or changes another workspace, and no token is ever written down.

Other promises are kept elsewhere (docs/benchmarks.md lists them): the Messenger's user_hash is
compared in constant time (tests/emulator/test_messenger.py), the control API needs an admin
token off loopback (tests/emulator/test_control.py), what reaches every workspace needs it
always, a foreign `Host` is refused and the inspector shows only its visitor's workspace
(tests/reliability/test_control_plane.py), and `translator send` keeps the token out
of its state, dead-letter files and output (tests/translator/delivery/, tests/translator/cli/).
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import EmulatorProcess
from tests.intercom_errors import first_error
from tests.reliability.raw_http import send_raw
from tests.reliability.store_state import column


@pytest.fixture
def world(client: Any) -> dict[str, Any]:
    """Workspace A: a user and a lead, a company, a tag on both, a data attribute, an event."""
    assert (
        client.post(
            "/data_attributes", json={"name": "plan_a", "model": "contact", "data_type": "string"}
        ).status_code
        == 200
    )
    user = client.post(
        "/contacts",
        json={
            "email": "ada@a.example.com",
            "external_id": "ada",
            "custom_attributes": {"plan_a": "x"},
        },
    ).get_json()
    lead = client.post("/contacts", json={"role": "lead", "email": "lead@a.example.com"}).get_json()
    company = client.post("/companies", json={"company_id": "acme-a", "name": "Acme"}).get_json()
    client.post(f"/contacts/{user['id']}/companies", json={"id": company["id"]})
    tag = client.post("/tags", json={"name": "vip-a", "users": [{"id": user["id"]}]}).get_json()
    client.post("/tags", json={"name": "vip-a", "companies": [{"id": company["id"]}]})
    event = {"event_name": "paid", "created_at": 1_700_000_000, "id": user["id"]}
    assert client.post("/events", json=event).status_code == 202
    attribute = next(
        a
        for a in [a for a in client.get("/data_attributes").get_json()["data"] if a["custom"]]
        if a["name"] == "plan_a"
    )
    admin_id = client.get("/me").get_json()["id"]
    return {
        "user": user["id"],
        "lead": lead["id"],
        "company": company["id"],
        "tag": tag["id"],
        "attribute": attribute["id"],
        "admin": admin_id,
    }


def what_a_sees(client: Any, ids: dict[str, Any]) -> dict[str, Any]:
    """Workspace A's data as A reads it through the API."""
    paths = [
        f"/contacts/{ids['user']}",
        f"/contacts/{ids['lead']}",
        f"/companies/{ids['company']}",
        f"/contacts/{ids['user']}/tags",
        f"/contacts/{ids['user']}/companies",
        f"/tags/{ids['tag']}",
        "/data_attributes",
        "/contacts",
        "/companies",
        "/tags",
        f"/events?type=user&intercom_user_id={ids['user']}&summary=true",
    ]
    return {path: client.get(path).get_json() for path in paths}


# Every route family, aimed at workspace A's ids with workspace B's token.
ATTEMPTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/contacts/{user}", None),
    ("PUT", "/contacts/{user}", {"name": "hijacked"}),
    ("DELETE", "/contacts/{user}", None),
    ("POST", "/contacts/{user}/archive", None),
    ("POST", "/contacts/{user}/unarchive", None),
    ("GET", "/contacts/find_by_external_id/ada", None),
    ("POST", "/contacts/merge", {"from": "{lead}", "into": "{user}"}),
    ("POST", "/contacts/{user}/companies", {"id": "{company}"}),
    ("GET", "/contacts/{user}/companies", None),
    ("DELETE", "/contacts/{user}/companies/{company}", None),
    ("POST", "/contacts/{user}/tags", {"id": "{tag}"}),
    ("GET", "/contacts/{user}/tags", None),
    ("DELETE", "/contacts/{user}/tags/{tag}", None),
    ("GET", "/companies/{company}", None),
    ("PUT", "/companies/{company}", {"name": "hijacked"}),
    ("DELETE", "/companies/{company}", None),
    ("GET", "/companies/{company}/contacts", None),
    ("GET", "/companies?company_id=acme-a", None),
    ("GET", "/tags/{tag}", None),
    ("DELETE", "/tags/{tag}", None),
    ("POST", "/tags", {"name": "renamed", "id": "{tag}"}),
    ("POST", "/tags", {"name": "vip-a", "users": [{"id": "{user}"}]}),
    ("POST", "/tags", {"name": "vip-a", "companies": [{"id": "{company}"}]}),
    ("PUT", "/data_attributes/{attribute}", {"description": "hijacked"}),
    ("GET", "/events?type=user&intercom_user_id={user}", None),
    ("POST", "/events", {"event_name": "forged", "created_at": 1_700_000_001, "id": "{user}"}),
    ("GET", "/admins/{admin}", None),
]


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    text = json.dumps(value)
    for name, found in ids.items():
        text = text.replace("{" + name + "}", str(found))
    return json.loads(text)


@pytest.mark.parametrize(
    ("method", "path", "body"), ATTEMPTS, ids=[f"{m} {p}" for m, p, _ in ATTEMPTS]
)
def test_another_workspaces_ids_are_not_found(
    client: Any,
    other_client: Any,
    world: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    before = what_a_sees(client, world)
    response = other_client.request(
        method, _fill(path, world), json=_fill(body, world), check=False
    )
    assert 400 <= response.status_code < 500, response.data[:300]
    first_error(response)
    assert what_a_sees(client, world) == before


def test_another_workspace_lists_and_searches_find_nothing(
    client: Any, other_client: Any, world: dict[str, Any]
) -> None:
    found = other_client.post(
        "/contacts/search",
        json={"query": {"field": "email", "operator": "=", "value": "ada@a.example.com"}},
    )
    assert found.get_json()["total_count"] == 0
    for path in ("/contacts", "/companies", "/tags", "/data_attributes"):
        text = other_client.get(path).get_data(as_text=True)
        assert not any(str(value) in text for value in world.values() if len(str(value)) > 3)
    legacy = other_client.get(
        f"/users/{world['user']}", headers={"Intercom-Version": "1.4"}, check=False
    )
    assert legacy.status_code == 404


def test_control_api_acts_on_the_tokens_own_workspace_only(
    client: Any, other_client: Any, world: dict[str, Any]
) -> None:
    before = what_a_sees(client, world)
    fault = {"status": 503, "path": "/contacts/*"}
    assert other_client.post("/_emulator/faults", json=fault).status_code == 200
    assert other_client.post("/_emulator/reset").status_code == 200
    assert other_client.patch("/_emulator/settings", json={"rate_limit_app": 1}).status_code == 200
    journal = other_client.get("/_emulator/journal").get_data(as_text=True)
    assert world["user"] not in journal
    assert what_a_sees(client, world) == before  # no fault, no reset, no new limit for A


TOKEN = "leak-check-0123456789abcdef"


def test_the_authorization_header_is_never_written_down(tmp_path: Path) -> None:
    """Not in the journal (API or table), not in the server's output, even for refused or
    failing requests."""
    db_path = tmp_path / "leak.db"
    server = EmulatorProcess(db_path).start()
    session = server.session(TOKEN)
    session.post(f"{server.url}/contacts", json={"email": "leak@example.com"})
    session.post(f"{server.url}/contacts", json={"email": 42})  # 400
    session.get(f"{server.url}/nowhere")  # 404
    send_raw(
        server.url,
        (  # a body the app cannot read: its error path logs
            f"POST /contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n"
        ).encode(),
    )
    server.session(TOKEN + "-refused").get(f"{server.url}/me")
    journal = session.get(f"{server.url}/_emulator/journal", params={"limit": 100}).text
    assert journal.count('"method"') >= 3  # the requests are there ...
    assert TOKEN not in journal  # ... the token is not
    stored = column(
        db_path,
        "SELECT group_concat(request_id || method || path || query ||"
        " ifnull(request_body, '') || ifnull(response_body, '')) FROM journal",
    )
    assert stored[0] and TOKEN not in stored[0]
    # Nor in the file the worker processes share (pending journal entries, rate counters).
    assert TOKEN.encode() not in Path(str(db_path) + "-shared").read_bytes()
    assert server.process is not None and server.process.stdout is not None
    server.process.send_signal(signal.SIGINT)
    log = server.process.stdout.read()
    server.stop()
    assert "Ctrl-C" in log and TOKEN not in log  # the output was read, and holds no token
