"""Writers queue on a kernel lock beside the database file (`<db>-writers`), taken before
`BEGIN IMMEDIATE` and let go when the transaction ends, however it ends."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from emulator import connections, migrations
from emulator import db as database


def lock_is_free(db_path: Path) -> bool:
    fd = os.open(str(db_path) + database.WRITERS_SUFFIX, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also lets go of the lock if we got it
    return True


@pytest.fixture
def conn(db_path: Path):
    db = database.sqlite_utils.Database(database._open(str(db_path)))
    migrations.migrate(db)
    yield db
    db.conn.close()


def test_a_write_transaction_holds_the_queue_until_it_commits(conn, db_path):
    assert lock_is_free(db_path)
    with database.write_transaction(conn):
        conn.execute("INSERT INTO rate_windows VALUES ('k', 1, 1)")
        assert not lock_is_free(db_path)
    assert lock_is_free(db_path)


def test_a_failed_write_transaction_lets_the_queue_go(conn, db_path):
    with pytest.raises(RuntimeError), database.write_transaction(conn):
        raise RuntimeError("the route failed")
    assert lock_is_free(db_path)
    with pytest.raises(database.sqlite3.OperationalError), database.write_transaction(conn):
        conn.execute("INSERT INTO no_such_table VALUES (1)")
    assert lock_is_free(db_path)


def test_a_second_writer_waits_its_turn(conn, db_path):
    other = database.sqlite_utils.Database(database._open(str(db_path)))
    entered = threading.Event()

    def second_writer() -> None:
        with database.write_transaction(other):
            entered.set()

    with database.write_transaction(conn):
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not entered.wait(0.3)  # queued behind the first, not failing, not inside
    thread.join(timeout=10)
    assert entered.is_set()
    other.conn.close()


def test_a_writer_killed_while_holding_the_queue_does_not_block_the_next(conn, db_path):
    script = (
        "import sys, time\n"
        "from emulator import db\n"
        "c = db._open(sys.argv[1])\n"
        "db.begin_write(c)\n"
        "print('holding', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(db_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert not lock_is_free(db_path)
    finally:
        holder.kill()
        holder.communicate()
    with database.write_transaction(conn):  # would hang if the dead writer still held it
        conn.execute("INSERT INTO rate_windows VALUES ('k', 1, 1)")
    assert conn.execute("SELECT count(*) FROM rate_windows").fetchone()[0] == 1


# Writer precedence (emulator.connections): while a request thread holds the writers' lock, the
# other threads of its process wait before starting a request, so the writer is not kept from
# the interpreter lock while every other writer queues behind it.


@pytest.fixture
def request_connection(db_path: Path, monkeypatch):
    """This thread's request connection (emulator.db.connect), with a wait long enough that
    only the writer's release can end it."""
    monkeypatch.setattr(connections, "WRITER_PRECEDENCE_SECONDS", 60)
    db = database.connect(str(db_path))
    migrations.migrate(db)
    yield db
    database.close_all()


def _request_start_in_another_thread() -> tuple[threading.Thread, threading.Event]:
    started = threading.Event()

    def start() -> None:
        connections.yield_to_writer()
        started.set()

    thread = threading.Thread(target=start)
    thread.start()
    return thread, started


def test_a_request_waits_while_a_sibling_thread_holds_the_write_lock(request_connection):
    with database.write_transaction(request_connection):
        request_connection.execute("INSERT INTO rate_windows VALUES ('k', 1, 1)")
        thread, started = _request_start_in_another_thread()
        assert not started.wait(0.3)  # waiting for the writer, not started
    assert started.wait(10)  # the commit let it go
    thread.join(timeout=10)


def test_the_writer_itself_never_waits_for_its_own_lock(request_connection):
    with database.write_transaction(request_connection):
        assert not connections.WRITER_PRECEDENCE._others_hold()
        seen: list[bool] = []
        other = threading.Thread(
            target=lambda: seen.append(connections.WRITER_PRECEDENCE._others_hold())
        )
        other.start()
        other.join(timeout=10)
        assert seen == [True]


def test_a_background_threads_write_holds_no_request_up(request_connection, db_path):
    background = database.open_database(str(db_path))  # as the upkeep's and the courier's
    try:
        with database.write_transaction(background):
            background.execute("INSERT INTO rate_windows VALUES ('k', 1, 1)")
            thread, started = _request_start_in_another_thread()
            assert started.wait(10)  # not the 60 s a request writer would make it wait
            thread.join(timeout=10)
    finally:
        background.conn.close()


def test_a_writer_that_fails_lets_its_siblings_start(request_connection):
    failing = pytest.raises(database.sqlite3.OperationalError)
    with failing, database.write_transaction(request_connection):
        request_connection.execute("INSERT INTO no_such_table VALUES (1)")
    thread, started = _request_start_in_another_thread()
    assert started.wait(10)
    thread.join(timeout=10)
