"""What became of the workspace's notifications: each with its attempts (status, latency, the
start of the receiver's answer), newest first, for the control API and the inspector."""

from __future__ import annotations

import json
from typing import Any

from emulator.store import validation
from emulator.store.context import Context

DEFAULT_LIMIT, MAX_LIMIT = 50, 500


def _attempts(ctx: Context, seqs: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {seq: [] for seq in seqs}
    if not seqs:
        return found
    marks = ", ".join("?" for _ in seqs)
    for seq, number, at, status, ok, latency, response in ctx.db.execute(
        "SELECT notification_seq, number, attempted_at, status, ok, latency_ms, response"
        f" FROM webhook_attempts WHERE notification_seq IN ({marks}) ORDER BY seq",
        seqs,
    ):
        found[seq].append(
            {
                "attempt": number,
                "attempted_at": at,
                "status": status,
                "ok": bool(ok),
                "latency_ms": latency,
                "response": response,
            }
        )
    return found


def list_recent(ctx: Context, args: dict[str, str]) -> dict[str, Any]:
    limit = validation.per_page(args.get("per_page"), DEFAULT_LIMIT, MAX_LIMIT)
    rows = ctx.db.execute(
        "SELECT seq, id, subscription_id, topic, item, created_at, state, attempts,"
        " first_sent_at, delivered_at, next_attempt_at FROM webhook_notifications"
        " WHERE workspace_id = ? ORDER BY seq DESC LIMIT ?",
        [ctx.workspace.id, limit],
    ).fetchall()
    attempts = _attempts(ctx, [row[0] for row in rows])
    data = [
        {
            "id": nid,
            "subscription_id": sub,
            "topic": topic,
            "item": json.loads(item),
            "created_at": created,
            "state": state,
            "delivery_attempts": count,
            "first_sent_at": first,
            "delivered_at": delivered,
            "next_attempt_at": int(next_at) if state == "pending" else None,
            "attempts": attempts[seq],
        }
        for seq, nid, sub, topic, item, created, state, count, first, delivered, next_at in rows
    ]
    return {"type": "list", "data": data}
