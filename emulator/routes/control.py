"""The emulator's own control API under `/_emulator/` (not part of Intercom's surface).

The bearer token picks the workspace, as on the API (emulator.access.control_context), but
control requests are not rate-limited or journaled. When the server has an admin token (required
off loopback), every control request but the health check must carry it in
`X-Emulator-Admin-Token`. What reaches more than the token's workspace (`reset?all=true`, the
workspace list, deleting another workspace) needs the admin token, and is refused by a server
that has none.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from emulator import access
from emulator.errors import NotFound
from emulator.routes.parsing import flag, json_body, ok, query
from emulator.store import clock, faults, journal, seed, seed_chunks, settings, workspaces

blueprint = Blueprint("control", __name__, url_prefix="/_emulator")


@blueprint.before_request
def require_admin_token() -> None:
    if request.endpoint != "control.health":
        access.require_admin_token()


@blueprint.get("/health")
def health() -> ResponseReturnValue:
    access.gate().storage.ping()
    return ok({"status": "ok"})


@blueprint.get("/settings")
def get_settings() -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(settings.get(ctx))


@blueprint.patch("/settings")
def patch_settings() -> ResponseReturnValue:
    body = json_body()
    with access.control_context() as ctx:
        return ok(settings.update(ctx, body))


@blueprint.post("/reset")
def reset() -> ResponseReturnValue:
    if flag(query(), "all"):
        with access.admin_transaction("Resetting every workspace") as db:
            workspaces.clear(db, access.gate().storage.shared, None)
        return ok({"reset": "all"})
    with access.control_context() as ctx:
        workspaces.clear(ctx.db, ctx.shared_memory(), ctx.workspace.id)
        return ok({"reset": ctx.workspace.id})


@blueprint.get("/workspaces")
def list_workspaces() -> ResponseReturnValue:
    with access.admin_transaction("Listing the workspaces") as db:
        return ok({"type": "list", "data": workspaces.all_workspaces(db)})


@blueprint.delete("/workspace")
def delete_workspace() -> ResponseReturnValue:
    """The bearer token's workspace, or (with the admin token) the one `?workspace=` names."""
    asked = query().get("workspace")
    if asked is not None:
        with access.admin_transaction("Deleting another workspace") as db:
            if not workspaces.delete(db, access.gate().storage.shared, asked):
                raise NotFound(f"No workspace with id '{asked}'", field="workspace")
        return ok({"id": asked, "deleted": True})
    with access.own_workspace() as (db, workspace):
        workspaces.delete(db, access.gate().storage.shared, workspace.id)
    return ok({"id": workspace.id, "deleted": True})


@blueprint.post("/seed")
def seed_workspace() -> ResponseReturnValue:
    document = seed.read_document(request.get_data(cache=True), request.mimetype or "")
    # Each item is checked as the API request it stands for would be (description/).
    check_item = current_app.extensions["request_validation"].check_body
    planned = seed.plan(document, check_item)  # all of it, before anything is written
    with access.control_context(chunked=True) as ctx:
        return ok(seed_chunks.apply(ctx, planned, check_item))


@blueprint.get("/journal")
def get_journal() -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(journal.entries(ctx, query()))


@blueprint.post("/faults")
def create_fault() -> ResponseReturnValue:
    body = json_body()
    with access.control_context() as ctx:
        return ok(faults.create(ctx, body))


@blueprint.get("/faults")
def list_faults() -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(faults.list_all(ctx))


@blueprint.delete("/faults")
def delete_faults() -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(faults.delete(ctx, None))


@blueprint.delete("/faults/<fault_id>")
def delete_fault(fault_id: str) -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(faults.delete(ctx, fault_id))


@blueprint.get("/clock")
def get_clock() -> ResponseReturnValue:
    with access.control_context() as ctx:
        return ok(clock.state(ctx.workspace))


@blueprint.post("/clock")
def set_clock() -> ResponseReturnValue:
    body = json_body()
    with access.control_context() as ctx:
        return ok(clock.change(ctx, body))
