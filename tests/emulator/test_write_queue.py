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

from emulator import db as database
from emulator import migrations


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
