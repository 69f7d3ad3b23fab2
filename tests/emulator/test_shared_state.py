"""Rate-limit counters and pending journal entries live in `<db>-shared`, beside the database:
reads are counted and journaled without a write transaction, and nothing is lost or reordered
on the way into the journal table."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from emulator import shared
from emulator.testing import EmulatorProcess


def journal_paths(client) -> list[str]:
    entries = client.get("/_emulator/journal?limit=1000").get_json()["data"]
    return [entry["path"] for entry in reversed(entries)]  # oldest first


def test_a_full_log_moves_into_the_table_in_request_order(client, monkeypatch):
    monkeypatch.setattr(shared, "LOG_BYTES", 1500)  # room for two or three entries
    created = client.post("/contacts", json={"email": "order@example.com"}).get_json()
    paths = []
    for n in range(12):
        path = f"/contacts/{created['id']}" if n % 3 else f"/tags?n={n}"
        client.get(path)
        paths.append(path.split("?")[0])
    client.post("/tags", json={"name": "last"})  # a writer moves what is left, then its own
    assert journal_paths(client) == ["/contacts", *paths, "/tags"]


def test_an_entry_larger_than_the_log_is_still_journaled(client, monkeypatch):
    monkeypatch.setattr(shared, "LOG_BYTES", 100)
    client.get("/me")
    client.get("/admins")
    assert journal_paths(client) == ["/me", "/admins"]


def test_a_reset_empties_the_workspaces_rate_windows(client):
    client.post("/_emulator/clock", json={"freeze": True, "at": 1_700_000_000})
    client.patch("/_emulator/settings", json={"rate_limit_app": 2})
    assert [client.get("/me").status_code for _ in range(3)] == [200, 200, 429]
    assert client.post("/_emulator/reset").status_code == 200
    assert client.get("/me").status_code == 200


def test_a_taken_counter_slot_falls_back_to_counting_in_sqlite(client, app, db_path):
    """Rows `SLOTS` apart share a slot; while another row's window is live there, the token is
    counted in SQLite, still exactly."""
    client.post("/_emulator/clock", json={"freeze": True, "at": 1_700_000_000})
    client.patch("/_emulator/settings", json={"rate_limit_app": 2})
    with sqlite3.connect(db_path) as conn:
        token_row, workspace_row = conn.execute(
            "SELECT t.rowid, w.rowid FROM tokens t JOIN workspaces w ON w.id = t.workspace_id"
            " WHERE t.token = ?",
            [client.token],
        ).fetchone()
    window = 1_700_000_000
    squatter = shared.Shared(str(db_path)).admit(  # another process's map of the file
        token_row + shared.SLOTS, workspace_row + shared.SLOTS, window, 10, 10
    )
    assert squatter == (1, 1, True)
    statuses = [client.get("/me").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    with sqlite3.connect(db_path) as conn:
        counted = conn.execute("SELECT count FROM rate_windows WHERE key = ?", [f"app:{token_row}"])
        assert counted.fetchone() == (2,)


def test_journal_entries_not_yet_in_the_table_survive_a_killed_server(tmp_path: Path):
    db_path = tmp_path / "crash.db"
    server = EmulatorProcess(db_path).start()
    try:
        session = server.session("crash-journal")
        for _ in range(5):
            assert session.get(f"{server.url}/me").status_code == 200
        with sqlite3.connect(db_path) as conn:
            in_table = conn.execute("SELECT count(*) FROM journal").fetchone()[0]
        assert in_table < 5  # reads left their entries in the shared log
        server.kill()
        server.restart()  # stop() tidies up after the dead process, start() serves the file again
        entries = session.get(f"{server.url}/_emulator/journal").json()["data"]
        assert [entry["path"] for entry in entries] == ["/me"] * 5
    finally:
        server.stop()


def test_the_shared_file_sits_beside_the_database(app, client, db_path):
    client.get("/me")
    assert Path(str(db_path) + shared.SUFFIX).exists()
    # The app holds one map of it per process, and hands that to every request's context.
    storage = app.extensions["emulator"].storage
    assert storage.shared is storage.shared
    assert storage.shared.pid == os.getpid()
