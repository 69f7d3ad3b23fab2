"""A seed applied in chunks: all of it or nothing, without holding the write lock for long.

The whole document is checked first (emulator.store.seed.plan). Its items are then created in
chunks, each one write transaction of about `CHUNK_SECONDS`; between chunks the lock goes to
whoever waits for it (other workspaces' writes), so a long seed delays them by a chunk at most.
What each chunk writes is recorded in an undo log (emulator.store.undo_log): when an item is
refused part-way, the chunk in progress is rolled back and the committed ones are undone, newest
first, and the refusal is answered as before. A row in `seeding` marks the workspace from the
first chunk to the last (or the end of the undo): while its heartbeat is fresh, the workspace's
other requests are answered 503 instead of seeing half a seed (`refuse_while_seeding`).

A server killed mid-seed loses the undo log (a TEMP table): the committed chunks stay, and the
workspace answers again once the mark is `STALE_AFTER` old (or is reset or deleted).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import sqlite_utils

from emulator import db as database
from emulator.errors import ServiceUnavailable
from emulator.store import seed
from emulator.store.context import Context
from emulator.store.undo_log import UndoLog

CHUNK_SECONDS = 0.1  # the longest a chunk keeps creating items before it commits
PAUSE_SECONDS = 0.005  # after a commit: a writer woken by the lock's release gets its turn
STALE_AFTER = 60.0  # a mark whose heartbeat is older belongs to a seed that died


def refuse_while_seeding(db: sqlite_utils.Database, workspace_id: str) -> None:
    """503 while another request seeds this workspace (inside the request's transaction, so a
    snapshot without the mark holds all of a seed or none of it)."""
    row = db.execute(
        "SELECT heartbeat FROM seeding WHERE workspace_id = ?", [workspace_id]
    ).fetchone()
    if row is not None and time.time() - row[0] < STALE_AFTER:
        raise ServiceUnavailable(
            "This workspace is being seeded (POST /_emulator/seed): retry once the seed is answered"
        )


def apply(ctx: Context, planned: seed.Plan, check_item: seed.ItemCheck | None) -> dict[str, Any]:
    """Create the planned items in chunks (call outside a transaction); the seed's answer."""
    run = _Run(ctx)
    try:
        run.log.start()
        created = run.create(planned, check_item)
    except BaseException:
        run.abandon()
        raise
    finally:
        run.log.close()
    return seed.result(ctx, planned, created)


class _Run:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.log = UndoLog(ctx.db)
        self.owner = uuid.uuid4().hex
        self.claimed = False

    def create(self, planned: seed.Plan, check_item: seed.ItemCheck | None) -> list[Any]:
        created: list[Any] = []
        self._begin()
        self._claim()
        started = time.monotonic()
        for item in planned.items:
            if time.monotonic() - started > CHUNK_SECONDS:
                self._next_chunk()
                started = time.monotonic()
            created.append(seed.create_one(self.ctx, item, check_item))
        self._release()
        self._execute("COMMIT")
        return created

    def abandon(self) -> None:
        """Roll back the chunk in progress, then undo the committed ones, newest first."""
        if self.ctx.db.conn.in_transaction:
            self._execute("ROLLBACK")
        self.log.stop()
        if not self.claimed:  # nothing was committed: the first chunk holds the claim
            return
        while True:
            self._begin()
            try:
                more = self.log.undo_step()
                if more:
                    self._heartbeat()
                else:
                    self._release()
            except BaseException:
                self._execute("ROLLBACK")
                raise
            self._execute("COMMIT")
            if not more:
                return
            time.sleep(PAUSE_SECONDS)

    def _next_chunk(self) -> None:
        self._heartbeat()
        self._execute("COMMIT")
        self.log.mark()
        time.sleep(PAUSE_SECONDS)
        self._begin()

    def _begin(self) -> None:
        database.begin_write(self.ctx.db.conn)

    def _execute(self, sql: str) -> None:
        self.ctx.db.conn.execute(sql)

    def _claim(self) -> None:
        """Mark the workspace as being seeded, unless another seed holds a fresh mark."""
        refuse_while_seeding(self.ctx.db, self.ctx.workspace.id)
        self.ctx.db.execute(
            "INSERT OR REPLACE INTO seeding (workspace_id, owner, heartbeat) VALUES (?, ?, ?)",
            [self.ctx.workspace.id, self.owner, time.time()],
        )
        self.claimed = True

    def _heartbeat(self) -> None:
        self.ctx.db.execute(
            "UPDATE seeding SET heartbeat = ? WHERE workspace_id = ? AND owner = ?",
            [time.time(), self.ctx.workspace.id, self.owner],
        )

    def _release(self) -> None:
        self.ctx.db.execute(
            "DELETE FROM seeding WHERE workspace_id = ? AND owner = ?",
            [self.ctx.workspace.id, self.owner],
        )
