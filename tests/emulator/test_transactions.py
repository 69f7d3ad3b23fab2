"""The transaction each API request's route runs in (emulator.db.RequestTransaction): a read
snapshot that takes no lock, or a write that queues for the lock and undoes a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import db as database
from emulator import migrations
from tests.emulator.test_write_queue import lock_is_free


@pytest.fixture
def conn(db_path: Path):
    db = database.sqlite_utils.Database(database._open(str(db_path)))
    migrations.migrate(db)
    yield db
    db.conn.close()


def windows(db) -> list[tuple[str, int]]:
    return db.execute("SELECT key, count FROM rate_windows ORDER BY key").fetchall()


def test_a_read_takes_no_lock_and_sees_one_snapshot(conn, db_path):
    other = database.sqlite_utils.Database(database._open(str(db_path)))
    read = database.RequestTransaction(conn, read_only=True)
    assert lock_is_free(db_path)
    before = windows(conn)
    with database.write_transaction(other):  # a writer commits while the read is open
        other.execute("INSERT INTO rate_windows VALUES ('k', 1, 1)")
    assert windows(conn) == before  # the read still sees the store as it began
    assert read.end_read()
    assert windows(conn) == [("k", 1)]
    other.conn.close()


def test_a_read_that_wrote_is_undone_and_says_so(conn):
    read = database.RequestTransaction(conn, read_only=True)
    conn.execute("INSERT INTO rate_windows VALUES ('k', 1, 1)")
    assert not read.end_read()
    assert windows(conn) == []


def test_a_write_holds_the_queue_and_undo_keeps_only_what_came_before(conn, db_path):
    conn.execute("INSERT INTO rate_windows VALUES ('before', 1, 1)")
    write = database.RequestTransaction(conn, read_only=False)
    assert not lock_is_free(db_path)
    conn.execute("INSERT INTO rate_windows VALUES ('refused', 1, 1)")
    write.undo()  # the route refused the request
    conn.execute("INSERT INTO rate_windows VALUES ('journal', 1, 1)")  # its journal entry
    write.commit()
    assert lock_is_free(db_path)
    assert windows(conn) == [("before", 1), ("journal", 1)]


def test_an_abandoned_write_leaves_nothing_and_lets_the_queue_go(conn, db_path):
    write = database.RequestTransaction(conn, read_only=False)
    conn.execute("INSERT INTO rate_windows VALUES ('k', 1, 1)")
    write.abandon()
    assert lock_is_free(db_path)
    assert windows(conn) == []
