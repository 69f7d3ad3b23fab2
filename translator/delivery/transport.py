"""The one place that speaks HTTP: one ``requests.Session`` per worker thread, so each worker
keeps its own connection to the target alive from call to call.

``Transport.send(call)`` performs one request and returns Intercom's ``Reply`` whatever its status;
a timeout or a lost connection raises ``TransportError`` instead. Retrying is the caller's job.
``malformed(reply)`` says when a 2xx is not what Intercom sends (a proxy's HTML page, say): such
an answer is a failed try, never a success.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from translator.core.calls import Call, Reply
from translator.delivery.target import Target

USER_AGENT = "intercom-translator/0.1 (+requests)"


class TransportError(Exception):
    """No answer: ``kind`` is ``timeout`` or ``connection``; the message never holds the token."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Transport:
    """Sends ``Call``s to one target, over one kept-alive session per calling thread."""

    def __init__(self, target: Target, pool_size: int = 10) -> None:
        self.target = target
        self.pool_size = pool_size
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        """This thread's session (made on first use)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._new_session()
            with self._lock:
                self._sessions.append(session)
        return session

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        # No urllib3 retries: every retry goes through the retry policy and the rate gate.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=2, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers.update(
            {
                "Authorization": f"Bearer {self.target.token}",
                "Accept": "application/json",
                "Intercom-Version": self.target.api_version,
                "User-Agent": USER_AGENT,
            }
        )
        return session

    def send(self, call: Call) -> Reply:
        """Perform ``call`` once: the reply, or ``TransportError`` when none came."""
        options: dict[str, Any] = {"params": call.query, "timeout": self.target.timeout}
        if call.body is not None:
            options["data" if call.is_form else "json"] = call.body
        url = self.target.base_url + call.path
        try:
            response = self.session.request(call.method, url, **options)
        except requests.Timeout as error:
            raise TransportError("timeout", self._describe(error)) from None
        except requests.RequestException as error:
            raise TransportError("connection", self._describe(error)) from None
        return Reply(response.status_code, _body(response), dict(response.headers))

    def _describe(self, error: Exception) -> str:
        return self.target.redact(f"{type(error).__name__}: {error}")

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()


def malformed(reply: Reply) -> str | None:
    """Why a 2xx is not an answer Intercom gives, or None: a 202 (``POST /events``) [facts 7]
    and a 204 carry no body, every other success a JSON object."""
    if not reply.ok:
        return None
    if reply.status in (202, 204):
        return None if reply.body is None else f"a {reply.status} with a body"
    if not isinstance(reply.body, dict):
        return f"a {reply.status} whose body is not a JSON object"
    return None


def _body(response: requests.Response) -> Any:
    """The JSON body, None when empty, the text itself when it is not JSON (a proxy's page)."""
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return response.text[:2000]
