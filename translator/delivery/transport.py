"""The one place that speaks HTTP: a ``requests.Session`` per target, pooled for the workers.

``Transport.send(call)`` performs one request and returns Intercom's ``Reply`` whatever its status;
a timeout or a lost connection raises ``TransportError`` instead. Retrying is the caller's job.
"""

from __future__ import annotations

import json
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
    """A pooled session that sends ``Call``s to one target."""

    def __init__(self, target: Target, pool_size: int = 10) -> None:
        self.target = target
        self.session = requests.Session()
        # No urllib3 retries: every retry goes through the retry policy and the rate gate.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool_size, 1), max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {
                "Authorization": f"Bearer {target.token}",
                "Accept": "application/json",
                "Intercom-Version": target.api_version,
                "User-Agent": USER_AGENT,
            }
        )

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
        self.session.close()


def _body(response: requests.Response) -> Any:
    """The JSON body, None when empty, the text itself when it is not JSON (a proxy's page)."""
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return response.text[:2000]
