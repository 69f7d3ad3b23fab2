"""How conversations begin: `POST /conversations` (a contact writes) and `POST /messages` (an
admin writes, in-app or by email) [S2.11 createConversation, createMessage].

Both answer Intercom's `message`: a contact's as `user_message`, an admin's as `admin_message`
with its `owner` [S2.11 createMessage examples]; `conversation_id` is always given (the
`message` schema requires it). An admin's message is no conversation until its contact replies
("there will be no conversation present until the contact responds" [S2.11 createMessage]):
until then `GET /conversations/{id}` is 404 and lists and searches leave it out, while a reply
from the contact it was sent to (`POST /conversations/{id}/reply`, `type: user`) turns it into
one. `create_conversation_without_contact_reply: true` makes it one at once [S2.11].
"""

from __future__ import annotations

from typing import Any

from emulator.errors import NotFound, ParameterInvalid, ParameterNotFound
from emulator.store import admins, validation
from emulator.store.contacts import records as contact_records
from emulator.store.context import Context
from emulator.store.conversations import records, shape, transitions

_CONTACT_TYPES = ("user", "lead", "contact")


def _contact(ctx: Context, ref: Any, field: str) -> dict[str, Any]:
    """The contact a `from`/`to` object names by `id`; 404 "User Not Found" otherwise [S2.11
    createConversation "Contact Not Found" example]."""
    if not isinstance(ref, dict):
        raise ParameterNotFound(f"{field} not specified", field=field)
    contact_id = ref.get("id")
    if isinstance(contact_id, int) and not isinstance(contact_id, bool):
        contact_id = str(contact_id)  # no contact has a number for an id: 404 below
    if not isinstance(contact_id, str):
        raise ParameterNotFound(f"{field}.id not specified", field=f"{field}.id")
    return contact_records.require(ctx, contact_id)  # "" names no contact: 404


def attachments(body: dict[str, Any]) -> list[dict[str, Any]]:
    urls = body.get("attachment_urls") or []
    if not isinstance(urls, list) or len(urls) > 10 or not all(isinstance(u, str) for u in urls):
        raise ParameterInvalid("attachment_urls must be at most 10 URLs", field="attachment_urls")
    return [shape.attachment(url) for url in urls]


def body_text(body: dict[str, Any]) -> str:
    text = body.get("body")
    if not isinstance(text, str) or not text.strip():
        raise ParameterInvalid("Body is required", field="body")  # [S2.11 createMessage 400]
    return text


def _message(ctx: Context, seq: int, kind: str, text: str) -> dict[str, Any]:
    record = records.require(ctx, seq, pending=True)
    return {
        "type": kind,
        "id": record["message_id"],
        "created_at": record["created_at"],
        "subject": record["subject"],
        "body": text,
        "message_type": record["message_type"],
        "conversation_id": str(seq),
    }


def create_by_contact(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /conversations` (and `POST /messages` from a contact): an in-app conversation."""
    validation.known_keys(body, ("from", "body", "subject", "attachment_urls", "created_at"))
    sender = body.get("from")
    if isinstance(sender, dict) and sender.get("type") not in _CONTACT_TYPES:
        raise ParameterInvalid("from.type must be user, lead or contact", field="from.type")
    contact = _contact(ctx, sender, "from")
    text = body_text(body)
    created_at = body.get("created_at")
    source = {
        "message_type": "inapp",
        "delivered_as": "customer_initiated",
        "subject": body.get("subject") or "",
        "body": shape.as_html(text),
        "author_type": contact["role"],
        "author_id": contact["id"],
        "attachments": attachments(body),
        "created_at": created_at if isinstance(created_at, int) and created_at > 0 else None,
    }
    seq = transitions.start(ctx, source, contact["id"], by_contact=True)
    return _message(ctx, seq, "user_message", text)


def create(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /messages`: from an admin to a contact, in-app (`in_app`, or `inapp` as Intercom's
    answers spell it) or by email (a `subject` is required: 422 `parameter_not_found` "No
    subject supplied for email message" [S2.11 createMessage 422])."""
    sender = body.get("from")
    if isinstance(sender, dict) and sender.get("type") in _CONTACT_TYPES:
        admin_only = ("message_type", "template", "to", "create_conversation_without_contact_reply")
        rest = {k: v for k, v in body.items() if k not in admin_only}
        return create_by_contact(ctx, rest)
    validation.known_keys(
        body,
        (
            "message_type",
            "subject",
            "body",
            "template",
            "from",
            "to",
            "created_at",
            "create_conversation_without_contact_reply",
        ),
    )
    if not isinstance(sender, dict):
        raise ParameterNotFound("from not specified", field="from")
    admin = admins.find(ctx, sender.get("id"))
    if admin is None:
        raise NotFound("Admin not found", code="admin_not_found")
    contact = _contact(ctx, body.get("to"), "to")
    text = body_text(body)
    kind = "email" if body.get("message_type") == "email" else "inapp"
    subject = body.get("subject")
    if kind == "email" and not (isinstance(subject, str) and subject.strip()):
        raise ParameterNotFound(
            "No subject supplied for email message", field="subject", status=422
        )
    source = {
        "message_type": kind,
        "delivered_as": "admin_initiated",
        "subject": subject if isinstance(subject, str) else "",
        "body": shape.as_html(text),
        "author_type": "admin",
        "author_id": admin["id"],
    }
    seq = transitions.start(ctx, source, contact["id"], by_contact=False)
    if body.get("create_conversation_without_contact_reply") is True:
        ctx.db.execute("UPDATE conversations SET visible = 1 WHERE seq = ?", [seq])
    answer = _message(ctx, seq, "admin_message", text)
    owner = {
        k: admin[k]
        for k in ("type", "id", "name", "email", "away_mode_enabled", "away_mode_reassign")
    }
    return {**answer, "owner": owner}


def require_reachable(ctx: Context, conversation_id: str) -> dict[str, Any]:
    """For a reply: a conversation, or an admin's message still waiting for its contact."""
    found = records.find(ctx, conversation_id, pending=True)
    if found is None:
        raise NotFound()
    return found
