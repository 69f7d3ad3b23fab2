"""The emulator inside your test process: no server, no socket (what moto's `mock_aws` is to AWS).

An `httpx` transport and a `requests` adapter hand each request straight to the emulator's WSGI
app, so Intercom's official Python SDK (which speaks httpx) and any requests-based client run
against the emulator with one line::

    from intercom import Intercom
    from emulator import inprocess

    client = Intercom(token="test", httpx_client=inprocess.httpx_client())

    session = inprocess.requests_session(token="test")  # a requests.Session
    session.get("https://api.intercom.io/me")

Every host goes to the emulator (the SDK's default `https://api.intercom.io` included): the same
app as `emulator serve`'s, routes, rules, faults and journal alike; `db=` a server's file shares
its workspaces. A `drop` fault raises what the client raises for a connection closed unanswered.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from emulator.config import build

if TYPE_CHECKING:
    import httpx
    from flask import Flask

# Environ keys set here: a request made in process (no browser or other machine sent it), and the
# callable a `drop` fault calls.
IN_PROCESS = "emulator.in_process"
DROP_CONNECTION = "emulator.drop_connection"
# What clients call the emulator by default: Intercom's own address (nothing leaves the process).
DEFAULT_BASE_URL = "https://api.intercom.io"


def create_app(
    db: str | Path = ":memory:",
    *,
    settings: dict[str, Any] | None = None,
    tokens: Iterable[str] = (),
    config_file: str | Path | None = None,
    admin_token: str | None = None,
) -> Flask:
    """The emulator's app, as `emulator serve` builds it from the same options.

    `db` is a SQLite file (shared with any server or other app on that file) or ':memory:' (this
    process only, forgotten at exit)."""
    from emulator.app import create_app as create

    config = build(
        str(db),
        tuple(tokens),
        Path(config_file) if config_file is not None else None,
        dict(settings or {}),
    )
    config["ADMIN_TOKEN"] = admin_token
    return create(config)


def _app(app: Flask | str | Path | None) -> Flask:
    if app is None or isinstance(app, str | Path):
        return create_app(app if app is not None else ":memory:")
    return app


class _Dropped(Exception):
    """A `drop` fault fired: the client must see a connection closed without an answer."""


class InProcessApp:
    """The WSGI app as called in process: marks the environ, and turns a `drop` fault into
    `_Dropped` for the caller to raise as its client library would."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        dropped: list[bool] = []
        environ[IN_PROCESS] = True
        environ[DROP_CONNECTION] = lambda: dropped.append(True)
        body = self.app(environ, start_response)
        if dropped:
            if hasattr(body, "close"):
                body.close()
            raise _Dropped
        return body


# --- requests -----------------------------------------------------------------------------------


class WSGIAdapter(BaseAdapter):
    """A requests transport adapter that calls the emulator's app instead of opening a socket."""

    def __init__(self, app: Flask | str | Path | None = None) -> None:
        super().__init__()
        self.app = _app(app)
        self._wsgi = InProcessApp(self.app)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        url = request.url or "/"
        environ = _environ(request.method or "GET", url, request.headers, request.body)
        answer: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            answer[:] = [status, headers]
            return lambda data: None  # the legacy write(): the app never calls it

        try:
            chunks = self._wsgi(environ, start_response)
        except _Dropped:
            raise requests.ConnectionError(
                "Connection dropped by the emulator (fault injection)", request=request
            ) from None
        try:
            content = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status, headers = answer
        response = requests.Response()
        code, _, reason = status.partition(" ")
        response.status_code = int(code)
        response.reason = reason
        response.headers = CaseInsensitiveDict(headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = io.BytesIO(content)
        response._content = content
        response._content_consumed = True
        response.url = url
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass


def _environ(method: str, url: str, headers: Any, body: Any) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of one request, as a server would build it."""
    parts = urlsplit(url)
    data = _body_bytes(body)
    secure = parts.scheme == "https"
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if secure else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "HTTP_HOST": parts.netloc,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    if data:
        environ["CONTENT_LENGTH"] = str(len(data))
    return environ


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return bytes(body.read())
    return b"".join(bytes(chunk) for chunk in body)  # a generator of chunks


def requests_adapter(app: Flask | str | Path | None = None) -> WSGIAdapter:
    """A requests adapter bound to `app` (or a new app on the database `app` names)."""
    return WSGIAdapter(app)


def requests_session(
    app: Flask | str | Path | None = None,
    token: str | None = None,
    version: str | None = None,
) -> requests.Session:
    """A requests.Session whose every URL (http and https, any host) goes to the emulator;
    with `token`, it speaks as that bearer token (one workspace)."""
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc look-ups: nothing leaves the process
    adapter = requests_adapter(app)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["Accept"] = "application/json"
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    if version:
        session.headers["Intercom-Version"] = version
    return session


def httpx_transport(app: Flask | str | Path | None = None) -> httpx.BaseTransport:
    """An httpx transport bound to `app` (or a new app on the database `app` names)."""
    import httpx

    class Transport(httpx.WSGITransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            try:
                return super().handle_request(request)
            except _Dropped:
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response (emulator fault injection).",
                    request=request,
                ) from None

    return Transport(app=InProcessApp(_app(app)))


def async_httpx_transport(app: Flask | str | Path | None = None) -> httpx.AsyncBaseTransport:
    """The same for `httpx.AsyncClient` (Intercom's `AsyncIntercom`): each request is answered
    in the calling thread, as the synchronous transport does."""
    import httpx

    sync = httpx_transport(app)

    class AsyncTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            body = await request.aread()
            copied = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            answer = sync.handle_request(copied)
            content = answer.read()
            return httpx.Response(answer.status_code, headers=answer.headers, content=content)

    return AsyncTransport()


def httpx_client(
    app: Flask | str | Path | None = None, base_url: str = DEFAULT_BASE_URL
) -> httpx.Client:
    """An httpx.Client on the in-process transport, for `Intercom(httpx_client=...)`."""
    import httpx

    return httpx.Client(transport=httpx_transport(app), base_url=base_url)


def async_httpx_client(
    app: Flask | str | Path | None = None, base_url: str = DEFAULT_BASE_URL
) -> httpx.AsyncClient:
    """An httpx.AsyncClient on the in-process transport, for `AsyncIntercom(httpx_client=...)`."""
    import httpx

    return httpx.AsyncClient(transport=async_httpx_transport(app), base_url=base_url)


__all__ = [
    "DEFAULT_BASE_URL",
    "WSGIAdapter",
    "async_httpx_client",
    "async_httpx_transport",
    "create_app",
    "httpx_client",
    "httpx_transport",
    "requests_adapter",
    "requests_session",
]
