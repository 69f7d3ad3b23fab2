"""The upkeep thread (emulator.upkeep) does the chores no request should wait for, without
weakening what a client was promised: a read's journal entry is there for the next journal
read, an acknowledged write is in the database, and the database file catches up by itself."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from emulator import db as database
from emulator import shared
from emulator.testing import EmulatorProcess

DEADLINE_SECONDS = 30


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Until `condition` holds; fail after a generous deadline (a condition, not a duration)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {DEADLINE_SECONDS} s")
        time.sleep(0.02)


def rows_in_table(db_path: Path, sql: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_the_thread_moves_the_reads_journal_entries_without_a_reader_asking(
    client, db_path, monkeypatch
):
    monkeypatch.setattr(shared, "MOVE_FRACTION", shared.LOG_BYTES)  # every entry is due
    for _ in range(20):
        assert client.get("/me").status_code == 200
    wait_for(
        lambda: rows_in_table(db_path, "SELECT count(*) FROM journal WHERE path = '/me'") == 20,
        "the twenty reads' entries in the journal table",
    )


def test_each_read_is_in_the_next_journal_read_while_the_thread_moves_the_log(client, monkeypatch):
    monkeypatch.setattr(shared, "MOVE_FRACTION", shared.LOG_BYTES)  # the thread is always busy
    for n in range(40):
        assert client.get(f"/tags?n={n}").status_code == 200
        entries = client.get("/_emulator/journal?limit=1").get_json()["data"]
        assert entries[0]["query"] == f"n={n}"  # the read just answered, none missed or late


def test_request_connections_leave_checkpoints_to_the_thread(app, client, db_path):
    created = client.post("/contacts", json={"email": "durable@example.com"})
    assert created.status_code == 200
    conn = app.extensions["emulator"].storage.connect()  # this thread's: the request's own
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    copy = db_path.with_name("main-file-only.db")

    def in_main_file() -> bool:
        # The database file alone, without its WAL: what a checkpoint has copied into it.
        shutil.copyfile(db_path, copy)
        try:
            with sqlite3.connect(copy) as alone:
                found = alone.execute(
                    "SELECT count(*) FROM contacts WHERE email = 'durable@example.com'"
                ).fetchone()[0]
        except sqlite3.DatabaseError:  # not there yet (no table), or copied mid-checkpoint
            return False
        return bool(found)

    wait_for(in_main_file, "the contact checkpointed into the database file")


def test_an_in_memory_database_has_no_thread_and_its_requests_do_the_chores():
    from emulator import create_app

    app = create_app({"DATABASE": ":memory:"})
    assert app.extensions["upkeep"] is None
    client = app.test_client()
    headers = {"Authorization": "Bearer memory", "Accept": "application/json"}
    for _ in range(30):
        client.get("/me", headers=headers)  # reads: their entries wait in the log
    journal = client.get("/_emulator/journal?limit=100", headers=headers).get_json()["data"]
    assert len(journal) == 30  # the journal's reader moved them in itself


def test_acknowledged_writes_survive_kill_9_with_the_thread_behind(tmp_path: Path):
    db_path = tmp_path / "killed.db"
    server = EmulatorProcess(db_path).start()
    try:
        session = server.session("killed-upkeep")
        acknowledged = []
        for n in range(60):
            response = session.post(f"{server.url}/tags", json={"name": f"kept {n}"})
            assert response.status_code == 200
            acknowledged.append(response.json()["name"])
        server.kill()  # SIGKILL: no checkpoint, no flush, no goodbye
    finally:
        server.stop()
    conn = database.sqlite_utils.Database(database._open(str(db_path)))
    try:
        names = {row[0] for row in conn.execute("SELECT name FROM tags")}
    finally:
        conn.conn.close()
    assert set(acknowledged) <= names


# A program that serves two writes from an in-process app and exits with the thread's
# connection open and a checkpoint due: the thread tends only when woken (its tick an hour),
# so the last chore is the one at exit.
_EXIT_PROGRAM = textwrap.dedent(
    """
    import shutil, sqlite3, sys, time
    from emulator import inprocess, upkeep

    upkeep.TICK_SECONDS = 3600
    path = sys.argv[1]
    app = inprocess.create_app(path)
    client = app.test_client()
    headers = {"Authorization": "Bearer exiting"}

    def create(email):
        return client.post("/contacts", json={"email": email}, headers=headers).status_code == 200

    def in_main_file(email):
        shutil.copyfile(path, path + ".copy")  # the database file alone, without its WAL
        try:
            with sqlite3.connect(path + ".copy") as alone:
                sql = "SELECT count(*) FROM contacts WHERE email = ?"
                return alone.execute(sql, [email]).fetchone()[0] == 1
        except sqlite3.DatabaseError:
            return False

    assert create("first@example.com")
    app.extensions["upkeep"].wake()
    deadline = time.monotonic() + 30
    # Checkpointed by the thread: its connection is open.
    while not in_main_file("first@example.com"):
        assert time.monotonic() < deadline, "the thread never checkpointed"
        time.sleep(0.02)
    assert create("last@example.com")
    print("served")
    """
)


def test_an_app_exits_quietly_and_its_last_write_reaches_the_database_file(tmp_path: Path):
    db_path = tmp_path / "exiting.db"
    done = subprocess.run(
        [sys.executable, "-c", _EXIT_PROGRAM, str(db_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "served"), done.stderr
    # At exit the thread did its last chore before its connection and files were closed.
    assert "Cannot operate on a closed database" not in done.stderr
    assert done.stderr == ""
    copy = tmp_path / "file-only.db"
    shutil.copyfile(db_path, copy)
    assert rows_in_table(copy, "SELECT count(*) FROM contacts WHERE email = 'last@example.com'")
