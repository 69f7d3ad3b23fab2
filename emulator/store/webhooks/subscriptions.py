"""Webhook subscriptions, as the control API manages them (`/_emulator/webhooks`): Intercom
configures them in its Developer Hub, not through its REST API.

The key of `X-Hub-Signature` is the app's client secret at Intercom [WHS] ("Signed
Notifications": HMAC-SHA1 of the body, hex, after `sha1=`). The emulator keeps one per
subscription: the `secret` given when it is created, or one it draws, shown by the list.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from emulator.errors import NotFound, ParameterInvalid
from emulator.store import validation
from emulator.store.context import Context
from emulator.store.webhooks import outbox, urls
from emulator.store.webhooks.topics import PING_ITEM, TOPICS

MAX_SUBSCRIPTIONS = 100  # per workspace, the emulator's bound
MAX_SECRET_LENGTH = 200


def _topics(raw: Any) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(t, str) for t in raw):
        raise ParameterInvalid("topics must be a non-empty list of topic names", field="topics")
    unknown = [topic for topic in raw if topic not in TOPICS]
    if unknown:
        raise ParameterInvalid(
            f"unknown topic {unknown[0][:100]!r}; the emulator sends: {', '.join(TOPICS)}",
            field="topics",
        )
    return list(dict.fromkeys(raw))


def _secret(body: dict[str, Any]) -> str:
    given = body.get("secret")
    if given is None:
        return secrets.token_hex(20)
    if not isinstance(given, str) or not given or len(given) > MAX_SECRET_LENGTH:
        raise ParameterInvalid(
            f"secret must be a non-empty string of at most {MAX_SECRET_LENGTH} characters",
            field="secret",
        )
    return given


def shape(row: tuple[Any, ...]) -> dict[str, Any]:
    sub_id, url, topics, secret, created_at = row
    return {
        "type": "webhook_subscription",
        "id": sub_id,
        "url": url,
        "topics": json.loads(topics),
        "secret": secret,
        "created_at": created_at,
    }


def create(ctx: Context, body: dict[str, Any], allowed_hosts: Iterable[str]) -> dict[str, Any]:
    """Subscribe `url` to `topics`; a ping notification goes to it at once, as the Developer
    Hub's test request does."""
    validation.known_keys(body, ("url", "topics", "secret"))
    url = urls.check(body.get("url"), allowed_hosts)
    topics = _topics(body.get("topics"))
    secret = _secret(body)
    count = ctx.db.execute(
        "SELECT count(*) FROM webhook_subscriptions WHERE workspace_id = ?", [ctx.workspace.id]
    ).fetchone()[0]
    if count >= MAX_SUBSCRIPTIONS:
        raise ParameterInvalid(f"a workspace holds at most {MAX_SUBSCRIPTIONS} subscriptions")
    row = (f"nsub_{uuid.uuid4().hex}", url, json.dumps(topics), secret, ctx.now)
    ctx.db.execute(
        "INSERT INTO webhook_subscriptions (id, url, topics, secret, created_at, workspace_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [*row, ctx.workspace.id],
    )
    outbox.enqueue(ctx, row[0], "ping", dict(PING_ITEM))
    return shape(row)


_COLUMNS = "id, url, topics, secret, created_at"


def list_all(ctx: Context) -> dict[str, Any]:
    rows = ctx.db.execute(
        f"SELECT {_COLUMNS} FROM webhook_subscriptions WHERE workspace_id = ? ORDER BY seq",
        [ctx.workspace.id],
    ).fetchall()
    return {"type": "list", "data": [shape(row) for row in rows]}


def _require(ctx: Context, subscription_id: str) -> tuple[Any, ...]:
    row = ctx.db.execute(
        f"SELECT {_COLUMNS} FROM webhook_subscriptions WHERE workspace_id = ? AND id = ?",
        [ctx.workspace.id, subscription_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"No webhook subscription with id '{subscription_id[:100]}'", field="id")
    return tuple(row)


def delete(ctx: Context, subscription_id: str) -> dict[str, Any]:
    """Remove it with its notifications, delivered or not."""
    _require(ctx, subscription_id)
    ctx.db.execute("DELETE FROM webhook_subscriptions WHERE id = ?", [subscription_id])
    return {"id": subscription_id, "deleted": True}


def ping(ctx: Context, subscription_id: str) -> dict[str, Any]:
    """Send the subscription a ping notification (the Developer Hub's test request)."""
    _require(ctx, subscription_id)
    outbox.enqueue(ctx, subscription_id, "ping", dict(PING_ITEM))
    return {"id": subscription_id, "ping": "queued"}
