"""`POST /_emulator/seed`: a workspace's data in one JSON or YAML document, all of it or none."""

from __future__ import annotations

import json

import pytest
import yaml

SEED = {
    "data_attributes": [{"name": "plan_tier", "model": "contact", "data_type": "string"}],
    "companies": [{"company_id": "acme", "name": "Acme"}],
    "contacts": [
        {
            "external_id": "u1",
            "email": "ada@example.com",
            "custom_attributes": {"plan_tier": "pro"},
        },
        {"role": "lead", "email": "bob@example.com"},
    ],
    "tags": [{"name": "vip", "users": [{"email": "ada@example.com"}]}, {"name": "beta"}],
    "event_names": ["signed-up", {"name": "Old.Event", "archived": True}],
    "events": [{"event_name": "signed-up", "user_id": "u1", "created_at": 1_700_000_000}],
}


def post_seed(client, document, as_yaml=False):
    if as_yaml:
        body = yaml.safe_dump(document)
        return client.post("/_emulator/seed", data=body, content_type="application/yaml")
    return client.post(
        "/_emulator/seed", data=json.dumps(document), content_type="application/json"
    )


@pytest.mark.parametrize("as_yaml", [False, True], ids=["json", "yaml"])
def test_seed_creates_everything_through_the_create_rules(client, as_yaml):
    response = post_seed(client, SEED, as_yaml)
    assert response.status_code == 200
    result = response.get_json()
    assert result["created"] == {
        "data_attributes": 1,
        "companies": 1,
        "contacts": 2,
        "tags": 2,
        "event_names": 2,
        "events": 1,
    }
    ada_id = result["ids"]["contacts"][0]
    ada = client.get(f"/contacts/{ada_id}").get_json()
    assert ada["email"] == "ada@example.com"
    assert ada["custom_attributes"] == {"plan_tier": "pro"}
    assert [tag["name"] for tag in client.get(f"/contacts/{ada_id}/tags").get_json()["data"]] == [
        "vip"
    ]
    assert result["ids"]["event_names"] == ["signed-up", "old-event"]
    names = client.get("/_emulator/event_names").get_json()
    assert {(n["name"], n["archived"], n["count"]) for n in names["data"]} == {
        ("signed-up", False, 1),
        ("old-event", True, 0),
    }
    assert names["active"] == 1


@pytest.mark.parametrize(
    ("document", "field", "code"),
    [
        ({"contacts": [{"email": "x@example.com"}, {"email": 3}]}, "contacts[1].email", None),
        (
            {"contacts": [{"email": "x@example.com"}, {"email": "x@example.com"}]},
            "contacts[1]",
            "conflict",
        ),
        (
            {"contacts": [{"email": "x@example.com", "custom_attributes": {"nope": 1}}]},
            "contacts[0].custom_attributes.nope",
            None,
        ),
        ({"companies": [{"name": "no id"}]}, "companies[0].company_id", None),
        (
            {"data_attributes": [{"name": "a", "model": "contact"}]},
            "data_attributes[0].data_type",
            None,
        ),
        (
            {"tags": [{"name": "t", "users": [{"email": "ghost@example.com"}]}]},
            "tags[0].users[0].email",
            None,
        ),
        ({"event_names": ["ok", 7]}, "event_names[1]", None),
        ({"contacts": ["not an object"]}, "contacts[0]", None),
        ({"contacts": {"email": "x@example.com"}}, "contacts", None),
        ({"users": []}, "users", "bad_request"),
    ],
)
def test_an_invalid_item_is_named_and_nothing_is_applied(client, document, field, code):
    document = {
        "data_attributes": [{"name": "seeded", "model": "company", "data_type": "string"}],
        **document,
    }
    response = post_seed(client, document)
    assert response.status_code == 400
    error = response.get_json()["errors"][0]
    assert error["field"] == field
    if code:
        assert error["code"] == code
    listed = client.get("/data_attributes").get_json()["data"]
    assert [attribute for attribute in listed if attribute["custom"]] == []  # Intercom's own stay
    assert client.get("/contacts").get_json()["total_count"] == 0


def test_event_name_cap_refuses_the_seed_with_its_index(client):
    client.patch("/_emulator/settings", json={"event_name_limit": 2})
    response = post_seed(
        client, {"event_names": ["a", {"name": "old", "archived": True}, "b", "c"]}
    )
    assert response.status_code == 400
    error = response.get_json()["errors"][0]
    assert error["field"] == "event_names[3]"
    assert "Cannot have more than 2 active event names" in error["message"]
    assert client.get("/_emulator/event_names").get_json()["data"] == []


def test_dropped_metadata_keys_come_back_as_warnings(client):
    client.patch("/_emulator/settings", json={"metadata_key_limit": 1})
    document = {
        "contacts": [{"external_id": "u1"}],
        "events": [
            {"event_name": "e", "user_id": "u1", "created_at": 1, "metadata": {"a": 1, "b": 2}}
        ],
    }
    result = post_seed(client, document).get_json()
    assert any("b" in warning for warning in result["warnings"])


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("contacts: [", "application/yaml", 400),
        ("{", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ("contacts: []", "text/plain", 415),
    ],
)
def test_unreadable_documents_are_refused(client, body, content_type, status):
    response = client.post("/_emulator/seed", data=body, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["type"] == "error.list"


def test_seeding_is_per_workspace(client, other_client):
    post_seed(client, {"contacts": [{"email": "ada@example.com"}]})
    assert other_client.get("/contacts").get_json()["total_count"] == 0
