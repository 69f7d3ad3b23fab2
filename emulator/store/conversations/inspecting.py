"""The inspector's view of conversations: the most recently updated ones, each with its state,
contacts, assignee and parts (admin messages still waiting for their contact included, marked)."""

from __future__ import annotations

from typing import Any

from emulator.store.context import Context
from emulator.store.conversations import records, shape

SHOWN = 20  # conversations on the page
PARTS_SHOWN = 30  # the last parts of each


def recent(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        f"SELECT {records.COLUMN_LIST} FROM conversations WHERE workspace_id = ?"
        " ORDER BY updated_at DESC, seq DESC LIMIT ?",
        [ctx.workspace.id, SHOWN],
    ).fetchall()
    shown = []
    for row in rows:
        record = records.as_dict(ctx, row)
        part_rows, total = records.part_rows(ctx, record["seq"], PARTS_SHOWN)
        author = shape.author(ctx, record["author_type"], record["author_id"])
        shown.append(
            {
                "id": str(record["seq"]),
                "pending": not record["visible"],
                "state": record["state"],
                "read": bool(record["read"]),
                "waiting_since": record["waiting_since"],
                "snoozed_until": record["snoozed_until"],
                "admin_assignee_id": record["admin_assignee_id"],
                "team_assignee_id": record["team_assignee_id"],
                "updated_at": record["updated_at"],
                "contacts": records.contact_ids(ctx, record["seq"]),
                "source": {"author": author, "body": shape.plaintext(record["body"])},
                "parts": [
                    {
                        "part_type": part[1],
                        "body": shape.plaintext(part[2]),
                        "author": shape.author(ctx, part[3], part[4]),
                        "created_at": part[7],
                    }
                    for part in part_rows
                ],
                "parts_total": total,
            }
        )
    return shown
