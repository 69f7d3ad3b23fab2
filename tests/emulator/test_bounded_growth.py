"""Bounded growth (issue 13, finding 6), in process: each workspace's journal keeps exactly its
`journal_limit` newest entries however its traffic interleaves with another's, bodies are cut
with a marker, the server holds at most `max_workspaces` workspaces, and a workspace can be
deleted. Through a real `emulator serve`: tests/reliability/test_bounded_growth_served.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from emulator import create_app
from emulator.store.journal import BODY_LIMIT
from tests.conftest import ApiClient
from tests.intercom_errors import first_error

ADMIN = {"X-Emulator-Admin-Token": "s3cret", "Authorization": "Bearer admin-s-own"}


def journal_size(client: ApiClient) -> int:
    return len(client.get("/_emulator/journal?limit=100000").get_json()["data"])


def stored_entries(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT workspace_id, count(*) FROM journal GROUP BY 1").fetchall()
    return dict(rows)


def test_the_journal_cap_is_exact_under_alternating_workspaces(client, other_client, db_path):
    """The old pruning ran on every 500th row of the table, for that row's workspace only: with
    two workspaces taking turns, one of them was never pruned."""
    for each in (client, other_client):
        each.patch("/_emulator/settings", json={"journal_limit": 7})
    for number in range(40):
        client.post("/contacts", json={"external_id": f"a{number}"})  # a write: its own entry
        other_client.get("/me")  # a read: through the shared log
        assert journal_size(client) == min(number + 1, 7)
        assert journal_size(other_client) == min(number + 1, 7)
    assert sorted(stored_entries(db_path).values()) == [7, 7]
    newest = client.get("/_emulator/journal").get_json()["data"]
    assert [entry["request_body"]["external_id"] for entry in newest] == [
        f"a{number}" for number in range(39, 32, -1)
    ]


def test_lowering_the_limit_drops_the_oldest_at_the_next_request(client):
    for number in range(12):
        client.get(f"/me?n={number}")
    client.patch("/_emulator/settings", json={"journal_limit": 3})
    client.get("/me?n=last")
    assert [entry["query"] for entry in client.get("/_emulator/journal").get_json()["data"]] == [
        "n=last",
        "n=11",
        "n=10",
    ]


@pytest.mark.parametrize("value", [0, 1_000_001, "many"])
def test_the_journal_limit_is_bounded(client, value):
    refused = client.patch("/_emulator/settings", json={"journal_limit": value})
    first_error(refused, 400, "parameter_invalid")


def test_a_long_body_is_cut_with_a_marker(client):
    long_name = "x" * (BODY_LIMIT + 5000)
    client.post("/contacts", json={"email": "long@example.com", "name": long_name}, check=False)
    entry = client.get("/_emulator/journal?limit=1").get_json()["data"][0]
    assert isinstance(entry["request_body"], str)
    assert len(entry["request_body"]) < BODY_LIMIT + 100
    assert entry["request_body"].endswith("more characters]")


def test_a_new_token_past_max_workspaces_is_refused(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "e.db"), "MAX_WORKSPACES": 2})
    first, second = ApiClient(app.test_client(), "first"), ApiClient(app.test_client(), "second")
    assert first.get("/me").status_code == 200 and second.get("/me").status_code == 200
    third = ApiClient(app.test_client(), "third")
    refused = third.get("/me", check=False)
    first_error(refused, 403, "forbidden")
    assert "maximum of 2 workspaces" in refused.get_json()["errors"][0]["message"]
    assert first.get("/me").status_code == 200  # the known tokens keep working
    assert first.delete("/_emulator/workspace").get_json()["deleted"] is True
    assert third.get("/me").status_code == 200  # room again


def test_deleting_the_own_workspace_forgets_it(client, other_client):
    client.post("/contacts", json={"email": "gone@example.com"})
    other_client.post("/contacts", json={"email": "kept@example.com"})
    before = client.get("/me").get_json()["app"]["id_code"]
    deleted = client.delete("/_emulator/workspace").get_json()
    assert deleted == {"id": before, "deleted": True}
    first_error(client.delete("/_emulator/workspace"), 404, "not_found")  # not created by it
    assert client.get("/me").get_json()["app"]["id_code"] != before  # a new, empty one
    assert client.get("/contacts").get_json()["total_count"] == 0
    assert other_client.get("/contacts").get_json()["total_count"] == 1


def test_deleting_another_workspace_needs_the_admin_token(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "e.db"), "ADMIN_TOKEN": "s3cret"})
    victim = ApiClient(app.test_client(), "victim")
    victim.post("/contacts", json={"email": "v@example.com"})
    workspace = victim.get("/me").get_json()["app"]["id_code"]
    attacker = ApiClient(app.test_client(), "attacker")
    refused = attacker.delete(f"/_emulator/workspace?workspace={workspace}")
    first_error(refused, 403, "forbidden")
    admin = app.test_client()
    deleted = admin.delete(f"/_emulator/workspace?workspace={workspace}", headers=ADMIN)
    assert deleted.get_json() == {"id": workspace, "deleted": True}
    missing = admin.delete(f"/_emulator/workspace?workspace={workspace}", headers=ADMIN)
    first_error(missing, 404, "not_found")
    listed = admin.get("/_emulator/workspaces", headers=ADMIN).get_json()["data"]
    assert workspace not in [entry["id"] for entry in listed]


def test_deleting_another_workspace_is_refused_without_an_admin_token(client, other_client):
    other_client.get("/me")
    theirs = other_client.get("/me").get_json()["app"]["id_code"]
    first_error(client.delete(f"/_emulator/workspace?workspace={theirs}"), 403, "forbidden")
    assert other_client.get("/me").get_json()["app"]["id_code"] == theirs
