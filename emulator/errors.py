"""Every error the emulator can answer, as exceptions that carry Intercom's status and code.

One handler in `emulator.rendering` renders any of them as Intercom's `error.list` body; nothing
else builds an error body.
"""

from __future__ import annotations

import uuid
from typing import Any


class IntercomError(Exception):
    """An error Intercom would answer with; `status` is the HTTP status, `code` Intercom's code."""

    status = 400
    code = "client_error"
    message = "There was a problem with the request"

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message if message is not None else type(self).message
        self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """One entry of the `errors` list."""
        entry: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            entry["field"] = self.field
        return entry


class BadRequest(IntercomError):
    status, code, message = 400, "bad_request", "Bad request"


class ParameterInvalid(IntercomError):
    status, code, message = 400, "parameter_invalid", "A parameter's value is invalid"


class ParameterNotFound(IntercomError):
    status, code, message = 400, "parameter_not_found", "A required parameter was not supplied"


class VersionInvalid(IntercomError):
    status, code = 400, "intercom_version_invalid"
    message = "Requested resource is not available in current API version."


class Unauthorized(IntercomError):
    status, code, message = 401, "unauthorized", "Access Token Invalid"


class Forbidden(IntercomError):
    status, code, message = 403, "forbidden", "The request is not allowed"


class NotFound(IntercomError):
    status, code, message = 404, "not_found", "Resource Not Found"


class UserNotFound(NotFound):
    message = "User Not Found"


class CompanyNotFound(NotFound):
    code, message = "company_not_found", "Company Not Found"


class ScrollExists(IntercomError):
    """A second company scroll while one is open: Intercom allows one per app [S2.11
    `GET /companies/scroll`]; the Ruby SDK knows the code `scroll_exists`."""

    status, code, message = 400, "scroll_exists", "scroll already exists for this workspace"


class MethodNotAllowed(IntercomError):
    status, code, message = 405, "method_not_allowed", "The method is not allowed for this resource"


class NotAcceptable(IntercomError):
    status, code, message = (
        406,
        "not_acceptable",
        "The server can only respond with application/json",
    )


class Conflict(IntercomError):
    status, code, message = 409, "conflict", "There is existing data that clashes with the request"


class Gone(IntercomError):
    status, code, message = 410, "contact_merged", "This resource is gone"


class PayloadTooLarge(IntercomError):
    status, code, message = 413, "request_too_large", "The request body is too large"


class UnsupportedMediaType(IntercomError):
    status, code = 415, "unsupported_media_type"
    message = "The request body must be JSON (Content-Type: application/json)"


class Unprocessable(IntercomError):
    status, code, message = 422, "unprocessable_entity", "The data was well-formed but invalid"


class RateLimited(IntercomError):
    status, code, message = 429, "rate_limit_exceeded", "Exceeded rate limit"


class ServerError(IntercomError):
    status, code, message = 500, "server_error", "Server error"


class ServiceUnavailable(IntercomError):
    """The server cannot keep what it would answer (its database file gone, a full disk): 503
    with Intercom's `server_error` code, retried by clients as Intercom's 503s are [DOC-HTTP]."""

    status, code, message = 503, "server_error", "Service unavailable"


class NotEmulated(IntercomError):
    """An operation Intercom has that the emulator does not serve: never a believable 404."""

    status, code, message = 501, "not_emulated", "This operation is not emulated"


def error_body(errors: list[IntercomError], request_id: str | None = None) -> dict[str, Any]:
    """Intercom's `error.list` envelope for one or more errors."""
    return {
        "type": "error.list",
        "request_id": request_id or str(uuid.uuid4()),
        "errors": [error.to_dict() for error in errors],
    }
