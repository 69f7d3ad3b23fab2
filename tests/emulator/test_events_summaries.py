"""`POST /events/summaries`: counts of an event a user did elsewhere, added to the user's
`GET /events?summary=true`; who it is about, its name, what it refuses, and what clears it."""

from __future__ import annotations

import sqlite3
import time

import pytest

from emulator import create_app, request_validation
from tests.conftest import ApiClient, post_reset
from tests.intercom_errors import first_error

NOW = int(time.time())
HOUR = 60 * 60


def make_contact(client, external_id="u-1", role="user", email="rosie@example.com"):
    body = {"role": role, "external_id": external_id}
    if email is not None:
        body["email"] = email
    response = client.post("/contacts", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def summarise(client, name="signed-up", count=3, first=NOW - 2 * HOUR, last=NOW - HOUR, **body):
    summary = {"event_name": name, "count": count, "first": first, "last": last}
    return client.post(
        "/events/summaries", json={"user_id": "u-1", "event_summaries": summary, **body}
    )


def send_event(client, name="signed-up", created_at=NOW):
    body = {"event_name": name, "created_at": created_at, "user_id": "u-1"}
    assert client.post("/events", json=body).status_code == 202


def summary_lines(client, who="user_id=u-1"):
    response = client.get(f"/events?type=user&summary=true&{who}")
    assert response.status_code == 200, response.get_json()
    return {line["name"]: line for line in response.get_json()["events"]}


def iso(timestamp):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime(timestamp))


def journal(client):
    return client.get("/_emulator/journal?path=/events/summaries").get_json()["data"]


def stored_summaries(db_path, workspace_id=None):
    with sqlite3.connect(db_path) as conn:
        if workspace_id is None:
            return conn.execute("SELECT count(*) FROM event_summaries").fetchone()[0]
        query = "SELECT count(*) FROM event_summaries WHERE workspace_id = ?"
        return conn.execute(query, [workspace_id]).fetchone()[0]


@pytest.fixture
def user(client):
    return make_contact(client)


# --- what a summary adds ------------------------------------------------------------------------


def test_a_summary_answers_an_empty_200_and_shows_in_the_users_summary(client, user):
    response = summarise(client, "Invited.Friend", count=4, first=NOW - 3 * HOUR, last=NOW)
    assert response.status_code == 200
    assert response.data == b""
    assert summary_lines(client) == {
        "invited-friend": {
            "name": "invited-friend",
            "first": iso(NOW - 3 * HOUR),
            "last": iso(NOW),
            "count": 4,
            "description": "",
        }
    }


def test_a_summary_adds_to_the_events_recorded_for_its_name(client, user):
    send_event(client, created_at=NOW - HOUR)
    send_event(client, created_at=NOW)
    assert summarise(client, count=5, first=NOW - 90 * HOUR, last=NOW - 2 * HOUR).status_code == 200
    line = summary_lines(client)["signed-up"]
    assert (line["count"], line["first"], line["last"]) == (7, iso(NOW - 90 * HOUR), iso(NOW))


def test_the_control_apis_event_names_count_summaries_too(client, user):
    send_event(client, "recorded", created_at=NOW - HOUR)
    assert (
        summarise(client, "summarised", count=4, first=NOW - 9 * HOUR, last=NOW).status_code == 200
    )
    send_event(client, "summarised", created_at=NOW - 10 * HOUR)
    names = {n["name"]: n for n in client.get("/_emulator/event_names").get_json()["data"]}
    assert (names["recorded"]["count"], names["recorded"]["first"]) == (1, NOW - HOUR)
    summarised = names["summarised"]
    assert (summarised["count"], summarised["first"], summarised["last"]) == (
        5,
        NOW - 10 * HOUR,
        NOW,
    )


def test_summaries_of_a_name_add_up_and_widen_its_span(client, user):
    assert summarise(client, count=2, first=NOW - 5 * HOUR, last=NOW - 4 * HOUR).status_code == 200
    assert summarise(client, count=3, first=NOW - 6 * HOUR, last=NOW - 5 * HOUR).status_code == 200
    line = summary_lines(client)["signed-up"]
    assert (line["count"], line["first"], line["last"]) == (
        5,
        iso(NOW - 6 * HOUR),
        iso(NOW - 4 * HOUR),
    )


def test_the_same_summary_sent_again_is_counted_once_and_the_journal_says_so(client, user):
    assert summarise(client, count=3).status_code == 200
    assert summarise(client, count=3).status_code == 200
    assert summary_lines(client)["signed-up"]["count"] == 3
    assert journal(client)[0]["warnings"] == ["duplicate summary of 'signed-up' ignored"]


