"""The front door: who a request speaks for, and the one `Context` its store calls receive.

Every caller comes in here: an API request by its bearer token, the Messenger by its app id,
the control API by its bearer token (and the server's admin token, when it has one), the
inspector page by workspace id (and the admin token, or its cookie). The accepted-token rule,
the workspace lookup, the admin-token check and the building of a `Context` are each written
once, below. A token is one rate-limit identity: its row and its workspace's row
(emulator.store.ratelimit).
"""

from __future__ import annotations

import contextlib
import hmac
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from flask import Flask, current_app, request

from emulator import db as database
from emulator import errors, versions
from emulator.store import clock, inspector, workspaces
from emulator.store.context import Context, Workspace

CONTROL_PREFIXES = ("/_emulator", "/openapi.json")
MESSENGER_PREFIX = "/messenger/"
ADMIN_HEADER = "X-Emulator-Admin-Token"
# What a caller's unset variable turns into when formatted into a header (JavaScript's
# `undefined`/`null`, Python's `None`, Ruby's `nil`): always a bug in the caller, never a
# workspace; Intercom answers 401 "Access Token Invalid" to a token it does not know.
PLACEHOLDER_TOKENS = frozenset({"undefined", "null", "none", "nil"})
INSPECTOR_COOKIE = "emulator_admin_token"  # the inspector keeps the admin token in it


@dataclass(frozen=True)
class Gate:
    """What the front door needs from the configuration, computed once at start-up."""

    storage: database.Storage
    accepted_tokens: frozenset[str] | None  # None: any token, each its own workspace
    settings: dict[str, Any]  # overrides for new workspaces' settings
    admin_token: str | None = None

    def accepts(self, token: str | None) -> bool:
        if not token or token.lower() in PLACEHOLDER_TOKENS:
            return False
        return self.accepted_tokens is None or token in self.accepted_tokens

    def admits_admin(self, given: str) -> bool:
        """True when the server has no admin token, or `given` is it."""
        if self.admin_token is None:
            return True
        return hmac.compare_digest(given.encode(), self.admin_token.encode())


def init_app(app: Flask, storage: database.Storage, cfg: dict[str, Any]) -> Gate:
    """Declare the config's workspaces and keep the gate on the app."""
    db = storage.connect()
    with database.write_transaction(db):
        workspaces.declare(db, cfg["WORKSPACES"], int(time.time()))
    accepted = None
    if cfg["TOKENS"] is not None:
        declared = {token for spec in cfg["WORKSPACES"] for token in spec["tokens"]}
        accepted = frozenset(set(cfg["TOKENS"]) | declared)
    gate = Gate(storage, accepted, dict(cfg["SETTINGS"]), cfg["ADMIN_TOKEN"])
    app.extensions["emulator"] = gate
    return gate


def gate() -> Gate:
    found: Gate = current_app.extensions["emulator"]
    return found


def is_control_path(path: str) -> bool:
    return path.startswith(CONTROL_PREFIXES)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def authenticate(door: Gate) -> str:
    """The request's bearer token, or 401 when there is none or the server refuses it."""
    token = bearer_token()
    if token is None or not door.accepts(token):
        raise errors.Unauthorized()
    return token


def token_workspace(db: sqlite_utils.Database, door: Gate, token: str) -> Workspace:
    """The workspace an accepted token reaches, created on its first request."""
    workspace = workspaces.find(db, token)
    if workspace is None:
        with database.write_transaction(db):
            workspace = workspaces.find_or_create(db, token, int(time.time()), door.settings)
    return workspace


def messenger_workspace(db: sqlite_utils.Database) -> Workspace:
    """The web Messenger names its workspace by `app_id` (the app's id_code), not by a token."""
    app_id = request.form.get("app_id", "") if request.form else request.args.get("app_id", "")
    workspace = workspaces.find_by_app_id(db, app_id)
    if workspace is None:
        raise errors.NotFound(f"No app with id '{app_id}'", field="app_id")
    return workspace


def api_caller(db: sqlite_utils.Database, door: Gate) -> tuple[Workspace, bool]:
    """The workspace an API request speaks for, and whether it counts against the rate limits
    (the Messenger is not the REST API: it does not [DOC-RL])."""
    req = request._get_current_object()
    if req.path.startswith(MESSENGER_PREFIX):
        if req.routing_exception is not None:
            raise req.routing_exception  # a wrong method says so before the app id is looked up
        return messenger_workspace(db), False
    return token_workspace(db, door, authenticate(door)), True


def request_version(workspace: Workspace) -> str:
    """The `Intercom-Version` the request asked for, else the workspace's default."""
    return versions.resolve(
        request.headers.get("Intercom-Version"), workspace.settings["default_version"]
    )


def context(
    db: sqlite_utils.Database,
    door: Gate,
    workspace: Workspace,
    version: str,
    now: float | None = None,
) -> Context:
    """The one way a `Context` is built for a request."""
    at = clock.now(workspace) if now is None else now
    return Context(
        db=db, workspace=workspace, now=int(at), version=version, shared=door.storage.shared
    )


@contextlib.contextmanager
def control_context() -> Iterator[Context]:
    """A control request's context: the bearer token's workspace, in a write transaction of its
    own; not rate-limited, not journaled."""
    door = gate()
    db = door.storage.connect()
    token = authenticate(door)
    with database.write_transaction(db):
        workspace = token_workspace(db, door, token)
        yield context(db, door, workspace, request_version(workspace))


def require_admin_token() -> None:
    """The control API's check (a blueprint's `before_request`): 403 without the admin token."""
    if not gate().admits_admin(request.headers.get(ADMIN_HEADER, "")):
        raise errors.Forbidden(f"The control API needs the server's admin token in {ADMIN_HEADER}")


def inspector_admin_token() -> str:
    """The admin token an inspector request offers: `?admin_token=` (the first visit), else the
    cookie the page then set, else the header."""
    return (
        request.args.get("admin_token")
        or request.cookies.get(INSPECTOR_COOKIE)
        or request.headers.get(ADMIN_HEADER, "")
    )


def connection() -> sqlite_utils.Database:
    """This thread's connection to the app's database (for the inspector's views)."""
    return gate().storage.connect()


def inspector_workspace(workspace_id: str | None) -> Workspace | None:
    """The workspace the inspector page shows: by id, else the bearer token's, else the last
    one used."""
    door = gate()
    return inspector.choose_workspace(
        door.storage.connect(), door.storage.shared, workspace_id, bearer_token()
    )


def inspector_context(workspace: Workspace) -> Context:
    """The inspector's context for a workspace it picked by id (at its default version)."""
    door = gate()
    return context(door.storage.connect(), door, workspace, workspace.settings["default_version"])


@contextlib.contextmanager
def inspector_change(workspace: Workspace) -> Iterator[Context]:
    """The inspector's context for a change (its one action), in a write transaction."""
    with database.write_transaction(connection()):
        yield inspector_context(workspace)
