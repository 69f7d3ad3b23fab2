"""One attempt to deliver one notification: a signed POST to the subscription's URL.

Signature: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body, keyed with the secret>`, and the
headers of Intercom's example signed request ([WHS], "Signed Notifications"). The URL is checked
again against the allowed hosts before each attempt, redirects are never followed, and an
answer must come within `TIMEOUT_SECONDS` (the emulator's choice).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ssl
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from emulator.store.webhooks import urls
from emulator.store.webhooks.outbox import RESPONSE_EXCERPT, Claimed, Outcome

TIMEOUT_SECONDS = 5.0
USER_AGENT = "intercom-parrot-service-client/1.0"  # [WHS]'s example request


def signature(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def _connection(url: str) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        context = ssl.create_default_context()
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, parts.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=TIMEOUT_SECONDS)
    return conn, target


def send(claimed: Claimed, allowed_hosts: Iterable[str]) -> Outcome:
    """POST the notification; what came back (never raises for the receiver's faults)."""
    started = time.perf_counter()
    problem = urls.refusal(claimed.url, allowed_hosts)
    if problem is not None:
        return Outcome(None, 0.0, f"not sent: {problem}")
    body = claimed.body()
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "X-Hub-Signature": signature(claimed.secret, body),
    }
    try:
        conn, target = _connection(claimed.url)
        try:
            conn.request("POST", target, body=body, headers=headers)
            response = conn.getresponse()
            excerpt = response.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
            status = response.status
        finally:
            conn.close()
    except (OSError, http.client.HTTPException, ValueError) as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return Outcome(None, elapsed, f"{type(exc).__name__}: {exc}"[:RESPONSE_EXCERPT])
    return Outcome(status, (time.perf_counter() - started) * 1000, excerpt)
