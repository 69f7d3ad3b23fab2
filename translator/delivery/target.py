"""Where calls go: a base URL (the emulator, or Intercom's US, EU or AU host), a token, a version.

The token is kept out of ``repr`` and every message this package writes; ``redact`` removes it
from any text that might have picked it up (an exception from a proxy, say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Intercom's REST hosts by data-hosting region [facts 0: S2.16 `servers`].
REGION_HOSTS = {
    "us": "https://api.intercom.io",
    "eu": "https://api.eu.intercom.io",
    "au": "https://api.au.intercom.io",
}
# `emulator serve`'s default address (emulator/cli.py).
EMULATOR_URL = "http://127.0.0.1:8000"
# Intercom's advice is to give up on a request after a while, not a figure; 30 s is our choice.
DEFAULT_TIMEOUT = 30.0
# The versions Intercom's `Intercom-Version` header takes that the translator can speak: the 1.4
# Users API and 2.0 to 2.16 of the Contacts API (facts §0: 2.16 is the newest stable). Any other
# value is refused by Intercom on every call, so it is refused before the first one.
API_VERSIONS = ("1.4", *(f"2.{minor}" for minor in range(17)))


class TargetError(ValueError):
    """The target cannot be used as given (no token, not an http(s) URL)."""


@dataclass(frozen=True)
class Target:
    """One Intercom API (or emulator) and the credentials to speak to it."""

    base_url: str
    token: str = field(repr=False)
    api_version: str = "2.11"
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        url = self.base_url.rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise TargetError(f"base URL must be http(s)://host[:port], not {self.base_url!r}")
        if not self.token or not self.token.strip():
            raise TargetError("an access token is needed (--token or INTERCOM_TOKEN)")
        if self.api_version not in API_VERSIONS:
            raise TargetError(
                f"Intercom has no API version {self.api_version!r}: use 1.4 or 2.0 to 2.16"
            )
        if self.timeout <= 0:
            raise TargetError(f"timeout must be positive, not {self.timeout!r}")
        object.__setattr__(self, "base_url", url)

    def redact(self, text: str) -> str:
        """``text`` with the token replaced wherever it stands whole (not inside a longer word:
        a token ``x`` leaves "Max retries exceeded" alone)."""
        if not self.token:
            return text
        whole = rf"(?<![A-Za-z0-9]){re.escape(self.token)}(?![A-Za-z0-9])"
        return re.sub(whole, "[token]", text)


def base_url_for(region: str | None, base_url: str | None) -> str:
    """The base URL a region or an explicit URL names; the emulator when neither is given."""
    if region is not None:
        if region not in REGION_HOSTS:
            raise TargetError(f"region must be one of {', '.join(REGION_HOSTS)}, not {region!r}")
        return REGION_HOSTS[region]
    return base_url or EMULATOR_URL
