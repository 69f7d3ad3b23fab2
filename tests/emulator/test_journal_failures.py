"""A journal write that fails loses nothing it did not write (issue 13, finding 1).

Entries leave the shared log (emulator.shared) only when the transaction that stores them
commits; an entry the table refuses is stored in a reduced form, never taking the others with
it; a request whose journal or commit fails is rolled back, answered 500 `server_error`, and
leaves no lock behind. The failing insert is a temporary trigger on the test thread's connection
(the one the in-process app uses), standing in for whatever the table might refuse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from werkzeug.exceptions import InternalServerError

from emulator import db as database
from emulator.store import journal
from tests.conftest import ApiClient

POISON = (
    "CREATE TEMP TRIGGER poison BEFORE INSERT ON journal"
    " WHEN NEW.request_body LIKE '%poison%'"
    " BEGIN SELECT RAISE(ABORT, 'poisoned entry'); END"
)


def journal_paths(client: ApiClient) -> list[tuple[str, str, int]]:
    entries = client.get("/_emulator/journal?limit=1000").get_json()["data"]
    return [(e["method"], e["path"], e["status"]) for e in reversed(entries)]


def test_an_entry_the_table_refuses_is_kept_reduced_and_takes_no_other_with_it(
    app: Any, client: ApiClient, other_client: ApiClient
) -> None:
    for _ in range(3):  # reads: their entries wait in the shared log
        other_client.get("/contacts")
    database.connect(app.extensions["emulator"].storage.path).execute(POISON)
    created = client.post("/contacts", json={"email": "poison@x.io"})
    assert created.status_code == 200  # the write itself is not the journal's to refuse
    assert client.get(f"/contacts/{created.get_json()['id']}").status_code == 200
    assert journal_paths(other_client) == [("GET", "/contacts", 200)] * 3
    mine = client.get("/_emulator/journal").get_json()["data"]
    poisoned = next(e for e in mine if e["method"] == "POST")
    assert poisoned["status"] == 200 and poisoned["error"]["code"] == "journal_entry_reduced"
    assert poisoned["request_body"] is None


def test_entries_stay_in_the_shared_log_when_the_transaction_that_moved_them_rolls_back(
    app: Any, client: ApiClient
) -> None:
    for _ in range(4):
        client.get("/me")
    storage = app.extensions["emulator"].storage
    db = storage.connect()
    with pytest.raises(RuntimeError), database.write_transaction(db):
        journal.flush(db, storage.shared)
        raise RuntimeError("the transaction fails after the entries were inserted")
    assert len(storage.shared.pending()[0]) == 4
    # The next reader moves them, once.
    assert journal_paths(client) == [("GET", "/me", 200)] * 4
    assert storage.shared.pending() == ([], 0)
    assert journal_paths(client) == [("GET", "/me", 200)] * 4


def test_a_failing_journal_rolls_the_request_back_and_answers_server_error(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = journal.record

    def failing(*args: Any) -> None:
        monkeypatch.setattr(journal, "record", real)  # once
        raise OSError("disk full")

    monkeypatch.setattr(journal, "record", failing)
    refused = client.post("/contacts", json={"email": "lost@x.io"}, check=False)
    assert refused.status_code == 500
    assert refused.get_json()["errors"][0]["code"] == "server_error"
    # Not acknowledged, so not kept; and the write lock was let go: the next write is served.
    search = {"query": {"field": "email", "operator": "=", "value": "lost@x.io"}}
    assert client.post("/contacts/search", json=search).get_json()["total_count"] == 0
    assert client.post("/contacts", json={"email": "next@x.io"}).status_code == 200


def test_an_unexpected_http_500_is_a_server_error(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emulator.store import admins

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise InternalServerError()

    monkeypatch.setattr(admins, "me", broken)
    answer = client.get("/me", check=False)
    assert answer.status_code == 500
    assert answer.get_json()["errors"][0]["code"] == "server_error"


def test_a_pending_entry_of_a_deleted_workspace_is_logged_not_fatal(
    app: Any, client: ApiClient, db_path: Path
) -> None:
    client.get("/me")
    storage = app.extensions["emulator"].storage
    orphan = ("no-such-workspace", "r", 1.0, "GET", "/me", "", 200, None, None)
    storage.shared.append((*orphan, None, None, "[]", None, 1.0))
    before = journal.dropped
    assert journal_paths(client) == [("GET", "/me", 200)]
    assert journal.dropped == before + 1
    assert storage.shared.pending() == ([], 0)


def test_two_moves_in_one_transaction_store_each_entry_once(app: Any, client: ApiClient) -> None:
    storage = app.extensions["emulator"].storage
    workspace_id = client.get("/me").get_json()["app"]["id_code"]
    db = storage.connect()

    def pending_read(path: str) -> None:
        row = (workspace_id, path, 1.0, "GET", path, "", 200, None, None, None, None, "[]")
        assert storage.shared.append((*row, None, 1.0))

    journal.flush(db, storage.shared)  # the log is empty when the transaction begins
    with database.write_transaction(db):
        journal.flush(db, storage.shared)
        pending_read("/one")  # appended while the first move is not committed yet
        journal.flush(db, storage.shared)
        pending_read("/two")
        journal.flush(db, storage.shared)
    assert storage.shared.pending() == ([], 0)
    assert journal_paths(client) == [("GET", p, 200) for p in ("/me", "/one", "/two")]
