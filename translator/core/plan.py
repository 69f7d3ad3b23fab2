"""One Segment Spec event in, the plan of Intercom calls it means out.

The protocol of a plan is in ``translator.core.calls``.

``plan_event(raw, settings, received_at=None)`` accepts a decoded JSON value or a parsed
``Event``. ``received_at`` (Unix seconds) stands in for the event's time when it carries none;
the core never reads a clock.

Server side, page and reset are device-mode only and screen and alias have no Intercom
counterpart (seeds 001/003/004; destination-mappings.md §4): they are ``skipped`` with a reason.
"""

from __future__ import annotations

from typing import Any

from translator.core import plans_v1, plans_v2, web
from translator.core.calls import REJECTED, SKIPPED, Outcome, Plan, Reason
from translator.core.company_fields import company_from_group
from translator.core.contact_fields import contact_fields
from translator.core.event_fields import event_fields, sanitized_event_name
from translator.core.events import Event, parse_event
from translator.core.gating import disabled_by_integrations
from translator.core.last_seen import last_seen_fields
from translator.core.legacy_group import legacy_group_entry, legacy_group_user
from translator.core.settings import Settings
from translator.core.traits import identity, user_traits

DEFAULT_SETTINGS = Settings()

_SKIPPED = {
    "page": Reason(
        "device_mode_only",
        "page only triggers the Messenger's update in the browser; Intercom's REST API has no "
        "page call (use web mode)",
    ),
    "reset": Reason(
        "device_mode_only",
        "reset logs the user out of the Messenger on the device; nothing to send",
    ),
    "screen": Reason("unsupported_call", "Intercom's destinations do not send screen calls"),
    "alias": Reason("unsupported_call", "Intercom has no alias call; identify with the new userId"),
}
_NO_USER = Reason(
    "missing_user_identity",
    "the event names no user: it needs a userId or an email trait",
    "userId",
)


def plan_event(
    raw: Any, settings: Settings = DEFAULT_SETTINGS, received_at: int | None = None
) -> Plan:
    """The plan for one event: a generator of calls that returns the ``Outcome``."""
    event = raw if isinstance(raw, Event) else parse_event(raw)
    if isinstance(event, Reason):
        return Outcome(REJECTED, event)
    disabled = disabled_by_integrations(event)
    if disabled is not None:
        return Outcome(SKIPPED, disabled)
    now = event.timestamp if event.timestamp is not None else received_at
    if event.type == "identify":
        return (yield from _identify(event, settings, now))
    if event.type == "track":
        return (yield from _track(event, settings, now))
    if event.type == "group":
        return (yield from _group(event, settings, now))
    if event.type == "page" and settings.web_mode:
        who = identity(event, user_traits(event, settings), settings)
        page_settings = web.intercom_settings(event, who, settings)
        return (yield from web.ping_plan(page_settings, "update the Messenger for the page", []))
    return Outcome(SKIPPED, _SKIPPED[event.type])


def _identify(event: Event, settings: Settings, now: int | None) -> Plan:
    fields = contact_fields(event, settings, now)
    if not fields.identity.known:
        return Outcome(REJECTED, _NO_USER, tuple(fields.adjustments))
    if settings.web_mode:
        boot = web.intercom_settings(event, fields.identity, settings, contact=fields)
        return (
            yield from web.ping_plan(boot, "boot the Messenger as this user", fields.adjustments)
        )
    if settings.is_legacy:
        return (yield from plans_v1.identify_plan(fields))
    return (yield from plans_v2.identify_plan(fields, settings))


def _track(event: Event, settings: Settings, now: int | None) -> Plan:
    filtered = event_filter_reason(event.event or "", settings)
    if filtered is not None:
        return Outcome(SKIPPED, filtered)
    fields = event_fields(event, settings, now)
    if isinstance(fields, Reason):
        return Outcome(REJECTED, fields)
    if settings.web_mode:
        user = web.intercom_settings(event, fields.identity, settings)
        return (yield from web.event_plan(fields, user))
    if settings.is_legacy:
        return (yield from plans_v1.track_plan(fields))
    return (yield from plans_v2.track_plan(fields))


def _group(event: Event, settings: Settings, now: int | None) -> Plan:
    traits = user_traits(event, settings)
    who = identity(event, traits, settings)
    company = company_from_group(event.group_id or "", event.traits, settings)
    if settings.web_mode:
        if not who.known:
            # The Messenger puts the signed-in user in the company; without one there is nobody.
            return Outcome(REJECTED, _NO_USER, tuple(company.adjustments))
        update = web.intercom_settings(event, who, settings, company=company)
        return (
            yield from web.ping_plan(update, "put the user in the company", company.adjustments)
        )
    # Seeds 000-002, 004 ask for "the userId or email of an existing user"; both destinations
    # still upsert the company without one (SC-G5, SA-G3, RS-G4), so only the attach waits.
    last_seen = last_seen_fields(event, traits, settings, now) if who.user_id else {}
    if settings.is_legacy:
        user = None
        if who.known:
            user = legacy_group_user(event, who, settings, last_seen, company.adjustments)
        entry = legacy_group_entry(company, settings)
        return (yield from plans_v1.group_plan(company, user, entry))
    tags = company_tags(event) if settings.group_tags else []
    return (yield from plans_v2.group_plan(company, who, tags, settings, last_seen))


def company_tags(event: Event) -> list[str]:
    """RudderStack tags the company with ``context.traits.tags`` (destination-mappings.md §4)."""
    tags = event.context_traits.get("tags")
    if not isinstance(tags, list):
        return []
    return [tag.strip() for tag in tags if isinstance(tag, str) and tag.strip()]


def event_filter_reason(name: str, settings: Settings) -> Reason | None:
    """Why ``event_allowlist``/``event_denylist`` hold an event back, or None.

    Names match case-insensitively (Intercom treats event names so, facts §7), as sent or as
    sanitised. Seeds 001/004 suggest filtering to stay under Intercom's 120 active event names.
    """
    names = {name.strip().lower(), sanitized_event_name(name).strip().lower()}
    if names & {entry.strip().lower() for entry in settings.event_denylist}:
        return Reason("event_denied", f"event {name!r} is in event_denylist", "event")
    allowlist = settings.event_allowlist
    if allowlist is not None and not names & {entry.strip().lower() for entry in allowlist}:
        return Reason("event_not_allowed", f"event {name!r} is not in event_allowlist", "event")
    return None
