"""Where an event's traits, identity and Intercom-specific options come from.

Segment puts identify traits in ``traits`` and copies user traits into ``context.traits`` on other
calls; RudderStack's SDKs put them in ``context.traits`` (destination-mappings.md §4, §5.1). Both
are read and merged; ``Settings.traits_precedence`` decides which wins on a shared key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from translator.core.events import Event
from translator.core.settings import Settings


@dataclass(frozen=True)
class Identity:
    """Who an event is about: ``user_id`` (Intercom's external_id / user_id) and ``email``."""

    user_id: str | None
    email: str | None
    # The trait that gave user_id, so that it is not sent again as a custom attribute.
    user_id_trait: str | None = None
    # RudderStack's per-event lookup field (integrations.Intercom.lookup) and its value.
    lookup_field: str | None = None
    lookup_value: str | int | float | None = None

    @property
    def known(self) -> bool:
        return bool(self.user_id or self.email)

    @property
    def lookup_email(self) -> str | None:
        """Email as Intercom stores it: "email values are downcased" (facts 5.4)."""
        return self.email.strip().lower() if self.email else None


def user_traits(event: Event, settings: Settings) -> dict[str, Any]:
    """The user's traits: ``traits`` and ``context.traits`` merged by the profile's precedence."""
    top, context = _traits_for_user(event), event.context_traits
    if settings.traits_precedence == "context":
        return {**top, **context}
    return {**context, **top}


def _traits_for_user(event: Event) -> dict[str, Any]:
    # A group's own traits describe the company, never the user.
    return {} if event.type == "group" else event.traits


def identity(event: Event, traits: dict[str, Any], settings: Settings) -> Identity:
    """The user an event names: userId, else the profile's id traits (seed rows `traits.userId`).

    A track's e-mail may be in its properties (Segment and RudderStack read ``properties.email``).
    A group names its user by ``userId``, else its own ``traits.userId``; on 2.x a group with no
    other user is looked up by the group's ``traits.email`` (Segment Actions and RudderStack
    search by it).
    """
    user_id, source = event.user_id, None
    if user_id is None:
        for key in settings.user_id_trait_keys:
            candidate = _text(traits.get(key))
            if candidate:
                user_id, source = candidate, key
                break
    if user_id is None and event.type == "group":
        user_id = _text(event.traits.get("userId"))
    if user_id is None and settings.send_anonymous_id:
        user_id = event.anonymous_id
    email = _text(traits.get("email"))
    if email is None and event.type == "track":
        email = _text(event.properties.get("email"))
    if event.type == "group" and not (user_id or email or settings.is_legacy or settings.web_mode):
        email = _text(event.traits.get("email"))
    field, value = _lookup(event, traits, settings)
    return Identity(user_id, email, source, field, value)


def _lookup(event: Event, traits: dict[str, Any], settings: Settings) -> tuple[str | None, Any]:
    """RudderStack's ``integrations.Intercom.lookup``: the contact field to search by."""
    if not settings.lookup_option:
        return None, None
    field = intercom_option(event, "lookup")
    if not isinstance(field, str) or not field.strip() or field.strip() == "email":
        return None, None
    field = field.strip()
    value = traits.get(field)
    if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
        value = None
    return field, value


def intercom_option(event: Event, *keys: str) -> Any:
    """An Intercom-specific option from ``integrations.Intercom`` (any letter case), or None.

    Segment documents these under ``integrations.Intercom`` (analytics.js, Android) and
    ``integrations.intercom`` (iOS, mobile tables); both spellings are honoured.
    """
    options = _case_insensitive(event.integrations, "intercom")
    return _first_present(options, keys)


def context_intercom_option(event: Event, *keys: str) -> Any:
    """An option from ``context.Intercom``, where the server docs put unsubscribedFromEmails."""
    return _first_present(_case_insensitive(event.context, "intercom"), keys)


def _case_insensitive(container: dict[str, Any], name: str) -> dict[str, Any]:
    for key, value in container.items():
        if key.lower() == name and isinstance(value, dict):
            return value
    return {}


def _first_present(options: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if options.get(key) is not None:
            return options[key]
    return None


def full_name(traits: dict[str, Any]) -> str | None:
    """``name``, else ``firstName`` + ``lastName`` (seed 001 server: special traits)."""
    name = _text(traits.get("name"))
    if name:
        return name
    parts = [_text(traits.get(key)) for key in ("firstName", "lastName")]
    joined = " ".join(part for part in parts if part)
    return joined or None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        text = str(value).strip()
        return text or None
    return None
