"""What the inspector keeps in a browser, and the checks that keep other sites out.

- The session cookie names who the visitor is, `admin` (the server's admin token was given) or
  `workspace:<id>` (a token of that workspace was), signed with an HMAC under a key each server
  draws at random when it starts. It never holds a token: the admin's signature is an HMAC of
  the admin token itself, so the cookie proves the token was given without carrying it.
- The CSRF token of the page's forms is an HMAC of the session's scope: another site cannot read
  the page, so it cannot forge a form the server accepts.
- The `Host` check: a browser tricked by DNS rebinding sends the attacker's name as `Host`; the
  emulator answers loopback names and the hosts it was told about only.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import secrets

ADMIN = "admin"
WORKSPACE = "workspace:"
LOOPBACK_NAMES = frozenset({"localhost"})


def new_key() -> bytes:
    """A server's signing key (drawn before its workers start, so they share it)."""
    return secrets.token_bytes(32)


def _mac(key: bytes, *parts: str) -> str:
    message = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def cookie_value(key: bytes, scope: str, admin_token: str | None) -> str:
    """The cookie for `scope` (`admin` or `workspace:<id>`)."""
    return f"{scope}|{_mac(key, 'session', scope, admin_token or '')}"


def scope_of(key: bytes, cookie: str | None, admin_token: str | None) -> str | None:
    """The scope a cookie proves, or None when it is missing, forged or from another server."""
    scope, _, mac = (cookie or "").rpartition("|")
    if not scope or not mac:
        return None
    expected = _mac(key, "session", scope, admin_token or "")
    return scope if hmac.compare_digest(mac.encode(), expected.encode()) else None


def csrf_token(key: bytes, scope: str) -> str:
    return _mac(key, "csrf", scope)


def csrf_valid(key: bytes, scope: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(
        str(given).encode("utf-8", "replace"), csrf_token(key, scope).encode()
    )


def hostname(host: str) -> str:
    """`Host`'s name without its port, lower case: `[::1]:8000` → `::1`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host


def host_allowed(host: str | None, allowed: frozenset[str]) -> bool:
    """A loopback name or address (any port), or one of `allowed` (`*`: any host)."""
    if "*" in allowed:
        return True
    if not host:
        return False
    name = hostname(host)
    return name in LOOPBACK_NAMES or name in allowed or _reaches_this_machine(name)


@functools.lru_cache(maxsize=256)
def _reaches_this_machine(name: str) -> bool:
    """Whether `name` is a loopback or unspecified address. Kept: every request asks, nearly
    always about the same `127.0.0.1` (parsing it was ~3% of a GET's time in the app)."""
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    # 0.0.0.0 and [::] reach this machine too (the URL `--host 0.0.0.0` prints).
    return address.is_loopback or address.is_unspecified
