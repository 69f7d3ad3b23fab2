"""Teams (`GET /teams`, `GET /teams/{id}`): a seed declares them (`teams` in a seed document),
so conversations can be assigned to one [S2.11 listTeams, retrieveTeam; `team` schema: type,
id, name, admin_ids (numbers), admin_priority_level]."""

from __future__ import annotations

import json
import secrets
from typing import Any

from emulator.errors import NotFound, ParameterInvalid
from emulator.store import admins
from emulator.store.context import Context


def _shape(team_id: str, name: str, admin_ids: str) -> dict[str, Any]:
    return {
        "type": "team",
        "id": team_id,
        "name": name,
        "admin_ids": [int(i) for i in json.loads(admin_ids)],
        "admin_priority_level": {"primary_admin_ids": None, "secondary_admin_ids": None},
    }


def list_all(ctx: Context) -> dict[str, Any]:
    rows = ctx.db.execute(
        "SELECT id, name, admin_ids FROM teams WHERE workspace_id = ? ORDER BY rowid",
        [ctx.workspace.id],
    ).fetchall()
    return {"type": "team.list", "teams": [_shape(*row) for row in rows]}


def find(ctx: Context, team_id: Any) -> dict[str, Any] | None:
    text = str(team_id) if isinstance(team_id, int | str) and not isinstance(team_id, bool) else ""
    row = ctx.db.execute(
        "SELECT id, name, admin_ids FROM teams WHERE workspace_id = ? AND id = ?",
        [ctx.workspace.id, text],
    ).fetchone()
    return _shape(*row) if row else None


def retrieve(ctx: Context, team_id: str) -> dict[str, Any]:
    """404 `team_not_found` (a code in Intercom's documented list) for an unknown id."""
    found = find(ctx, team_id)
    if found is None:
        raise NotFound("Team not found", code="team_not_found")
    return found


def add(ctx: Context, body: dict[str, Any]) -> str:
    """A seed's team: `{"name", "admin_ids"?, "id"?}`, its admins named by id."""
    if set(body) - {"name", "admin_ids", "id"}:
        raise ParameterInvalid("a team has only name, admin_ids and id")
    name, members = body.get("name"), body.get("admin_ids", [])
    if not isinstance(name, str) or not name:
        raise ParameterInvalid("a team needs a name", field="name")
    if not isinstance(members, list):
        raise ParameterInvalid("admin_ids must be a list", field="admin_ids")
    for index, admin_id in enumerate(members):
        if admins.find(ctx, admin_id) is None:
            raise ParameterInvalid(f"no admin '{admin_id}'", field=f"admin_ids[{index}]")
    team_id = body["id"] if "id" in body else str(secrets.randbelow(9_000_000) + 1_000_000)
    if (
        not isinstance(team_id, str)
        or not (team_id.isascii() and team_id.isdigit())
        or find(ctx, team_id) is not None
    ):
        raise ParameterInvalid(f"team id '{team_id}' is taken or not digits", field="id")
    ctx.db.execute(
        "INSERT INTO teams (workspace_id, id, name, admin_ids) VALUES (?, ?, ?, ?)",
        [ctx.workspace.id, team_id, name, json.dumps([str(i) for i in members])],
    )
    return team_id
