"""A seed commits in chunks and still lands all of it or nothing (emulator.store.seed_chunks).

These run in process with every item its own chunk (`CHUNK_SECONDS` below zero), so a refusal
near the end has many committed chunks to undo; tests/reliability/test_long_seeds.py does the
same against a real server with a seed of the largest body it accepts.
"""

from __future__ import annotations

import time

import pytest

from emulator import db as database
from emulator.store import seed_chunks
from emulator.store.undo_log import UndoLog
from tests.emulator.test_seed import SEED, post_seed
from tests.reliability import store_state

# What the workspace holds before the seed that fails: every kind of row a seed can change.
BEFORE = {
    "data_attributes": [{"name": "plan_tier", "model": "contact", "data_type": "string"}],
    "companies": [{"company_id": "acme", "name": "Acme", "plan": "basic"}],
    "contacts": [
        {"external_id": "u1", "email": "ada@example.com", "custom_attributes": {"plan_tier": "a"}}
    ],
    "tags": [{"name": "vip", "users": [{"email": "ada@example.com"}]}],
    "event_names": ["signed-up"],
    "events": [{"event_name": "signed-up", "user_id": "u1", "created_at": 1_700_000_000}],
}
# Inserts, updates (the company upserted again, the tag applied to more contacts) and deletes
# (the first seed's subscription types replace the default set), then a refusal at the very end.
FAILING = {
    "data_attributes": [{"name": "score", "model": "contact", "data_type": "integer"}],
    "companies": [{"company_id": "acme", "name": "Acme Corp", "plan": "pro"}, {"company_id": "b"}],
    "contacts": [
        {"external_id": f"n{i}", "email": f"n{i}@example.com", "custom_attributes": {"score": i}}
        for i in range(30)
    ],
    "tags": [{"name": "vip", "users": [{"email": "n1@example.com"}, {"external_id": "u1"}]}],
    "subscription_types": [{"name": "Newsletter", "consent_type": "opt_in"}],
    "event_names": ["new-event", {"name": "gone", "archived": True}],
    "events": [
        {"event_name": "new-event", "user_id": f"n{i}", "created_at": 1_700_000_000 + i}
        for i in range(30)
    ]
    + [{"event_name": "new-event", "user_id": "nobody", "created_at": 1_700_000_000}],
}


@pytest.fixture
def every_item_a_chunk(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every item commits on its own; returns the list the commits are counted in."""
    monkeypatch.setattr(seed_chunks, "CHUNK_SECONDS", -1.0)
    monkeypatch.setattr(seed_chunks, "PAUSE_SECONDS", 0.0)
    commits: list[int] = []
    mark = UndoLog.mark

    def counted(log: UndoLog) -> None:
        commits.append(1)
        mark(log)

    monkeypatch.setattr(UndoLog, "mark", counted)
    return commits


def test_a_refusal_after_many_committed_chunks_leaves_the_workspace_as_it_was(
    client, db_path, every_item_a_chunk
):
    assert post_seed(client, BEFORE).status_code == 200
    client.get("/subscription_types")  # the default set exists before the failing seed
    before = store_state.snapshot(db_path)
    every_item_a_chunk.clear()
    response = post_seed(client, FAILING)
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"].startswith("events[30]")
    assert len(every_item_a_chunk) > 60  # its chunks were committed, and undone
    assert store_state.snapshot(db_path) == before
    assert store_state.integrity(db_path) == "ok"
    assert [c["email"] for c in client.get("/contacts").get_json()["data"]] == ["ada@example.com"]
    assert client.get("/_emulator/event_names").get_json()["active"] == 1


def test_a_seed_in_chunks_answers_as_one_in_a_single_chunk(client, other_client, monkeypatch):
    whole = post_seed(client, SEED).get_json()
    monkeypatch.setattr(seed_chunks, "CHUNK_SECONDS", -1.0)
    chunked = post_seed(other_client, SEED).get_json()
    assert chunked["created"] == whole["created"]
    assert {name: len(ids) for name, ids in chunked["ids"].items()} == {
        name: len(ids) for name, ids in whole["ids"].items()
    }
    assert other_client.get("/contacts").get_json()["total_count"] == 2


def _mark(db_path, workspace_id: str, heartbeat: float) -> None:
    db = database.open_database(str(db_path))
    try:
        with database.write_transaction(db):
            db.execute(
                "INSERT OR REPLACE INTO seeding (workspace_id, owner, heartbeat) VALUES (?, ?, ?)",
                [workspace_id, "another-request", heartbeat],
            )
    finally:
        db.conn.close()


def test_a_workspace_being_seeded_answers_503_to_its_other_requests(client, other_client, db_path):
    workspace_id = client.get("/me").get_json()["app"]["id_code"]
    other_client.get("/me")
    _mark(db_path, workspace_id, time.time())
    for response in (
        client.get("/contacts"),
        client.post("/contacts", json={"email": "late@example.com"}),
        client.get("/_emulator/settings"),
        post_seed(client, {"contacts": [{"email": "second@example.com"}]}),
    ):
        assert response.status_code == 503
        error = response.get_json()["errors"][0]
        assert error["code"] == "server_error"
        assert "being seeded" in error["message"]
    assert other_client.get("/contacts").status_code == 200  # another workspace is not held
    # A mark whose heartbeat stopped (its seed's server died) no longer holds the workspace.
    _mark(db_path, workspace_id, time.time() - seed_chunks.STALE_AFTER - 1)
    assert client.get("/contacts").status_code == 200
    assert post_seed(client, {"contacts": [{"email": "second@example.com"}]}).status_code == 200
    assert store_state.column(db_path, "SELECT count(*) FROM seeding") == [0]
