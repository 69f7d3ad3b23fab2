"""Every Intercom limit the emulator enforces, with where Intercom documents it.

Source keys in brackets ([HC-EV], [S2.11] ...) name the Intercom page, reference or SDK behind
each value. Two kinds: the limits a workspace can change are its settings, declared once in
emulator.settings (default, bounds, source, help); the store reads those from the workspace's
settings. The limits below are fixed: the store reads these constants directly.
"""

from __future__ import annotations

# GET /events lists only events "less than 90 days old"; summaries count older ones too [S2.11].
EVENT_LIST_MAX_AGE_SECONDS = 90 * 24 * 60 * 60
# POST /events/summaries `count`: Intercom states no bound (UNCONFIRMED); the emulator's choice is
# the 32-bit maximum Intercom states for monthly_spend [S2.11], so totals never overflow SQLite.
EVENT_SUMMARY_COUNT_MAX = 2**31 - 1
# GET /events `per_page`: "Defaults to 15" [S2.11]; the maximum is the emulator's choice.
EVENTS_PER_PAGE_DEFAULT = 15
RATE_WINDOW_SECONDS = 10
# Event names: Intercom documents no length limit (facts §7, its OpenAPI descriptions and Help
# Center); 255 characters is the emulator's choice, the length Intercom gives its strings
# [DOC-1.4-USER], [HC-EVSET].
EVENT_NAME_MAX_LENGTH = 255
# The workspace clock's range (POST /_emulator/clock): from the epoch to the last second a date
# can show (9999-12-31T23:59:59Z); the emulator's choice, so every timestamp stays printable.
CLOCK_MIN_SECONDS = 0
CLOCK_MAX_SECONDS = 253_402_300_799
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
# Request bodies: Intercom documents none; 1 MiB is the emulator's choice (413 past it).
MAX_BODY_BYTES = 1024 * 1024
