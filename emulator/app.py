"""The Flask application factory and the life of one request.

A request to Intercom's API: check `Accept`, find the workspace of the bearer token (401 if
refused), resolve `Intercom-Version`, count it against the rate limits (counters the worker
processes share in memory, emulator.shared), then run the route.

A route that changes something runs inside a savepoint of one `BEGIN IMMEDIATE` transaction: a
refused request rolls back to the savepoint (the store is unchanged), and the transaction, with
the request's journal entry, commits before the response leaves, so an acknowledged write is on
disk. A route that only reads (GET, HEAD, search and list) runs in a read transaction, which
takes no lock and waits for no writer (SQLite's WAL); its journal entry, like that of a request
refused before the store was touched, goes to the shared log that the next writer of the journal
moves into its table (emulator.store.journal). Reads write nothing to the database themselves.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from emulator import db as database
from emulator import errors, limits, request_validation, versions
from emulator.routes.parsing import readable_body
from emulator.store import clock, faults, journal, ratelimit, workspaces
from emulator.store.context import Context, Workspace

log = logging.getLogger("emulator")

CONTROL_PREFIXES = ("/_emulator", "/openapi.json")
MESSENGER_PREFIX = "/messenger/"
# Routes that read whatever their method: Intercom searches and lists companies with a POST.
READ_ONLY_POSTS = frozenset({"contacts.search_contacts", "companies.list_all"})
# Routes that write whatever their method: the company scroll keeps its one open scroll's place.
WRITING_GETS = frozenset({"companies.scroll"})

DEFAULT_CONFIG: dict[str, Any] = {
    "DATABASE": "emulator.db",  # a path, or ":memory:" for a throwaway database
    "TOKENS": None,  # accepted bearer tokens; None accepts any token as its own workspace
    "SETTINGS": {},  # defaults for new workspaces' settings (see emulator.limits)
    "WORKSPACES": [],  # declared workspaces: [{"name", "tokens": [...], "settings": {...}}]
    "MAX_BODY_BYTES": limits.MAX_BODY_BYTES,
    "ADMIN_TOKEN": None,  # when set, the control API requires it (X-Emulator-Admin-Token)
}


@dataclass(frozen=True)
class Runtime:
    """What the request hooks need from the configuration, computed once at start-up."""

    db_path: str
    accepted_tokens: frozenset[str] | None
    settings: dict[str, Any]
    admin_token: str | None = None


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the emulator from a plain config dict (see DEFAULT_CONFIG)."""
    cfg = {**DEFAULT_CONFIG, **(config or {})}
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = cfg["MAX_BODY_BYTES"]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep Intercom's field order
    app.json.compact = True  # type: ignore[attr-defined]

    path = database.memory_uri() if cfg["DATABASE"] == database.MEMORY else str(cfg["DATABASE"])
    conn = database.connect(path)
    database.migrate(conn)
    with database.write_transaction(conn):
        workspaces.declare(conn, cfg["WORKSPACES"], int(time.time()))
    accepted = set(cfg["TOKENS"]) if cfg["TOKENS"] is not None else None
    if accepted is not None:
        accepted |= {token for spec in cfg["WORKSPACES"] for token in spec["tokens"]}
    app.extensions["emulator"] = Runtime(
        path,
        frozenset(accepted) if accepted is not None else None,
        dict(cfg["SETTINGS"]),
        cfg["ADMIN_TOKEN"],
    )

    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_abandon)
    app.register_error_handler(errors.IntercomError, _render_error)
    app.register_error_handler(HTTPException, _render_http_exception)
    app.register_error_handler(Exception, _render_unexpected)

    from emulator.routes import register

    register(app)
    app.extensions["request_validation"] = _compile_request_validation(app)
    return app


def _compile_request_validation(app: Flask) -> request_validation.RequestValidation:
    """One validator per API operation, compiled now rather than per request (none when the
    description is not installed: the store's own checks still apply)."""
    from emulator import openapi

    directory = app.extensions.get("openapi_dir")
    if directory is None:
        return request_validation.RequestValidation({})
    rules = [
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if not is_control_path(rule.rule)
        for method in sorted(rule.methods or ())
    ]
    return request_validation.RequestValidation.build(openapi.load(directory), rules)


def runtime() -> Runtime:
    return current_app.extensions["emulator"]  # type: ignore[no-any-return]


def is_control_path(path: str) -> bool:
    return path.startswith(CONTROL_PREFIXES)


