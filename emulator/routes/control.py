"""The emulator's own control API under `/_emulator/` (not part of Intercom's surface).

The bearer token picks the workspace, as on the API, but control requests are not rate-limited
or journaled. When the server has an admin token (required off loopback), every control request
but the health check must carry it in `X-Emulator-Admin-Token`.
"""

from __future__ import annotations

import contextlib
import hmac
import time
from collections.abc import Iterator

from flask import Blueprint, current_app, request

from emulator import db as database
from emulator import versions
from emulator.app import bearer_token, runtime
from emulator.errors import Forbidden
from emulator.routes.parsing import flag, json_body, ok, query
from emulator.store import clock, faults, journal, seed, settings, workspaces
from emulator.store.context import Context

blueprint = Blueprint("control", __name__, url_prefix="/_emulator")


@blueprint.before_request
def require_admin_token() -> None:
    expected = runtime().admin_token
    if expected is None or request.endpoint == "control.health":
        return
    given = request.headers.get("X-Emulator-Admin-Token", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("The control API needs the server's admin token in X-Emulator-Admin-Token")


@contextlib.contextmanager
def workspace_context() -> Iterator[Context]:
    """The bearer token's workspace, in a transaction of its own; not rate-limited."""
    rt = runtime()
    db = database.connect(rt.db_path)
    with database.write_transaction(db):
        workspace = workspaces.resolve(
            db, bearer_token(), int(time.time()), rt.accepted_tokens, rt.settings
        )
        version = versions.resolve(
            request.headers.get("Intercom-Version"), workspace.settings["default_version"]
        )
        yield Context(
            db=db,
            workspace=workspace,
            token=bearer_token() or "",
            now=int(clock.now(workspace)),
            version=version,
        )


@blueprint.get("/health")
def health():  # type: ignore[no-untyped-def]
    database.connect(runtime().db_path).execute("SELECT 1").fetchone()
    return ok({"status": "ok"})


@blueprint.get("/settings")
def get_settings():  # type: ignore[no-untyped-def]
    with workspace_context() as ctx:
        return ok(settings.get(ctx))


@blueprint.patch("/settings")
def patch_settings():  # type: ignore[no-untyped-def]
    body = json_body()
    with workspace_context() as ctx:
        return ok(settings.update(ctx, body))


@blueprint.post("/reset")
def reset():  # type: ignore[no-untyped-def]
    every = flag(query(), "all")
    with workspace_context() as ctx:
        workspaces.clear(ctx.db, None if every else ctx.workspace.id)
        return ok({"reset": "all" if every else ctx.workspace.id})


@blueprint.post("/seed")
def seed_workspace():  # type: ignore[no-untyped-def]
    document = seed.read_document(request.get_data(cache=True), request.mimetype or "")
    # Each item is checked as the API request it stands for would be (openapi/).
    check_item = current_app.extensions["request_validation"].check_body
    with workspace_context() as ctx:
        return ok(seed.apply(ctx, document, check_item))


@blueprint.get("/journal")
def get_journal():  # type: ignore[no-untyped-def]
    with workspace_context() as ctx:
        return ok(journal.entries(ctx.db, ctx.workspace.id, query()))


@blueprint.post("/faults")
def create_fault():  # type: ignore[no-untyped-def]
    body = json_body()
    with workspace_context() as ctx:
        return ok(faults.create(ctx, body))


@blueprint.get("/faults")
def list_faults():  # type: ignore[no-untyped-def]
    with workspace_context() as ctx:
        return ok(faults.list_all(ctx))


@blueprint.delete("/faults")
def delete_faults():  # type: ignore[no-untyped-def]
    with workspace_context() as ctx:
        return ok(faults.delete(ctx, None))


@blueprint.delete("/faults/<fault_id>")
def delete_fault(fault_id: str):  # type: ignore[no-untyped-def]
    with workspace_context() as ctx:
        return ok(faults.delete(ctx, fault_id))


@blueprint.get("/clock")
def get_clock():  # type: ignore[no-untyped-def]
    with workspace_context() as ctx:
        return ok(clock.state(ctx.workspace))


@blueprint.post("/clock")
def set_clock():  # type: ignore[no-untyped-def]
    body = json_body()
    with workspace_context() as ctx:
        return ok(clock.change(ctx, body))
