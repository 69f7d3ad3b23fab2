"""The data attributes Intercom defines itself (`custom: false`), as `GET /data_attributes` lists
them beside the custom ones.

Company attributes follow the built-ins Intercom's own `GET /data_attributes` example lists
[S2.11], [S2.16]; Intercom publishes no such list for contacts, so the contact attributes are the
standard fields of its contact object [S2.11 `contact` schema] (which of them Intercom lists, and
its labels and descriptions, are UNCONFIRMED). Labels and descriptions here are the emulator's
own words. `api_writable` says whether the create/update request takes the field.
"""

from __future__ import annotations

from typing import Any

# (full_name, data_type, api_writable, label, description)
_CONTACT = (
    ("id", "string", False, "ID", "Intercom's id for the contact"),
    ("external_id", "string", True, "User ID", "Your own id for the user"),
    ("role", "string", True, "Role", "user or lead"),
    ("email", "string", True, "Email", "The contact's email address"),
    ("email_domain", "string", False, "Email domain", "The part of the email after the @"),
    ("phone", "string", True, "Phone", "The contact's phone number"),
    ("name", "string", True, "Name", "The contact's full name"),
    ("avatar", "string", True, "Avatar", "The URL of the contact's picture"),
    ("owner_id", "integer", True, "Owner", "The admin who owns the contact"),
    ("created_at", "date", False, "First seen", "When the contact was created"),
    ("updated_at", "date", False, "Updated at", "When the contact last changed"),
    ("signed_up_at", "date", True, "Signed up", "When the user signed up"),
    ("last_seen_at", "date", True, "Last seen", "When the contact was last active"),
    ("last_replied_at", "date", False, "Last replied", "When the contact last replied"),
    ("last_contacted_at", "date", False, "Last contacted", "When a team member last wrote"),
    ("last_email_opened_at", "date", False, "Last opened email", "Last email opened"),
    ("last_email_clicked_at", "date", False, "Last clicked email", "Last email link clicked"),
    ("unsubscribed_from_emails", "boolean", True, "Unsubscribed", "Opted out of emails"),
    ("has_hard_bounced", "boolean", False, "Hard bounced", "An email to the contact bounced"),
    ("marked_email_as_spam", "boolean", False, "Marked as spam", "Marked an email as spam"),
    ("language_override", "string", False, "Language override", "The Messenger's language"),
    ("browser", "string", False, "Browser", "The browser last used"),
    ("os", "string", False, "OS", "The operating system last used"),
    ("location.country", "string", False, "Country", "Country, from the last location"),
    ("location.region", "string", False, "Region", "Region, from the last location"),
    ("location.city", "string", False, "City", "City, from the last location"),
)
_COMPANY = (
    ("id", "string", False, "ID", "Intercom's id for the company"),
    ("company_id", "string", False, "Company ID", "Your own id for the company"),
    ("name", "string", True, "Company name", "The company's name"),
    ("app_id", "string", False, "App ID", "The workspace the company belongs to"),
    ("created_at", "date", False, "Created at", "When the company was added"),
    ("updated_at", "date", False, "Updated at", "When the company last changed"),
    ("remote_created_at", "date", True, "Company created at", "When you say it was created"),
    ("last_request_at", "date", False, "Company last seen", "When a member was last active"),
    ("user_count", "integer", False, "People", "How many contacts belong to it"),
    ("session_count", "integer", False, "Company web sessions", "Visits by its members"),
    ("monthly_spend", "float", True, "Monthly Spend", "Revenue from the company each month"),
    ("size", "integer", True, "Company size", "How many people it employs"),
    ("industry", "string", True, "Company industry", "What the company does"),
    ("website", "string", True, "Company website", "The company's web address"),
    ("plan.id", "string", False, "Plan ID", "Intercom's id for the company's plan"),
    ("plan.name", "string", False, "Plan", "The plan the company is on"),
)
_BY_MODEL = {"contact": _CONTACT, "company": _COMPANY}


def listed(model: str | None) -> list[dict[str, Any]]:
    """The built-in attributes of `model` (both models when None), shaped as Intercom lists
    them: no `id`, `admin_id` or timestamps, as in its example."""
    models = [model] if model else ["contact", "company"]
    return [
        {
            "type": "data_attribute",
            "name": full_name.rsplit(".", 1)[-1],
            "full_name": full_name,
            "label": label,
            "description": description,
            "data_type": data_type,
            "api_writable": writable,
            "ui_writable": False,
            "messenger_writable": True,
            "custom": False,
            "archived": False,
            "model": each,
        }
        for each in models
        for full_name, data_type, writable, label, description in _BY_MODEL[each]
    ]


def named(model: str, name: str) -> str | None:
    """The built-in attribute of `model` a custom attribute called `name` would clash with
    (by `name` or `full_name`, ignoring case), or None. Intercom publishes no built-in
    attributes of a conversation: none clash there."""
    wanted = name.casefold()
    for full_name, *_ in _BY_MODEL.get(model, ()):
        if wanted in (full_name.casefold(), full_name.rsplit(".", 1)[-1].casefold()):
            return full_name
    return None
