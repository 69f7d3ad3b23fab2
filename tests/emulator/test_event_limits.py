"""The cap on active event names, and the control API that archives names to make room."""

from __future__ import annotations

import time

import pytest

NOW = int(time.time())


@pytest.fixture
def user(client):
    response = client.post("/contacts", json={"external_id": "u-1", "email": "sam@example.com"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def send(client, name, created_at=NOW):
    return client.post(
        "/events", json={"event_name": name, "created_at": created_at, "user_id": "u-1"}
    )


def names(client):
    return client.get("/_emulator/event_names").get_json()


def listed_names(client):
    events = client.get("/events?type=user&user_id=u-1&per_page=150", check=False).get_json()
    return sorted({event["event_name"] for event in events["events"]})


def assert_too_many(response, limit):
    assert response.status_code == 422
    body = response.get_json()
    assert body["type"] == "error.list" and body["request_id"]
    assert body["errors"] == [
        {
            "code": "unprocessable_entity",
            "message": f"Cannot have more than {limit} active event names",
        }
    ]


@pytest.fixture
def full(client, user):
    """A workspace whose three event-name slots are all in use."""
    client.patch("/_emulator/settings", json={"event_name_limit": 3})
    for name in ("viewed", "paid", "left"):
        assert send(client, name).status_code == 202
    return client


def test_the_120th_name_passes_and_the_121st_is_refused_by_default(client, user):
    for number in range(1, 121):
        assert send(client, f"event-{number}").status_code == 202
    before = names(client)
    assert (before["active"], before["limit"]) == (120, 120)
    assert_too_many(send(client, "event-121"), 120)
    assert names(client) == before
    assert "event-121" not in listed_names(client)
    assert send(client, "event-120", created_at=NOW + 1).status_code == 202


def test_a_new_name_past_the_limit_is_refused_and_leaves_no_trace(full):
    before = names(full)
    assert_too_many(send(full, "upgraded"), 3)
    assert names(full) == before
    assert listed_names(full) == ["left", "paid", "viewed"]


@pytest.mark.parametrize("name", ["paid", "PAID", "Viewed", "left"])
def test_an_existing_name_still_passes_at_the_limit(full, name):
    assert send(full, name, created_at=NOW + 5).status_code == 202
    counts = {n["name"]: n["count"] for n in names(full)["data"]}
    assert counts[name.lower()] == 2


def test_the_message_follows_the_setting(full):
    full.patch("/_emulator/settings", json={"event_name_limit": 2})
    assert_too_many(send(full, "upgraded"), 2)
    assert send(full, "paid", created_at=NOW + 1).status_code == 202


def test_archiving_a_name_frees_its_slot(full):
    archived = full.post("/_emulator/event_names/paid/archive")
    assert archived.status_code == 200
    assert archived.get_json() == {
        "name": "paid",
        "archived": True,
        "count": 1,
        "first": NOW,
        "last": NOW,
    }
    assert names(full)["active"] == 2
    assert send(full, "upgraded").status_code == 202
    listing = names(full)
    assert listing["active"] == 3
    assert [(n["name"], n["archived"]) for n in listing["data"]] == [
        ("viewed", False),
        ("paid", True),
        ("left", False),
        ("upgraded", False),
    ]
    # The archived name's events stay.
    assert "paid" in listed_names(full)


def test_an_event_with_an_archived_name_unarchives_it_when_a_slot_is_free(full):
    full.post("/_emulator/event_names/paid/archive")
    assert send(full, "Paid", created_at=NOW + 1).status_code == 202
    assert {n["name"]: n["archived"] for n in names(full)["data"]}["paid"] is False


def test_an_event_with_an_archived_name_is_refused_when_no_slot_is_free(full):
    full.post("/_emulator/event_names/paid/archive")
    send(full, "upgraded")
    before = names(full)
    assert_too_many(send(full, "paid", created_at=NOW + 1), 3)
    assert names(full) == before


def test_unarchiving_beyond_the_limit_is_refused(full):
    full.post("/_emulator/event_names/paid/archive")
    send(full, "upgraded")
    before = names(full)
    assert_too_many(full.post("/_emulator/event_names/paid/unarchive"), 3)
    assert names(full) == before
    full.post("/_emulator/event_names/left/archive")
    unarchived = full.post("/_emulator/event_names/PAID/unarchive")
    assert (unarchived.status_code, unarchived.get_json()["archived"]) == (200, False)


@pytest.mark.parametrize("action", ["archive", "unarchive"])
def test_archiving_an_unknown_name_is_404(full, action):
    response = full.post(f"/_emulator/event_names/never-sent/{action}")
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["message"] == "Event name 'never-sent' not found"


def test_the_control_api_accepts_names_in_the_form_they_were_sent(full):
    full.patch("/_emulator/settings", json={"event_name_limit": 4})
    send(full, "Signed.Up")
    assert full.post("/_emulator/event_names/Signed.Up/archive").get_json()["name"] == "signed-up"


def test_lowering_the_limit_keeps_existing_names_working(full):
    full.patch("/_emulator/settings", json={"event_name_limit": 1})
    assert send(full, "left", created_at=NOW + 1).status_code == 202
    assert_too_many(send(full, "upgraded"), 1)
    assert (names(full)["active"], names(full)["limit"]) == (3, 1)


def test_event_names_belong_to_one_workspace(full, other_client):
    assert names(other_client) == {"type": "list", "data": [], "active": 0, "limit": 120}


def test_the_control_api_is_not_rate_limited(full):
    full.patch("/_emulator/settings", json={"rate_limit_app": 1, "rate_limit_workspace": 1})
    for _ in range(5):
        assert full.get("/_emulator/event_names").status_code == 200
    assert full.post("/_emulator/event_names/paid/archive").status_code == 200
