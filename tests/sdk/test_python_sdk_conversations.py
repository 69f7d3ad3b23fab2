"""Intercom's official Python SDK (`python-intercom` 5.x) against a real `emulator serve`: a
contact starts a conversation, an admin replies, assigns it to a second (seeded) admin and
closes it, and the conversation search finds it (issue 19's scenario). Each call is built and
parsed by the SDK itself (intercom/conversations/client.py: create, reply, manage, find,
search, run_assignment_rules). A webhook receiver subscribed through the control API gets each
transition's notification, signed and in order, carrying the conversation the SDK saw; one that
fails twice gets its notification on the third attempt, the retries made due by moving the
workspace's clock (sources in tests/sdk/notified.py)."""

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
from emulator.webhook_receiver import WebhookReceiver
from tests.sdk.notified import ServedWorkspace, check_notified, wait_until

SECOND_ADMIN = "7070"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with EmulatorProcess(tmp_path_factory.mktemp("python-sdk-conv") / "sdk.db") as running:
        yield running


@pytest.fixture
def workspace(server):
    """A fresh workspace with a second admin, and a receiver subscribed to the conversation
    topics (its ping already come)."""
    workspace = ServedWorkspace(server, f"sdk-{uuid.uuid4().hex}")
    workspace.seed_second_admin(SECOND_ADMIN)
    with WebhookReceiver() as receiver:
        workspace.listen(receiver)
        yield workspace
    workspace.close()


@pytest.fixture
def sdk(workspace):
    with httpx.Client(timeout=60) as transport:
        yield Intercom(token=workspace.token, base_url=workspace.url, httpx_client=transport)


def test_start_reply_assign_close_and_search(sdk, workspace):
    admin = sdk.admins.identify().id
    contact = sdk.contacts.create(request=CreateContactRequestWithEmail(email="conv@example.org"))
    message = sdk.conversations.create(
        from_=CreateConversationRequestFrom(type="user", id=contact.id), body="I need support"
    )
    assert message.type == "user_message" and message.conversation_id
    conversation_id = message.conversation_id
    started = sdk.conversations.find(conversation_id)
    assert started.source.id == message.id

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

    # Each transition's topic, in the order made, with the conversation as the SDK got it
    # back from that call [WHM]; none for the contact's reply, which this scenario has not.
    check_notified(
        workspace.receiver,
        [
            ("conversation.user.created", started.dict()),
            ("conversation.admin.replied", replied.dict()),
            ("conversation.admin.assigned", assigned.dict()),
            ("conversation.admin.closed", closed.dict()),
        ],
    )


def test_the_contact_reopens_it_and_refusals_are_the_sdks_errors(sdk, workspace):
    receiver = workspace.receiver
    contact = sdk.contacts.create(request=CreateContactRequestWithEmail(email="re@example.org"))
    conversation_id = sdk.conversations.create(
        from_=CreateConversationRequestFrom(type="user", id=contact.id), body="Hello"
    ).conversation_id
    started = sdk.conversations.find(conversation_id)
    admin = sdk.admins.identify().id
    closed = sdk.conversations.manage(
        conversation_id, request=ConversationsManageRequestBody_Close(admin_id=admin)
    )
    receiver.wait_for("conversation.admin.closed", timeout=60)
    receiver.fail_next(2)  # the receiver is down for the next two notifications
    reopened = sdk.conversations.reply(
        conversation_id,
        request=ContactReplyIntercomUserIdRequest(intercom_user_id=contact.id, body="Still there?"),
    )
    assert reopened.state == "open"
    assert reopened.conversation_parts.conversation_parts[-1].part_type == "open"
    retried = _delivered_by_moving_the_clock(workspace, receiver)
    assert retried["topic"] == "conversation.user.replied"
    assert retried["delivery_attempts"] == 3  # [WHM]
    attempts = [r.status for r in receiver.received if r.body.get("id") == retried["id"]]
    assert attempts == [500, 500, 200]
    check_notified(
        receiver,
        [
            ("conversation.user.created", started.dict()),
            ("conversation.admin.closed", closed.dict()),
            ("conversation.user.replied", reopened.dict()),
        ],
    )
    ruled = sdk.conversations.run_assignment_rules(conversation_id)
    assert ruled.conversation_parts.conversation_parts[-1].part_type == "default_assignment"
    with pytest.raises(ApiError) as missing:
        sdk.conversations.find("987654321")
    assert missing.value.status_code == 404


def _delivered_by_moving_the_clock(workspace, receiver):
    """The notification the receiver failed twice, sent again as the workspace's clock
    reaches each retry (a minute after the first failure, two after the second [WHN]):
    the clock moves once the emulator has recorded each failed attempt."""
    failed = wait_until(lambda: [r for r in receiver.received if r.status == 500][:1])[0]
    notification_id = failed.body["id"]
    for recorded, delay in ((1, 60), (2, 120)):
        wait_until(lambda n=recorded: len(workspace.attempts_of(notification_id)) >= n)
        workspace.control("POST", "clock", json={"advance": delay})
    return receiver.wait_for("conversation.user.replied", timeout=60)