def test_the_event_list_does_not_show_summaries(client, user):
    assert summarise(client).status_code == 200
    # Intercom's 2.11 description types GET /events as the summary only: the list is unchecked.
    listed = client.get("/events?type=user&user_id=u-1", check=False).get_json()
    assert (listed["type"], listed["events"]) == ("event.list", [])


def test_the_journal_records_the_request_and_its_verdict(client, user):
    assert summarise(client, count=3).status_code == 200
    (entry,) = journal(client)
    assert (entry["method"], entry["status"], entry["verdict"]) == ("POST", 200, "accepted")
    assert entry["request_body"]["event_summaries"]["count"] == 3


def test_unknown_keys_are_ignored_and_noted_in_the_journal(client, user):
    response = client.post(
        "/events/summaries",
        json={
            "user_id": "u-1",
            "source": "backfill",
            "event_summaries": {"event_name": "x", "count": 1, "first": NOW, "last": NOW, "y": 1},
        },
    )
    assert response.status_code == 200
    assert summary_lines(client)["x"]["count"] == 1
    assert journal(client)[0]["warnings"] == [
        "unknown event summary parameters ignored: source",
        "unknown event summary parameters ignored: event_summaries.y",
    ]


def test_times_sent_in_milliseconds_are_kept_with_a_warning_and_still_summarised(client, user):
    last = 2**53 - 1  # the largest time accepted
    assert summarise(client, first=NOW * 1000, last=last).status_code == 200
    assert journal(client)[0]["warnings"] == [
        "event_summaries.first looks like milliseconds; Intercom expects seconds",
        "event_summaries.last looks like milliseconds; Intercom expects seconds",
    ]
    assert summary_lines(client)["signed-up"]["last"] == "285428751-11-12T07:36:31.000+00:00"


# --- who it is about ----------------------------------------------------------------------------


def test_user_id_finds_a_lead_by_its_external_id_too(client, user):
    lead = make_contact(client, external_id="lead-1", role="lead", email=None)
    assert summarise(client, user_id="lead-1").status_code == 200
    assert summary_lines(client, f"intercom_user_id={lead['id']}")["signed-up"]["count"] == 3
    assert summary_lines(client, f"intercom_user_id={user['id']}") == {}


@pytest.mark.parametrize(
    "user_id",
    [
        "nobody",
        "rosie@example.com",  # an email is not a user_id
        "U-1",  # external ids are case sensitive
    ],
)
def test_a_user_it_cannot_find_is_404(client, user, user_id):
    response = summarise(client, user_id=user_id)
    assert response.status_code == 404
    assert first_error(response) == {"code": "not_found", "message": "User Not Found"}
    assert summary_lines(client) == {}


def test_an_archived_contact_is_not_found(client, user):
    assert client.post(f"/contacts/{user['id']}/archive").status_code == 200
    assert summarise(client).status_code == 404


def test_another_workspaces_user_is_not_found(client, other_client, user):
    assert summarise(other_client).status_code == 404
    assert summary_lines(client) == {}


def test_a_merged_leads_summaries_move_to_the_user(client, user):
    lead = make_contact(client, external_id="lead-1", role="lead", email=None)
    assert summarise(client, user_id="lead-1", count=4).status_code == 200
    merged = client.post("/contacts/merge", json={"from": lead["id"], "into": user["id"]})
    assert merged.status_code == 200, merged.get_json()
    assert summary_lines(client)["signed-up"]["count"] == 4


def test_deleting_the_contact_deletes_its_summaries(client, user, db_path):
    assert summarise(client).status_code == 200
    assert client.delete(f"/contacts/{user['id']}").status_code == 200
    assert stored_summaries(db_path) == 0


# --- what it refuses ----------------------------------------------------------------------------


@pytest.fixture(params=["request validation", "store alone"])
def checking(request, client, tmp_path):
    """The client, or one of an emulator without its request validation, whose store must
    refuse the same bodies with the same codes and fields."""
    if request.param == "request validation":
        return client
    app = create_app({"DATABASE": str(tmp_path / "unvalidated.db")})
    app.extensions["request_validation"] = request_validation.RequestValidation({})
    return ApiClient(app.test_client(), client.token)


