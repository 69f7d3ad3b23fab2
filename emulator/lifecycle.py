"""The life of one API request: begin, run the route, finish (or abandon).

Begin: check `Accept`, ask the front door (emulator.access) whose request it is (401 if
refused), resolve `Intercom-Version`, count it against the rate limits (counters the worker
processes share in memory, emulator.shared), then open the route's transaction
(emulator.db.RequestTransaction): a read snapshot for a route that only reads (GET, HEAD, search
and list), one `BEGIN IMMEDIATE` transaction for a route that writes (rolled back whole when
the route refuses the request).

Finish: journal the request (a writer's entry goes into its transaction, which commits before
the response leaves, so an acknowledged write is on disk; a reader's, like that of a request
refused before the store was touched, goes to the shared log that the upkeep thread, or the next
writer of the journal, moves into its table: emulator.upkeep, emulator.store.journal), then add
the rate-limit and request-id headers. No chore (moving the log, pruning the journal, a WAL
checkpoint) is done before the answer where an upkeep thread runs: it is woken instead.
Abandon: roll back whatever a request that failed to finish left open.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from emulator import access, cors, errors, rendering, request_state, request_validation, versions
from emulator.db import RequestTransaction
from emulator.routes.parsing import json_body, query, readable_body
from emulator.store import clock, faults, journal, ratelimit
from emulator.upkeep import Upkeep

log = logging.getLogger("emulator")

# Routes that read whatever their method: Intercom searches and lists companies with a POST.
READ_ONLY_POSTS = frozenset({"contacts.search_contacts", "companies.list_all"})
# Routes that write whatever their method: the company scroll keeps its one open scroll's place.
WRITING_GETS = frozenset({"companies.scroll"})


def init_app(app: Flask) -> None:
    """Register the hooks, and compile the request validation of the routes registered so far."""
    app.before_request(begin)
    app.after_request(finish)
    app.teardown_request(abandon)
    app.extensions["request_validation"] = request_validation.for_rules(
        app.extensions["openapi_dir"],
        [
            (method, rule.rule)
            for rule in app.url_map.iter_rules()
            if not access.is_control_path(rule.rule)
            for method in sorted(rule.methods or ())
        ],
    )


def begin() -> Response | None:
    state = request_state.start()
    access.check_host()  # every path: the API, the control API and the inspector
    req = request._get_current_object()
    access.gate().storage.check()  # the database file still the one opened (503 otherwise)
    if access.is_control_path(req.path):
        return None
    if cors.is_preflight(req):
        return cors.preflight(req)  # a browser asking first: no workspace, no journal
    if not _accepts_json():
        raise errors.NotAcceptable()
    door = access.gate()
    db = state.db = door.storage.connect()
    workspace, rate_limited = access.api_caller(db, door)
    state.workspace = workspace
    now = clock.now(workspace)
    fault = _take_fault(state, workspace.id) if workspace.has_fault_rules else None
    version = access.request_version(workspace)
    versions.check_path(version, req.path)  # /users is 1.x only, /contacts 2.x only
    # Checked before any lock is taken, refused after the rate limit counted the request and a
    # fault rule had its turn, as when the store refuses it.
    violation = _request_violation()
    if rate_limited:
        state.quota = ratelimit.admit(
            db, door.storage.shared, workspace, clock.rate_time(workspace)
        )
    if fault is not None and fault.status is not None:
        raise faults.InjectedFault(fault)
    if violation is not None:
        raise violation
    state.transaction = RequestTransaction(db, read_only=_is_read_only())
    state.ctx = access.context(db, door, workspace, version, now)
    return None


def _accepts_json() -> bool:
    """False when the client sent an `Accept` header that rules JSON out (406, as Intercom)."""
    req = request._get_current_object()
    accept = req.headers.get("Accept")
    if not accept or accept in ("application/json", "*/*"):  # most clients: skip the parsing
        return True
    return bool(req.accept_mimetypes.quality("application/json") > 0)


def _is_read_only() -> bool:
    req = request._get_current_object()
    rule = req.url_rule
    if req.method in ("GET", "HEAD"):
        return rule is None or rule.endpoint not in WRITING_GETS
    return rule is not None and rule.endpoint in READ_ONLY_POSTS


def _request_violation() -> errors.IntercomError | None:
    """What description/ refuses in the request's body or query (emulator.request_validation)."""
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


def _take_fault(state: request_state.RequestState, workspace_id: str) -> faults.Fault | None:
    """Apply a matching fault rule's latency or dropped connection, before any lock is taken."""
    assert state.db is not None
    req = request._get_current_object()
    rule = req.url_rule
    operation_id = rule.endpoint if rule is not None else None
    fault = faults.take(state.db, workspace_id, req.method, req.path, operation_id)
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
    drop = request.environ.get("emulator.drop_connection")  # set by emulator/server.py
    if drop is not None:
        drop()
    # In process (no socket) the closest thing is a server error the client cannot miss.
    raise errors.IntercomError(
        "Connection dropped (fault injection)", status=502, code="server_error"
    )


def finish(response: Response) -> Response:
    state = request_state.current()
    try:
        response = _settle(state, response)
    except Exception as exc:  # the journal or the commit failed: nothing may claim to be done
        error = rendering.unavailable(exc)  # a full disk, the database gone: 503
        if error is None:
            log.exception("could not finish %s %s", request.method, request.path)
            error = errors.ServerError()
        if state.transaction is not None:
            state.transaction.abandon()
        response = current_app.make_response(rendering.render_error(error))
    state.db = state.transaction = None  # done: abandon() has nothing left to do
    if state.quota is not None:
        response.headers.extend(state.quota.headers())  # new names: no search to replace one
    response.headers["X-Request-Id"] = state.request_id
    cors.add_headers(request._get_current_object(), response)
    return response


def _settle(state: request_state.RequestState, response: Response) -> Response:
    """Journal the request (into a writer's transaction, else the shared log) and commit."""
    db, transaction = state.db, state.transaction
    if db is not None and state.workspace is not None:
        if transaction is not None and transaction.read_only and not transaction.end_read():
            log.error("%s %s wrote inside a read-only route", request.method, request.path)
            response = current_app.make_response(rendering.render_error(errors.ServerError()))
        shared = access.gate().storage.shared
        keeper: Upkeep | None = current_app.extensions["upkeep"]
        entry = _journal_entry(state, response)
        move_log = journal.record(db, shared, state.workspace, entry)
        if keeper is not None and move_log:
            keeper.wake()  # the chores are done in its thread, not before this answer
    if transaction is not None:
        transaction.commit()
    return response


def _journal_entry(state: request_state.RequestState, response: Response) -> dict[str, Any]:
    req = request._get_current_object()
    error = state.error
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
        "warnings": state.ctx.warnings if state.ctx else [],
        "fault_id": state.fault_id,
        "latency_ms": round((time.perf_counter() - state.started) * 1000, 3),
    }


def abandon(exc: BaseException | None) -> None:
    """Roll back whatever a failed request left open (the response never said it was done)."""
    state = request_state.current()
    transaction = state.transaction
    state.db = state.transaction = None
    if transaction is not None:
        transaction.abandon()
