"""The webhook topics the emulator knows, each with where Intercom documents it and its item.

[WHM-2.5]: Intercom's changelog of version 2.5, "New Contact Topics" (the contact.* names);
[WHM-2.6]: the changelog of version 2.6, "New Contact Webhook Topics" (contact.user.updated);
[WHM]: Intercom's "Webhook Models" reference (topics table, `*.deleted` items carry only
identifying fields), [ZULIP-PING]: a ping notification Intercom sent, kept as a test fixture
(zulip/zulip `zerver/webhooks/intercom/fixtures/ping.json`).
"""

from __future__ import annotations

# topic -> what its data.item is
TOPICS: dict[str, str] = {
    "contact.user.created": "the contact (role user) as the API shows it [WHM-2.5]",
    "contact.lead.created": "the contact (role lead) [WHM-2.5]",
    "contact.user.updated": "the contact after the update [WHM-2.6]",
    "contact.lead.updated": "the contact after the update [WHM-2.5]",
    "contact.deleted": "type, id and external_id only [WHM]",
    "contact.user.tag.created": "a contact_tag: created_at, tag, contact [WHM-2.5]",
    "contact.lead.tag.created": "a contact_tag: created_at, tag, contact [WHM-2.5]",
    "company.created": "the company as the API shows it [WHM]",
    # The conversation topics [WHM], emitted by emulator.store.conversations.notify.
    "conversation.user.created": "the conversation",
    "conversation.user.replied": "the conversation",
    "conversation.admin.replied": "the conversation",
    "conversation.admin.assigned": "the conversation",
    "conversation.admin.closed": "the conversation",
    "ping": "type ping and a message; sent when a subscription is created [ZULIP-PING]",
}

PING_ITEM = {"type": "ping", "message": "something something interzen"}  # [ZULIP-PING]


def contact_topic(role: str, action: str) -> str:
    """`contact.user.created`, `contact.lead.updated`, ...: the topic names a contact's role."""
    return f"contact.{'lead' if role == 'lead' else 'user'}.{action}"
