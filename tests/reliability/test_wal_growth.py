"""The WAL stays small under a steady stream of writes (a migration, `make bench`).

Request connections leave checkpoints to the upkeep thread (emulator/upkeep.py), whose passive
checkpoint never waits for a writer. Under writes that never pause, a passive checkpoint never
catches up with the last frame, so SQLite never starts the WAL over: it grew by every commit
(813 MB after 24 s of POST /events from 16 connections, beside a 10 MB database) and every read
searched a larger WAL index. The thread now takes the writers' turn to finish the checkpoint
once the WAL passes `upkeep.RESTART_PAGES` pages, so the next writer starts it over.
"""

from __future__ import annotations

import threading
from pathlib import Path

import requests

from emulator import upkeep
from emulator.testing import EmulatorProcess

CLIENTS = 8
EVENTS_PER_CLIENT = 1_500
PAGE_BYTES = 4096
# A commit of an event writes about five pages; unchecked, 12,000 of them left a WAL of some
# 150 MB (6,400 left 82 MB). Bounded, it holds the threshold and what the writes add before the
# next tick finds it past, which a loaded machine makes more of (17 MB seen): 32 MB.
BOUND_BYTES = 8 * upkeep.RESTART_PAGES * PAGE_BYTES


def wal_bytes(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_the_wal_stays_bounded_while_writes_never_pause(tmp_path: Path) -> None:
    db = tmp_path / "steady.db"
    largest = [0]
    done = threading.Event()
    failures: list[str] = []

    def watch() -> None:
        while not done.is_set():
            largest[0] = max(largest[0], wal_bytes(db))
            done.wait(0.01)

    with EmulatorProcess(db, "--rate-limit-app", "1000000", "--rate-limit-workspace", "1000000"):
        pass  # migrated once; the clients below start on a ready database
    with EmulatorProcess(
        db, "--rate-limit-app", "1000000", "--rate-limit-workspace", "1000000"
    ) as server:

        def client(number: int) -> None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer wal-{number % 2}"
            created = session.post(
                f"{server.url}/contacts", json={"external_id": f"c{number}"}, timeout=60
            )
            if created.status_code != 200:
                failures.append(created.text)
                return
            for n in range(EVENTS_PER_CLIENT):
                answer = session.post(
                    f"{server.url}/events",
                    json={
                        "event_name": "steady",
                        "created_at": 1_700_000_000 + n,
                        "user_id": f"c{number}",
                        "metadata": {"n": n},
                    },
                    timeout=60,
                )
                if answer.status_code != 202:
                    failures.append(f"{answer.status_code} {answer.text}")
                    return

        watcher = threading.Thread(target=watch)
        watcher.start()
        clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for each in clients:
            each.start()
        for each in clients:
            each.join()
        done.set()
        watcher.join()
    assert not failures, failures[:3]
    assert largest[0] < BOUND_BYTES, (
        f"the WAL reached {largest[0] // 1024} KiB; bound {BOUND_BYTES // 1024} KiB"
    )
