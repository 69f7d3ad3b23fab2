"""Rate limits per app (token) and per workspace, in fixed 10-second windows, exact under
concurrency: the worker processes count in memory they share (emulator.shared), one short
critical section per request."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import requests

from emulator.testing import EmulatorProcess

CLIENTS = 32


def hammer(url: str, token: str, count: int) -> list[requests.Response]:
    def one(_: int) -> requests.Response:
        with requests.Session() as session:
            return session.get(f"{url}/me", headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return list(pool.map(one, range(count)))


def by_window(responses: list[requests.Response]) -> dict[int, list[requests.Response]]:
    windows: dict[int, list[requests.Response]] = defaultdict(list)
    for response in responses:
        windows[int(response.headers["X-RateLimit-Reset"])].append(response)
    return windows


def test_exactly_the_limit_is_admitted_with_32_concurrent_clients(emulator_server):
    limit = 40
    admin = requests.patch(
        f"{emulator_server.url}/_emulator/settings",
        json={"rate_limit_app": limit},
        headers={"Authorization": "Bearer racer"},
    )
    assert admin.status_code == 200
    responses = hammer(emulator_server.url, "racer", 3 * limit)
    assert {r.status_code for r in responses} <= {200, 429}
    refused_windows = 0
    for window in by_window(responses).values():
        admitted = [r for r in window if r.status_code == 200]
        refused = [r for r in window if r.status_code == 429]
        assert len(admitted) <= limit
        # Each admitted request saw a distinct remaining count: the headers count down.
        remaining = sorted(int(r.headers["X-RateLimit-Remaining"]) for r in admitted)
        assert remaining == list(range(limit - len(admitted), limit))
        if refused:
            refused_windows += 1
            assert len(admitted) == limit
            assert all(r.headers["X-RateLimit-Remaining"] == "0" for r in refused)
            assert refused[0].json()["errors"][0]["message"] == (
                f"Exceeded rate limit of {limit} in 10_seconds"
            )
    assert refused_windows >= 1


def test_apps_of_one_workspace_share_the_workspace_limit(tmp_path):
    config = tmp_path / "emulator.toml"
    config.write_text(
        '[[workspaces]]\ntokens = ["app-a", "app-b"]\n'
        "[workspaces.settings]\nrate_limit_app = 5\nrate_limit_workspace = 8\n"
    )
    with EmulatorProcess(tmp_path / "e.db", "--config", str(config)) as server:
        first = hammer(server.url, "app-a", 5)
        second = hammer(server.url, "app-b", 5)
    windows = by_window(first + second)
    if len(windows) > 1:  # crossed a window boundary: the arithmetic below does not apply
        return
    assert [r.status_code for r in first].count(200) == 5
    # app-b has its own app quota of 5, but the workspace has only 3 left.
    assert [r.status_code for r in second].count(200) == 3
    refused = [r for r in second if r.status_code == 429][0]
    assert refused.json()["errors"][0]["message"] == "Exceeded rate limit of 8 in 10_seconds"


def test_control_api_and_unauthenticated_requests_carry_no_rate_headers(client, app):
    assert "X-RateLimit-Limit" not in client.get("/_emulator/settings").headers
    assert "X-RateLimit-Limit" not in app.test_client().get("/me").headers
    assert client.get("/me").headers["X-RateLimit-Limit"] == "1666"


def test_reads_and_writes_share_one_window_and_a_refused_write_changes_nothing(client):
    # Reads and writes are counted in the same windows.
    client.post("/_emulator/clock", json={"freeze": True, "at": 1_700_000_000})
    client.patch("/_emulator/settings", json={"rate_limit_app": 4})
    created = client.post("/contacts", json={"email": "first@example.com"})
    contact_id = created.get_json()["id"]
    reads = [client.get(f"/contacts/{contact_id}") for _ in range(2)]
    search = client.post(
        "/contacts/search",
        json={"query": {"field": "email", "operator": "=", "value": "first@example.com"}},
    )
    over = client.post("/contacts", json={"email": "second@example.com"})
    read_over = client.get(f"/contacts/{contact_id}")

    assert [r.status_code for r in (created, *reads, search)] == [200, 200, 200, 200]
    assert [r.headers["X-RateLimit-Remaining"] for r in (created, *reads, search)] == [
        "3",
        "2",
        "1",
        "0",
    ]
    for refused in (over, read_over):
        assert refused.status_code == 429
        assert refused.get_json()["errors"][0]["code"] == "rate_limit_exceeded"
        assert refused.headers["X-RateLimit-Remaining"] == "0"
    client.post("/_emulator/clock", json={"advance": 10})  # the next window
    emails = {
        "field": "email",
        "operator": "IN",
        "value": ["first@example.com", "second@example.com"],
    }
    found = client.post("/contacts/search", json={"query": emails})
    assert found.status_code == 200
    # The refused create left nothing behind.
    assert [c["email"] for c in found.get_json()["data"]] == ["first@example.com"]
    journal = client.get("/_emulator/journal?status=429").get_json()["data"]
    assert [(e["method"], e["status"]) for e in journal] == [("GET", 429), ("POST", 429)]
