"""Segments, defined in the seed by a name and a `POST /contacts/search` query and evaluated as
that search is [S2.11 listSegments, retrieveSegment, listSegmentsForAContact: Intercom's 2.11
description, paths `/segments`, `/segments/{segment_id}`, `/contacts/{contact_id}/segments`].
Every response is checked against Intercom's `segment_list`, `segment` and `contact_segments`
schemas by the `client` fixture."""

from __future__ import annotations

import pytest

from tests.emulator.test_companies import first_error
from tests.emulator.test_seed import post_seed

PRO = {"field": "custom_attributes.plan", "operator": "=", "value": "pro"}
SEED = {
    "data_attributes": [{"name": "plan", "model": "contact", "data_type": "string"}],
    "contacts": [
        {"email": "ada@example.com", "role": "user", "custom_attributes": {"plan": "pro"}},
        {"email": "bob@example.com", "role": "user", "custom_attributes": {"plan": "free"}},
        {"email": "cy@example.com", "role": "lead", "custom_attributes": {"plan": "pro"}},
    ],
    "segments": [
        {"name": "Pro users", "query": PRO},
        {"name": "Pro leads", "query": PRO, "person_type": "contact"},
        {
            "name": "Example people",
            "query": {"field": "email_domain", "operator": "=", "value": "example.com"},
        },
    ],
}


def seeded(client):
    response = post_seed(client, SEED)
    assert response.status_code == 200, response.get_json()
    # Past any search lag: segments are evaluated as search is (emulator.store.segments).
    assert client.post("/_emulator/clock", json={"advance": 3600}).status_code == 200
    return response.get_json()["ids"]


def test_segments_are_listed_and_retrieved(client):
    ids = seeded(client)
    listed = client.get("/segments").get_json()
    assert listed["type"] == "segment.list"
    names = [(s["name"], s["person_type"]) for s in listed["segments"]]
    assert names == [("Pro users", "user"), ("Pro leads", "contact"), ("Example people", "user")]
    assert [s["id"] for s in listed["segments"]] == ids["segments"]
    assert all("count" not in s for s in listed["segments"])  # only with include_count
    one = client.get(f"/segments/{ids['segments'][0]}").get_json()
    assert one == listed["segments"][0]


def test_include_count_counts_the_members(client):
    """[S2.11 segment.count]: "returned when `include_count=true` is included in the request"."""
    seeded(client)
    listed = client.get("/segments?include_count=true").get_json()["segments"]
    assert [s["count"] for s in listed] == [1, 1, 2]


def test_a_contacts_segments_follow_its_data(client):
    ids = seeded(client)
    ada, bob, cy = ids["contacts"]
    assert [s["name"] for s in client.get(f"/contacts/{ada}/segments").get_json()["data"]] == [
        "Pro users",
        "Example people",
    ]
    assert [s["name"] for s in client.get(f"/contacts/{cy}/segments").get_json()["data"]] == [
        "Pro leads"
    ]
    client.put(f"/contacts/{bob}", json={"custom_attributes": {"plan": "pro"}})
    client.post("/_emulator/clock", json={"advance": 3600})
    names = [s["name"] for s in client.get(f"/contacts/{bob}/segments").get_json()["data"]]
    assert names == ["Pro users", "Example people"]


def test_a_segment_lags_as_search_does(client):
    """A segment is evaluated as POST /contacts/search is: a contact joins once the search
    index has it (Intercom: changes take "a few minutes" to be searchable)."""
    client.patch("/_emulator/settings", json={"search_lag_seconds": 60})
    seeded(client)
    created = client.post(
        "/contacts", json={"email": "dee@example.com", "custom_attributes": {"plan": "pro"}}
    ).get_json()
    assert client.get(f"/contacts/{created['id']}/segments").get_json()["data"] == []
    client.post("/_emulator/clock", json={"advance": 61})
    assert len(client.get(f"/contacts/{created['id']}/segments").get_json()["data"]) == 2


def test_an_unknown_segment_is_resource_not_found(client):
    """[S2.11 retrieveSegment 404 "Segment not found"]: not_found "Resource Not Found"."""
    response = client.get("/segments/5f0000000000000000000000")
    assert response.status_code == 404
    assert first_error(response) == {"code": "not_found", "message": "Resource Not Found"}


def test_an_unknown_contact_is_user_not_found(client):
    """[S2.11 listSegmentsForAContact 404 "Contact not found"]: "User Not Found"."""
    response = client.get(f"/contacts/{'0' * 24}/segments")
    assert response.status_code == 404
    assert first_error(response) == {"code": "not_found", "message": "User Not Found"}


def test_include_count_must_be_a_boolean(client):
    response = client.get("/segments?include_count=maybe")
    assert response.status_code == 400
    assert first_error(response)["field"] == "include_count"


@pytest.mark.parametrize(
    "segment, field",
    [
        ({"query": PRO}, "segments[0].name"),
        ({"name": "x"}, "segments[0].query"),
        ({"name": "x", "query": PRO, "person_type": "lead"}, "segments[0].person_type"),
        (
            {"name": "x", "query": {"field": "nope", "operator": "=", "value": 1}},
            "segments[0].nope",
        ),
        ({"name": "x", "query": PRO, "colour": "red"}, "segments[0].colour"),
    ],
)
def test_a_bad_segment_refuses_the_seed(client, segment, field):
    """A segment's query is refused as POST /contacts/search would refuse it; the seed, all or
    nothing, creates none of its segments."""
    document = {**SEED, "segments": [segment]}
    response = post_seed(client, document)
    assert response.status_code == 400
    assert first_error(response)["field"] == field
    assert client.get("/segments").get_json()["segments"] == []


@pytest.mark.parametrize("person_type", [{"a": 1}, ["user"], 5])
def test_a_person_type_that_is_not_text_refuses_the_seed(client, person_type):
    """Found by the contract suite: a seed is not checked by the description's request
    validation, so the store itself refuses any person_type but user or contact (400, not 500)."""
    segment = {"name": "x", "query": PRO, "person_type": person_type}
    response = post_seed(client, {**SEED, "segments": [segment]})
    assert response.status_code == 400
    assert first_error(response)["field"] == "segments[0].person_type"
