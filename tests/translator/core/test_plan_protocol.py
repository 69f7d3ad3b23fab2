"""The plan protocol: a generator that yields calls, receives replies and returns the outcome."""

from __future__ import annotations

import pytest

from translator import Call, Reply, plan_event, run_plan, scripted, settings_for
from translator.core.company_ids import company_id_for_name, string_hash
from translator.core.timestamps import date_to_unix

IDENTIFY = {
    "type": "identify",
    "userId": "u-1",
    "traits": {"email": "a@example.com"},
    "timestamp": "2020-01-01T00:00:00Z",
}
EMPTY_SEARCH = Reply(200, {"type": "list", "data": []})


def test_a_plan_is_driven_with_next_and_send_and_returns_its_outcome() -> None:
    plan = plan_event(IDENTIFY)
    search = next(plan)
    assert isinstance(search, Call) and search.purpose == "lookup"
    write = plan.send(EMPTY_SEARCH)
    assert (write.method, write.path, write.body["role"]) == ("POST", "/contacts", "user")
    with pytest.raises(StopIteration) as finished:
        plan.send(Reply(200, {"type": "contact", "id": "c-1"}))
    assert finished.value.value.status == "planned"


def test_a_skipped_event_ends_at_once() -> None:
    with pytest.raises(StopIteration) as finished:
        next(plan_event({"type": "page", "userId": "u"}))
    assert finished.value.value.status == "skipped"


@pytest.mark.parametrize(
    ("replies", "failing_call"),
    [
        (
            [Reply(500, {"errors": [{"code": "server_error", "message": "boom"}]})],
            "POST /contacts/search",
        ),
        ([EMPTY_SEARCH, Reply(422, {"errors": [{"message": "bad"}]})], "POST /contacts"),
        ([EMPTY_SEARCH, Reply(409, {"errors": [{"message": "conflict"}]})], "POST /contacts"),
        ([EMPTY_SEARCH, Reply(200, {"type": "contact"})], "POST /contacts"),
    ],
)
def test_a_reply_the_plan_cannot_use_fails_the_event_with_intercoms_message(replies, failing_call):
    run = run_plan(plan_event(IDENTIFY), scripted(replies))
    assert run.outcome.status == "failed"
    assert run.outcome.reason.code == "intercom_error"
    assert run.outcome.reason.message.startswith(failing_call)
    assert f"{run.calls[-1].method} {run.calls[-1].path}" == failing_call


def test_a_409_without_an_id_is_a_failure_not_a_guess() -> None:
    replies = [EMPTY_SEARCH, Reply(409, {"errors": [{"code": "conflict", "message": "Conflict"}]})]
    run = run_plan(plan_event(IDENTIFY), scripted(replies))
    assert [call.method for call in run.calls] == ["POST", "POST"]
    assert "409" in run.outcome.reason.message


def test_an_existing_data_attribute_does_not_stop_the_write() -> None:
    chosen = settings_for(unknown_attribute_policy="create")
    raw = {**IDENTIFY, "traits": {"email": "a@example.com", "tier": "gold"}}
    exists = Reply(
        400,
        {
            "errors": [
                {
                    "code": "parameter_invalid",
                    "message": "You already have 'tier' in your people data.",
                }
            ]
        },
    )
    run = run_plan(plan_event(raw, chosen), scripted([EMPTY_SEARCH, exists]))
    assert [call.path for call in run.calls] == [
        "/contacts/search",
        "/data_attributes",
        "/contacts",
    ]
    assert run.outcome.status == "planned"


def test_a_search_reply_without_data_counts_as_no_hit() -> None:
    run = run_plan(plan_event(IDENTIFY), scripted([Reply(200, {"type": "list"})]))
    assert run.calls[1].method == "POST" and run.calls[1].path == "/contacts"


def test_group_stops_when_the_company_upsert_fails() -> None:
    raw = {"type": "group", "userId": "u", "groupId": "g", "timestamp": "2020-01-01T00:00:00Z"}
    run = run_plan(
        plan_event(raw), scripted([Reply(400, {"errors": [{"message": "bad 'x' parameter"}]})])
    )
    assert len(run.calls) == 1 and run.outcome.status == "failed"


def test_detach_when_the_company_is_found_but_not_attached_is_a_note() -> None:
    raw = {
        **IDENTIFY,
        "traits": {"email": "a@example.com", "company": {"id": "c9", "remove": True}},
    }
    replies = [
        EMPTY_SEARCH,
        Reply(200, {"id": "contact-1"}),
        Reply(200, {"id": "co-1"}),
        Reply(404, {"errors": [{"code": "not_found"}]}),
    ]
    run = run_plan(plan_event(raw), scripted(replies))
    assert run.calls[-1].path == "/contacts/contact-1/companies/co-1"
    assert run.calls[-1].method == "DELETE"
    assert [note.code for note in run.outcome.notes] == ["company_not_attached"]
    assert run.outcome.status == "planned"


def test_a_track_answered_404_user_not_found_fails() -> None:
    raw = {"type": "track", "userId": "u", "event": "e", "timestamp": "2020-01-01T00:00:00Z"}
    not_found = Reply(
        404, {"type": "error.list", "errors": [{"code": "not_found", "message": "User Not Found"}]}
    )
    run = run_plan(plan_event(raw), scripted([not_found]))
    assert run.outcome.status == "failed"
    assert "User Not Found" in run.outcome.reason.message


def test_received_at_dates_events_without_a_timestamp() -> None:
    raw = {"type": "track", "userId": "u", "event": "e"}
    run = run_plan(plan_event(raw, received_at=1_700_000_000), scripted([]))
    assert run.calls[0].body["created_at"] == 1_700_000_000


@pytest.mark.parametrize(
    ("name", "expected"),
    # Values from the JavaScript `string-hash` function (djb2-xor over UTF-16 code units).
    [
        ("", 5381),
        ("Acme Inc", 3302265675),
        ("Iñigo & Friends Holding Company", 1548292531),
        ("😀 emoji co", 3871838192),
    ],
)
def test_string_company_ids_match_the_javascript_string_hash(name: str, expected: int) -> None:
    assert string_hash(name) == expected
    assert company_id_for_name(name) == str(expected)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("Mon Mar 26 2018 17:44:51 GMT+0000 (UTC)", 1522086291),
        ("2018-03-26T17:44:51Z", 1522086291),
        ("2018-03-26T19:44:51+02:00", 1522086291),
        (1363902294011, 1363902294),
        (1363902294, 1363902294),
        ("1363902294", 1363902294),
        ("Mon, 26 Mar 2018 17:44:51 +0000", 1522086291),
        ("1970-01-01T00:00:00Z", 0),
        ("soon", None),
        (True, None),
        (1e300, None),
    ],
)
def test_trait_dates_in_every_shape_segment_sends(value, seconds) -> None:
    assert date_to_unix(value) == seconds
