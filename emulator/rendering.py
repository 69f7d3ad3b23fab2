"""Every failure rendered in one place, as Intercom's `error.list` body (emulator.errors), and
the refused request's changes undone first."""

from __future__ import annotations

import errno
import logging
import sqlite3

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from emulator import access, errors, request_state

log = logging.getLogger("emulator")

Rendered = tuple[Response, int, dict[str, str]]

_HTTP_ERRORS: dict[int, type[errors.IntercomError]] = {
    400: errors.ParameterInvalid,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    406: errors.NotAcceptable,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
}


def init_app(app: Flask) -> None:
    app.register_error_handler(errors.IntercomError, render_error)
    app.register_error_handler(HTTPException, _render_http_exception)
    app.register_error_handler(Exception, _render_unexpected)


def render_error(error: errors.IntercomError) -> Rendered:
    state = request_state.current()
    if state.transaction is not None:
        state.transaction.undo()  # a refused request leaves the store as it found it
    state.error = error
    body = getattr(error, "raw_body", None)
    if body is None:
        body = errors.error_body([error], state.request_id)
    return jsonify(body), error.status, error.headers


def _render_http_exception(exc: HTTPException) -> Rendered:
    """Werkzeug's own errors (unknown route, wrong method, body too large) in Intercom's shape.

    A method a path of Intercom's API does not take is 404, as for a path it does not have:
    Intercom's 2.17 "HTTP responses" page says an unsupported HTTP method gives 404
    (reference/intercom-api-facts.md §1, [DOC-HTTP]). The emulator's own paths (`/_emulator/`,
    the inspector, `/openapi.json`) answer 405 with `Allow`."""
    status = exc.code or 500
    if status == 405 and not access.is_control_path(request.path):
        return render_error(errors.NotFound())
    kind = _HTTP_ERRORS.get(status)
    if kind is None and status >= 500:
        kind = errors.ServerError  # an unexpected failure is never the client's error
    error = kind() if kind else errors.IntercomError(exc.description, status=status)
    if status == 405 and exc.get_response().headers.get("Allow"):
        error.headers["Allow"] = exc.get_response().headers["Allow"]
    return render_error(error)


def _render_unexpected(exc: Exception) -> Rendered:
    error = unavailable(exc)
    if error is not None:  # not a bug: 503, which clients retry (the worker lives on)
        log.error("%s %s: %s", request.method, request.path, error.message)
        return render_error(error)
    log.exception("unexpected error serving %s %s", request.method, request.path)
    return render_error(errors.ServerError())


def unavailable(exc: Exception) -> errors.ServiceUnavailable | None:
    """The 503 an exception means (a full disk, the database file gone), or None."""
    if isinstance(exc, errors.ServiceUnavailable):
        return exc
    if isinstance(exc, sqlite3.Error):
        full = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    else:
        full = isinstance(exc, OSError) and exc.errno == errno.ENOSPC
    return errors.ServiceUnavailable(f"The disk is full: {exc}") if full else None
