"""Intercom's limits and conventions that the translator respects, each with its source.

Sources: the facts about Intercom's API the project keeps beside the code ("facts", its section
number in brackets) and the five destination documents (the "seeds", docs/translator.md).
"""

# Segment docs (seeds 000-004): "Trait values must be no longer than 255 characters";
# Intercom 1.4 user docs: "String field values must be no longer than 255 characters" [facts 6, 12].
STRING_LIMIT = 255

# Segment docs (seeds 001, 004): "Intercom can only store 5 event properties per event".
# Intercom's REST reference now says 10 [facts 7, 12]; the setting follows the seed documents.
METADATA_KEY_LIMIT = 5

# Intercom's REST reference: monthly_spend has "an upper limit of 2**31-1" [facts 8].
MONTHLY_SPEND_MAX = 2**31 - 1

# "Periods (.) and dollars ($) in event names are replaced with hyphens" [facts 7].
FORBIDDEN_NAME_CHARACTERS = (".", "$")
NAME_CHARACTER_REPLACEMENT = "-"

# Custom attribute names "can only contain alphanumeric characters, most currency symbols, and
# hyphens", "must not contain periods `.` or dollar `$` characters" and "must be no longer than
# 190 characters" [facts 6]; since 1.4 API-created names follow these UI rules [facts 6]. Spaces
# and underscores appear in Intercom's own examples ("Mithril Shirt", "paid_subscriber"). "Most
# currency symbols" is our reading: U+00A2-U+00A5 and the Currency Symbols block, never '$'.
ATTRIBUTE_NAME_CHARACTERS = r"\w \-\u00a2-\u00a5\u20a0-\u20cf"
ATTRIBUTE_NAME_LENGTH = 190

# Intercom's metadata types that are objects: Rich Link and Monetary Amount [facts 7].
SPECIAL_METADATA_SHAPES = (frozenset({"amount", "currency"}), frozenset({"url", "value"}))

# Segment docs (seeds 000-002, 004): the price currency "defaults to 'usd'"; Intercom's example
# writes currencies in lower case (`{"amount": 34999, "currency": "eur"}`) [facts 7].
DEFAULT_CURRENCY = "usd"

# DESIGN.md: 2.x by default, 2.11 unless a reason says otherwise; 1.4 is the legacy Users API.
DEFAULT_API_VERSION = "2.11"
LEGACY_API_VERSION = "1.4"
