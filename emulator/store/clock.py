"""The emulator's clock, per workspace: real time, shifted or frozen through the control API.

Everything time-dependent in the store (timestamps, search lag) reads the request's
`Context.now`, which comes from here, so a test can freeze time or jump ahead. The clock stays
within CLOCK_MIN_SECONDS … CLOCK_MAX_SECONDS (emulator.limits): a change that would leave that
range is 400 and changes nothing.

Rate-limit windows read `rate_time`: the workspace's clock while it runs; while it is frozen,
the windows keep running at real speed from the frozen time, as if the clock had not stopped. A
frozen clock stops timestamps, not the rate limit: a full window ends within
RATE_WINDOW_SECONDS real seconds (it never answers 429 forever), and moving the frozen clock
(`at`, `advance`) moves the windows with it. Freezing on a window's first second gives a test
that window for the next 10 real seconds.
"""

from __future__ import annotations

import time
from typing import Any

from emulator.errors import ParameterInvalid
from emulator.limits import CLOCK_MAX_SECONDS, CLOCK_MIN_SECONDS
from emulator.store import validation
from emulator.store.context import Context, Workspace

_OUT_OF_RANGE = (
    f"{{}} outside {CLOCK_MIN_SECONDS}..{CLOCK_MAX_SECONDS} (unix seconds, up to 9999-12-31)"
)


def now(workspace: Workspace) -> float:
    if workspace.clock_frozen_at is not None:
        return workspace.clock_frozen_at
    return time.time() + workspace.clock_offset


def rate_time(workspace: Workspace) -> float:
    """The time rate-limit windows are counted in (see the module's description): while
    frozen, `clock_offset` holds the frozen time's distance from real time when it froze."""
    return time.time() + workspace.clock_offset


def state(workspace: Workspace) -> dict[str, Any]:
    return {
        "now": int(now(workspace)),
        "frozen": workspace.clock_frozen_at is not None,
        "offset_seconds": 0.0 if workspace.clock_frozen_at is not None else workspace.clock_offset,
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
    if at is not None and not CLOCK_MIN_SECONDS <= at <= CLOCK_MAX_SECONDS:
        raise ParameterInvalid(_OUT_OF_RANGE.format("at"), field="at")
    target = float(at) if at is not None else current
    target += float(advance or 0)
    if not CLOCK_MIN_SECONDS <= target <= CLOCK_MAX_SECONDS:
        field = "advance" if advance else "at"
        raise ParameterInvalid(_OUT_OF_RANGE.format(f"{field} would take the clock"), field=field)
    frozen = freeze if freeze is not None else ws.clock_frozen_at is not None
    # Frozen, the offset keeps the rate windows running from the frozen time (rate_time).
    ws.clock_frozen_at, ws.clock_offset = target if frozen else None, target - time.time()
    ctx.db.execute(
        "UPDATE workspaces SET clock_frozen_at = ?, clock_offset = ? WHERE id = ?",
        [ws.clock_frozen_at, ws.clock_offset, ws.id],
    )
    return state(ws)