def bearer_token() -> str | None:
    req = request._get_current_object()
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _accepts_json() -> bool:
    """False when the client sent an `Accept` header that rules JSON out (406, as Intercom)."""
    req = request._get_current_object()
    accept = req.headers.get("Accept")
    if not accept or accept in ("application/json", "*/*"):  # most clients: skip the parsing
        return True
    return req.accept_mimetypes.quality("application/json") > 0


def _begin() -> None:
    # The real request and g, looked up once: each use of Flask's proxies costs a lookup.
    req = request._get_current_object()
    state = g._get_current_object()
    state.request_id = str(uuid.uuid4())
    state.started = time.perf_counter()
    if is_control_path(req.path):
        return
    if not _accepts_json():
        raise errors.NotAcceptable()
    rt = runtime()
    db = database.connect(rt.db_path)
    state.db = db
    messenger = req.path.startswith(MESSENGER_PREFIX)
    if messenger and req.routing_exception is not None:
        raise req.routing_exception  # a wrong method says so before the app id is looked up
    token = None if messenger else _authenticate(rt)
    workspace = _messenger_workspace(db) if messenger else _token_workspace(db, rt, token)
    state.workspace = workspace
    now = clock.now(workspace)
    fault = _take_fault(db, workspace.id) if workspace.has_fault_rules else None
    version = versions.resolve(
        req.headers.get("Intercom-Version"), workspace.settings["default_version"]
    )
    versions.check_path(version, req.path)  # /users is 1.x only, /contacts 2.x only
    # Checked before any lock is taken, refused after the rate limit counted the request and a
    # fault rule had its turn, as when the store refuses it.
    violation = _request_violation()
    if token is not None:  # the Messenger is not the REST API: no rate limit [DOC-RL]
        state.quota = ratelimit.admit(db, workspace, token, now)
    if fault is not None and fault.status is not None:
        raise faults.InjectedFault(fault)
    if violation is not None:
        raise violation
    state.read_only = _is_read_only()
    if state.read_only:
        db.conn.execute("BEGIN")  # one snapshot for the whole route, no lock
        state.changes = db.conn.total_changes
    else:
        db.conn.execute("BEGIN IMMEDIATE")
        db.conn.execute("SAVEPOINT request_op")
        state.savepoint = True
    state.ctx = Context(
        db=db, workspace=workspace, token=token or "", now=int(now), version=version
    )


def _is_read_only() -> bool:
    req = request._get_current_object()
    rule = req.url_rule
    if req.method in ("GET", "HEAD"):
        return rule is None or rule.endpoint not in WRITING_GETS
    return rule is not None and rule.endpoint in READ_ONLY_POSTS


def _request_violation() -> errors.IntercomError | None:
    """What openapi/ refuses in this request's body or query (see emulator.request_validation)."""
    from emulator.routes.parsing import json_body, query

    req = request._get_current_object()

    rule = req.url_rule
    method = "GET" if req.method == "HEAD" else req.method  # HEAD is GET without a body
    checks = current_app.extensions["request_validation"].get(method, rule and rule.rule)
    if checks is None:
        return None
    try:
        body = json_body() if checks.media_type == request_validation.JSON else None
        if checks.media_type == request_validation.FORM:
            body = req.form.to_dict()
        checks.check(body, query())
    except errors.IntercomError as error:
        return error
    return None


def _authenticate(rt: Runtime) -> str:
    token = bearer_token()
    if not token or (rt.accepted_tokens is not None and token not in rt.accepted_tokens):
        raise errors.Unauthorized()
    return token


def _token_workspace(db: Any, rt: Runtime, token: str | None) -> Workspace:
    workspace = workspaces.find(db, token or "")
    if workspace is None:
        with database.write_transaction(db):
            workspace = workspaces.resolve(
                db, token, int(time.time()), rt.accepted_tokens, rt.settings
            )
    return workspace


def _messenger_workspace(db: Any) -> Workspace:
    """The web Messenger names its workspace by `app_id` (the app's id_code), not by a token."""
    app_id = request.form.get("app_id", "") if request.form else request.args.get("app_id", "")
    workspace = workspaces.find_by_app_id(db, app_id)
    if workspace is None:
        raise errors.NotFound(f"No app with id '{app_id}'", field="app_id")
    return workspace


