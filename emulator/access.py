"""The front door: who a request speaks for, and the one `Context` its store calls receive.

Every caller comes in here: an API request by its bearer token, the Messenger by its app id,
the control API by its bearer token (and the server's admin token, when it has one), the
inspector page by a token of its workspace, or the admin token (then any workspace), kept in a
signed session cookie (emulator.sessions). The `Host` check, the accepted-token rule, the
workspace lookup, the admin-token checks and the building of a `Context` are each written once,
below. What reaches more than one workspace (workspace list, `reset?all=true`, deleting another's,
the inspector's picker) needs the admin token. A token is one rate-limit identity: its row and
its workspace's (emulator.store.ratelimit).
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
from emulator import errors, sessions, versions
from emulator.store import clock, inspector, seed_chunks, workspaces
from emulator.store.context import Context, Workspace

CONTROL_PREFIXES = ("/_emulator", "/openapi.json")
MESSENGER_PREFIX = "/messenger/"
ADMIN_HEADER = "X-Emulator-Admin-Token"
SESSION_COOKIE = "emulator_session"  # the inspector's signed session (never a token)
IN_PROCESS = "emulator.in_process"  # environ key set by emulator.inprocess (no browser sent it)
# A caller's unset variable formatted into a header (`undefined`, `null`, `None`, `nil`): a bug,
# never a workspace; Intercom answers 401 "Access Token Invalid" to a token it does not know.
PLACEHOLDER_TOKENS = frozenset({"undefined", "null", "none", "nil"})


@dataclass(frozen=True)
class Gate:
    """What the front door needs from the configuration, computed once at start-up."""

    storage: database.Storage
    accepted_tokens: frozenset[str] | None  # None: any token, each its own workspace
    settings: dict[str, Any]  # overrides for new workspaces' settings
    admin_token: str | None = None
    allowed_hosts: frozenset[str] = frozenset()  # besides loopback names; `*`: any
    max_workspaces: int | None = None  # None: no limit
    session_key: bytes = b""

    def accepts(self, token: str | None) -> bool:
        if not token or token.lower() in PLACEHOLDER_TOKENS:
            return False
        return self.accepted_tokens is None or token in self.accepted_tokens

    def admits_admin(self, given: str) -> bool:
        """True when the server has no admin token, or `given` is it."""
        return self.admin_token is None or self.is_admin(given)

    def is_admin(self, given: str | None) -> bool:
        """True when the server has an admin token and `given` is it."""
        if self.admin_token is None or not given:
            return False
        return hmac.compare_digest(given.encode(errors="replace"), self.admin_token.encode())


def init_app(app: Flask, storage: database.Storage, cfg: dict[str, Any]) -> Gate:
    """Declare the config's workspaces and keep the gate on the app."""
    if storage.problem() is None:  # a database file gone: nothing to declare them in
        db = storage.connect()
        with database.write_transaction(db):
            workspaces.declare(db, cfg["WORKSPACES"], int(time.time()))
    accepted = None
    if cfg["TOKENS"] is not None:
        declared = {token for spec in cfg["WORKSPACES"] for token in spec["tokens"]}
        accepted = frozenset(set(cfg["TOKENS"]) | declared)
    gate = Gate(
        storage,
        accepted,
        dict(cfg["SETTINGS"]),
        cfg["ADMIN_TOKEN"],
        frozenset(sessions.hostname(host) for host in cfg.get("ALLOWED_HOSTS") or ()),
        cfg.get("MAX_WORKSPACES"),
        cfg.get("SESSION_KEY") or sessions.new_key(),
    )
    app.extensions["emulator"] = gate
    return gate


def gate() -> Gate:
    found: Gate = current_app.extensions["emulator"]
    return found


def check_host() -> None:
    """403 unless `Host` is a loopback name or an allowed host (DNS rebinding: a page of another
    site reaching the emulator under that site's name). In-process requests have no browser."""
    if request.environ.get(IN_PROCESS):
        return
    host = request.headers.get("Host")
    if not sessions.host_allowed(host, gate().allowed_hosts):
        shown = (host or "")[:100].encode("ascii", "backslashreplace").decode()
        raise errors.Forbidden(
            f"Host '{shown}' is not allowed: the emulator answers loopback names (localhost,"
            " 127.0.0.1, [::1]) and the hosts given with --allowed-host, a defence against DNS"
            " rebinding"
        )


def require_admin(purpose: str) -> None:
    """403 unless the request carries the server's admin token (always, without one)."""
    door = gate()
    if door.admin_token is None:
        raise errors.Forbidden(
            f"{purpose} reaches beyond the token's workspace, so it needs the server's admin token;"
            " this server has none: start it with --admin-token and send the token in"
            f" {ADMIN_HEADER}"
        )
    if not door.is_admin(request.headers.get(ADMIN_HEADER)):
        raise errors.Forbidden(f"{purpose} needs the server's admin token in {ADMIN_HEADER}")


