"""The web Messenger's endpoints: `POST /messenger/web/ping` (boot/update) and
`POST /messenger/web/events` (`Intercom('trackEvent')`), with identity verification.

Both take form fields as the JS Messenger sends them: `app_id` (the pipeline picks the workspace
by it), `user_data` (JSON text of `intercomSettings`: `user_id`, `email`, `user_hash`, `name`,
`company`, custom attributes…), and for events `event_name`, `created_at`, `metadata` (JSON
text). Their schemas are UNCONFIRMED (facts §11: third-party code only); what the emulator reads
and answers is its choice:

- A ping with a `user_id` or email boots the user: found by `user_id`, then email, with the 1.4
  upsert's rules, created when new, updated otherwise; it is seen now and may begin a session.
  Custom attributes that do not exist are created, as the JS Messenger creates them [HC-CDA],
  with the same value rules as everywhere. Custom attributes may come as top-level keys
  (`intercomSettings` style) or under `custom_attributes`; Messenger settings are ignored.
- A ping with neither is an anonymous visitor: 200, and nothing is stored (Intercom keeps a
  visitor until they start a conversation; the emulator keeps no visitors).
- With the workspace's `identity_verification` "enforced", a user without the right `user_hash`
  (hex HMAC-SHA256 of `user_id`, or of the email when there is none, keyed with
  `identity_verification_secret` [HC-IV]) is refused with 403 and nothing changes. The body is
  the mobile SDK's real one (`hmac_mismatch`, "Failed Identity Verification check", facts §2);
  the web status is 403 [SEG-DOC]. Anonymous visitors are not verified [HC-IV].
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from emulator import json_input
from emulator.errors import Forbidden, ParameterInvalid, UserNotFound
from emulator.store import event_names, events, users, validation
from emulator.store.context import Context
from emulator.store.users import inputs, lookup, memberships

# `intercomSettings` keys that configure the Messenger rather than describe the user.
_SETTINGS = frozenset(
    {
        "app_id", "api_base", "user_hash", "intercom_user_jwt", "hide_default_launcher",
        "alignment", "horizontal_padding", "vertical_padding", "custom_launcher_selector",
        "session_duration", "action_color", "background_color", "last_request_at",
        "utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term", "referrer",
        "page_title",
    }
)  # fmt: skip
_USER_FIELDS = frozenset(
    {
        "user_id", "email", "name", "phone", "created_at", "unsubscribed_from_emails",
        "language_override", "avatar", "company", "companies", "custom_attributes",
    }
)  # fmt: skip
_COMPANY_FIELDS = frozenset(
    {"company_id", "name", "plan", "monthly_spend", "size", "website", "industry", "remove"}
)


def _json_field(form: dict[str, str], key: str) -> dict[str, Any]:
    """A form field holding JSON text of an object; `{}` when absent."""
    value = json_input.loads(form.get(key) or "{}", field=key, what=key)
    if not isinstance(value, dict):
        raise ParameterInvalid(f"{key} must be JSON text of an object", field=key)
    return value


def verify(ctx: Context, data: dict[str, Any]) -> None:
    """403 unless `user_hash` proves who `data` says it is, when verification is enforced."""
    subject = inputs.user_id(data) or data.get("email")
    if ctx.setting("identity_verification") != "enforced" or not isinstance(subject, str):
        return
    secret = str(ctx.setting("identity_verification_secret")).encode()
    expected = hmac.new(secret, subject.encode(), hashlib.sha256).hexdigest()
    given = data.get("user_hash")
    given_text = given.strip().lower() if isinstance(given, str) else ""
    # Constant time: how much of a guess is right must not show in how long the check takes.
    if not hmac.compare_digest(given_text.encode(), expected.encode()):
        ctx.warnings.append("user_hash missing" if not given_text else "user_hash does not match")
        raise Forbidden(
            "Failed Identity Verification check", code="hmac_mismatch", field="user_hash"
        )


def _company(raw: Any) -> dict[str, Any]:
    """A Messenger company (`id` or `company_id`, `created_at`, custom attributes inline) as a
    `POST /companies` body."""
    if not isinstance(raw, dict):
        raise ParameterInvalid("company must be an object", field="company")
    company = {key: value for key, value in raw.items() if key in _COMPANY_FIELDS}
    if "company_id" not in company and "id" in raw:
        company["company_id"] = raw["id"]
    if "created_at" in raw:
        company["remote_created_at"] = raw["created_at"]
    custom = {k: v for k, v in raw.items() if k not in _COMPANY_FIELDS | {"id", "created_at"}}
    if custom:
        company["custom_attributes"] = custom
    return company


def _companies(data: dict[str, Any]) -> list[memberships.Membership]:
    raw = data.get("companies") or []
    if not isinstance(raw, list):
        raise ParameterInvalid("companies must be an array", field="companies")
    listed = ([data["company"]] if data.get("company") is not None else []) + raw
    return memberships.parse([_company(item) for item in listed])


def _custom_attributes(data: dict[str, Any]) -> dict[str, Any]:
    nested = data.get("custom_attributes") or {}
    if not isinstance(nested, dict):
        raise ParameterInvalid("custom_attributes must be an object", field="custom_attributes")
    inline = {k: v for k, v in data.items() if k not in _SETTINGS and k not in _USER_FIELDS}
    return {**inline, **nested}


def _user_input(data: dict[str, Any]) -> inputs.UserInput:
    columns: dict[str, Any] = {
        key: validation.typed(data, key, str)
        for key in ("name", "phone", "language_override")
        if key in data
    }
    if "created_at" in data:  # the Messenger's `created_at` is when the user signed up
        columns["signed_up_at"] = inputs.timestamp(data, "created_at")
    avatar = data.get("avatar")
    if isinstance(avatar, dict):
        columns["avatar"] = validation.typed(avatar, "image_url", str)
    unsubscribed = validation.typed(data, "unsubscribed_from_emails", bool)
    if unsubscribed is not None:
        columns["unsubscribed_from_emails"] = int(unsubscribed)
    return inputs.UserInput(
        user_id=inputs.user_id(data),
        email=inputs.email(data),
        columns=columns,
        custom_attributes=_custom_attributes(data),
        companies=_companies(data),
        seen=True,
        new_session=True,
    )


def ping(ctx: Context, form: dict[str, str]) -> dict[str, Any]:
    """Boot or update the Messenger's user (see the module's description)."""
    data = _json_field(form, "user_data")
    verify(ctx, data)
    given = _user_input(data)
    user: dict[str, Any] = {"id": None, "user_id": None, "email": None, "anonymous": True}
    if given.user_id is not None or given.email is not None:
        row = lookup.upsert_target(ctx, None, given.user_id, given.email)
        saved = lookup.require(ctx, users.save(ctx, row, given))
        user = {
            "id": saved["id"],
            "user_id": saved["external_id"],
            "email": saved["email"],
            "anonymous": False,
        }
    ws = ctx.workspace
    return {
        "type": "messenger.ping",
        "app": {"id_code": ws.id, "name": ws.name, "active_admins": [{"name": ws.admin_name}]},
        "user": user,
    }


def _booted_user(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The user `user_data` names, by `user_id` then email; 404 "User Not Found" otherwise
    (also for anonymous visitors, whom the emulator does not keep)."""
    user_id, email = inputs.user_id(data), inputs.email(data)
    row = lookup.by_user_id(ctx, user_id) if user_id is not None else None
    if row is None and email is not None:
        row = next(iter(lookup.by_email(ctx, email)), None)
    if row is None:
        raise UserNotFound()
    return row


def _created_at(ctx: Context, form: dict[str, str]) -> int:
    raw = (form.get("created_at") or "").strip()
    if not raw:
        return ctx.now
    if not (raw.isascii() and raw.isdigit()):
        raise ParameterInvalid("created_at must be a unix timestamp in seconds", field="created_at")
    return int(raw)


def record_event(ctx: Context, form: dict[str, str]) -> dict[str, Any]:
    """`Intercom('trackEvent', name, metadata)`: the event is stored as `POST /events` stores
    one, within the same cap on active event names (422 past it, as the Messenger answers)."""
    data = _json_field(form, "user_data")
    verify(ctx, data)
    user = _booted_user(ctx, data)
    name = form.get("event_name") or ""
    created_at = _created_at(ctx, form)
    body = {"event_name": name, "created_at": created_at, "id": user["id"]}
    body["metadata"] = _json_field(form, "metadata")
    events.create(ctx, body)
    return {"type": "event", "event_name": event_names.normalise(name), "created_at": created_at}
