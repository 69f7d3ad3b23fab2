"""Contacts (users and leads) of the 2.x Contacts API: storage, rules and Intercom's shapes.

Other resources use `require(ctx, contact_id)` (the stored row as a dict, or 404/410) and
`shape(ctx, row)` (the contact object Intercom answers with).
"""

from __future__ import annotations

from emulator.store.contacts.merging import merge, with_merge_history
from emulator.store.contacts.reading import find_by_external_id, list_page, retrieve
from emulator.store.contacts.records import require
from emulator.store.contacts.searching import search
from emulator.store.contacts.shape import shape
from emulator.store.contacts.writes import create, delete, set_archived, update

__all__ = [
    "create",
    "delete",
    "find_by_external_id",
    "list_page",
    "merge",
    "require",
    "retrieve",
    "search",
    "set_archived",
    "shape",
    "update",
    "with_merge_history",
]
