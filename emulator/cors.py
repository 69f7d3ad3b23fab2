"""CORS for the web Messenger's endpoints (`/messenger/web/*`), which a browser calls from the
customer's own site: a preflight `OPTIONS` is answered (204) before anything else looks at the
request, and every answer on those paths (refusals included) carries
`Access-Control-Allow-Origin`. The REST API gets no CORS headers: it is called with a secret
token from servers, never from a page.

Intercom documents no CORS rule for these endpoints; any origin is allowed (no credentials are
involved: the Messenger names its workspace by `app_id`), the emulator's choice.
"""

from __future__ import annotations

from flask import Request, Response

MESSENGER_WEB_PREFIX = "/messenger/web/"
ALLOWED_METHODS = "POST, OPTIONS"
MAX_AGE_SECONDS = "600"


def applies(req: Request) -> bool:
    return req.path.startswith(MESSENGER_WEB_PREFIX)


def is_preflight(req: Request) -> bool:
    return (
        applies(req) and req.method == "OPTIONS" and "Access-Control-Request-Method" in req.headers
    )


def preflight(req: Request) -> Response:
    """The answer to a preflight: which methods and headers the actual request may use."""
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    asked = req.headers.get("Access-Control-Request-Headers")
    response.headers["Access-Control-Allow-Headers"] = asked or "Content-Type"
    response.headers["Access-Control-Max-Age"] = MAX_AGE_SECONDS
    return response


def add_headers(req: Request, response: Response) -> None:
    """`Access-Control-Allow-Origin` on every Messenger answer, so a page can read it."""
    if applies(req):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.vary.add("Origin")
