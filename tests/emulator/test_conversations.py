"""Conversations: a contact starts one, admins reply, assign, snooze, open and close it, and the
state and timestamps move as Intercom reports them. Sources: Intercom's 2.11 description
([S2.11]: createConversation, retrieveConversation, replyConversation, manageConversation and
autoAssignConversation, their examples, and the `conversation`, `conversation_part` and
`conversation_statistics` schemas). The `client` fixture checks every response against
Intercom's 2.11 description (tests/conftest.py)."""

from __future__ import annotations

import pytest

from emulator.store.conversations import transitions
from tests.emulator.test_companies import new_contact


def admin_id(client) -> str:
    return client.get("/me").get_json()["id"]


def start(client, contact_id, body="I need support", **extra):
    sent = {"from": {"type": "user", "id": contact_id}, "body": body, **extra}
    response = client.post("/conversations", json=sent)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def reply(client, conversation_id, status=200, **body):
    response = client.post(f"/conversations/{conversation_id}/reply", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def manage(client, conversation_id, status=200, **body):
    response = client.post(f"/conversations/{conversation_id}/parts", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def retrieve(client, conversation_id):
    response = client.get(f"/conversations/{conversation_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def advance(client, seconds):
    assert client.post("/_emulator/clock", json={"advance": seconds}).status_code == 200


def error(response):
    return response.status_code, response.get_json()["errors"][0]


def test_a_contact_starts_an_open_unread_waiting_conversation(client):
    contact_id = new_contact(client)
    message = start(client, contact_id, body="Hello there")
    # [S2.11 createConversation example]: a `user_message` with the body as sent, `inapp`.
    assert message["type"] == "user_message" and message["message_type"] == "inapp"
    assert message["body"] == "Hello there" and message["conversation_id"].isdigit()
    shown = retrieve(client, message["conversation_id"])
    assert shown["id"] == message["conversation_id"]
    assert (shown["state"], shown["open"], shown["read"]) == ("open", True, False)
    assert shown["waiting_since"] == shown["created_at"] and shown["snoozed_until"] is None
    source = shown["source"]
    assert source["id"] == message["id"] and source["delivered_as"] == "customer_initiated"
    assert source["body"] == "<p>Hello there</p>"  # plain text kept as HTML, as parts are
    assert source["author"]["type"] == "user" and source["author"]["id"] == contact_id
    assert shown["contacts"]["contacts"][0]["id"] == contact_id
    assert shown["conversation_parts"] == {
        "type": "conversation_part.list",
        "conversation_parts": [],
        "total_count": 0,
    }
    assert shown["first_contact_reply"]["created_at"] == shown["created_at"]
    assert (shown["admin_assignee_id"], shown["team_assignee_id"]) == (None, None)


def test_an_unknown_contact_or_conversation_is_not_found(client):
    # [S2.11 createConversation "Contact Not Found"]: 404 not_found "User Not Found".
    response = client.post(
        "/conversations", json={"from": {"type": "user", "id": "0" * 24}, "body": "Hi"}
    )
    assert error(response) == (404, {"code": "not_found", "message": "User Not Found"})
    # [S2.11 retrieveConversation "Not found"]: 404 not_found "Resource Not Found".
    missing = client.get("/conversations/999999")
    assert error(missing) == (404, {"code": "not_found", "message": "Resource Not Found"})


def test_deleting_a_conversation_is_not_emulated_and_deletes_nothing(client):
    """[S2.16] deleteConversation (`DELETE /conversations/{conversation_id}`): the emulator
    serves the path's GET and PUT, not the DELETE, which says so rather than pass for a
    missing conversation or a done deletion."""
    conversation_id = start(client, new_contact(client))["conversation_id"]
    deleted = client.delete(f"/conversations/{conversation_id}")
    assert error(deleted) == (501, {
        "code": "not_emulated",
        "message": "DELETE /conversations/{conversation_id} is not emulated "
        "(Intercom's 2.16 deleteConversation)",
    })  # fmt: skip
    assert retrieve(client, conversation_id)["id"] == conversation_id
    updated = client.put(f"/conversations/{conversation_id}", json={"read": True})
    assert updated.status_code == 200, updated.get_json()


def test_admin_reply_ends_the_wait_and_a_note_does_not(client):
    contact_id, admin = new_contact(client), admin_id(client)
    conversation_id = start(client, contact_id)["conversation_id"]
    advance(client, 30)
    noted = reply(
        client,
        conversation_id,
        message_type="note",
        type="admin",
        admin_id=admin,
        body="<p>Internal</p>",
    )
    assert noted["waiting_since"] is not None
    assert noted["conversation_parts"]["conversation_parts"][-1]["part_type"] == "note"
    replied = reply(
        client,
        conversation_id,
        message_type="comment",
        type="admin",
        admin_id=admin,
        body="How can I help?",
    )
    part = replied["conversation_parts"]["conversation_parts"][-1]
    assert part["part_type"] == "comment" and part["body"] == "<p>How can I help?</p>"
    assert part["author"]["type"] == "admin" and part["author"]["id"] == admin
    assert replied["waiting_since"] is None and replied["state"] == "open"
    stats = replied["statistics"]
    assert stats["first_admin_reply_at"] == stats["last_admin_reply_at"] == replied["updated_at"]
    assert stats["time_to_admin_reply"] == 30
    assert stats["count_conversation_parts"] == replied["conversation_parts"]["total_count"] == 2
    assert replied["teammates"]["teammates"] == [{"type": "admin", "id": admin}]


def test_assign_close_and_the_contact_reopens_it(client):
    contact_id, admin = new_contact(client), admin_id(client)
    conversation_id = start(client, contact_id)["conversation_id"]
    assigned = manage(
        client,
        conversation_id,
        message_type="assignment",
        type="admin",
        admin_id=admin,
        assignee_id=admin,
    )
    assert assigned["admin_assignee_id"] == int(admin)  # an integer [S2.11 conversation]
    part = assigned["conversation_parts"]["conversation_parts"][-1]
    assert part["part_type"] == "assignment"
    assert part["assigned_to"] == {"type": "admin", "id": admin}
    assert assigned["statistics"]["count_assignments"] == 1
    closed = manage(
        client,
        conversation_id,
        message_type="close",
        type="admin",
        admin_id=admin,
        body="Goodbye :)",
    )
    # [S2.11 manageConversation "Close a conversation"]: state closed, open false.
    assert (closed["state"], closed["open"], closed["waiting_since"]) == ("closed", False, None)
    last = closed["conversation_parts"]["conversation_parts"][-1]
    assert last["part_type"] == "close" and last["body"] == "<p>Goodbye :)</p>"
    assert closed["statistics"]["last_closed_by_id"] == admin
    advance(client, 10)
    reopened = reply(
        client,
        conversation_id,
        message_type="comment",
        type="user",
        intercom_user_id=contact_id,
        body="Thanks again :)",
    )
    # [S2.11 replyConversation "User reply"]: the contact's reply to a closed conversation is
    # an `open` part, and the conversation is open and waiting again.
    last = reopened["conversation_parts"]["conversation_parts"][-1]
    assert last["part_type"] == "open" and last["body"] == "<p>Thanks again :)</p>"
    assert (reopened["state"], reopened["open"]) == ("open", True)
    assert reopened["waiting_since"] == reopened["updated_at"]
    assert reopened["statistics"]["count_reopens"] == 1


def test_assigning_a_closed_conversation_reopens_it(client):
    contact_id, admin = new_contact(client), admin_id(client)
    conversation_id = start(client, contact_id)["conversation_id"]
    manage(client, conversation_id, message_type="close", type="admin", admin_id=admin)
    assigned = manage(
        client,
        conversation_id,
        message_type="assignment",
        type="admin",
        admin_id=admin,
        assignee_id=admin,
    )
    # [S2.11 manageConversation "Assign a conversation"]: `assign_and_reopen`, state open.
    assert assigned["conversation_parts"]["conversation_parts"][-1]["part_type"] == (
        "assign_and_reopen"
    )
    assert assigned["state"] == "open"
    unassigned = manage(
        client,
        conversation_id,
        message_type="assignment",
        type="admin",
        admin_id=admin,
        assignee_id="0",
    )
    assert unassigned["admin_assignee_id"] is None  # "Set 0 ... Unassigned" [S2.11]


def test_snooze_until_a_time_then_open_again(client):
    contact_id, admin = new_contact(client), admin_id(client)
    conversation_id = start(client, contact_id)["conversation_id"]
    now = retrieve(client, conversation_id)["updated_at"]
    snoozed = manage(
        client, conversation_id, message_type="snoozed", admin_id=admin, snoozed_until=now + 3600
    )
    # [S2.11 manageConversation "Snooze a conversation"]: state snoozed, open true.
    assert (snoozed["state"], snoozed["open"]) == ("snoozed", True)
    assert snoozed["snoozed_until"] == now + 3600
    advance(client, 3601)
    woke = retrieve(client, conversation_id)  # "The time you want the conversation to reopen"
    assert (woke["state"], woke["snoozed_until"]) == ("open", None)
    past = client.post(
        f"/conversations/{conversation_id}/parts",
        json={"message_type": "snoozed", "admin_id": admin, "snoozed_until": now},
    )
    assert error(past)[0] == 400 and error(past)[1]["field"] == "snoozed_until"
    manage(
        client, conversation_id, message_type="snoozed", admin_id=admin, snoozed_until=now + 99999
    )
    opened = manage(client, conversation_id, message_type="open", admin_id=admin)
    assert (opened["state"], opened["snoozed_until"]) == ("open", None)
    assert opened["conversation_parts"]["conversation_parts"][-1]["part_type"] == "open"


def test_refusals_of_manage_and_reply(client):
    contact_id = new_contact(client)
    conversation_id = start(client, contact_id)["conversation_id"]
    unknown_admin = client.post(
        f"/conversations/{conversation_id}/parts",
        json={"message_type": "close", "type": "admin", "admin_id": "1"},
    )
    assert error(unknown_admin) == (404, {"code": "admin_not_found", "message": "Admin not found"})
    unknown_team = client.post(
        f"/conversations/{conversation_id}/parts",
        json={
            "message_type": "assignment",
            "type": "team",
            "admin_id": admin_id(client),
            "assignee_id": "123",
        },
    )
    assert error(unknown_team)[0] == 404 and error(unknown_team)[1]["code"] == "team_not_found"
    stranger = new_contact(client, "stranger")
    other = client.post(
        f"/conversations/{conversation_id}/reply",
        json={
            "message_type": "comment",
            "type": "user",
            "intercom_user_id": stranger,
            "body": "Hi",
        },
    )
    assert error(other)[0] == 404
    missing = client.post(
        "/conversations/424242/parts",
        json={"message_type": "open", "admin_id": admin_id(client)},
    )
    assert error(missing) == (404, {"code": "not_found", "message": "Resource Not Found"})
    shown = retrieve(client, conversation_id)
    assert shown["conversation_parts"]["total_count"] == 0  # refusals changed nothing


def test_reply_to_the_contacts_last_conversation_with_attachments(client):
    contact_id = new_contact(client)
    start(client, contact_id, body="first")
    second = start(client, contact_id, body="second")["conversation_id"]
    replied = reply(
        client,
        "last",
        message_type="comment",
        type="user",
        intercom_user_id=contact_id,
        body="see attached",
        attachment_urls=["https://example.org/files/report.pdf"],
    )
    assert replied["id"] == second  # "last": the contact's latest [S2.11 replyConversation]
    attachment = replied["conversation_parts"]["conversation_parts"][-1]["attachments"][0]
    assert attachment["url"] == "https://example.org/files/report.pdf"
    assert attachment["name"] == "report.pdf" and attachment["content_type"] == "application/pdf"


def test_plaintext_display_and_update(client):
    # Conversation attributes are declared first (tests/emulator/test_conversation_attributes.py).
    attributes = [
        {"name": name, "model": "conversation", "data_type": "string"}
        for name in ("issue_type", "priority")
    ]
    assert client.post("/_emulator/seed", json={"data_attributes": attributes}).status_code == 200
    contact_id = new_contact(client)
    conversation_id = start(client, contact_id, body="<p>Hello <b>there</b></p>")["conversation_id"]
    plain = client.get(f"/conversations/{conversation_id}?display_as=plaintext").get_json()
    assert plain["source"]["body"] == "Hello there"
    updated = client.put(
        f"/conversations/{conversation_id}",
        json={"read": True, "custom_attributes": {"issue_type": "Billing", "priority": "High"}},
    ).get_json()
    # [S2.11 updateConversation example]: read true, the attributes, one part per attribute.
    assert updated["read"] is True
    assert updated["custom_attributes"] == {"issue_type": "Billing", "priority": "High"}
    parts = updated["conversation_parts"]["conversation_parts"]
    assert [p["part_type"] for p in parts] == ["conversation_attribute_updated_by_admin"] * 2
    assert parts[0]["author"]["type"] == "bot" and parts[0]["author"]["name"] == "Operator"
    nested = client.put(f"/conversations/{conversation_id}", json={"custom_attributes": {"x": [1]}})
    assert error(nested)[0] == 400


def test_run_assignment_rules_without_rules_assigns_nobody(client):
    contact_id, admin = new_contact(client), admin_id(client)
    conversation_id = start(client, contact_id)["conversation_id"]
    manage(
        client,
        conversation_id,
        message_type="assignment",
        type="admin",
        admin_id=admin,
        assignee_id=admin,
    )
    ran = client.post(f"/conversations/{conversation_id}/run_assignment_rules").get_json()
    # [S2.11 autoAssignConversation example]: a `default_assignment` part by the Operator bot,
    # assigned to `nobody_admin`.
    part = ran["conversation_parts"]["conversation_parts"][-1]
    assert part["part_type"] == "default_assignment"
    assert part["assigned_to"] == {"type": "nobody_admin", "id": None}
    assert part["author"]["type"] == "bot" and ran["admin_assignee_id"] is None


def test_each_transition_tells_its_webhook_topic_in_order(client):
    seen = []
    remove = transitions.on_change(lambda ctx, topic, seq: seen.append((topic, str(seq))))
    try:
        contact_id, admin = new_contact(client), admin_id(client)
        conversation_id = start(client, contact_id)["conversation_id"]
        reply(
            client,
            conversation_id,
            message_type="comment",
            type="user",
            intercom_user_id=contact_id,
            body="more",
        )
        reply(
            client, conversation_id, message_type="comment", type="admin", admin_id=admin, body="ok"
        )
        manage(
            client,
            conversation_id,
            message_type="assignment",
            type="admin",
            admin_id=admin,
            assignee_id=admin,
        )
        manage(client, conversation_id, message_type="close", type="admin", admin_id=admin)
        client.post(
            f"/conversations/{conversation_id}/parts",
            json={"message_type": "bogus", "admin_id": admin},
        )
    finally:
        remove()
    assert seen == [
        ("conversation.user.created", conversation_id),
        ("conversation.user.replied", conversation_id),
        ("conversation.admin.replied", conversation_id),
        ("conversation.admin.assigned", conversation_id),
        ("conversation.admin.closed", conversation_id),
    ]


@pytest.mark.parametrize("per_page", [1, 2])
def test_list_pages_with_a_cursor_newest_updated_first(client, per_page):
    contact_id = new_contact(client)
    made = [start(client, contact_id, body=f"n{i}")["conversation_id"] for i in range(3)]
    advance(client, 5)
    reply(
        client,
        made[0],
        message_type="comment",
        type="user",
        intercom_user_id=contact_id,
        body="bump",
    )
    seen, after = [], None
    while True:
        query = f"?per_page={per_page}" + (f"&starting_after={after}" if after else "")
        page = client.get(f"/conversations{query}").get_json()
        assert page["type"] == "conversation.list" and page["total_count"] == 3
        assert "conversation_parts" not in page["conversations"][0]
        seen += [c["id"] for c in page["conversations"]]
        following = page["pages"].get("next")
        if not following:
            break
        after = following["starting_after"]
    assert seen[0] == made[0] and sorted(seen) == sorted(made) and len(seen) == 3
    assert client.get("/conversations").get_json()["pages"]["per_page"] == 20  # [S2.11]
