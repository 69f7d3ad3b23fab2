"""Intercom's rate limits: fixed 10-second windows per app (token) and per workspace.

A request is counted under one identity: its token's row (the app) and its workspace's row.
Counters live in the memory the worker processes share (emulator.shared), so a read is counted
without a write transaction and exactly the limit is admitted per window across processes. When
another row's live window holds the shared slot, the same identity is counted in SQLite
(`rate_windows`, keys `app:<token row>` and `workspace:<workspace row>`) in a write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from emulator import db as database
from emulator.errors import RateLimited
from emulator.limits import RATE_WINDOW_SECONDS
from emulator.shared import Shared
from emulator.store.context import Workspace


@dataclass(frozen=True)
class Quota:
    """What the `X-RateLimit-*` headers report: the app's window."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def _count(db: sqlite_utils.Database, key: str, window: int) -> int:
    """Count one request in `key`'s window (a new window starts at 1); the count after it."""
    row = db.execute(
        "INSERT INTO rate_windows (key, window_start, count) VALUES (?, ?, 1)"
        " ON CONFLICT(key) DO UPDATE SET"
        " count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END,"
        " window_start = excluded.window_start"
        " RETURNING count",
        [key, window],
    ).fetchone()
    return int(row[0])


def keys(workspace: Workspace) -> tuple[str, str]:
    """The `rate_windows` keys of the request's app (token) and workspace."""
    return f"app:{workspace.token_row}", f"workspace:{workspace.row}"


def admit(db: sqlite_utils.Database, shared: Shared, workspace: Workspace, now: float) -> Quota:
    """Count one request, or raise 429 when the app's or the workspace's window is full."""
    window = int(now) - int(now) % RATE_WINDOW_SECONDS
    reset = window + RATE_WINDOW_SECONDS
    app_limit = workspace.settings["rate_limit_app"]
    workspace_limit = workspace.settings["rate_limit_workspace"]
    counted = shared.admit(workspace.token_row, workspace.row, window, app_limit, workspace_limit)
    if counted is None:  # the shared slot is taken: count in SQLite
        with database.write_transaction(db):
            counted = _admit_in_sqlite(db, workspace, window)
    app_used, workspace_used, admitted = counted
    if not admitted:
        limit = app_limit if app_used >= app_limit else workspace_limit
        quota = Quota(app_limit, 0, reset)
        raise RateLimited(f"Exceeded rate limit of {limit} in 10_seconds", headers=quota.headers())
    return Quota(app_limit, max(app_limit - app_used, 0), reset)


def _admit_in_sqlite(
    db: sqlite_utils.Database, workspace: Workspace, window: int
) -> tuple[int, int, bool]:
    app_limit = workspace.settings["rate_limit_app"]
    workspace_limit = workspace.settings["rate_limit_workspace"]
    app_key, workspace_key = keys(workspace)
    app_used = _count(db, app_key, window)
    workspace_used = _count(db, workspace_key, window)
    if app_used > app_limit or workspace_used > workspace_limit:
        db.execute(
            "UPDATE rate_windows SET count = count - 1 WHERE key IN (?, ?)",
            [app_key, workspace_key],
        )
        return app_used - 1, workspace_used - 1, False
    return app_used, workspace_used, True
