"""Where the emulator may send a notification: loopback addresses, and the hosts the server was
started with (`--webhook-allowed-host`). A local tool must not become a way to reach other
machines; the sender checks again before each attempt (emulator.webhook_delivery)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from emulator.errors import ParameterInvalid

LOOPBACK_NAMES = frozenset({"localhost"})
MAX_URL_LENGTH = 2048


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refusal(url: object, allowed_hosts: Iterable[str]) -> str | None:
    """Why the emulator will not send to `url`, or None when it may."""
    if not isinstance(url, str) or not url:
        return "url must be an http or https URL"
    if len(url) > MAX_URL_LENGTH:
        return f"url must be at most {MAX_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError:
        return "url is not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return "url must be an http or https URL"
    if parts.username is not None or parts.password is not None:
        return "url must not carry credentials"
    allowed = {name.lower() for name in allowed_hosts}
    if not is_loopback(host) and host not in allowed:
        return (
            f"url's host '{host[:100]}' is not allowed: notifications go to loopback addresses"
            " and the hosts the server was started with (--webhook-allowed-host)"
        )
    return None


def check(url: object, allowed_hosts: Iterable[str]) -> str:
    problem = refusal(url, allowed_hosts)
    if problem is not None:
        raise ParameterInvalid(problem, field="url")
    assert isinstance(url, str)
    return url
