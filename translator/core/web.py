"""Device-side (web Messenger) mode: ``intercomSettings`` and the Messenger requests carrying them.

Seeds 001/004 "Client": identify builds ``window.intercomSettings`` (``userId`` → user_id,
``traits.email``/``name``/``company``, ``traits.createdAt`` → created_at in Unix seconds, traits →
custom_attributes); ``integrations.Intercom.user_hash`` carries identity verification,
``integrations.Intercom.hideDefaultLauncher`` → hide_default_launcher (on page, identify and
group); group sets the user's ``company``; page asks the Messenger to update.

The Messenger talks to ``/messenger/web/ping`` and ``/messenger/web/events`` with form-encoded
bodies whose ``user_data`` is a JSON string (facts §11, third-party observations, UNCONFIRMED by
Intercom). ``user_data`` is ``intercomSettings`` without ``app_id`` (a form field of its own).
``user_hash`` is hex HMAC-SHA256 of the identity secret over user_id, or over email when there is
no user_id (facts §11).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from translator.core.calls import FORM, Call, Plan
from translator.core.company_fields import CompanyFields
from translator.core.contact_fields import ContactFields
from translator.core.event_fields import EventFields
from translator.core.events import Event
from translator.core.replies import one_call
from translator.core.settings import Settings
from translator.core.traits import Identity, intercom_option

_OWN_FORM_FIELDS = ("app_id",)
# Standard contact fields the Messenger takes under the same name (2.x and 1.4 spellings).
_MESSENGER_FIELDS = ("email", "name", "phone", "language_override")


def user_hash(event: Event, who: Identity, settings: Settings) -> str | None:
    """The event's own ``user_hash``/``userHash``, else one computed from the identity secret."""
    given = intercom_option(event, "user_hash", "userHash")
    if isinstance(given, str) and given.strip():
        return given.strip()
    subject = who.user_id or who.email
    if not settings.identity_secret or not subject:
        return None
    secret = settings.identity_secret.encode()
    return hmac.new(secret, subject.encode(), hashlib.sha256).hexdigest()


def intercom_settings(
    event: Event,
    who: Identity,
    settings: Settings,
    contact: ContactFields | None = None,
    company: CompanyFields | None = None,
) -> dict[str, Any]:
    """The ``window.intercomSettings`` an event leads to."""
    result: dict[str, Any] = {"app_id": settings.app_id}
    if who.user_id:
        result["user_id"] = who.user_id
    if who.email:
        result["email"] = who.email
    if contact is not None:
        result.update(_contact_settings(contact))
    hashed = user_hash(event, who, settings)
    if hashed:
        result["user_hash"] = hashed
    hide = intercom_option(event, "hideDefaultLauncher", "hide_default_launcher")
    if isinstance(hide, bool):
        result["hide_default_launcher"] = hide
    if company is not None:
        result["company"] = web_company(company)
    return result


def _contact_settings(contact: ContactFields) -> dict[str, Any]:
    result = {key: contact.standard[key] for key in _MESSENGER_FIELDS if key in contact.standard}
    if "signed_up_at" in contact.standard:
        result["created_at"] = contact.standard["signed_up_at"]
    if contact.companies and not contact.companies[0].remove:
        result["company"] = web_company(contact.companies[0])
    if contact.custom:
        result["custom_attributes"] = dict(contact.custom)
    return result


def web_company(company: CompanyFields) -> dict[str, Any]:
    """A Messenger company object: REST fields, created_at, custom attributes inline."""
    body = dict(company.body)
    custom = body.pop("custom_attributes", {})
    if "remote_created_at" in body:
        body["created_at"] = body.pop("remote_created_at")
    return {**body, **custom}


def user_data(settings_dict: dict[str, Any]) -> str:
    """The ``user_data`` form field: intercomSettings as JSON, without ``app_id``."""
    data = {key: value for key, value in settings_dict.items() if key not in _OWN_FORM_FIELDS}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def ping_plan(settings_dict: dict[str, Any], why: str, adjustments: list) -> Plan:
    """``POST /messenger/web/ping``: boot or update the Messenger with these settings."""
    body = {"app_id": settings_dict["app_id"], "user_data": user_data(settings_dict)}
    call = Call("POST", "/messenger/web/ping", body=body, reason=why, content_type=FORM)
    return (yield from one_call(call, adjustments))


def event_plan(fields: EventFields, settings_dict: dict[str, Any]) -> Plan:
    """``POST /messenger/web/events``: a track from the browser."""
    body = {
        "app_id": settings_dict["app_id"],
        "user_data": user_data(settings_dict),
        "event_name": fields.body["event_name"],
        "created_at": str(fields.body["created_at"]),
    }
    if fields.body.get("metadata"):
        metadata = fields.body["metadata"]
        body["metadata"] = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    call = Call(
        "POST",
        "/messenger/web/events",
        body=body,
        reason="record the event from the browser",
        content_type=FORM,
    )
    return (yield from one_call(call, fields.adjustments))
