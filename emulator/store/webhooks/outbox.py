"""The outbox: notifications written in the transaction of the change they announce, claimed by
one sender at a time, and each attempt to deliver them.

Retries follow Intercom's documented delay for a receiver that asks it to slow down: "starts at
1 minute and extends to 2 hours" ([WHN], Intercom's "Webhook Notifications" page, Throttling).
The emulator applies it to every failed attempt (no answer, or a status outside 2xx), doubling
from `RETRY_FIRST_SECONDS` up to `RETRY_MAX_SECONDS`, and gives up after `MAX_ATTEMPTS` (the
emulator's choice: Intercom suspends a subscription after seven days of errors [WHN]). Delays
run on the workspace's clock, so moving it (the control API's clock) makes a retry due.

Order: a subscription's notifications go out in the order they were written; the oldest one
not yet delivered holds the others back while it waits for its retry (`claim_due`). Several
server processes share the outbox: a notification is claimed in a write transaction, with a
lease (`LEASE_SECONDS` of real time), so one process alone attempts it; a sender that died
holding a lease loses it when the lease runs out.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from emulator.db import write_transaction
from emulator.store.context import Context

RETRY_FIRST_SECONDS = 60
RETRY_MAX_SECONDS = 2 * 60 * 60
MAX_ATTEMPTS = 10
LEASE_SECONDS = 30.0
RESPONSE_EXCERPT = 500  # characters of a receiver's answer kept with the attempt

# Called (no arguments) once a transaction that wrote notifications commits: the sender's wake.
COMMIT_HOOKS: list[Callable[[], None]] = []

_WORKSPACE_NOW = "COALESCE(w.clock_frozen_at, ? + w.clock_offset)"


def emit(ctx: Context, topic: str, item: dict[str, Any]) -> int:
    """Queue a `topic` notification carrying `item` for every subscription of the workspace
    that asked for the topic; delivered once the request's transaction commits. Returns how
    many were queued."""
    rows = ctx.db.execute(
        "SELECT id, topics FROM webhook_subscriptions WHERE workspace_id = ? ORDER BY seq",
        [ctx.workspace.id],
    ).fetchall()
    queued = 0
    for subscription_id, topics in rows:
        if topic in json.loads(topics):
            enqueue(ctx, subscription_id, topic, item)
            queued += 1
    return queued


def subscribed(ctx: Context, topic: str) -> bool:
    """Whether any subscription of the workspace asked for `topic`: lets a caller skip
    building an item no one will get."""
    rows = ctx.db.execute(
        "SELECT topics FROM webhook_subscriptions WHERE workspace_id = ?", [ctx.workspace.id]
    ).fetchall()
    return any(topic in json.loads(topics) for (topics,) in rows)


def enqueue(ctx: Context, subscription_id: str, topic: str, item: dict[str, Any]) -> None:
    ctx.db.execute(
        "INSERT INTO webhook_notifications (id, workspace_id, subscription_id, topic, item,"
        " created_at, state, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
        [
            f"notif_{uuid.uuid4()}",
            ctx.workspace.id,
            subscription_id,
            topic,
            json.dumps(item),
            ctx.now,
            ctx.now,
        ],
    )
    after_commit = getattr(ctx.db.conn, "after_commit", None)
    if after_commit is not None and _wake not in after_commit:
        after_commit.append(_wake)


def _wake() -> None:
    for hook in list(COMMIT_HOOKS):
        hook()


@dataclass
class Claimed:
    """One notification a sender holds the lease of, with what its attempt needs."""

    seq: int
    claim: str
    url: str
    secret: str
    app_id: str
    notification_id: str
    topic: str
    item: dict[str, Any]
    created_at: int
    attempt: int  # this attempt's number, from 1
    first_sent_at: int

    def body(self) -> bytes:
        """The notification_event as sent: the fields and order of Intercom's ([WHM], and
        the ping in [ZULIP-PING])."""
        event = {
            "type": "notification_event",
            "app_id": self.app_id,
            "data": {"type": "notification_event_data", "item": self.item},
            "links": {},
            "id": self.notification_id,
            "topic": self.topic,
            "delivery_status": "pending",
            "delivery_attempts": self.attempt,
            "delivered_at": 0,
            "first_sent_at": self.first_sent_at,
            "created_at": self.created_at,
            "self": None,
        }
        return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


_DUE = f"""
    SELECT n.seq, s.url, s.secret, n.workspace_id, n.id, n.topic, n.item, n.created_at,
           n.attempts, n.first_sent_at, {_WORKSPACE_NOW} AS now
    FROM webhook_notifications n
    JOIN webhook_subscriptions s ON s.id = n.subscription_id
    JOIN workspaces w ON w.id = n.workspace_id
    WHERE n.state = 'pending'
      AND n.seq = (SELECT min(m.seq) FROM webhook_notifications m
                   WHERE m.subscription_id = n.subscription_id AND m.state = 'pending')
      AND n.next_attempt_at <= {_WORKSPACE_NOW}
      AND (n.claimed_until IS NULL OR n.claimed_until < ?)
