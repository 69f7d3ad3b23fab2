"""The one setting or action that fixes what many events ended with, by reason code.

The summary and ``translator report`` print the hint of each reason that dead-lettered (or
skipped, or adjusted) at least ``BULK`` events, so a run that went wrong in bulk says what to do.
"""

from __future__ import annotations

BULK = 10

HINTS = {
    "unknown_custom_attribute": "let the run create attributes (the default; drop "
    "--no-create-attributes), or --unknown-attribute-policy drop",
    "attribute_limit_reached": "archive unused data attributes in Intercom (250 per workspace), "
    "or --unknown-attribute-policy drop with --known-attribute for the ones to keep",
    "attribute_not_created": "create the attributes in Intercom's settings, or "
    "--unknown-attribute-policy drop",
    "attribute_name_clash": "rename the trait in your source so people and companies do not "
    "share attribute names",
    "event_name_limit": "archive unused event names in Intercom (120 active), or keep to the "
    "ones you need with --event-allowlist",
    "user_not_found": "send each user's identify before their other events",
    "contact_not_found": "send each user's identify before their group calls",
    "missing_user_identity": "give every event a userId or an email trait",
    "invalid_json": "fix the lines the dead-letter file names (field `line`), then send them again",
    "invalid_utf8": "re-encode the input as UTF-8 (the dead letters hold the raw bytes)",
    "nested_too_deep": "flatten the lines the dead-letter file names (field `line`)",
    "retries_exhausted": "check the target's health, then run again; or raise --max-attempts",
    "identity_verification": "set the identity secret (--identity-secret) for web mode",
    "forbidden": "use a token whose app has the scopes to write contacts, companies and events",
    "validation_error": "see `translator report` for Intercom's messages",
    "dropped_nested_object": "--nested-policy flatten keeps nested traits as flat attributes",
    "truncated_too_long": "--long-string-policy send keeps long strings whole (Intercom may "
    "refuse them)",
    "dropped_metadata_key_limit": "--metadata-key-limit 10 (Intercom's REST API keeps 10)",
    "dropped_unknown_attribute": "--unknown-attribute-policy send lets the run create them",
}


def hint(reason: str) -> str | None:
    return HINTS.get(reason)


def bulk_hints(counts: dict[str, int]) -> list[tuple[str, int, str]]:
    """(reason, count, hint) for each reason counted ``BULK`` times or more that has a hint."""
    return [
        (reason, count, HINTS[reason])
        for reason, count in sorted(counts.items(), key=lambda item: -item[1])
        if count >= BULK and reason in HINTS
    ]
