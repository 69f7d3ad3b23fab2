"""Intercom's rate limits: fixed 10-second windows per app (token) and per workspace.

Counters live in SQLite and are bumped inside the request's write transaction, so every worker
process sees the same count and exactly the limit is admitted per window.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from emulator.errors import RateLimited
from emulator.limits import RATE_WINDOW_SECONDS
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


def _used(db: sqlite_utils.Database, key: str, window: int) -> int:
    row = db.execute("SELECT window_start, count FROM rate_windows WHERE key = ?", [key]).fetchone()
    return row[1] if row and row[0] == window else 0


def _bump(db: sqlite_utils.Database, key: str, window: int, count: int) -> None:
    db.execute(
        "INSERT INTO rate_windows (key, window_start, count) VALUES (?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET window_start = excluded.window_start,"
        " count = excluded.count",
        [key, window, count],
    )


def admit(db: sqlite_utils.Database, workspace: Workspace, token: str, now: float) -> Quota:
    """Count one request, or raise 429 when the app's or the workspace's window is full."""
    window = int(now) - int(now) % RATE_WINDOW_SECONDS
    reset = window + RATE_WINDOW_SECONDS
    app_limit = workspace.settings["rate_limit_app"]
    workspace_limit = workspace.settings["rate_limit_workspace"]
    app_key, workspace_key = f"app:{token}", f"workspace:{workspace.id}"
    app_used = _used(db, app_key, window)
    workspace_used = _used(db, workspace_key, window)
    for used, limit in ((app_used, app_limit), (workspace_used, workspace_limit)):
        if used >= limit:
            quota = Quota(app_limit, 0, reset)
            raise RateLimited(
                f"Exceeded rate limit of {limit} in 10_seconds", headers=quota.headers()
            )
    _bump(db, app_key, window, app_used + 1)
    _bump(db, workspace_key, window, workspace_used + 1)
    return Quota(app_limit, max(app_limit - app_used - 1, 0), reset)