@contextlib.contextmanager
def admin_transaction(purpose: str) -> Iterator[sqlite_utils.Database]:
    """A write transaction for what reaches every workspace: bearer token (401), admin (403)."""
    door = gate()
    authenticate(door)
    require_admin(purpose)
    db = door.storage.connect()
    with database.write_transaction(db):
        yield db


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
            workspace = workspaces.find_or_create(
                db, token, int(time.time()), door.settings, door.max_workspaces
            )
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
    """The one way a `Context` is built for a request (503 while a seed fills the workspace)."""
    seed_chunks.refuse_while_seeding(db, workspace.id)
    at = clock.now(workspace) if now is None else now
    return Context(
        db=db, workspace=workspace, now=int(at), version=version, shared=door.storage.shared
    )


@contextlib.contextmanager
def control_context(chunked: bool = False) -> Iterator[Context]:
    """A control request's context: the bearer token's workspace, in a write transaction of its
    own (`chunked`: after it, for a seed's chunks); not rate-limited, not journaled."""
    door = gate()
    db, token = door.storage.connect(), authenticate(door)
    with database.write_transaction(db):
        workspace = token_workspace(db, door, token)
        built = context(db, door, workspace, request_version(workspace))
        if not chunked:
            yield built
    if chunked:
        yield built


@contextlib.contextmanager
def own_workspace() -> Iterator[tuple[sqlite_utils.Database, Workspace]]:
    """The bearer token's workspace in a write transaction, never created (404 if none)."""
    door = gate()
    db, token = door.storage.connect(), authenticate(door)
    with database.write_transaction(db):
        workspace = workspaces.find(db, token)
        if workspace is None:
            raise errors.NotFound("This token has no workspace (it made no request yet)")
        yield db, workspace


def require_admin_token() -> None:
    """The control API's check (a blueprint's `before_request`): 403 without the admin token."""
    if not gate().admits_admin(request.headers.get(ADMIN_HEADER, "")):
        raise errors.Forbidden(f"The control API needs the server's admin token in {ADMIN_HEADER}")


def inspector_visitor() -> tuple[str | None, bool]:
    """Who opens the inspector: `admin` (with the server's admin token, when it has one) or
    `workspace:<id>` (a token of the workspace, when it has none), else None; and whether it
    came in the address (`?admin_token=`, `?token=`, the first visit), to keep in the cookie."""
    door = gate()
    if door.admin_token is not None:
        given = request.args.get("admin_token") or request.headers.get(ADMIN_HEADER)
        if door.is_admin(given):
            return sessions.ADMIN, "admin_token" in request.args
    else:
        token = request.args.get("token") or bearer_token()
        if token and door.accepts(token):
            workspace = token_workspace(door.storage.connect(), door, token)
            return sessions.WORKSPACE + workspace.id, "token" in request.args
    cookie = request.cookies.get(SESSION_COOKIE)
    scope = sessions.scope_of(door.session_key, cookie, door.admin_token)
    if scope is None or (scope == sessions.ADMIN) != (door.admin_token is not None):
        return None, False
    return scope, False


def session_cookie(scope: str) -> str:
    return sessions.cookie_value(gate().session_key, scope, gate().admin_token)


def csrf_token(scope: str) -> str:
    return sessions.csrf_token(gate().session_key, scope)


def csrf_valid(scope: str, given: str | None) -> bool:
    return sessions.csrf_valid(gate().session_key, scope, given)


def inspector_workspace(scope: str, workspace_id: str | None) -> Workspace | None:
    """The workspace the inspector shows: the visitor's own; for the admin, the one asked for
    by id, else the bearer token's, else the last one used."""
    door, db = gate(), gate().storage.connect()
    if scope != sessions.ADMIN:
        own = scope.removeprefix(sessions.WORKSPACE)
        return inspector.workspace_by_id(db, own) if workspace_id in (None, own) else None
    return inspector.choose_workspace(db, door.storage.shared, workspace_id, bearer_token())


def inspector_workspaces(scope: str) -> list[dict[str, Any]]:
    """The picker's workspaces: every one for the admin, else the visitor's own."""
    listed = inspector.workspace_list(gate().storage.connect())
    if scope == sessions.ADMIN:
        return listed
    return [entry for entry in listed if sessions.WORKSPACE + entry["id"] == scope]


def inspector_context(workspace: Workspace) -> Context:
    """The inspector's context for a workspace it picked by id (at its default version)."""
    door = gate()
    return context(door.storage.connect(), door, workspace, workspace.settings["default_version"])


@contextlib.contextmanager
def inspector_change(workspace: Workspace) -> Iterator[Context]:
    """The inspector's context for a change (its one action), in a write transaction."""
    with database.write_transaction(gate().storage.connect()):
        yield inspector_context(workspace)
