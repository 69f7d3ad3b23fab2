"""Every Intercom limit the emulator enforces, with where Intercom documents it.

Sources are keyed as in ../shared/reference/intercom-api-facts.md. A workspace's settings start
from `DEFAULT_SETTINGS`; the store reads limits from the settings, never from the constants
directly, so every limit can be changed per workspace.
"""

from __future__ import annotations

from typing import Any

# Distinct active event names per workspace: "You can track up to 120 active events" [HC-EV].
EVENT_NAME_LIMIT = 120
# Metadata keys kept per event: 5 in the Segment documents [SEG-DOC]; 10 in Intercom's REST
# reference [S2.16]. The default follows the Segment documents the translator is specified by.
METADATA_KEY_LIMIT = 5
# GET /events lists only events "less than 90 days old"; summaries count older ones too [S2.11].
EVENT_LIST_MAX_AGE_SECONDS = 90 * 24 * 60 * 60
# POST /events/summaries `count`: Intercom states no bound (UNCONFIRMED); the emulator's choice is
# the 32-bit maximum Intercom states for monthly_spend [S2.11], so totals never overflow SQLite.
EVENT_SUMMARY_COUNT_MAX = 2**31 - 1
# GET /events `per_page`: "Defaults to 15" [S2.11]; the maximum is the emulator's choice.
EVENTS_PER_PAGE_DEFAULT = 15
# String values of custom attributes and event metadata: 255 characters [DOC-1.4-USER], [HC-EVSET].
STRING_LIMIT = 255
# Custom data attributes per workspace: 250 [HC-CDA].
CUSTOM_ATTRIBUTE_LIMIT = 250
# 10,000 calls a minute per app, spread over 10-second windows [DOC-RL]: 10000 / 6.
RATE_LIMIT_APP = 1666
# 25,000 calls a minute per workspace [DOC-RL]: 25000 / 6.
RATE_LIMIT_WORKSPACE = 4166
RATE_WINDOW_SECONDS = 10
# Companies one contact may be attached to [S2.11] (contact_company_limit_exceeded).
COMPANIES_PER_CONTACT = 1000
# Company list pages: "Defaults to 15" [S2.11]; the maximum is UNCONFIRMED (60: emulator's choice).
COMPANIES_PER_PAGE_DEFAULT = 15
COMPANIES_PER_PAGE_MAX = 60
# "there is a limit of 10,000 Companies that can be returned" by the list [S2.11].
COMPANY_LIST_CAP = 10_000
# Companies per scroll page: UNCONFIRMED (Intercom states none); the emulator's choice.
COMPANY_SCROLL_PAGE_SIZE = 50
# "If the scroll isn't used for 1 minute, it expires" [S2.11 GET /companies/scroll].
COMPANY_SCROLL_EXPIRY_SECONDS = 60
# monthly_spend: "an upper limit of 2**31-1 or 2147483647" [S2.11].
MONTHLY_SPEND_MAX = 2**31 - 1
# Data attribute names: at most 190 characters [DOC-1.4-USER].
ATTRIBUTE_NAME_LENGTH = 190
# Contacts list and search pages: default 50, at most 150 [DOC-PAG].
PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 150
# Search: "max 2 nested filters", "max 15 filters for each AND or OR group" [S2.11].
SEARCH_MAX_NESTING = 2
SEARCH_MAX_GROUP_SIZE = 15
# Seconds a new or changed contact stays out of search results. Intercom: a recently created
# contact may "not yet be available when searching ... This delay can take a few minutes"
# [S2.16 POST /contacts/search]. 5 s is the emulator's default: long
# enough that a search right after a write misses it, as it often does at Intercom (so a
# search-then-create upsert meets the 409 here too), short enough for a person trying the
# emulator by hand. 0 turns it off; a test skips it by advancing the workspace clock.
SEARCH_LAG_SECONDS = 5
# Request bodies: Intercom documents none; 1 MiB is the emulator's choice (413 past it).
MAX_BODY_BYTES = 1024 * 1024

DEFAULT_SETTINGS: dict[str, Any] = {
    "event_name_limit": EVENT_NAME_LIMIT,
    "metadata_key_limit": METADATA_KEY_LIMIT,
    "metadata_overflow": "ignore",
    "string_limit": STRING_LIMIT,
    "custom_attribute_limit": CUSTOM_ATTRIBUTE_LIMIT,
    "rate_limit_app": RATE_LIMIT_APP,
    "rate_limit_workspace": RATE_LIMIT_WORKSPACE,
    "search_lag_seconds": SEARCH_LAG_SECONDS,
    "identity_verification": "off",
    "identity_verification_secret": None,  # generated per workspace when it is created
    "default_version": "2.11",
}
