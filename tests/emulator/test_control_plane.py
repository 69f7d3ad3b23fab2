"""Control-plane safety without configuration (issue 13, finding 4), in process: what reaches
more than one workspace needs the admin token, `Host` must be a loopback name or an allowed
host, the inspector shows what its visitor's token may see, its form carries a CSRF token, and
its cookie never holds a token. The same behaviour through a real `emulator serve`:
tests/reliability/test_control_plane_served.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from emulator import create_app
from emulator.inprocess import requests_session
from tests.conftest import ApiClient
from tests.intercom_errors import first_error

ADMIN = {"X-Emulator-Admin-Token": "s3cret", "Authorization": "Bearer admin-s-own"}


@pytest.fixture
def guarded(tmp_path: Path) -> Flask:
    return create_app({"DATABASE": str(tmp_path / "guarded.db"), "ADMIN_TOKEN": "s3cret"})


def test_reset_all_without_an_admin_token_is_refused_and_resets_nothing(client, other_client):
    other_client.post("/contacts", json={"email": "kept@example.com"})
    refused = client.post("/_emulator/reset?all=true")
    first_error(refused, 403, "forbidden")
    assert (
        "this server has none: start it with --admin-token"
        in refused.get_json()["errors"][0]["message"]
    )
    assert other_client.get("/contacts").get_json()["total_count"] == 1


def test_reset_all_needs_the_admin_token_even_when_the_server_has_one(guarded):
    client = ApiClient(guarded.test_client(), "a")
    client.post("/contacts", json={"email": "kept@example.com"})
    refused = guarded.test_client().post(
        "/_emulator/reset?all=true", headers={"X-Emulator-Admin-Token": "wrong"}
    )
    first_error(refused, 403, "forbidden")
    assert client.get("/contacts").get_json()["total_count"] == 1


def test_the_workspace_list_needs_the_admin_token(client, guarded):
    client.get("/me")
    first_error(client.get("/_emulator/workspaces"), 403, "forbidden")
    for token in ("a", "b"):
        ApiClient(guarded.test_client(), token).get("/me")
    listed = guarded.test_client().get("/_emulator/workspaces", headers=ADMIN).get_json()
    assert listed["type"] == "list" and len(listed["data"]) == 2
    assert set(listed["data"][0]) == {"id", "name", "apps", "created_at", "journal_entries"}


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8000",
        "127.0.0.1:9",
        "[::1]:8000",
        "LOCALHOST",
        "127.0.0.2",
        "0.0.0.0:8000",  # what `--host 0.0.0.0` prints
    ],
)
def test_loopback_hosts_are_answered(app, host):
    response = app.test_client().get("/me", headers={"Host": host, "Authorization": "Bearer t"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/me", "/_emulator/settings", "/_emulator/health", "/_emulator/?token=t"]
)
@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"])
def test_a_foreign_host_is_refused_everywhere(app, path, host):
    response = app.test_client().get(path, headers={"Host": host, "Authorization": "Bearer t"})
    first_error(response, 403, "forbidden")
    assert "--allowed-host" in response.get_json()["errors"][0]["message"]


def test_an_allowed_host_is_answered(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "e.db"), "ALLOWED_HOSTS": ["emulator:8000"]})
    headers = {"Host": "emulator:8000", "Authorization": "Bearer t"}
    assert app.test_client().get("/me", headers=headers).status_code == 200
    other = {"Host": "other:8000", "Authorization": "Bearer t"}
    assert app.test_client().get("/me", headers=other).status_code == 403


def test_in_process_requests_are_answered_whatever_their_host():
    session = requests_session(token="t")
    assert session.get("https://api.intercom.io/me").status_code == 200


def test_the_inspector_without_a_token_shows_nothing(client):
    client.post("/contacts", json={"email": "secret@example.com"})
    locked = client.client.get("/_emulator/")
    assert locked.status_code == 403 and b"secret@example.com" not in locked.data
    assert b"?token=" in locked.data
    workspace = client.get("/me").get_json()["app"]["id_code"]
    by_id = client.client.get(f"/_emulator/?workspace={workspace}")
    assert by_id.status_code == 403 and b"secret@example.com" not in by_id.data


def test_the_inspector_shows_the_tokens_workspace_only(client, other_client):
    client.post("/contacts", json={"email": "mine@example.com"})
    other_client.post("/contacts", json={"email": "theirs@example.com"})
    theirs = other_client.get("/me").get_json()["app"]["id_code"]
    browser = client.client
    opened = browser.get(f"/_emulator/?token={client.token}")
    assert opened.status_code == 303 and "token" not in opened.headers["Location"]
    page = browser.get("/_emulator/").get_data(as_text=True)
    assert "mine@example.com" in page and "theirs@example.com" not in page
    assert theirs not in page  # not in the picker either
    other_page = browser.get(f"/_emulator/?workspace={theirs}").get_data(as_text=True)
    assert "theirs@example.com" not in other_page and "No workspace with id" in other_page


def test_with_restricted_tokens_the_inspector_accepts_only_those(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "e.db"), "TOKENS": ["listed"]})
    assert app.test_client().get("/_emulator/?token=stranger").status_code == 403
    assert app.test_client().get("/_emulator/?token=listed").status_code == 303


def _session_cookie(browser: Any) -> str:
    cookie = browser.get_cookie("emulator_session", path="/_emulator")
    assert cookie is not None
    return str(cookie.value)


def test_the_cookie_is_not_the_admin_token(guarded):
    browser = guarded.test_client()
    assert browser.get("/_emulator/?admin_token=s3cret").status_code == 303
    value = _session_cookie(browser)
    assert "s3cret" not in value
    assert browser.get("/_emulator/").status_code == 200  # the cookie alone lets the admin in
    forged = guarded.test_client()
    forged.set_cookie("emulator_session", value.replace(value[-4:], "0000"), path="/_emulator")
    assert forged.get("/_emulator/").status_code == 403
    other_server = create_app(
        {"DATABASE": guarded.config.get("DATABASE", ":memory:"), "ADMIN_TOKEN": "s3cret"}
    ).test_client()
    other_server.set_cookie("emulator_session", value, path="/_emulator")
    assert other_server.get("/_emulator/").status_code == 403  # another server's key


def _archive_form(browser: Any, name: str) -> dict[str, str]:
    page = browser.get("/_emulator/?tab=event-names").get_data(as_text=True)
    form = page[page.index(f'action="/_emulator/inspector/event_names/{name}/archive"') :]
    fields = dict(re.findall(r'name="(workspace|csrf_token)" value="([^"]*)"', form)[:2])
    assert set(fields) == {"workspace", "csrf_token"}
    return fields


def test_the_archive_form_is_refused_without_its_csrf_token(client):
    body = {"event_name": "clicked", "user_id": "u1", "created_at": 1_700_000_000}
    client.post("/contacts", json={"external_id": "u1"})
    assert client.post("/events", json=body).status_code == 202
    browser = client.client
    browser.get(f"/_emulator/?token={client.token}")
    fields = _archive_form(browser, "clicked")
    url = "/_emulator/inspector/event_names/clicked/archive"
    for forged in ({"workspace": fields["workspace"]}, {**fields, "csrf_token": "0" * 64}):
        refused = browser.post(url, data=forged)
        first_error(refused, 403, "forbidden")
    names = client.get("/_emulator/event_names").get_json()["data"]
    assert not any(name["archived"] for name in names)
    assert browser.post(url, data=fields).status_code == 303
    names = client.get("/_emulator/event_names").get_json()["data"]
    assert all(name["archived"] for name in names)