VALID = {"event_name": "signed-up", "count": 3, "first": NOW - HOUR, "last": NOW}


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"event_summaries": VALID}, 400, "parameter_not_found", "user_id"),
        ({"user_id": "", "event_summaries": VALID}, 400, "parameter_not_found", "user_id"),
        ({"user_id": "u-1"}, 400, "parameter_not_found", "event_summaries"),
        *[
            (
                {"user_id": "u-1", "event_summaries": {k: v for k, v in VALID.items() if k != key}},
                400,
                "parameter_not_found",
                f"event_summaries.{key}",
            )
            for key in ("event_name", "count")
        ],
        (
            {"user_id": "u-1", "event_summaries": {"event_name": "signed-up", "count": 3}},
            400,
            "parameter_not_found",
            "event_summaries.first",
        ),
        (
            {"user_id": "u-1", "event_summaries": {**VALID, "event_name": ""}},
            400,
            "parameter_not_found",
            "event_summaries.event_name",
        ),
        ({"user_id": 1, "event_summaries": VALID}, 400, "parameter_invalid", "user_id"),
        (
            {"user_id": "u-1", "event_summaries": [VALID]},
            400,
            "parameter_invalid",
            "event_summaries",
        ),
        *[
            (
                {"user_id": "u-1", "event_summaries": {**VALID, key: value}},
                400,
                "parameter_invalid",
                f"event_summaries.{key}",
            )
            for key, value in [
                ("event_name", 7),
                ("count", "3"),
                ("count", 1.5),
                ("count", True),
                ("count", -1),
                ("count", 0),
                ("count", 2**31),
                ("count", None),
                ("first", -1),
                ("first", "yesterday"),
                ("last", 2**53),
                ("first", NOW + 1),  # after last
            ]
        ],
    ],
)
def test_invalid_bodies_are_refused_and_change_nothing(checking, body, status, code, field):
    make_contact(checking)
    response = checking.post("/events/summaries", json=body)
    assert response.status_code == status
    error = first_error(response)
    assert (error["code"], error["field"]) == (code, field)
    assert summary_lines(checking) == {}
    assert checking.get("/_emulator/event_names").get_json()["data"] == []


def test_first_after_last_says_so(client, user):
    response = summarise(client, first=NOW, last=NOW - 1)
    assert first_error(response)["message"] == (
        "event_summaries.first must not be after event_summaries.last"
    )


def test_a_summary_of_one_moment_is_accepted(client, user):
    assert summarise(client, count=1, first=NOW, last=NOW).status_code == 200
    line = summary_lines(client)["signed-up"]
    assert (line["count"], line["first"], line["last"]) == (1, iso(NOW), iso(NOW))


# --- event names --------------------------------------------------------------------------------


def names(client):
    return {
        n["name"]: n["archived"] for n in client.get("/_emulator/event_names").get_json()["data"]
    }


@pytest.fixture
def one_slot(client, user):
    """A workspace allowed one active event name, holding `viewed`."""
    assert client.patch("/_emulator/settings", json={"event_name_limit": 1}).status_code == 200
    send_event(client, "viewed")
    return client


def test_a_summarys_name_takes_one_of_the_active_event_names(client, user):
    assert summarise(client, "Upgraded.Plan").status_code == 200
    assert names(client) == {"upgraded-plan": False}
    assert client.get("/_emulator/event_names").get_json()["active"] == 1


def test_a_new_name_past_the_limit_is_refused_with_422_and_not_stored(one_slot, db_path):
    response = summarise(one_slot, "paid")
    assert response.status_code == 422
    assert first_error(response) == {
        "code": "unprocessable_entity",
        "message": "Cannot have more than 1 active event names",
    }
    assert names(one_slot) == {"viewed": False}
    assert stored_summaries(db_path) == 0


def test_a_name_already_active_is_accepted_at_the_limit(one_slot):
    assert summarise(one_slot, "VIEWED").status_code == 200
    assert summary_lines(one_slot)["viewed"]["count"] == 4


def test_a_summary_unarchives_an_archived_name_when_a_slot_is_free(one_slot):
    assert one_slot.post("/_emulator/event_names/viewed/archive").status_code == 200
    assert summarise(one_slot, "viewed").status_code == 200
    assert names(one_slot) == {"viewed": False}


# --- what clears it -----------------------------------------------------------------------------


@pytest.mark.parametrize("everything", [False, True])
def test_reset_clears_summaries(client, other_client, user, db_path, everything):
    make_contact(other_client)
    assert summarise(client).status_code == 200
    assert summarise(other_client).status_code == 200
    reset = post_reset(client, db_path, everything)
    assert reset.status_code == 200
    assert stored_summaries(db_path, user["workspace_id"]) == 0
    assert stored_summaries(db_path) == (0 if everything else 1)


@pytest.mark.parametrize("given", ["first", "last"])
def test_one_time_stands_for_both(client, user, given):
    """2.11 `create_data_event_summaries_request` requires none of the summary's fields and says a
    summary "should contain the event name, the time the event occurred, and the number of
    times": one of `first` and `last` is enough."""
    body = {"user_id": "u-1", "event_summaries": {"event_name": "paid", "count": 2, given: NOW}}
    response = client.post("/events/summaries", json=body)
    assert response.status_code == 200, response.get_json()
    line = summary_lines(client)["paid"]
    assert (line["count"], line["first"], line["last"]) == (2, iso(NOW), iso(NOW))
