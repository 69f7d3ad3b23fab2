"""`kill -9` in the middle of a write load loses nothing that was acknowledged.

Several threads POST contacts and events to a real `emulator serve`; the whole process group
(master and workers) is SIGKILLed while they write. Restarted on the same file, the server still
has every contact and event it answered 2xx for, and SQLite's integrity check passes.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from emulator.testing import EmulatorProcess
from tests.reliability.store_state import column, integrity

WRITERS = 4
ACKS_BEFORE_KILL = 120
ROUNDS = 2
NO_RATE_LIMITS = ("--rate-limit-app", "1000000000", "--rate-limit-workspace", "1000000000")
TOKEN = "crash-consistency"
_SERIAL = itertools.count(1)  # next() is atomic under the GIL: unique across threads and rounds


@dataclass
class Acknowledged:
    contacts: list[str] = field(default_factory=list)
    events: list[int] = field(default_factory=list)  # created_at of each acknowledged event
    server_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        with self.lock:
            return len(self.contacts) + len(self.events)


def write_until_refused(url: str, writer: int, acked: Acknowledged, stop: threading.Event) -> None:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
    while not stop.is_set():
        n = next(_SERIAL)
        key = f"{writer}-{n}"
        created_at = 1_600_000_000 + n
        try:
            if n % 2:
                body = {"email": f"w{key}@crash.example.com", "external_id": f"w{key}"}
                response = session.post(f"{url}/contacts", json=body, timeout=10)
            else:
                body = {"event_name": "crash-test", "created_at": created_at, "user_id": "anchor"}
                response = session.post(f"{url}/events", json=body, timeout=10)
        except requests.RequestException:
            return  # the server is gone: whatever was in flight was never acknowledged
        with acked.lock:
            if response.status_code >= 500:
                acked.server_errors.append(response.text[:200])
            elif response.status_code == 200:
                acked.contacts.append(response.json()["id"])
            elif response.status_code == 202:
                acked.events.append(created_at)


def kill_during_writes(server: EmulatorProcess, acked: Acknowledged) -> None:
    stop = threading.Event()
    threads = [
        threading.Thread(target=write_until_refused, args=(server.url, w, acked, stop))
        for w in range(WRITERS)
    ]
    target = acked.count() + ACKS_BEFORE_KILL
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while acked.count() < target and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()  # SIGKILL to the process group, mid-load
    stop.set()
    for thread in threads:
        thread.join(15)
    assert acked.count() >= target, "the load never got going"


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.db"
    acked = Acknowledged()
    server = EmulatorProcess(db_path, *NO_RATE_LIMITS).start()
    anchor = {"email": "anchor@crash.example.com", "external_id": "anchor"}
    server.session(TOKEN).post(f"{server.url}/contacts", json=anchor, timeout=10)
    for _ in range(ROUNDS):
        kill_during_writes(server, acked)
        assert integrity(db_path) == "ok"
        stored_contacts = set(column(db_path, "SELECT id FROM contacts"))
        stored_events = set(column(db_path, "SELECT created_at FROM events"))
        assert set(acked.contacts) <= stored_contacts
        assert set(acked.events) <= stored_events
        server = EmulatorProcess(db_path, *NO_RATE_LIMITS).start()  # restart on the same file
    try:
        session = server.session(TOKEN)
        for contact_id in acked.contacts[:: max(1, len(acked.contacts) // 20)]:
            assert session.get(f"{server.url}/contacts/{contact_id}", timeout=10).status_code == 200
        listed = session.get(f"{server.url}/contacts", params={"per_page": 1}, timeout=10).json()
        assert listed["total_count"] >= len(acked.contacts) + 1  # the anchor too
    finally:
        server.stop()
    assert acked.server_errors == []
