"""Conversation data attributes: declared by the seed (Intercom makes them in its settings; its
`POST /data_attributes` takes `model` contact or company only [S2.11], [S2.16]), listed by
`GET /data_attributes?model=conversation` until 2.15 (2.11's `model` enum) and refused there
from 2.16 (422, Intercom's example), and the only names `PUT /conversations/{id}` takes:
an undeclared one is refused in Intercom's words, "Conversation attribute 'x' does not exist"
with code `parameter_invalid` (intercom-api-facts.md §9, from intercom-node #349; the 2.16
description's `fin_agent_attribute_errors` example has the same message). Its status is
UNCONFIRMED: 400, as for a contact's undeclared attribute."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiClient
from tests.emulator.test_companies import new_contact
from tests.emulator.test_conversations import error, retrieve, start


def declare(client: Any, **types: str) -> None:
    """Declare conversation attributes through the seed: name=data_type."""
    attributes = [
        {"name": name, "model": "conversation", "data_type": data_type}
        for name, data_type in types.items()
    ]
    response = client.post("/_emulator/seed", json={"data_attributes": attributes})
    assert response.status_code == 200, response.get_json()


def conversation(client: Any) -> str:
    return start(client, new_contact(client))["conversation_id"]


def put(client: Any, conversation_id: str, attributes: dict[str, Any]) -> Any:
    return client.put(f"/conversations/{conversation_id}", json={"custom_attributes": attributes})


def test_an_undeclared_conversation_attribute_is_refused_in_intercoms_words(client):
    declare(client, issue_type="string")
    conversation_id = conversation(client)
    refused = put(client, conversation_id, {"issue_type": "Billing", "anything": "you want"})
    status, detail = error(refused)
    assert status == 400 and detail["code"] == "parameter_invalid"
    assert detail["message"] == "Conversation attribute 'anything' does not exist"
    assert detail["field"] == "custom_attributes.anything"
    # Nothing of the refused request was kept: not even the declared attribute beside it.
    shown = retrieve(client, conversation_id)
    assert shown["custom_attributes"] == {}
    assert shown["conversation_parts"]["total_count"] == 0


def test_a_declared_attribute_is_set_typed_and_removed_by_null(client):
    declare(client, issue_type="string", seats="integer", urgent="boolean")
    conversation_id = conversation(client)
    updated = put(client, conversation_id, {"issue_type": "Billing", "seats": 3, "urgent": True})
    assert updated.status_code == 200, updated.get_json()
    assert updated.get_json()["custom_attributes"] == {
        "issue_type": "Billing",
        "seats": 3,
        "urgent": True,
    }
    # The declared data type holds as for a contact's attribute (intercom-api-facts.md §9).
    status, detail = error(put(client, conversation_id, {"seats": "three"}))
    assert (status, detail["code"]) == (400, "parameter_invalid")
    assert detail["message"] == "Custom attribute 'seats' must be of type integer"
    # Strings are at most 255 characters (intercom-api-facts.md §9 value rules).
    status, detail = error(put(client, conversation_id, {"issue_type": "x" * 256}))
    assert status == 400 and detail["field"] == "custom_attributes.issue_type"
    removed = put(client, conversation_id, {"seats": None})
    assert removed.get_json()["custom_attributes"] == {"issue_type": "Billing", "urgent": True}


def test_an_archived_attribute_is_no_longer_declared(client):
    declare(client, issue_type="string")
    attribute = custom(client, "conversation")[0]
    archived = client.put(  # model `conversation`, beyond 2.11's data_attribute enum
        f"/data_attributes/{attribute['id']}", json={"archived": True}, check=False
    )
    assert archived.status_code == 200 and archived.get_json()["archived"] is True
    refused = put(client, conversation(client), {"issue_type": "Billing"})
    assert error(refused)[1]["message"] == "Conversation attribute 'issue_type' does not exist"


def custom(client: Any, model: str | None = None) -> list[dict[str, Any]]:
    query = f"?model={model}" if model else ""
    # 2.11's `data_attribute.model` enum names contact and company only, though its
    # `GET /data_attributes` takes `model=conversation`: no check against it here.
    listed = client.get(f"/data_attributes{query}", check=False)
    assert listed.status_code == 200, listed.get_json()
    return [attribute for attribute in listed.get_json()["data"] if attribute["custom"]]


def test_listed_under_model_conversation_until_2_15(client):
    """2.11 `GET /data_attributes`: `model` is contact, company or conversation; a conversation
    attribute is a `data_attribute` of model `conversation`."""
    declare(client, issue_type="string")
    listed = custom(client, "conversation")
    assert [(a["name"], a["model"], a["data_type"]) for a in listed] == [
        ("issue_type", "conversation", "string")
    ]
    assert listed[0]["full_name"] == "custom_attributes.issue_type"
    assert listed[0]["type"] == "data_attribute" and isinstance(listed[0]["id"], int)
    # No built-in ones: Intercom publishes none of a conversation's.
    everything = client.get("/data_attributes?model=conversation", check=False).get_json()
    assert all(a["custom"] for a in everything["data"])
    assert custom(client, "contact") == [] and custom(client, "company") == []
    assert [a["name"] for a in custom(client)] == ["issue_type"]


def test_2_16_refuses_model_conversation(app, token):
    """2.16 `GET /data_attributes` 422 example: `parameter_invalid` "model=conversation is no
    longer supported. Use GET /conversations/attributes instead" (intercom-api-facts.md §9)."""
    newer = ApiClient(app.test_client(), token, version="2.16")
    declare(newer, issue_type="string")
    refused = newer.get("/data_attributes?model=conversation")
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["code"] == "parameter_invalid"
    assert refused.get_json()["errors"][0]["message"] == (
        "model=conversation is no longer supported. Use GET /conversations/attributes instead"
    )
    # The whole list is of contacts and companies alone there (2.16's `model` enum).
    everything = newer.get("/data_attributes").get_json()["data"]
    assert {a["model"] for a in everything} == {"contact", "company"}
    # The attribute is still declared: the conversation takes it.
    updated = put(newer, conversation(newer), {"issue_type": "Billing"})
    assert updated.get_json()["custom_attributes"] == {"issue_type": "Billing"}
    # Following the pointer: 2.16's listConversationAttributes is not emulated, and says so
    # rather than answer the 404 of a conversation called "attributes" [S2.16].
    pointed = newer.get("/conversations/attributes")
    assert error(pointed) == (501, {
        "code": "not_emulated",
        "message": "GET /conversations/attributes is not emulated "
        "(Intercom's 2.16 listConversationAttributes)",
    })  # fmt: skip