"""


def any_due(db: sqlite_utils.Database, wall: float, workspace_id: str | None = None) -> bool:
    """Whether `claim_due` would find anything: a read, so an idle sender takes no lock."""
    where, args = ("AND n.workspace_id = ?", [workspace_id]) if workspace_id else ("", [])
    row = db.execute(f"{_DUE} {where} LIMIT 1", [wall, wall, wall, *args]).fetchone()
    return row is not None


def claim_due(
    db: sqlite_utils.Database, wall: float, workspace_id: str | None = None, limit: int = 50
) -> list[Claimed]:
    """Take the lease of every notification due now that heads its subscription's queue."""
    claim = uuid.uuid4().hex
    where, args = ("AND n.workspace_id = ?", [workspace_id]) if workspace_id else ("", [])
    with write_transaction(db):
        rows = db.execute(
            f"{_DUE} {where} ORDER BY n.seq LIMIT ?", [wall, wall, wall, *args, limit]
        ).fetchall()
        claimed = []
        for seq, url, secret, app_id, nid, topic, item, created, attempts, first, now in rows:
            first_sent = first if first is not None else int(now)
            db.execute(
                "UPDATE webhook_notifications SET claimed_until = ?, claim = ?,"
                " attempts = attempts + 1, first_sent_at = ? WHERE seq = ?",
                [wall + LEASE_SECONDS, claim, first_sent, seq],
            )
            claimed.append(
                Claimed(
                    seq,
                    claim,
                    url,
                    secret,
                    app_id,
                    nid,
                    topic,
                    json.loads(item),
                    created,
                    attempts + 1,
                    first_sent,
                )
            )
        return claimed


def retry_delay(attempt: int) -> int:
    """Seconds before the attempt after failed attempt number `attempt` (1, 2, ...)."""
    return int(min(RETRY_FIRST_SECONDS * 2 ** (attempt - 1), RETRY_MAX_SECONDS))


@dataclass
class Outcome:
    status: int | None  # the HTTP status, None when no answer came
    latency_ms: float
    response: str  # the answer's first characters, or what went wrong

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def record(db: sqlite_utils.Database, claimed: Claimed, outcome: Outcome, wall: float) -> bool:
    """Keep the attempt and settle the notification: delivered, due again later, or failed for
    good. False when the lease was lost (the subscription deleted, or the lease ran out and
    another sender took it), and nothing is recorded."""
    with write_transaction(db):
        row = db.execute(
            "SELECT n.claim, n.attempts, COALESCE(w.clock_frozen_at, ? + w.clock_offset)"
            " FROM webhook_notifications n JOIN workspaces w ON w.id = n.workspace_id"
            " WHERE n.seq = ?",
            [wall, claimed.seq],
        ).fetchone()
        if row is None or row[0] != claimed.claim:
            return False
        attempts, now = row[1], row[2]
        db.execute(
            "INSERT INTO webhook_attempts (notification_seq, number, attempted_at, status, ok,"
            " latency_ms, response) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                claimed.seq,
                attempts,
                int(now),
                outcome.status,
                int(outcome.ok),
                round(outcome.latency_ms, 1),
                outcome.response[:RESPONSE_EXCERPT],
            ],
        )
        if outcome.ok:
            changes = "state = 'delivered', delivered_at = ?"
            value: float = int(now)
        elif attempts >= MAX_ATTEMPTS:
            changes, value = "state = 'failed', next_attempt_at = ?", now
        else:
            changes, value = "next_attempt_at = ?", now + retry_delay(attempts)
        db.execute(
            f"UPDATE webhook_notifications SET {changes}, claimed_until = NULL, claim = NULL"
            " WHERE seq = ?",
            [value, claimed.seq],
        )
        return True


def make_due(db: sqlite_utils.Database, workspace_id: str) -> int:
    """Every pending notification of the workspace due now, retries included (deliver_now)."""
    with write_transaction(db):
        return db.execute(
            "UPDATE webhook_notifications SET next_attempt_at = 0"
            " WHERE workspace_id = ? AND state = 'pending'",
            [workspace_id],
        ).rowcount


def in_flight(db: sqlite_utils.Database, workspace_id: str, wall: float) -> int:
    """Attempts of the workspace a sender holds a live lease on."""
    row = db.execute(
        "SELECT count(*) FROM webhook_notifications WHERE workspace_id = ? AND state = 'pending'"
        " AND claimed_until >= ?",
        [workspace_id, wall],
    ).fetchone()
    return int(row[0])


def attempts_mark(db: sqlite_utils.Database) -> int:
    """Where the attempts made from now on start (`attempts_since`)."""
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM webhook_attempts").fetchone()[0])


def attempts_since(db: sqlite_utils.Database, workspace_id: str, mark: int) -> dict[str, int]:
    """The workspace's attempts after `mark`, by any sender: how many, how many delivered."""
    made, delivered = db.execute(
        "SELECT count(*), coalesce(sum(a.ok), 0) FROM webhook_attempts a"
        " JOIN webhook_notifications n ON n.seq = a.notification_seq"
        " WHERE a.seq > ? AND n.workspace_id = ?",
        [mark, workspace_id],
    ).fetchone()
    return {"attempts": made, "delivered": delivered, "failed_attempts": made - delivered}


def pending(db: sqlite_utils.Database) -> bool:
    row = db.execute(
        "SELECT 1 FROM webhook_notifications WHERE state = 'pending' LIMIT 1"
    ).fetchone()
    return row is not None
