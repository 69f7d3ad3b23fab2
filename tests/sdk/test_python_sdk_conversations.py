"""Intercom's official Python SDK (`python-intercom` 5.x) against a real `emulator serve`: a
contact starts a conversation, an admin replies, assigns it to a second (seeded) admin and
closes it, and the conversation search finds it (issue 19's scenario). Each call is built and
parsed by the SDK itself (intercom/conversations/client.py: create, reply, manage, find,
search, run_assignment_rules)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from intercom import (
    AdminReplyConversationRequest,
    ContactReplyIntercomUserIdRequest,
    CreateContactRequestWithEmail,
    Intercom,
    SingleFilterSearchRequest,
)
from intercom.conversations import (
    ConversationsManageRequestBody_Assignment,
    ConversationsManageRequestBody_Close,
    CreateConversationRequestFrom,
)
from intercom.core.api_error import ApiError

from emulator.testing import EmulatorProcess

SECOND_ADMIN = "7070"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with EmulatorProcess(tmp_path_factory.mktemp("python-sdk-conv") / "sdk.db") as server:
        token = f"sdk-{uuid.uuid4().hex}"
        with server.session(token) as session:
            seed = {
                "admins": [{"name": "Second", "email": "second@example.org", "id": SECOND_ADMIN}]
            }
            loaded = session.post(f"{server.url}/_emulator/seed", json=seed, timeout=60)
            assert loaded.status_code == 200, loaded.text
        yield server, token


@pytest.fixture(scope="module")
def sdk(served):
    server, token = served
    with httpx.Client(timeout=60) as transport:
        yield Intercom(token=token, base_url=server.url, httpx_client=transport)


def test_start_reply_assign_close_and_search(sdk):
    admin = sdk.admins.identify().id
    contact = sdk.contacts.create(request=CreateContactRequestWithEmail(email="conv@example.org"))
    message = sdk.conversations.create(
        from_=CreateConversationRequestFrom(type="user", id=contact.id), body="I need support"
    )
    assert message.type == "user_message" and message.conversation_id
    conversation_id = message.conversation_id

    replied = sdk.conversations.reply(
        conversation_id,
        request=AdminReplyConversationRequest(
            message_type="comment", type="admin", admin_id=admin, body="How can I help?"
        ),
    )
    assert replied.waiting_since is None
    assert replied.conversation_parts.conversation_parts[-1].part_type == "comment"

    assigned = sdk.conversations.manage(
        conversation_id,
        request=ConversationsManageRequestBody_Assignment(
            type="admin", admin_id=admin, assignee_id=SECOND_ADMIN
        ),
    )
    assert assigned.admin_assignee_id == int(SECOND_ADMIN)

    closed = sdk.conversations.manage(
        conversation_id, request=ConversationsManageRequestBody_Close(admin_id=admin, body="Bye")
    )
    assert closed.state == "closed" and closed.open is False
    parts = [
        p.part_type
        for p in sdk.conversations.find(conversation_id).conversation_parts.conversation_parts
    ]
    assert parts == ["comment", "assignment", "close"]

    found = sdk.conversations.search(
        query=SingleFilterSearchRequest(field="contact_ids", operator="=", value=contact.id)
    )
    assert [c.id for c in found] == [conversation_id]
    closed_ones = sdk.conversations.search(
        query=SingleFilterSearchRequest(field="state", operator="=", value="closed")
    )
    assert conversation_id in [c.id for c in closed_ones]


def test_the_contact_reopens_it_and_refusals_are_the_sdks_errors(sdk):
    contact = sdk.contacts.create(request=CreateContactRequestWithEmail(email="re@example.org"))
    conversation_id = sdk.conversations.create(
        from_=CreateConversationRequestFrom(type="user", id=contact.id), body="Hello"
    ).conversation_id
    admin = sdk.admins.identify().id
    sdk.conversations.manage(
        conversation_id, request=ConversationsManageRequestBody_Close(admin_id=admin)
    )
    reopened = sdk.conversations.reply(
        conversation_id,
        request=ContactReplyIntercomUserIdRequest(intercom_user_id=contact.id, body="Still there?"),
    )
    assert reopened.state == "open"
    assert reopened.conversation_parts.conversation_parts[-1].part_type == "open"
    ruled = sdk.conversations.run_assignment_rules(conversation_id)
    assert ruled.conversation_parts.conversation_parts[-1].part_type == "default_assignment"
    with pytest.raises(ApiError) as missing:
        sdk.conversations.find("987654321")
    assert missing.value.status_code == 404
