"""Control-plane safety and bounded growth through a real `emulator serve` (issue 13, findings 4
and 6): what reaches every workspace needs the admin token, a foreign `Host` is refused, the
inspector shows only what its visitor's token may see and its forms need their CSRF token, its
cookie is not the admin token, each journal keeps exactly its limit under interleaved traffic,
the server refuses a workspace past `--max-workspaces`, a workspace can be deleted, and
`emulator journal` prints no raw control characters. In process: tests/emulator/
test_control_plane.py and tests/emulator/test_bounded_growth.py."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator

import pytest
import requests
from click.testing import CliRunner

from emulator.cli import main
from emulator.testing import EmulatorProcess
from tests.intercom_errors import first_error

ADMIN = {"X-Emulator-Admin-Token": "s3cret"}
JOURNAL_LIMIT = 20


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """No admin token, no token list: the configuration nobody wrote."""
    db = tmp_path_factory.mktemp("open") / "open.db"
    with EmulatorProcess(db, "--journal-limit", str(JOURNAL_LIMIT)) as running:
        yield running


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    db = tmp_path_factory.mktemp("guarded") / "guarded.db"
    args = ("--admin-token", "s3cret", "--max-workspaces", "2", "--allowed-host", "emulator")
    with EmulatorProcess(db, *args, workers=1) as running:
        yield running


def fresh(server: EmulatorProcess) -> requests.Session:
    return server.session(f"served-{uuid.uuid4().hex}")


def test_reset_all_without_an_admin_token_is_refused(open_server):
    victim = fresh(open_server)
    victim.post(f"{open_server.url}/contacts", json={"email": "kept@example.com"})
    refused = fresh(open_server).post(f"{open_server.url}/_emulator/reset?all=true")
    first_error(refused, 403, "forbidden")
    assert victim.get(f"{open_server.url}/contacts").json()["total_count"] == 1


@pytest.mark.parametrize("path", ["/me", "/_emulator/settings", "/_emulator/"])
def test_a_foreign_host_is_refused(open_server, path):
    """A page of evil.example whose name now resolves to 127.0.0.1 (DNS rebinding)."""
    session = fresh(open_server)
    refused = session.get(f"{open_server.url}{path}", headers={"Host": "evil.example"})
    first_error(refused, 403, "forbidden")
    port = open_server.url.rsplit(":", 1)[1]
    assert session.get(f"http://localhost:{port}/me").status_code == 200


def test_an_allowed_host_is_answered(guarded):
    session = guarded.session("hosted")
    session.headers.update(ADMIN)
    port = guarded.url.rsplit(":", 1)[1]
    answered = session.get(f"{guarded.url}/_emulator/health", headers={"Host": f"emulator:{port}"})
    assert answered.status_code == 200


def test_the_journal_keeps_exactly_its_limit_under_alternating_workspaces(open_server):
    first, second = fresh(open_server), fresh(open_server)
    url = open_server.url
    for number in range(3 * JOURNAL_LIMIT):
        first.post(f"{url}/contacts", json={"external_id": f"c{number}"})  # a write
        second.get(f"{url}/me")  # a read: through the shared log
    ids = []
    for session in (first, second):
        entries = session.get(f"{url}/_emulator/journal", params={"limit": 1000}).json()["data"]
        assert len(entries) == JOURNAL_LIMIT
        ids.append(session.get(f"{url}/me").json()["app"]["id_code"])
    with sqlite3.connect(open_server.db) as conn:
        held = conn.execute(
            "SELECT count(*) FROM journal WHERE workspace_id IN (?, ?) GROUP BY workspace_id", ids
        ).fetchall()
    assert held == [(JOURNAL_LIMIT,), (JOURNAL_LIMIT,)]


def test_the_inspector_needs_a_token_and_keeps_none_in_its_cookie(open_server):
    session = fresh(open_server)
    session.post(f"{open_server.url}/contacts", json={"email": "mine@example.com"})
    stranger = requests.get(f"{open_server.url}/_emulator/")
    assert stranger.status_code == 403 and "mine@example.com" not in stranger.text
    token = session.headers["Authorization"].removeprefix("Bearer ")
    browser = requests.Session()
    page = browser.get(f"{open_server.url}/_emulator/?token={token}")
    assert page.status_code == 200 and "mine@example.com" in page.text
    assert "token=" not in page.url
    assert all(token not in cookie.value for cookie in browser.cookies)


def test_the_archive_form_is_refused_without_its_csrf_token(open_server):
    session = fresh(open_server)
    url = open_server.url
    session.post(f"{url}/contacts", json={"external_id": "u1"})
    body = {"event_name": "clicked", "user_id": "u1", "created_at": 1_700_000_000}
    assert session.post(f"{url}/events", json=body).status_code == 202
    token = session.headers["Authorization"].removeprefix("Bearer ")
    browser = requests.Session()
    page = browser.get(f"{url}/_emulator/?token={token}&tab=event-names").text
    workspace = re.search(r'name="workspace" value="([^"]+)"', page)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert workspace and csrf
    action = f"{url}/_emulator/inspector/event_names/clicked/archive"
    forged = browser.post(action, data={"workspace": workspace[1]}, allow_redirects=False)
    first_error(forged, 403, "forbidden")
    names = session.get(f"{url}/_emulator/event_names").json()["data"]
    assert [name["archived"] for name in names] == [False]
    done = browser.post(
        action, data={"workspace": workspace[1], "csrf_token": csrf[1]}, allow_redirects=False
    )
    assert done.status_code == 303
    assert [n["archived"] for n in session.get(f"{url}/_emulator/event_names").json()["data"]] == [
        True
    ]


def test_the_admin_cookie_is_not_the_admin_token(guarded):
    browser = requests.Session()
    assert browser.get(f"{guarded.url}/_emulator/?admin_token=s3cret").status_code == 200
    values = [cookie.value for cookie in browser.cookies]
    assert values and all("s3cret" not in value for value in values)
    assert browser.get(f"{guarded.url}/_emulator/").status_code == 200


def test_max_workspaces_then_delete_makes_room(guarded):
    url = guarded.url
    sessions = []
    for name in ("one", "two", "three"):
        session = guarded.session(f"cap-{name}")
        session.headers.update(ADMIN)
        sessions.append(session)
    listed = sessions[0].get(f"{url}/_emulator/workspaces").json()["data"]
    for session in sessions[: 2 - len(listed)]:
        assert session.get(f"{url}/me").status_code == 200
    refused = sessions[2].get(f"{url}/me")
    first_error(refused, 403, "forbidden")
    assert "max_workspaces" in refused.json()["errors"][0]["message"]
    env = {"EMULATOR_URL": url, "EMULATOR_ADMIN_TOKEN": "s3cret", "INTERCOM_TOKEN": "cap-one"}
    shown = CliRunner().invoke(main, ["workspaces"], env=env)
    assert shown.exit_code == 0 and shown.output.startswith("ID")
    victim = sessions[0].get(f"{url}/_emulator/workspaces").json()["data"][0]["id"]
    assert victim in shown.output
    deleted = CliRunner().invoke(main, ["delete-workspace", "--workspace", victim], env=env)
    assert deleted.exit_code == 0 and deleted.output == f"Deleted workspace {victim}.\n"
    assert sessions[2].get(f"{url}/me").status_code == 200
    reset = CliRunner().invoke(main, ["reset", "--all", "--token", "cap-three"], env=env)
    assert reset.exit_code == 0 and reset.output == "Reset every workspace.\n"


def test_emulator_journal_escapes_control_characters(open_server):
    session = fresh(open_server)
    token = session.headers["Authorization"].removeprefix("Bearer ")
    session.get(f"{open_server.url}/contacts/%1b%5b2J%1b%5d0;owned%07")  # clear screen, title
    session.post(f"{open_server.url}/contacts", json={"email": "\u202eevil\x1b[31m"})
    env = {"EMULATOR_URL": open_server.url, "INTERCOM_TOKEN": token}
    printed = CliRunner().invoke(main, ["journal"], env=env).output
    assert "/contacts/" in printed
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", printed)
    assert "\\x1b[2J" in printed
