"""Conversations through a real `emulator serve` (two worker processes, one SQLite file): an
admin's message becomes a conversation when its contact replies [S2.11 createMessage], a
snooze runs out on the workspace clock [S2.11 snooze_conversation_request: "The time you want
the conversation to reopen"], and both workers answer the same state. Every answer is checked
against Intercom's 2.11 description (tests/intercom_reference.py)."""

from __future__ import annotations

import uuid

from tests import intercom_reference


def checked(response, method, path, status=200):
    assert response.status_code == status, response.text
    spec = intercom_reference.load("2.11")
    if spec is not None:
        spec.assert_valid(method, path, status, response.json())
    return response.json()


def test_a_message_answered_then_snoozed_and_woken_by_the_clock(emulator_server):
    url = emulator_server.url
    with emulator_server.session(f"served-{uuid.uuid4().hex}") as api:
        admin = api.get(f"{url}/me").json()["id"]
        contact = api.post(f"{url}/contacts", json={"email": "served@example.org"}).json()
        body = {
            "message_type": "inapp",
            "body": "Did the update help?",
            "from": {"type": "admin", "id": admin},
            "to": {"type": "user", "id": contact["id"]},
        }
        sent = checked(api.post(f"{url}/messages", json=body), "POST", "/messages")
        conversation = f"/conversations/{sent['conversation_id']}"
        assert api.get(f"{url}{conversation}").status_code == 404  # no reply yet
        answer = {
            "message_type": "comment",
            "type": "user",
            "intercom_user_id": contact["id"],
            "body": "Yes, thanks",
        }
        replied = checked(
            api.post(f"{url}{conversation}/reply", json=answer), "POST", f"{conversation}/reply"
        )
        assert replied["state"] == "open" and replied["source"]["id"] == sent["id"]
        until = replied["updated_at"] + 600
        snooze = {"message_type": "snoozed", "admin_id": admin, "snoozed_until": until}
        snoozed = checked(
            api.post(f"{url}{conversation}/parts", json=snooze), "POST", f"{conversation}/parts"
        )
        assert snoozed["state"] == "snoozed"
        query = {"query": {"field": "state", "operator": "=", "value": "snoozed"}}
        found = checked(
            api.post(f"{url}/conversations/search", json=query), "POST", "/conversations/search"
        )
        assert [c["id"] for c in found["conversations"]] == [sent["conversation_id"]]
        assert api.post(f"{url}/_emulator/clock", json={"advance": 601}).status_code == 200
        for _ in range(4):  # whichever worker answers, the snooze has run out
            woke = checked(api.get(f"{url}{conversation}"), "GET", conversation)
            assert (woke["state"], woke["snoozed_until"]) == ("open", None)
        found = api.post(f"{url}/conversations/search", json=query).json()
        assert found["total_count"] == 0
