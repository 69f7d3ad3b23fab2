"""Subscription types and a contact's opt-ins and opt-outs [S2.11 listSubscriptionTypes,
listSubscriptionsForAContact, attachSubscriptionTypeToContact, detachSubscriptionTypeToContact:
Intercom's 2.11 description, paths `/subscription_types`, `/contacts/{contact_id}/subscriptions`
and `/contacts/{contact_id}/subscriptions/{subscription_id}`]. Every response is checked against
Intercom's `subscription_type` and `subscription_type_list` schemas by the `client` fixture."""

from __future__ import annotations

import pytest

from tests.emulator.test_companies import first_error, new_contact
from tests.emulator.test_seed import post_seed


def types_by_consent(client):
    return {
        t["consent_type"]: t["id"] for t in client.get("/subscription_types").get_json()["data"]
    }


def test_a_workspace_starts_with_one_type_of_each_consent(client):
    listed = client.get("/subscription_types").get_json()
    assert listed["type"] == "list"
    assert [(t["id"], t["consent_type"], t["state"]) for t in listed["data"]] == [
        ("1", "opt_out", "live"),
        ("2", "opt_in", "live"),
    ]
    assert all(t["type"] == "subscription" for t in listed["data"])


def test_attach_list_and_detach(client):
    contact_id = new_contact(client)
    ids = types_by_consent(client)
    assert client.get(f"/contacts/{contact_id}/subscriptions").get_json()["data"] == []
    out = client.post(
        f"/contacts/{contact_id}/subscriptions",
        json={"id": ids["opt_out"], "consent_type": "opt_out"},
    )
    assert out.status_code == 200 and out.get_json()["id"] == ids["opt_out"]
    # Intercom's own example sends the id as a number.
    opted_in = client.post(
        f"/contacts/{contact_id}/subscriptions",
        json={"id": int(ids["opt_in"]), "consent_type": "opt_in"},
    )
    assert opted_in.status_code == 200
    listed = client.get(f"/contacts/{contact_id}/subscriptions").get_json()["data"]
    assert sorted(t["id"] for t in listed) == sorted(ids.values())

    contact = client.get(f"/contacts/{contact_id}").get_json()
    # Intercom's contact model example: {"id": "1", "type": "subscription",
    # "url": "/subscription_types/1"}, the list's url being /contacts/{id}/subscriptions.
    assert contact["opted_out_subscription_types"]["data"] == [
        {
            "type": "subscription",
            "id": ids["opt_out"],
            "url": f"/subscription_types/{ids['opt_out']}",
        }
    ]
    assert contact["opted_in_subscription_types"]["total_count"] == 1
    assert contact["opted_in_subscription_types"]["url"] == f"/contacts/{contact_id}/subscriptions"

    removed = client.delete(f"/contacts/{contact_id}/subscriptions/{ids['opt_out']}")
    assert removed.status_code == 200 and removed.get_json()["id"] == ids["opt_out"]
    listed = client.get(f"/contacts/{contact_id}/subscriptions").get_json()["data"]
    assert [t["id"] for t in listed] == [ids["opt_in"]]
    again = client.delete(f"/contacts/{contact_id}/subscriptions/{ids['opt_out']}")
    assert again.status_code == 404


def test_an_unknown_type_is_resource_not_found(client):
    """[S2.11 attach/detach 404 "Resource not found" example, id "invalid_id"]."""
    contact_id = new_contact(client)
    attach = client.post(
        f"/contacts/{contact_id}/subscriptions", json={"id": "invalid_id", "consent_type": "opt_in"}
    )
    detach = client.delete(f"/contacts/{contact_id}/subscriptions/999")
    for response in (attach, detach):
        assert response.status_code == 404
        assert first_error(response) == {"code": "not_found", "message": "Resource Not Found"}


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/contacts/{}/subscriptions"),
        ("POST", "/contacts/{}/subscriptions"),
        ("DELETE", "/contacts/{}/subscriptions/1"),
    ],
)
def test_an_unknown_contact_is_user_not_found(client, method, path):
    """[S2.11 404 "Contact not found" examples]: not_found "User Not Found"."""
    body = {"id": "1", "consent_type": "opt_out"} if method == "POST" else None
    response = client.request(method, path.format("0" * 24), json=body)
    assert response.status_code == 404
    assert first_error(response) == {"code": "not_found", "message": "User Not Found"}


@pytest.mark.parametrize(
    "body, code, field",
    [
        ({"consent_type": "opt_out"}, "parameter_not_found", "id"),  # [S2.11] id required
        ({"id": "1"}, "parameter_not_found", "consent_type"),  # consent_type required
        ({"id": "1", "consent_type": "maybe"}, "parameter_invalid", "consent_type"),
        (
            {"id": "1", "consent_type": "opt_in"},
            "parameter_invalid",
            "consent_type",
        ),  # 1 is opt_out
        ({"id": "1", "consent_type": "opt_out", "x": 1}, "bad_request", "x"),
    ],
)
def test_bad_bodies_are_400(client, body, code, field):
    contact_id = new_contact(client)
    response = client.post(f"/contacts/{contact_id}/subscriptions", json=body)
    assert response.status_code == 400
    assert first_error(response)["code"] == code and first_error(response)["field"] == field
    assert client.get(f"/contacts/{contact_id}/subscriptions").get_json()["data"] == []


def test_the_seed_replaces_the_default_set(client):
    seed = {
        "subscription_types": [
            {"name": "Weekly digest", "consent_type": "opt_out", "description": "Once a week"},
            {
                "name": "Beta invites",
                "consent_type": "opt_in",
                "content_types": ["email", "sms_message"],
            },
        ]
    }
    response = post_seed(client, seed)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ids"]["subscription_types"] == ["1", "2"]
    listed = client.get("/subscription_types").get_json()["data"]
    assert [t["default_translation"]["name"] for t in listed] == ["Weekly digest", "Beta invites"]
    assert listed[1]["content_types"] == ["email", "sms_message"]


def test_once_a_contact_uses_the_default_set_a_seed_adds_to_it(client):
    contact_id = new_contact(client)
    client.post(
        f"/contacts/{contact_id}/subscriptions", json={"id": "1", "consent_type": "opt_out"}
    )
    post_seed(client, {"subscription_types": [{"name": "Extra", "consent_type": "opt_in"}]})
    listed = client.get("/subscription_types").get_json()["data"]
    assert [t["id"] for t in listed] == ["1", "2", "3"]
    assert [
        t["id"] for t in client.get(f"/contacts/{contact_id}/subscriptions").get_json()["data"]
    ] == ["1"]


@pytest.mark.parametrize(
    "item, field",
    [
        ({"consent_type": "opt_in"}, "subscription_types[0].name"),
        ({"name": "x"}, "subscription_types[0].consent_type"),
        ({"name": "x", "consent_type": "opt_in", "state": "gone"}, "subscription_types[0].state"),
        (
            {"name": "x", "consent_type": "opt_in", "content_types": ["fax"]},
            "subscription_types[0].content_types",
        ),
    ],
)
def test_a_bad_type_refuses_the_seed(client, item, field):
    response = post_seed(client, {"subscription_types": [item]})
    assert response.status_code == 400
    assert first_error(response)["field"] == field
    assert len(client.get("/subscription_types").get_json()["data"]) == 2
