"""32 clients at once across four workspaces: no 5xx, no "database is locked", counts that add up.

Each client creates contacts, reads, updates and searches them, records events, lists, and races
the others to create the same tag and upsert the same company of its workspace. Afterwards every
workspace holds exactly what its clients were told they created, once.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator.testing import EmulatorProcess
from tests.reliability.store_state import column

CLIENTS = 32
WORKSPACES = 4
CONTACTS_PER_CLIENT = 3
WORKERS = 4  # more processes than cores, so writers really do queue on SQLite's lock


class Client(threading.Thread):
    def __init__(self, url: str, number: int) -> None:
        super().__init__()
        self.url = url
        self.number = number
        self.token = f"concurrency-{number % WORKSPACES}"
        self.statuses: Counter[int] = Counter()
        self.bodies_of_failures: list[str] = []
        self.contact_ids: list[str] = []
        self.events = 0
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        )

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self.session.request(method, self.url + path, timeout=60, **kwargs)
        self.statuses[response.status_code] += 1
        if response.status_code >= 400:
            self.bodies_of_failures.append(
                f"{method} {path} {response.status_code} {response.text}"
            )
        return response

    def run(self) -> None:
        for k in range(CONTACTS_PER_CLIENT):
            email = f"c{self.number}-{k}@concurrency.example.com"
            created = self.call("POST", "/contacts", json={"email": email, "external_id": email})
            self.contact_ids.append(created.json()["id"])
        for k, contact_id in enumerate(self.contact_ids):
            self.call("GET", f"/contacts/{contact_id}")
            self.call("PUT", f"/contacts/{contact_id}", json={"name": f"Client {self.number}"})
            event = {
                "event_name": "concurrency",
                "created_at": 1_700_000_000 + k,
                "id": contact_id,
                "metadata": {"client": str(self.number)},
            }
            if self.call("POST", "/events", json=event).status_code == 202:
                self.events += 1
            query = {
                "field": "email",
                "operator": "=",
                "value": f"c{self.number}-{k}@concurrency.example.com",
            }
            found = self.call("POST", "/contacts/search", json={"query": query}).json()
            if found.get("total_count") != 1:
                self.bodies_of_failures.append(f"search for {query['value']} found {found}")
        self.call("GET", "/contacts", params={"per_page": 5})
        self.call("POST", "/tags", json={"name": "shared"})
        self.call("POST", "/companies", json={"company_id": "acme", "name": "Acme"})
        self.call("GET", "/_emulator/journal", params={"limit": 5})


@pytest.mark.parametrize(
    ("workers", "threads"),
    [(WORKERS, 1), (2, 8)],
    ids=["4 processes", "2 processes of 8 threads"],
)
def test_32_clients_across_workspaces(tmp_path: Path, workers: int, threads: int) -> None:
    db_path = tmp_path / "concurrency.db"
    # Each client searches for what it just wrote: this test is about concurrency, not the
    # search index's lag, which is turned off.
    lagless = ("--search-lag-seconds", "0")
    with EmulatorProcess(db_path, "--threads", str(threads), *lagless, workers=workers) as server:
        clients = [Client(server.url, n) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(120)
        assert not any(client.is_alive() for client in clients)
        statuses = sum((client.statuses for client in clients), Counter())
        failures = [body for client in clients for body in client.bodies_of_failures]
        assert failures == [] and set(statuses) <= {200, 202}, failures[:5]
        assert not any("locked" in body for body in failures)
        created: dict[str, list[str]] = defaultdict(list)
        events: Counter[str] = Counter()
        for client in clients:
            created[client.token] += client.contact_ids
            events[client.token] += client.events
        for token, ids in created.items():
            session = server.session(token)
            listed = session.get(f"{server.url}/contacts", params={"per_page": 150}).json()
            assert sorted(c["id"] for c in listed["data"]) == sorted(ids)
            assert listed["total_count"] == CONTACTS_PER_CLIENT * CLIENTS // WORKSPACES
            tags = session.get(f"{server.url}/tags").json()["data"]
            assert [tag["name"] for tag in tags] == ["shared"]
            acme = session.get(f"{server.url}/companies", params={"company_id": "acme"}).json()
            assert (acme["type"], acme["company_id"]) == ("company", "acme")
            workspace_id = session.get(f"{server.url}/me").json()["app"]["id_code"]
            stored = column(
                db_path, "SELECT count(*) FROM events WHERE workspace_id = ?", (workspace_id,)
            )
            assert stored == [events[token]] == [CONTACTS_PER_CLIENT * CLIENTS // WORKSPACES]


@pytest.mark.parametrize(
    ("server_name", "threads", "kept_alive"),
    [("granian", 1, True), ("granian", 4, True), ("gunicorn", 1, False), ("gunicorn", 4, True)],
)
def test_threaded_workers_keep_the_connection_alive(
    tmp_path: Path, server_name: str, threads: int, kept_alive: bool
) -> None:
    """granian (the default) keeps every connection alive; gunicorn's sync worker (one thread)
    closes it after each response, its gthread worker keeps it."""
    args = ("--server", server_name, "--threads", str(threads))
    with EmulatorProcess(tmp_path / "keepalive.db", *args) as server:
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        answers = []
        try:
            for _ in range(3):
                connection.request("GET", "/me", headers={"Authorization": "Bearer keepalive"})
                response = connection.getresponse()
                response.read()
                answers.append(response.status)
                if response.getheader("Connection", "").lower() == "close":
                    break
        finally:
            connection.close()
    assert answers == ([200, 200, 200] if kept_alive else [200])