def _take_fault(db: Any, workspace_id: str) -> faults.Fault | None:
    """Apply a matching fault rule's latency or dropped connection, before any lock is taken."""
    req = request._get_current_object()
    state = g._get_current_object()
    rule = req.url_rule
    operation_id = rule.endpoint if rule is not None else None
    fault = faults.take(db, workspace_id, req.method, req.path, operation_id)
    if fault is None:
        return None
    state.fault_id = fault.id
    if fault.latency_ms:
        time.sleep(fault.latency_ms / 1000)
    if fault.drop:
        _drop_connection()
    return fault


def _drop_connection() -> None:
    """Close the client's socket without an answer, as a dropped connection would."""
    sock = request.environ.get("gunicorn.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    # In process (no socket) the closest thing is a server error the client cannot miss.
    raise errors.IntercomError(
        "Connection dropped (fault injection)", status=502, code="server_error"
    )


def _finish(response: Response) -> Response:
    state = g._get_current_object()
    db = state.get("db")
    if db is not None and state.get("workspace") is not None:
        if state.get("read_only") and not _end_read(db):
            response = current_app.make_response(_render_error(errors.ServerError()))
        # Into the write transaction of a request that wrote; otherwise into the shared log.
        journal.record(db, state.workspace, _journal_entry(response))
    state.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.execute("COMMIT")
    quota = state.get("quota")
    if quota is not None:
        response.headers.update(quota.headers())
    response.headers["X-Request-Id"] = state.get("request_id", "")
    return response


def _end_read(db: Any) -> bool:
    """End the read transaction; False if the route wrote in it. It took no lock to do so: its
    changes are undone, and the request fails loudly (a bug: list the route among the writers)."""
    req = request._get_current_object()
    state = g._get_current_object()
    state.read_only = False
    wrote = db.conn.total_changes != state.get("changes", db.conn.total_changes)
    if db.conn.in_transaction:
        db.conn.execute("ROLLBACK" if wrote else "COMMIT")
    if wrote:
        log.error("%s %s wrote inside a read-only route", req.method, req.path)
    return not wrote


def _journal_entry(response: Response) -> dict[str, Any]:
    req = request._get_current_object()
    state = g._get_current_object()
    error = state.get("error")
    ctx = state.get("ctx")
    try:
        raw = readable_body()
    except (HTTPException, errors.IntercomError):  # too large or malformed: none is kept
        raw = b""
    return {
        "request_id": state.request_id,
        "at": time.time(),
        "method": req.method,
        "path": req.path,
        "query": req.query_string.decode("utf-8", "replace"),
        "status": response.status_code,
        "request_body": raw.decode("utf-8", "replace") or None,
        "response_body": response.get_data(as_text=True) or None,
        "error_code": error.code if error else None,
        "error_message": error.message if error else None,
        "warnings": ctx.warnings if ctx else [],
        "fault_id": state.get("fault_id"),
        "latency_ms": round((time.perf_counter() - state.started) * 1000, 3),
    }


def _abandon(exc: BaseException | None) -> None:
    """Roll back whatever a failed request left open (the response never said it was done)."""
    db = g.pop("db", None)
    if db is None:
        return
    if g.get("read_only"):
        _end_read(db)
    if db.conn.in_transaction:
        db.conn.execute("ROLLBACK")


def _undo_request_changes() -> None:
    if g.get("savepoint") and g.get("db") is not None and g.db.conn.in_transaction:
        g.db.conn.execute("ROLLBACK TO SAVEPOINT request_op")


def _render_error(error: errors.IntercomError) -> tuple[Response, int, dict[str, str]]:
    _undo_request_changes()
    g.error = error
    body = getattr(error, "raw_body", None)
    if body is None:
        body = errors.error_body([error], g.get("request_id"))
    return jsonify(body), error.status, error.headers


_HTTP_ERRORS: dict[int, type[errors.IntercomError]] = {
    400: errors.ParameterInvalid,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    406: errors.NotAcceptable,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
}


def _render_http_exception(exc: HTTPException) -> Any:
    """Werkzeug's own errors (unknown route, wrong method, body too large) in Intercom's shape."""
    status = exc.code or 500
    kind = _HTTP_ERRORS.get(status)
    error = kind() if kind else errors.IntercomError(exc.description, status=status)
    if status == 405 and exc.get_response().headers.get("Allow"):
        error.headers["Allow"] = exc.get_response().headers["Allow"]
    return _render_error(error)


def _render_unexpected(exc: Exception) -> Any:
    log.exception("unexpected error serving %s %s", request.method, request.path)
    return _render_error(errors.ServerError())
