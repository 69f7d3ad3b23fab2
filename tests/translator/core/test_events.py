"""Parsing Spec events: what is accepted, and the precise reason for what is not."""

from __future__ import annotations

import pytest

from translator import Event, Reason, dry_run, parse_event


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        ([1, 2], "not_an_object", None),
        ("identify", "not_an_object", None),
        (None, "not_an_object", None),
        ({"userId": "u"}, "missing_type", "type"),
        ({"type": "purchase", "userId": "u"}, "unknown_type", "type"),
        ({"type": 7}, "unknown_type", "type"),
        ({"type": "track", "userId": "u"}, "missing_event_name", "event"),
        ({"type": "track", "userId": "u", "event": "   "}, "missing_event_name", "event"),
        ({"type": "track", "userId": "u", "event": 5}, "missing_event_name", "event"),
        ({"type": "group", "userId": "u"}, "missing_group_id", "groupId"),
        (
            {"type": "identify", "userId": "u", "timestamp": "yesterday"},
            "invalid_timestamp",
            "timestamp",
        ),
        (
            {"type": "identify", "userId": "u", "originalTimestamp": 12},
            "invalid_timestamp",
            "originalTimestamp",
        ),
        ({"type": "identify", "userId": {"id": 1}}, "invalid_field", "userId"),
        ({"type": "identify", "userId": True}, "invalid_field", "userId"),
        ({"type": "identify", "userId": "u", "traits": ["a"]}, "invalid_field", "traits"),
        ({"type": "identify", "userId": "u", "context": "web"}, "invalid_field", "context"),
        ({"type": "identify", "userId": "u", "messageId": 3}, "invalid_field", "messageId"),
    ],
)
def test_undeliverable_events_get_a_code_a_message_and_the_field(raw, code, field) -> None:
    reason = parse_event(raw)
    assert isinstance(reason, Reason)
    assert (reason.code, reason.field) == (code, field)
    assert reason.message


def test_a_segment_http_api_event_parses_with_its_timestamp_in_unix_seconds() -> None:
    event = parse_event(
        {
            "type": "Identify",
            "userId": 42,
            "anonymousId": "a-1",
            "traits": {"email": "a@example.com"},
            "context": {"ip": "1.2.3.4"},
            "integrations": {"Intercom": {"user_hash": "h"}},
            "originalTimestamp": "2020-01-01T00:00:00+01:00",
            "messageId": "m-1",
        }
    )
    assert isinstance(event, Event)
    assert event.type == "identify"
    assert event.user_id == "42"
    assert event.timestamp == 1577833200
    assert event.traits == {"email": "a@example.com"}


def test_timestamp_wins_over_original_timestamp_and_received_at() -> None:
    event = parse_event(
        {
            "type": "track",
            "event": "x",
            "timestamp": "2020-01-01T00:00:00Z",
            "originalTimestamp": "2019-01-01T00:00:00Z",
            "receivedAt": "2018-01-01T00:00:00Z",
        }
    )
    assert event.timestamp == 1577836800


def test_null_objects_are_empty_objects() -> None:
    event = parse_event({"type": "identify", "userId": "u", "traits": None, "context": None})
    assert event.traits == {} and event.context == {}


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ({"type": "identify", "anonymousId": "a"}, "rejected", "missing_user_identity"),
        ({"type": "identify", "userId": "  "}, "rejected", "missing_user_identity"),
        ({"type": "screen", "userId": "u", "name": "Home"}, "skipped", "unsupported_call"),
        ({"type": "alias", "userId": "u", "previousId": "a"}, "skipped", "unsupported_call"),
        ({"type": "page", "userId": "u"}, "skipped", "device_mode_only"),
        ({"type": "reset"}, "skipped", "device_mode_only"),
        ({"type": "track", "userId": "u", "event": "x"}, "rejected", "missing_timestamp"),
    ],
)
def test_events_without_a_deliverable_meaning_say_why(raw, status, code) -> None:
    run = dry_run(raw)
    assert run.calls == ()
    assert run.outcome.status == status
    assert run.outcome.reason.code == code


def test_a_group_without_a_user_still_upserts_the_company() -> None:
    # Both destinations upsert the company of a group that names no user (SC-G5, SA-G3, RS-G4).
    raw = {"type": "group", "groupId": "g", "anonymousId": "a", "timestamp": "2020-01-01"}
    run = dry_run(raw)
    assert [(call.method, call.path) for call in run.calls] == [("POST", "/companies")]
    assert run.outcome.status == "planned"
    assert [note.code for note in run.outcome.notes] == ["no_user"]


def test_anonymous_id_names_the_user_only_when_asked() -> None:
    from translator import settings_for

    raw = {"type": "identify", "anonymousId": "anon-1", "timestamp": "2020-01-01T00:00:00Z"}
    assert dry_run(raw).outcome.status == "rejected"
    run = dry_run(raw, settings_for("rudderstack", send_anonymous_id=True))
    assert run.calls[-1].body["external_id"] == "anon-1"
