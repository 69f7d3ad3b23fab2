"""The emulator's clock, per workspace: real time, shifted or frozen through the control API.

Everything time-dependent in the store (timestamps, rate-limit windows, search lag) reads the
request's `Context.now`, which comes from here, so a test can freeze time or jump ahead.
"""

from __future__ import annotations

import time
from typing import Any

from emulator.errors import ParameterInvalid
from emulator.store import validation
from emulator.store.context import Context, Workspace


def now(workspace: Workspace) -> float:
    if workspace.clock_frozen_at is not None:
        return workspace.clock_frozen_at
    return time.time() + workspace.clock_offset


def state(workspace: Workspace) -> dict[str, Any]:
    return {
        "now": int(now(workspace)),
        "frozen": workspace.clock_frozen_at is not None,
        "offset_seconds": workspace.clock_offset,
    }


def change(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """Apply `{"freeze": bool, "at": unix seconds, "advance": seconds, "reset": bool}`, each
    optional; `reset` returns to real time first."""
    validation.known_keys(body, ("freeze", "at", "advance", "reset"))
    ws = ctx.workspace
    if validation.typed(body, "reset", bool):
        ws.clock_frozen_at, ws.clock_offset = None, 0.0
    current = now(ws)
    at = validation.typed(body, "at", (int, float))
    advance = validation.typed(body, "advance", (int, float))
    freeze = validation.typed(body, "freeze", bool)
    if at is not None and at < 0:
        raise ParameterInvalid("at must be a unix time in seconds", field="at")
    target = float(at) if at is not None else current
    target += float(advance or 0)
    frozen = freeze if freeze is not None else ws.clock_frozen_at is not None
    if frozen:
        ws.clock_frozen_at, ws.clock_offset = target, 0.0
    else:
        ws.clock_frozen_at, ws.clock_offset = None, target - time.time()
    ctx.db.execute(
        "UPDATE workspaces SET clock_frozen_at = ?, clock_offset = ? WHERE id = ?",
        [ws.clock_frozen_at, ws.clock_offset, ws.id],
    )
    return state(ws)
