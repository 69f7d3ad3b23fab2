"""`POST /events` and `GET /events`: who an event is about, its name, its metadata, duplicates,
listing and summaries."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import jsonschema
import pytest

from tests import intercom_reference
from tests.intercom_errors import first_error

NOW = int(time.time())


def make_user(client, external_id="u-1", email="Frodo@Example.com", role="user"):
    body = {"role": role, "email": email}
    if external_id is not None:
        body["external_id"] = external_id
    response = client.post("/contacts", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def send(client, name="signed-up", created_at=NOW, check=True, **fields):
    body = {"event_name": name, "created_at": created_at, **fields}
    if not {"user_id", "email", "id", "intercom_user_id"} & set(fields):
        body["user_id"] = "u-1"
    return client.post("/events", json=body, check=check)


def listed(client, query="user_id=u-1"):
    """GET /events as a list. Intercom's 2.11 description gives GET /events only the summary
    schema, so the list is checked against its `data_event_list` schema here instead."""
    response = client.get(f"/events?type=user&{query}", check=False)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    spec = intercom_reference.load()
    if spec is not None:
        schema = {"$ref": "#/components/schemas/data_event_list", **spec.schema_root}
        string_metadata = all(
            isinstance(v, str) for e in body["events"] for v in e["metadata"].values()
        )
        if string_metadata:  # the description types every metadata value as a string
            jsonschema.validate(body, schema)
    return body


def summary(client, query="user_id=u-1"):
    response = client.get(f"/events?type=user&summary=true&{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def user(client):
    return make_user(client)


def test_event_is_accepted_with_an_empty_body_and_listed(client, user):
    response = send(client, "invited-friend", metadata={"invite_code": "ADDAFRIEND"})
    assert response.status_code == 202
    assert response.data == b""
    body = listed(client)
    assert body["type"] == "event.list"
    assert body["events"] == [
        {
            "type": "event",
            "event_name": "invited-friend",
            "created_at": NOW,
            "user_id": "u-1",
            "email": "frodo@example.com",
            "intercom_user_id": user["id"],
            "metadata": {"invite_code": "ADDAFRIEND"},
        }
    ]


@pytest.mark.parametrize(
    "identify",
    [
        lambda user: {"user_id": "u-1"},
        lambda user: {"email": "FRODO@example.COM"},
        lambda user: {"id": user["id"]},
        lambda user: {"intercom_user_id": user["id"]},
    ],
    ids=["user_id", "email-any-case", "id", "intercom_user_id"],
)
def test_the_user_can_be_named_several_ways(client, user, identify):
    assert send(client, **identify(user)).status_code == 202
    assert [e["intercom_user_id"] for e in listed(client)["events"]] == [user["id"]]


def test_a_lead_is_found_by_its_intercom_id(client):
    lead = make_user(client, external_id=None, email="lead@example.com", role="lead")
    assert send(client, id=lead["id"]).status_code == 202
    events = listed(client, f"intercom_user_id={lead['id']}")["events"]
    assert [(e["event_name"], "user_id" in e) for e in events] == [("signed-up", False)]
    assert summary(client, f"intercom_user_id={lead['id']}")["user_id"] == ""


def test_a_lead_named_by_email_or_user_id_is_not_found(client):
    """2.11 `POST /events`: "When submitting events for Leads, you will need to specify the
    Lead's `id`", and "Events sent about users that cannot be found will return a `404 Not
    Found`" (intercom-api-facts.md §7)."""
    lead = make_user(client, external_id="lead-1", email="lead@example.com", role="lead")
    for identify in ({"email": "lead@example.com"}, {"user_id": "lead-1"}):
        refused = send(client, **identify)
        assert refused.status_code == 404
        assert refused.get_json()["errors"][0] == {"code": "not_found", "message": "User Not Found"}
    assert listed(client, f"intercom_user_id={lead['id']}")["events"] == []
    # A user sharing the lead's email is found by it; the event is the user's.
    user = make_user(client, external_id="u-9", email="lead@example.com")
    assert send(client, email="lead@example.com").status_code == 202
    assert [e["intercom_user_id"] for e in listed(client, "user_id=u-9")["events"]] == [user["id"]]


@pytest.mark.parametrize(
    "identify",
    [{"user_id": "nobody"}, {"email": "nobody@example.com"}, {"id": "0123456789abcdef01234567"}],
)
def test_an_unknown_user_is_404_and_nothing_is_stored(client, user, identify):
    response = send(client, "new-name", **identify)
    assert response.status_code == 404
    assert response.get_json()["errors"] == [{"code": "not_found", "message": "User Not Found"}]
    assert client.get("/_emulator/event_names").get_json()["data"] == []


def test_an_archived_contact_is_not_found(client, user):
    assert client.post(f"/contacts/{user['id']}/archive").status_code == 200
    assert send(client).status_code == 404
    assert send(client, id=user["id"]).status_code == 404


def test_another_workspaces_user_is_not_found(client, other_client, user):
    assert send(other_client).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"created_at": NOW, "user_id": "u-1"}, "event_name"),
        ({"event_name": "", "created_at": NOW, "user_id": "u-1"}, "event_name"),
        ({"event_name": "x", "user_id": "u-1"}, "created_at"),
        ({"event_name": "x", "created": NOW, "user_id": "u-1"}, "created_at"),
        ({"event_name": "x", "created_at": NOW}, "id"),
    ],
)
def test_missing_fields_are_named(client, user, body, field):
    response = client.post("/events", json=body)
    assert response.status_code == 400
    assert first_error(response)["code"] == "parameter_not_found"
    assert first_error(response)["field"] == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"created_at": "2024-01-01"}, "created_at"),
        ({"created_at": 1700000000.5}, "created_at"),
        ({"created_at": True}, "created_at"),
        ({"created_at": -1}, "created_at"),
        ({"created_at": 10**30}, "created_at"),
        ({"event_name": 42}, "event_name"),
        ({"user_id": 42}, "user_id"),
        ({"metadata": ["a", "b"]}, "metadata"),
    ],
)
def test_wrong_types_are_refused(client, user, changes, field):
    body = {"event_name": "x", "created_at": NOW, "user_id": "u-1", **changes}
    response = client.post("/events", json=body)
    assert response.status_code == 400
    assert first_error(response)["code"] == "parameter_invalid"
    assert first_error(response)["field"] == field
    assert listed(client)["events"] == []


def test_names_are_case_insensitive_and_dots_and_dollars_become_hyphens(client, user):
    assert send(client, "Signed.Up$Now", created_at=NOW - 10).status_code == 202
    assert send(client, "signed-up-now", created_at=NOW - 5).status_code == 202
    assert [e["event_name"] for e in listed(client)["events"]] == ["signed-up-now"] * 2
    names = client.get("/_emulator/event_names").get_json()
    assert [(n["name"], n["count"]) for n in names["data"]] == [("signed-up-now", 2)]


def test_a_repeated_event_is_accepted_and_stored_once(client, user):
    first = send(client, "Paid", metadata={"plan": "pro"})
    again = send(client, "paid", metadata={"plan": "team"})
    later = send(client, "paid", created_at=NOW + 1)
    assert [r.status_code for r in (first, again, later)] == [202, 202, 202]
    events = listed(client)["events"]
    assert [(e["created_at"], e["metadata"]) for e in events] == [
        (NOW + 1, {}),
        (NOW, {"plan": "pro"}),
    ]
    assert summary(client)["events"][0]["count"] == 2
    journal = client.get("/_emulator/journal?method=POST&path=/events").get_json()["data"]
    assert [e["warnings"] for e in journal] == [
        [],
        [f"duplicate event 'paid' at {NOW} ignored"],
        [],
    ]


# --- metadata -----------------------------------------------------------------------------------

ACCEPTED_METADATA = {
    "source": "desktop",
    "load": 3.67,
    "seats": 4,
    "trial": False,
    "contact_date": 1392036272,
    "article": "https://example.org/ab1de.html",
    "post": {"url": "https://example.org/ab1de.html", "value": "the dude abides"},
    "price": {"amount": 34999, "currency": "eur"},
    "coupon": None,
}


@pytest.mark.parametrize(("key", "value"), ACCEPTED_METADATA.items())
def test_each_metadata_type_intercom_accepts_is_kept(client, user, key, value):
    assert send(client, metadata={key: value}).status_code == 202
    assert listed(client)["events"][0]["metadata"] == {key: value}


def test_metadata_keeps_the_order_sent(client, user):
    client.patch("/_emulator/settings", json={"metadata_key_limit": 10})
    metadata = dict(reversed(list(ACCEPTED_METADATA.items())))
    assert send(client, metadata=metadata).status_code == 202
    assert list(listed(client)["events"][0]["metadata"]) == list(metadata)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"city": "Hobbiton"}, "nested objects and arrays are not supported"),
        ({"url": "https://example.org", "value": "x", "extra": 1}, "nested objects"),
        (["a", "b"], "nested objects and arrays are not supported"),
        ({"amount": 349.99, "currency": "eur"}, "amount must be an integer number of cents"),
        ({"amount": "34999", "currency": "eur"}, "amount must be an integer number of cents"),
        ({"amount": 34999, "currency": 978}, "currency must be a currency code"),
        ({"url": "https://example.org", "value": 5}, "value must be a string"),
    ],
)
def test_metadata_intercom_does_not_accept_is_refused_naming_the_key(client, user, value, message):
    response = send(client, "new-name", metadata={"fine": "yes", "bad": value})
    assert response.status_code == 400
    error = first_error(response)
    assert (error["code"], error["field"]) == ("parameter_invalid", "metadata.bad")
    assert message in error["message"]
    assert listed(client)["events"] == []
    assert client.get("/_emulator/event_names").get_json()["data"] == []


@pytest.mark.parametrize(
    ("length", "status"), [(255, 202), (256, 400)], ids=["255-chars", "256-chars"]
)
@pytest.mark.parametrize(
    "wrap", [lambda s: s, lambda s: {"url": "https://example.org", "value": s}], ids=["str", "link"]
)
def test_metadata_strings_stop_at_the_string_limit(client, user, length, status, wrap):
    response = send(client, metadata={"note": wrap("x" * length)})
    assert response.status_code == status
    if status == 400:
        assert first_error(response)["field"] == "metadata.note"
        assert "256 characters long; the limit is 255" in first_error(response)["message"]
    assert len(listed(client)["events"]) == (status == 202)


def test_the_string_limit_follows_the_setting(client, user):
    client.patch("/_emulator/settings", json={"string_limit": 3})
    assert send(client, metadata={"note": "abcd"}).status_code == 400
    assert send(client, metadata={"note": "abc"}).status_code == 202


def six_keys():
    return {f"k{i}": i for i in range(1, 7)}


@pytest.mark.parametrize("overflow", ["ignore", "reject"])
def test_five_metadata_keys_always_pass(client, user, overflow):
    client.patch("/_emulator/settings", json={"metadata_overflow": overflow})
    five = {f"k{i}": i for i in range(1, 6)}
    assert send(client, metadata=five).status_code == 202
    assert listed(client)["events"][0]["metadata"] == five


def test_a_sixth_key_is_dropped_with_a_warning_when_overflow_is_ignore(client, user):
    metadata = {"z": 1, "y": 2, "x": 3, "w": 4, "v": 5, "u": 6, "t": 7}
    assert send(client, metadata=metadata).status_code == 202
    assert listed(client)["events"][0]["metadata"] == {"z": 1, "y": 2, "x": 3, "w": 4, "v": 5}
    journal = client.get("/_emulator/journal?method=POST&path=/events").get_json()["data"]
    warnings = journal[0]["warnings"]
    assert warnings == ["metadata keys dropped: u, t (limit 5)"]


def test_dropped_keys_are_not_validated(client, user):
    metadata = {**{f"k{i}": i for i in range(1, 6)}, "nested": {"a": {"b": 1}}}
    assert send(client, metadata=metadata).status_code == 202


def test_a_sixth_key_refuses_the_event_when_overflow_is_reject(client, user):
    client.patch("/_emulator/settings", json={"metadata_overflow": "reject"})
    response = send(client, metadata=six_keys())
    assert response.status_code == 400
    assert first_error(response) == {
        "code": "parameter_invalid",
        "message": "An event can have at most 5 metadata keys; this one has 6",
        "field": "metadata",
    }
    assert listed(client)["events"] == []


# --- GET /events ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        ("user_id=u-1", 400, "parameter_not_found", "type"),
        ("type=company&user_id=u-1", 400, "parameter_invalid", "type"),
        ("type=user", 400, "parameter_not_found", "intercom_user_id"),
        ("type=user&user_id=u-1&per_page=0", 400, "parameter_invalid", "per_page"),
        ("type=user&user_id=u-1&before=yesterday", 400, "parameter_invalid", "before"),
        ("type=user&user_id=nobody", 404, "not_found", None),
    ],
)
def test_listing_needs_a_type_and_a_known_user(client, user, query, status, code, field):
    response = client.get(f"/events?{query}")
    assert response.status_code == status
    assert first_error(response)["code"] == code
    assert first_error(response).get("field") == field


def test_the_list_pages_newest_first_without_losing_events_in_the_same_second(client, user):
    sent = [("a", NOW - 30), ("b", NOW - 20), ("c", NOW - 20), ("d", NOW - 20), ("e", NOW - 10)]
    for name, at in sent:
        assert send(client, name, created_at=at).status_code == 202
    seen, query = [], "user_id=u-1&per_page=2"
    while True:
        body = listed(client, query)
        assert len(body["events"]) <= 2
        seen += [e["event_name"] for e in body["events"]]
        if "next" not in body["pages"]:
            break
        next_url = urlsplit(body["pages"]["next"])
        assert next_url.path == "/events"
        query = next_url.query.replace("type=user&", "")
    assert seen == ["e", "d", "c", "b", "a"]


def test_the_list_shows_only_the_last_90_days_and_the_summary_counts_all(client, user):
    old = NOW - 91 * 24 * 60 * 60
    send(client, "paid", created_at=old)
    send(client, "paid", created_at=NOW - 60)
    send(client, "paid", created_at=NOW)
    send(client, "Logged.In", created_at=NOW - 30)
    assert [e["created_at"] for e in listed(client)["events"]] == [NOW, NOW - 30, NOW - 60]
    body = summary(client, "email=frodo@example.com")
    assert (body["type"], body["user_id"], body["email"]) == (
        "event.summary",
        "u-1",
        "frodo@example.com",
    )
    assert [(e["name"], e["count"]) for e in body["events"]] == [("logged-in", 1), ("paid", 3)]
    paid = body["events"][1]
    assert paid["first"] == time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime(old))
    assert paid["last"] == time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime(NOW))


def test_summary_of_a_user_without_events(client, user):
    body = summary(client, f"intercom_user_id={user['id']}")
    assert (body["events"], body["intercom_user_id"]) == ([], user["id"])
