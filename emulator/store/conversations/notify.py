"""The conversation's webhook notifications: each transition's topic, with the conversation as
the API shows it (`GET /conversations/{id}`) as the notification's `data.item`, as Intercom's
"Webhook Models" reference gives a conversation topic's item (emulator.store.webhooks.topics).
A topic no subscription asked for costs one query and builds nothing.
"""

from __future__ import annotations

from emulator.store import webhooks
from emulator.store.context import Context
from emulator.store.conversations import records, shape


def changed(ctx: Context, topic: str, seq: int) -> None:
    """Queue `topic` for the subscriptions that asked for it (emulator.store.webhooks)."""
    if topic in webhooks.TOPICS and webhooks.subscribed(ctx, topic):
        webhooks.emit(ctx, topic, shape.conversation(ctx, records.require(ctx, seq, pending=True)))
