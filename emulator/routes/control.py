"""The emulator's own control API under `/_emulator/` (not part of Intercom's surface)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from flask import Blueprint, request

from emulator import db as database
from emulator import versions
from emulator.app import bearer_token, runtime
from emulator.routes.parsing import json_body, ok
from emulator.store import settings, workspaces
from emulator.store.context import Context

blueprint = Blueprint("control", __name__, url_prefix="/_emulator")


@contextlib.contextmanager
def workspace_context() -> Iterator[Context]:
    """The bearer token's workspace, in a transaction of its own; not rate-limited."""
    rt = runtime()
    db = database.connect(rt.db_path)
    now = int(time.time())
    with database.write_transaction(db):
        workspace = workspaces.resolve(db, bearer_token(), now, rt.accepted_tokens, rt.settings)
        version = versions.resolve(
            request.headers.get("Intercom-Version"), workspace.settings["default_version"]
        )
        yield Context(
            db=db, workspace=workspace, token=bearer_token() or "", now=now, version=version
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
