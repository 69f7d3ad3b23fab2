"""Fault rules: make chosen requests fail, slow down or lose their connection, on purpose.

A rule matches a method and a path (exact, or a glob such as `/contacts/*`) and applies to the
next `times` matching requests, or to each with a `probability` drawn from a seeded generator so
a test run can be repeated exactly.
"""

from __future__ import annotations

import fnmatch
import json
import random
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from emulator.errors import IntercomError, NotFound, ParameterInvalid
from emulator.store import validation
from emulator.store.context import Context

_FIELDS = (
    "method",
    "path",
    "operation_id",
    "status",
    "body",
    "latency_ms",
    "drop",
    "times",
    "probability",
    "seed",
)
_COLUMNS = (
    "id, method, path, operation_id, status, body, latency_ms, drop_connection, remaining,"
    " probability, seed, hits, seen"
)


@dataclass(frozen=True)
class Fault:
    id: int
    status: int | None
    body: Any
    latency_ms: int
    drop: bool


class InjectedFault(IntercomError):
    """The answer a fault rule chose; its body is sent as given when the rule has one."""

    def __init__(self, fault: Fault) -> None:
        status = fault.status or 500
        code = {429: "rate_limit_exceeded", 503: "service_unavailable"}.get(status, "server_error")
        super().__init__(f"Injected fault (rule {fault.id})", status=status, code=code)
        self.raw_body = fault.body


def create(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    validation.known_keys(body, _FIELDS)
    method = validation.typed(body, "method", str)
    status = validation.typed(body, "status", int)
    latency = validation.typed(body, "latency_ms", int) or 0
    drop = bool(validation.typed(body, "drop", bool))
    times = validation.typed(body, "times", int)
    probability = validation.typed(body, "probability", (int, float))
    if status is None and not latency and not drop:
        raise ParameterInvalid("A fault needs a status, a latency_ms or drop: true", field="status")
    if status is not None and not 400 <= status <= 599:
        raise ParameterInvalid("status must be an HTTP error status (400-599)", field="status")
    if times is not None and not 1 <= times < 2**63:  # SQLite keeps 64-bit integers
        raise ParameterInvalid("times must be between 1 and 2**63 - 1", field="times")
    seed = validation.typed(body, "seed", int)
    if seed is not None and not -(2**63) < seed < 2**63:
        raise ParameterInvalid("seed must be a 64-bit integer", field="seed")
    if probability is not None and not 0 < probability <= 1:
        raise ParameterInvalid("probability must be in (0, 1]", field="probability")
    if not 0 <= latency <= 60_000:
        raise ParameterInvalid("latency_ms must be between 0 and 60000", field="latency_ms")
    cursor = ctx.db.execute(
        "INSERT INTO faults (workspace_id, method, path, operation_id, status, body, latency_ms,"
        " drop_connection, remaining, probability, seed, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ctx.workspace.id,
            method.upper() if method else None,
            validation.typed(body, "path", str),
            validation.typed(body, "operation_id", str),
            status,
            json.dumps(body["body"]) if body.get("body") is not None else None,
            latency,
            int(drop),
            times,
            probability,
            seed,
            ctx.now,
        ],
    )
    return _shape(_row(ctx.db, ctx.workspace.id, cursor.lastrowid))


def _row(db: sqlite_utils.Database, workspace_id: str, fault_id: Any) -> tuple[Any, ...]:
    row = db.execute(
        f"SELECT {_COLUMNS} FROM faults WHERE workspace_id = ? AND id = ?", [workspace_id, fault_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"No fault rule {fault_id}")
    return row


def _shape(row: tuple[Any, ...]) -> dict[str, Any]:
    (
        fid,
        method,
        path,
        operation_id,
        status,
        body,
        latency,
        drop,
        remaining,
        probability,
        seed,
        hits,
        seen,
    ) = row
    return {
        "id": fid,
        "method": method,
        "path": path,
        "operation_id": operation_id,
        "status": status,
        "body": json.loads(body) if body else None,
        "latency_ms": latency,
        "drop": bool(drop),
        "remaining": remaining,
        "probability": probability,
        "seed": seed,
        "hits": hits,
    }


def list_all(ctx: Context) -> dict[str, Any]:
    rows = ctx.db.execute(
        f"SELECT {_COLUMNS} FROM faults WHERE workspace_id = ? ORDER BY id", [ctx.workspace.id]
    ).fetchall()
    return {"type": "list", "data": [_shape(row) for row in rows]}


def delete(ctx: Context, fault_id: str | None) -> dict[str, Any]:
    """Delete one rule, or every rule of the workspace when `fault_id` is None."""
    if fault_id is None:
        ctx.db.execute("DELETE FROM faults WHERE workspace_id = ?", [ctx.workspace.id])
        return {"deleted": True}
    _row(ctx.db, ctx.workspace.id, fault_id)
    ctx.db.execute("DELETE FROM faults WHERE id = ?", [fault_id])
    return {"id": int(fault_id), "deleted": True}


def _matches(rule: tuple[Any, ...], method: str, path: str, operation_id: str | None) -> bool:
    _, rule_method, rule_path, rule_operation = rule[:4]
    if rule_method and rule_method not in ("*", method):
        return False
    if rule_operation and rule_operation != operation_id:
        return False
    return not rule_path or rule_path == path or fnmatch.fnmatchcase(path, rule_path)


def take(
    db: sqlite_utils.Database, workspace_id: str, method: str, path: str, operation_id: str | None
) -> Fault | None:
    """The first rule that fires for this request, its count taken atomically; None if none.

    Called outside the request's transaction so that a rule's latency never holds the lock.
    """
    rules = db.execute(
        f"SELECT {_COLUMNS} FROM faults WHERE workspace_id = ? ORDER BY id", [workspace_id]
    ).fetchall()
    for rule in rules:
        if not _matches(rule, method, path, operation_id):
            continue
        fid, probability, seed = rule[0], rule[9], rule[10]
        # Each worker process draws from the rule's own sequence, so a seeded run repeats.
        returned = db.execute(
            "UPDATE faults SET seen = seen + 1 WHERE id = ? RETURNING seen - 1", [fid]
        ).fetchall()  # fetch all: an unfinished RETURNING statement keeps the write lock
        seen = returned[0][0] if returned else 0
        if probability is not None and random.Random(f"{seed}:{seen}").random() >= probability:
            continue
        cursor = db.execute(
            "UPDATE faults SET hits = hits + 1, remaining = remaining - 1"
            " WHERE id = ? AND (remaining IS NULL OR remaining > 0)",
            [fid],
        )
        if cursor.rowcount:
            return Fault(
                fid, rule[4], json.loads(rule[5]) if rule[5] else None, rule[6], bool(rule[7])
            )
    return None
