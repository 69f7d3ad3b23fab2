"""Intercom API versions: which exist, which one a request asked for, and which family it is.

Everything that routes on the version asks this module, so the legacy 1.4 Users API and any
later version-specific behaviour have one place to hook in.
"""

from __future__ import annotations

from emulator.errors import VersionInvalid

# The values Intercom's `Intercom-Version` enum lists (reference/intercom-api-facts.md §0).
KNOWN = tuple(f"1.{minor}" for minor in range(5)) + tuple(f"2.{minor}" for minor in range(17))
DEFAULT = "2.11"
LEGACY = "1.4"


def resolve(header: str | None, default: str = DEFAULT) -> str:
    """The version a request runs under: its header, or the workspace's default."""
    if header is None or header.strip() == "":
        return default
    value = header.strip()
    if value not in KNOWN:
        raise VersionInvalid(field="Intercom-Version")
    return value


def is_legacy(version: str) -> bool:
    """True for the 1.x family (the Users API); False for 2.x (the Contacts API)."""
    return version.startswith("1.")


def at_least(version: str, minimum: str) -> bool:
    """Compare two versions numerically (2.10 is newer than 2.9)."""
    return _key(version) >= _key(minimum)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
