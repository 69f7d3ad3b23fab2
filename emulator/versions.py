"""Intercom API versions: which exist, which one a request asked for, and which family it is.

Everything that routes on the version asks this module, so the legacy 1.4 Users API and any
later version-specific behaviour have one place to hook in.
"""

from __future__ import annotations

import functools

from emulator.errors import VersionInvalid

# The values Intercom's `Intercom-Version` enum lists (reference/intercom-api-facts.md §0).
KNOWN = tuple(f"1.{minor}" for minor in range(5)) + tuple(f"2.{minor}" for minor in range(17))
NEWEST = KNOWN[-1]
# Intercom's pre-release names: `Preview` (in 2.11's and Preview's enums) and its older name
# `Unstable` (the Node SDK's `version` option offers it). A request may name them; it runs under
# the newest emulated version's rules and shapes (the emulator's choice: no description of a
# newer version is published). A workspace's default is always a numbered version.
PRERELEASE = ("Unstable", "Preview")
LEGACY_FAMILY = "1"  # the Users API (`/users`)
CURRENT_FAMILY = "2"  # the Contacts API (`/contacts`)
# Resources only one family serves, by the first segment of their path; every other resource
# answers in both. 1.x also had a `/contacts` API (for leads) unlike 2.x's: the emulator does
# not emulate it, so `/contacts` under 1.x is refused like `/users` under 2.x (its choice).
_FAMILY_OF_RESOURCE = {"users": LEGACY_FAMILY, "contacts": CURRENT_FAMILY}


def resolve(header: str | None, default: str) -> str:
    """The version a request runs under: its header, or the workspace's default."""
    if header is None or header.strip() == "":
        return NEWEST if default in PRERELEASE else default
    value = header.strip()
    if value in PRERELEASE:
        return NEWEST
    if value not in KNOWN:
        raise VersionInvalid(field="Intercom-Version")
    return value


def is_legacy(version: str) -> bool:
    """True for the 1.x family (the Users API); False for 2.x (the Contacts API)."""
    return version.startswith("1.")


def require(version: str, family: str) -> None:
    """Refuse a resource of the other family as Intercom does: 400 `intercom_version_invalid`
    "Requested resource is not available in current API version." [S2.16]."""
    if not version.startswith(f"{family}."):
        raise VersionInvalid()


def check_path(version: str, path: str) -> None:
    """`require` the family that serves `path`, when only one does."""
    family = _FAMILY_OF_RESOURCE.get(path.strip("/").split("/", 1)[0])
    if family is not None:
        require(version, family)


def at_least(version: str, minimum: str) -> bool:
    """Compare two versions numerically (2.10 is newer than 2.9)."""
    return _key(version) >= _key(minimum)


@functools.cache  # a version resolved against KNOWN: a handful of values, compared per request
def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
