"""The control API: reset, journal, fault rules, clock and the admin token, through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from emulator import create_app
from emulator.testing import EmulatorProcess
from tests.conftest import ApiClient
from tests.intercom_errors import first_error

ATTRIBUTE = {"name": "plan_tier", "model": "contact", "data_type": "string"}


def test_reset_clears_only_this_workspace(client, other_client):
    client.post("/data_attributes", json=ATTRIBUTE)
    other_client.post("/data_attributes", json=ATTRIBUTE)
    client.patch("/_emulator/settings", json={"string_limit": 10})
    assert client.post("/_emulator/reset").status_code == 200
    assert [a for a in client.get("/data_attributes").get_json()["data"] if a["custom"]] == []
    assert (
        len([a for a in other_client.get("/data_attributes").get_json()["data"] if a["custom"]])
        == 1
    )
    # Settings are configuration, not data: a reset keeps them.
    assert client.get("/_emulator/settings").get_json()["string_limit"] == 10


def test_reset_all_clears_every_workspace_with_the_admin_token(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "e.db"), "ADMIN_TOKEN": "s3cret"})
    admin = {"X-Emulator-Admin-Token": "s3cret", "Authorization": "Bearer a"}
    client, other_client = ApiClient(app.test_client(), "a"), ApiClient(app.test_client(), "b")
    client.post("/data_attributes", json=ATTRIBUTE)
    other_client.post("/data_attributes", json=ATTRIBUTE)
    assert app.test_client().post("/_emulator/reset?all=true", headers=admin).get_json() == {
        "reset": "all"
    }
    assert [a for a in other_client.get("/data_attributes").get_json()["data"] if a["custom"]] == []


def test_journal_records_requests_newest_first_with_verdicts(client, token):
    client.post("/data_attributes", json=ATTRIBUTE)
    client.post("/data_attributes", json={**ATTRIBUTE, "bogus": 1}, check=False)
    client.get("/me")
    entries = client.get("/_emulator/journal").get_json()["data"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/me", 200),
        ("POST", "/data_attributes", 400),
        ("POST", "/data_attributes", 200),
    ]
    refused = entries[1]
    assert refused["verdict"] == "refused"
    assert refused["error"] == {"code": "bad_request", "message": "bad 'bogus' parameter"}
    assert refused["request_body"] == {**ATTRIBUTE, "bogus": 1}
    assert entries[2]["response_body"]["name"] == "plan_tier"
    assert entries[0]["latency_ms"] >= 0
    assert token not in str(entries)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ("method=POST", [400, 200]),
        ("status=4xx", [400]),
        ("status=200", [200, 200]),
        ("path=/me", [200]),
        ("path=/data_*", [400, 200]),
        ("limit=1", [200]),
    ],
)
def test_journal_filters(client, filters, expected):
    client.post("/data_attributes", json=ATTRIBUTE)
    client.post("/data_attributes", json=ATTRIBUTE, check=False)  # duplicate name: 400
    client.get("/me")
    entries = client.get(f"/_emulator/journal?{filters}").get_json()["data"]
    assert [e["status"] for e in entries] == expected


def test_journal_is_per_workspace(client, other_client):
    client.get("/me")
    assert other_client.get("/_emulator/journal").get_json()["data"] == []


def test_fault_rule_answers_status_for_the_next_n_requests(client):
    rule = client.post(
        "/_emulator/faults", json={"method": "GET", "path": "/me", "status": 503, "times": 2}
    ).get_json()
    assert [client.get("/me", check=False).status_code for _ in range(3)] == [503, 503, 200]
    listed = client.get("/_emulator/faults").get_json()["data"]
    assert listed[0]["id"] == rule["id"] and listed[0]["hits"] == 2 and listed[0]["remaining"] == 0
    entries = client.get("/_emulator/journal?status=503").get_json()["data"]
    assert [e["fault_id"] for e in entries] == [rule["id"], rule["id"]]


def test_fault_rule_with_a_custom_body_and_glob(client):
    body = {"type": "error.list", "errors": [{"code": "server_error", "message": "boom"}]}
    client.post(
        "/_emulator/faults", json={"path": "/data_*", "status": 500, "body": body, "times": 1}
    )
    response = client.post("/data_attributes", json=ATTRIBUTE, check=False)
    assert response.status_code == 500 and response.get_json() == body
    assert client.get("/me").status_code == 200
    assert [
        a for a in client.get("/data_attributes").get_json()["data"] if a["custom"]
    ] == []  # nothing was stored


def test_probability_rules_repeat_with_the_same_seed(client):
    def run() -> list[int]:
        client.delete("/_emulator/faults")
        client.post("/_emulator/faults", json={"status": 500, "probability": 0.5, "seed": 7})
        return [client.get("/me", check=False).status_code for _ in range(20)]

    first = run()
    assert first == run()
    assert 0 < first.count(500) < 20


def test_delete_fault_rules(client):
    rule = client.post("/_emulator/faults", json={"status": 500}).get_json()
    assert client.delete(f"/_emulator/faults/{rule['id']}").get_json()["deleted"] is True
    assert client.get("/me").status_code == 200
    assert client.delete("/_emulator/faults/999").status_code == 404


@pytest.mark.parametrize(
    "rule",
    [
        {},
        {"status": 200},
        {"status": 500, "times": 0},
        {"status": 500, "probability": 2},
        {"status": 500, "color": "red"},
    ],
)
def test_invalid_fault_rules_are_refused(client, rule):
    response = client.post("/_emulator/faults", json=rule)
    first_error(response, 400)
    assert client.get("/_emulator/faults").get_json()["data"] == []


# What a client sees of a `drop` fault: gunicorn shuts the socket before any answer; granian lends
# the app no socket, so the head goes out and the connection is cut before the body (the client
# reads a broken body, or a reset while it still reads the head).
DROPPED: dict[str, Any] = {
    "gunicorn": requests.ConnectionError,
    "granian": (requests.exceptions.ChunkedEncodingError, requests.ConnectionError),
}


@pytest.mark.parametrize("server", sorted(DROPPED))
def test_dropped_connection_and_latency_through_a_real_server(tmp_path, server):
    from emulator.testing import EmulatorProcess

    with EmulatorProcess(tmp_path / "served.db", "--server", server) as served:
        _drop_then_delay(served.url, DROPPED[server])


def _drop_then_delay(url: str, dropped: Any) -> None:
    headers = {"Authorization": "Bearer dropper"}
    requests.post(
        f"{url}/_emulator/faults", headers=headers, json={"path": "/me", "drop": True, "times": 1}
    )
    with pytest.raises(dropped):
        requests.get(f"{url}/me", headers=headers)
    assert requests.get(f"{url}/me", headers=headers).status_code == 200
    requests.post(
        f"{url}/_emulator/faults",
        headers=headers,
        json={"path": "/me", "latency_ms": 300, "times": 1},
    )
    slow = requests.get(f"{url}/me", headers=headers)
    assert slow.status_code == 200 and slow.elapsed.total_seconds() >= 0.3


def test_frozen_clock_sets_rate_windows_and_timestamps(client):
    frozen = client.post("/_emulator/clock", json={"freeze": True, "at": 1_700_000_003}).get_json()
    assert frozen == {"now": 1_700_000_003, "frozen": True, "offset_seconds": 0.0}
    assert client.get("/me").headers["X-RateLimit-Reset"] == "1700000010"
    created = client.post("/data_attributes", json=ATTRIBUTE).get_json()
    assert created["created_at"] == 1_700_000_003
    client.post("/_emulator/clock", json={"advance": 10})
    assert client.get("/me").headers["X-RateLimit-Reset"] == "1700000020"
    assert client.get("/_emulator/clock").get_json()["now"] == 1_700_000_013


def test_frozen_clock_makes_rate_windows_deterministic(client):
    client.post("/_emulator/clock", json={"freeze": True, "at": 1_700_000_000})
    client.patch("/_emulator/settings", json={"rate_limit_app": 3})
    assert [client.get("/me", check=False).status_code for _ in range(4)] == [200, 200, 200, 429]
    client.post("/_emulator/clock", json={"advance": 10})
    assert client.get("/me").status_code == 200


def test_clock_reset_returns_to_real_time(client):
    client.post("/_emulator/clock", json={"freeze": True, "at": 1})
    state = client.post("/_emulator/clock", json={"reset": True, "freeze": False}).get_json()
    assert state["frozen"] is False and state["now"] > 1_700_000_000


def test_admin_token_guards_the_control_api(tmp_path, token):
    app = create_app({"DATABASE": str(tmp_path / "e.db"), "ADMIN_TOKEN": "s3cret"})
    client = ApiClient(app.test_client(), token)
    assert client.get("/_emulator/health").status_code == 200
    refused = client.get("/_emulator/settings")
    assert refused.status_code == 403 and refused.get_json()["errors"][0]["code"] == "forbidden"
    allowed = client.get("/_emulator/settings", headers={"X-Emulator-Admin-Token": "s3cret"})
    assert allowed.status_code == 200
    assert client.get("/me").status_code == 200  # the Intercom API itself is unaffected


def test_serving_beyond_loopback_needs_an_admin_token(tmp_path):
    from click.testing import CliRunner

    from emulator.cli import main

    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--db", ":memory:"])
    assert result.exit_code == 2
    assert "pass --admin-token" in result.output
    with EmulatorProcess(":memory:", "--admin-token", "s3cret") as server:
        assert requests.get(f"{server.url}/_emulator/reset").status_code == 405
        assert (
            requests.post(
                f"{server.url}/_emulator/reset", headers={"Authorization": "Bearer x"}
            ).status_code
            == 403
        )
