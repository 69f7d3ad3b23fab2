"""The database and the files beside it, changed under a running `emulator serve`: a database
file deleted or replaced is refused with 503 (never a 200 for a write that would be lost), a
worker started afterwards refuses too instead of taking the server down, and `<db>-shared`
truncated, deleted or corrupted costs no worker and no journal entry it still held."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator import shared
from emulator.testing import EmulatorProcess

DEADLINE = 60.0  # generous: the machine is shared


def wait_for(condition: Any, what: str) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"never happened within {DEADLINE} s: {what}")


def workers_of(server: EmulatorProcess) -> set[int]:
    assert server.process is not None
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children}


def assert_refused(response: requests.Response, why: str) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["type"] == "error.list"
    assert body["errors"][0]["code"] == "server_error"
    assert why in body["errors"][0]["message"]


@pytest.mark.parametrize("server_name", ["granian", "gunicorn"])
def test_a_deleted_database_is_refused_and_a_new_worker_refuses_too(tmp_path, server_name):
    db_path = tmp_path / "gone.db"
    server = EmulatorProcess(db_path, "--server", server_name, workers=1).start()
    try:
        session = server.session("files-token")
        created = session.post(f"{server.url}/contacts", json={"email": "kept@example.com"})
        assert created.status_code == 200
        db_path.unlink()
        assert_refused(requests.get(f"{server.url}/_emulator/health", timeout=30), "deleted")
        write = session.post(f"{server.url}/contacts", json={"email": "lost@example.com"})
        assert_refused(write, "deleted")
        assert_refused(session.get(f"{server.url}/contacts"), "deleted")

        # The worker dies; the one started in its place must neither create a new empty
        # database nor fail to boot (gunicorn stops the whole server when a worker cannot).
        (worker,) = workers_of(server)
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: workers_of(server) - {worker}, "a new worker")
        (answered,) = wait_for(
            lambda: _health_answer(server.url), "the new worker answers the health check"
        )
        assert_refused(answered, "deleted")
        assert_refused(session.post(f"{server.url}/tags", json={"name": "t"}), "deleted")
        assert server.process is not None and server.process.poll() is None
        assert not db_path.exists()  # no empty database was created in its place
    finally:
        server.stop()


def _health_answer(url: str) -> list[requests.Response]:
    """[the answer], or [] while nothing answers (a 503 response is falsy itself)."""
    try:
        return [requests.get(f"{url}/_emulator/health", timeout=10)]
    except requests.ConnectionError:
        return []


def test_a_database_replaced_at_its_path_is_refused(tmp_path):
    db_path = tmp_path / "replaced.db"
    server = EmulatorProcess(db_path).start()
    try:
        session = server.session("files-token")
        assert session.post(f"{server.url}/tags", json={"name": "before"}).status_code == 200
        other = tmp_path / "other.db"
        sqlite3.connect(other).close()
        os.replace(other, db_path)  # a restore by rename: another file at the path
        assert_refused(session.post(f"{server.url}/tags", json={"name": "after"}), "replaced")
        assert_refused(requests.get(f"{server.url}/_emulator/health", timeout=30), "replaced")
    finally:
        server.stop()


def test_the_shared_file_truncated_under_load_costs_no_worker(tmp_path):
    """Truncated under a mapping, it killed workers with SIGBUS; read with pread it reads as
    zeros and is made whole again by the next request."""
    db_path = tmp_path / "truncated.db"
    shared_path = Path(str(db_path) + shared.SUFFIX)
    server = EmulatorProcess(db_path).start()
    failures: list[str] = []
    statuses: list[int] = []
    stop = threading.Event()

    def client(number: int) -> None:
        session = server.session(f"load-{number}")
        while not stop.is_set():
            try:
                if number % 2:  # a read: counted and journaled in the shared file
                    response = session.get(f"{server.url}/me", timeout=30)
                else:
                    body = {"name": f"tag-{len(statuses)}"}
                    response = session.post(f"{server.url}/tags", json=body, timeout=30)
                statuses.append(response.status_code)
            except requests.RequestException as exc:
                failures.append(repr(exc))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    try:
        for thread in threads:
            thread.start()
        wait_for(lambda: len(statuses) >= 20, "requests under way")
        for size in (0, 4096, shared.LOG_BYTES, 0, 100):
            answered = len(statuses)
            os.truncate(shared_path, size)
            wait_for(lambda answered=answered: len(statuses) >= answered + 20, "more answers")
        stop.set()
        for thread in threads:
            thread.join(DEADLINE)
        assert failures == []
        assert set(statuses) == {200}, sorted(set(statuses))
        assert requests.get(f"{server.url}/_emulator/health", timeout=30).status_code == 200
        assert server.process is not None and server.process.poll() is None
        assert shared_path.stat().st_size >= shared.LOG_BYTES  # made whole again
    finally:
        stop.set()
        server.stop()


def test_a_deleted_shared_file_loses_no_journal_entry(tmp_path):
    """Deleting `<db>-shared` lost the reads' entries still waiting in it (10 of 20); now the
    first request to notice moves them into the new file at the path."""
    db_path = tmp_path / "journal.db"
    shared_path = Path(str(db_path) + shared.SUFFIX)
    server = EmulatorProcess(db_path).start()
    try:
        session = server.session("journal-token")
        for _ in range(10):
            assert session.get(f"{server.url}/me").status_code == 200
        shared_path.unlink()
        for _ in range(10):
            assert session.get(f"{server.url}/admins").status_code == 200
        assert shared_path.exists()
        server.stop()  # a restart reads only the file at the path
        server.start()
        journal = server.session("journal-token").get(f"{server.url}/_emulator/journal?limit=100")
        paths = [entry["path"] for entry in journal.json()["data"]]
        assert paths.count("/me") == 10 and paths.count("/admins") == 10
    finally:
        server.stop()


def test_a_full_disk_under_the_shared_file_is_a_503_not_a_dead_worker(client, monkeypatch):
    """A write into a mapping of a sparse file on a full disk was a SIGBUS; now it is an
    OSError from pwrite, answered 503 `server_error`, and the next request is served again."""
    assert client.get("/me").status_code == 200

    def full(fd: int, data: bytes, offset: int) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shared.os, "pwrite", full)
    refused = client.get("/me", check=False)
    assert refused.status_code == 503
    assert refused.get_json()["errors"][0]["code"] == "server_error"
    assert "No space left on device" in refused.get_json()["errors"][0]["message"]
    monkeypatch.undo()
    assert client.get("/me").status_code == 200


def test_a_full_database_is_a_503(client, app):
    """SQLite's SQLITE_FULL ("database or disk is full"), here from a page limit: a 503 the
    client can retry, not a 500 that says the emulator has a bug."""
    assert client.post("/contacts", json={"email": "first@example.com"}).status_code == 200
    conn = app.extensions["emulator"].storage.connect().conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    for number in range(2000):  # until the pages are used up
        refused = client.post("/contacts", json={"email": f"c{number}@example.com"}, check=False)
        if refused.status_code != 200:
            break
    assert refused.status_code == 503, refused.get_data(as_text=True)
    assert refused.get_json()["errors"][0]["code"] == "server_error"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: os.truncate(path, 10), id="truncated"),
        pytest.param(lambda path: path.write_bytes(os.urandom(4096)), id="garbage"),
        pytest.param(
            lambda path: _write_header(path, shared.MAGIC, shared.LOG_BYTES * 7),
            id="impossible log length",
        ),
    ],
)
def test_a_damaged_shared_file_is_recreated_on_open(tmp_path, damage):
    db_path = tmp_path / "damaged.db"
    first = shared.Shared(str(db_path))
    assert first.append(("kept",))
    first.close()
    damage(Path(str(db_path) + shared.SUFFIX))
    reopened = shared.Shared(str(db_path))
    assert reopened.take() == []  # what the damage erased is gone; nothing made up
    assert reopened.admit(1, 1, 100, 5, 5) == (1, 1, True)
    assert reopened.append(("new",)) and reopened.take() == [("new",)]
    assert os.path.getsize(str(db_path) + shared.SUFFIX) >= shared.LOG_BYTES


def _write_header(path: Path, magic: bytes, used: int) -> None:
    import struct

    with open(path, "r+b") as file:
        file.write(struct.pack("<8sQ", magic, used))