def test_post_data_attributes_still_refuses_model_conversation(client):
    """`create_data_attribute_request.model` is contact or company in 2.11 and 2.16, with
    Intercom's message for another model [S2.16 createDataAttribute]."""
    response = client.post(
        "/data_attributes",
        json={"name": "issue_type", "model": "conversation", "data_type": "string"},
    )
    status, detail = error(response)
    assert (status, detail["code"]) == (400, "parameter_invalid")
    assert detail["message"] == "The Data Attribute model field must be either contact or company"
    assert custom(client, "conversation") == []


@pytest.mark.parametrize("model", ["contact", "conversation"])
def test_a_conversation_attribute_name_is_new_across_models(client, model):
    """As a company attribute cannot take a contact's name ("You already have 'x' in your people
    data…" [S2.16 createDataAttribute]), a conversation attribute takes no name another model
    holds (the emulator's choice: whether Intercom keeps conversation names apart is
    UNCONFIRMED)."""
    if model == "contact":
        made = client.post(
            "/data_attributes", json={"name": "plan", "model": "contact", "data_type": "string"}
        )
        assert made.status_code == 200
    else:
        declare(client, plan="string")
    item = {"name": "Plan", "model": "conversation", "data_type": "string"}
    response = client.post("/_emulator/seed", json={"data_attributes": [item]})
    status, detail = error(response)
    assert status == 400 and detail["field"] == "data_attributes[0].name"
    noun = "people" if model == "contact" else "conversation"
    taken = f"data_attributes[0]: You already have 'Plan' in your {noun} data"
    assert detail["message"].startswith(taken)
