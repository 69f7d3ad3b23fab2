"""Webhooks: subscriptions (the control API's), the outbox of notifications and their topics.

The one call the store makes to notify is `emit(ctx, topic, item)`: inside the request's write
transaction it writes one outbox row per subscription of the workspace that asked for `topic`,
with `item` (the object as the API shows it) as the notification's `data.item`. The rows commit
with the change that made them, or vanish with it when the request is refused; the sender
(emulator.webhook_delivery) delivers them after the commit, off the request path, in order per
subscription. A new topic is one `emit` call where the change happens, plus its name in
`topics.TOPICS`:

    webhooks.emit(ctx, "conversation.admin.closed", conversation)
"""

from __future__ import annotations

from emulator.store.webhooks.outbox import emit, subscribed
from emulator.store.webhooks.topics import TOPICS, contact_topic

__all__ = ["TOPICS", "contact_topic", "emit", "subscribed"]
