"""Companies: the upsert by `company_id`, lookups, lists, the scroll, and contacts' companies.

Other resources use `find`, `find_by_company_id`, `require`, `shape`, `upsert` and
`attach_company`.
"""

from __future__ import annotations

from emulator.store.companies.attachments import (
    attach,
    attach_company,
    detach,
    list_contacts,
    list_for_contact,
)
from emulator.store.companies.listing import list_all, retrieve_or_list, scroll
from emulator.store.companies.records import find, find_by_company_id, require, retrieve, shape
from emulator.store.companies.writes import delete, update, upsert

__all__ = [
    "attach",
    "attach_company",
    "delete",
    "detach",
    "find",
    "find_by_company_id",
    "list_all",
    "list_contacts",
    "list_for_contact",
    "require",
    "retrieve",
    "retrieve_or_list",
    "scroll",
    "shape",
    "update",
    "upsert",
]
