"""The conversation topics: each transition of a conversation notifies the subscriptions that
asked for its topic, signed, in the order the changes were made, with the conversation as
`GET /conversations/{id}` shows it as `data.item`.

Sources: [WHM] Intercom's "Webhook Models" reference (the conversation topics
conversation.user.created, conversation.user.replied, conversation.admin.replied,
conversation.admin.assigned, conversation.admin.closed; their item is the conversation);
[WHS] "Signed Notifications" (X-Hub-Signature); the request bodies follow Intercom's 2.11
description (createConversation, replyConversation, manageConversation).
"""

from __future__ import annotations

TOPICS = [
    "conversation.user.created",
    "conversation.admin.replied",
    "conversation.user.replied",
    "conversation.admin.assigned",
    "conversation.admin.closed",
]


def test_a_conversation_notifies_each_topic_in_order(
    intercom_inprocess_workspace, intercom_webhooks
):
    workspace = intercom_inprocess_workspace
    intercom_webhooks.subscribe(workspace, *TOPICS)
    admin = workspace.get("/me").json()["id"]
    contact = workspace.post("/contacts", json={"email": "ada@example.com"}).json()
    started = workspace.post(
        "/conversations", json={"from": {"type": "user", "id": contact["id"]}, "body": "Hello?"}
    ).json()
    # Intercom answers a contact's new conversation with the message, naming the conversation.
    conversation_id = started["conversation_id"]
    path = f"/conversations/{conversation_id}"
    as_admin = {"type": "admin", "admin_id": admin}
    workspace.post(f"{path}/reply", json={"message_type": "comment", **as_admin, "body": "Hi!"})
    workspace.post(f"{path}/reply", json={"message_type": "note", **as_admin, "body": "unsent"})
    workspace.post(
        f"{path}/reply",
        json={
            "message_type": "comment",
            "type": "user",
            "intercom_user_id": contact["id"],
            "body": "Thanks",
        },
    )
    workspace.post(
        f"{path}/parts", json={"message_type": "assignment", **as_admin, "assignee_id": admin}
    )
    closed = workspace.post(f"{path}/parts", json={"message_type": "close", **as_admin}).json()
    intercom_webhooks.wait_for("conversation.admin.closed")
    # The note is no topic of these; the ping came first, on subscribing.
    assert intercom_webhooks.topics() == ["ping", *TOPICS]
    delivered = intercom_webhooks.delivered()[1:]
    assert all(r.signature_valid for r in delivered)
    items = [r.body["data"]["item"] for r in delivered]
    assert {item["id"] for item in items} == {conversation_id}
    assert [item["type"] for item in items] == ["conversation"] * len(TOPICS)
    assert items[0]["state"] == "open" and items[0]["source"]["author"]["id"] == contact["id"]
    assert items[3]["admin_assignee_id"] == int(admin)
    assert items[-1] == workspace.get(path).json() == closed
    assert items[-1]["state"] == "closed" and items[-1]["open"] is False


def test_a_refused_transition_notifies_no_one(intercom_inprocess_workspace, intercom_webhooks):
    workspace = intercom_inprocess_workspace
    intercom_webhooks.subscribe(workspace, "conversation.admin.assigned", "company.created")
    intercom_webhooks.wait_for("ping")
    admin = workspace.get("/me").json()["id"]
    contact = workspace.post("/contacts", json={"email": "bo@example.com"}).json()
    started = workspace.post(
        "/conversations", json={"from": {"type": "user", "id": contact["id"]}, "body": "Hi"}
    ).json()
    refused = workspace.post(
        f"/conversations/{started['conversation_id']}/parts",
        json={
            "message_type": "assignment",
            "type": "admin",
            "admin_id": admin,
            "assignee_id": "999999",
        },
    )
    assert refused.status_code == 404  # an unknown admin: admin_not_found
    workspace.post("/companies", json={"company_id": "after", "name": "After"})
    intercom_webhooks.wait_for("company.created")
    # Nothing came between the ping and the company: the refused assignment queued nothing.
    assert intercom_webhooks.topics() == ["ping", "company.created"]
