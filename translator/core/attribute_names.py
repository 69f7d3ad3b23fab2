"""Custom attribute names in the form Intercom accepts.

Intercom refuses a data attribute name with a character other than letters, digits, spaces,
``_``, ``-`` and most currency symbols, or longer than 190 characters (facts §6; the emulator
applies the same rule). Every custom attribute key, every attribute the translator creates and
every ``known_attributes`` entry goes through ``allowed_name``, so one trait has one name
everywhere.
"""

from __future__ import annotations

import re

from translator.core import limits

_REFUSED_CHARACTER = re.compile(f"[^{limits.ATTRIBUTE_NAME_CHARACTERS}]")


def has_only_allowed_characters(name: str) -> bool:
    """True when Intercom allows every character of ``name`` in an attribute name."""
    return _REFUSED_CHARACTER.search(name) is None


def with_allowed_characters(name: str) -> str:
    """``name`` with each character Intercom refuses replaced by ``-`` (``a!b`` → ``a-b``)."""
    return _REFUSED_CHARACTER.sub(limits.NAME_CHARACTER_REPLACEMENT, name)


def allowed_name(name: str) -> str:
    """The name Intercom accepts: refused characters replaced, then cut to 190 characters."""
    return with_allowed_characters(name)[: limits.ATTRIBUTE_NAME_LENGTH]
