"""The conversation operations after its start: retrieve, reply, manage, update, assignment
rules, tags and contacts [S2.11 Conversations operations]. Each checks its input, finds the
conversation (404 `not_found` "Resource Not Found" [S2.11 examples]) and calls one transition.

Refusals, with their sources: an unknown admin is 404 `admin_not_found` "Admin not found" (a
code in Intercom's documented list, as `GET /admins/{id}` answers); an unknown contact 404
`not_found` "User Not Found" [S2.11 createConversation, detachContactFromConversation]; a
reply without a body 400 `parameter_invalid` "Body is required" (createMessage's words); the
last contact of a conversation cannot be detached: 422 `parameter_invalid` "Removing the last
customer is not allowed" [S2.11 detachContactFromConversation]; a tag that is not there 404
`tag_not_found` "Tag not found" [S2.11 detachTagFromConversation]. Intercom documents no
refusal for closing a closed conversation or opening an open one: the emulator records the part
and answers 200. A snooze must end in the future (400 `parameter_invalid`; the emulator's rule,
UNCONFIRMED).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from emulator.errors import NotFound, ParameterInvalid, UserNotFound
from emulator.store import admins, contacts, custom_attributes, events, tags, teams, validation
from emulator.store.contacts import records as contact_records
from emulator.store.context import Context
from emulator.store.conversations import messages, records, shape, transitions

_MANAGE_TYPES = ("close", "snoozed", "open", "assignment")


def _plain(args: dict[str, str]) -> bool:
    return args.get("display_as") == "plaintext"


def retrieve(ctx: Context, conversation_id: str, args: dict[str, str]) -> dict[str, Any]:
    record = records.require(ctx, conversation_id)
    return shape.conversation(ctx, record, plain=_plain(args))


def _shown(ctx: Context, seq: int, args: dict[str, str] | None = None) -> dict[str, Any]:
    return shape.conversation(ctx, records.require(ctx, seq), plain=_plain(args or {}))


def _admin(ctx: Context, admin_id: Any) -> str:
    found = admins.find(ctx, admin_id)
    if found is None:
        raise NotFound("Admin not found", code="admin_not_found")
    return str(found["id"])


def _contact_named(ctx: Context, body: dict[str, Any]) -> str | None:
    """The contact a body names by `intercom_user_id`, `user_id` or `email`; None if none."""
    for key, lookup in (("intercom_user_id", None), ("user_id", "user_id"), ("email", "email")):
        value = body.get(key)
        if not isinstance(value, str) or not value:
            continue
        if lookup is None:
            return str(contact_records.require(ctx, value)["id"])
        user = events.find_user(ctx, lookup, value)
        if user is None:
            raise UserNotFound()
        return str(user.id)
    return None


def _attachments(body: dict[str, Any]) -> list[dict[str, Any]]:
    shown = messages.attachments(body)
    for index, item in enumerate(body.get("attachment_files") or []):
        try:
            size = len(base64.b64decode(str(item.get("data", "")), validate=True))
        except (binascii.Error, ValueError, AttributeError) as exc:
            raise ParameterInvalid(
                "attachment_files data must be base64", field=f"attachment_files[{index}].data"
            ) from exc
        shown.append(
            {
                **shape.attachment(str(item.get("name"))),
                "url": "",
                "filesize": size,
                "content_type": str(item.get("content_type")),
            }
        )
    if len(shown) > 10:
        raise ParameterInvalid("At most 10 attachments", field="attachment_urls")
    return shown


def _last_of(ctx: Context, contact_id: str) -> dict[str, Any]:
    """`conversation_id` "last": the contact's most recent conversation [S2.11 reply]."""
    row = ctx.db.execute(
        "SELECT conversations.seq FROM conversations JOIN conversation_contacts"
        " ON conversation_contacts.conversation_seq = conversations.seq"
        " WHERE conversations.workspace_id = ? AND contact_id = ?"
        " ORDER BY conversations.updated_at DESC, conversations.seq DESC LIMIT 1",
        [ctx.workspace.id, contact_id],
    ).fetchone()
    if row is None:
        raise NotFound()
    return records.require(ctx, row[0], pending=True)


def reply(ctx: Context, conversation_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /conversations/{id}/reply` as a contact (`type: user`, a `comment`) or an admin
    (`type: admin`, a `comment` or a `note`)."""
    kind, message_type = body.get("type"), body.get("message_type")
    if kind not in ("user", "admin"):
        raise ParameterInvalid("type must be user or admin", field="type")
    allowed = ("comment",) if kind == "user" else ("comment", "note")
    if message_type not in allowed:
        raise ParameterInvalid(f"message_type must be {' or '.join(allowed)}", field="message_type")
    text = messages.body_text(body)
    attachments = _attachments(body)
    if kind == "user":
        contact_id = _contact_named(ctx, body)
        if contact_id is None:
            raise ParameterInvalid(
                "intercom_user_id, user_id or email is required", field="intercom_user_id"
            )
        record = (
            _last_of(ctx, contact_id)
            if conversation_id == "last"
            else messages.require_reachable(ctx, conversation_id)
        )
        if contact_id not in records.contact_ids(ctx, record["seq"]):
            raise UserNotFound()  # only the conversation's contacts reply in it
        transitions.contact_replied(ctx, record, contact_id, shape.as_html(text), attachments)
        return _shown(ctx, record["seq"])
    admin_id = _admin(ctx, body.get("admin_id"))
    if conversation_id == "last":
        contact_id = _contact_named(ctx, body)
        if contact_id is None:
            raise NotFound()
        record = _last_of(ctx, contact_id)
    else:
        record = records.require(ctx, conversation_id)
    step = transitions.admin_noted if message_type == "note" else transitions.admin_replied
    step(ctx, record, admin_id, shape.as_html(text), attachments)
    return _shown(ctx, record["seq"])


def manage(ctx: Context, conversation_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /conversations/{id}/parts`: close, snooze, open or assign [S2.11]."""
    message_type = body.get("message_type")
    if message_type not in _MANAGE_TYPES:
        raise ParameterInvalid(
            "message_type must be close, snoozed, open or assignment", field="message_type"
        )
    record = records.require(ctx, conversation_id)
    admin_id = _admin(ctx, body.get("admin_id"))
    text = body.get("body")
    part_body = shape.as_html(text) if isinstance(text, str) and text.strip() else None
    if message_type == "close":
        transitions.closed(ctx, record, admin_id, part_body)
    elif message_type == "open":
        transitions.opened(ctx, record, admin_id)
    elif message_type == "snoozed":
        until = body.get("snoozed_until")
        if isinstance(until, bool) or not isinstance(until, int) or until <= ctx.now:
            raise ParameterInvalid(
                "snoozed_until must be a time in the future", field="snoozed_until"
            )
        transitions.snoozed(ctx, record, admin_id, until)
    else:
        kind, assignee = _assignee(ctx, body)
        transitions.assigned(ctx, record, admin_id, kind, assignee, part_body)
    return _shown(ctx, record["seq"])


def _assignee(ctx: Context, body: dict[str, Any]) -> tuple[str, str | None]:
    """`type` admin or team, and `assignee_id` ("0": nobody [S2.11 assign_conversation_request])."""
    kind = body.get("type", "admin")
    if kind not in ("admin", "team"):
        raise ParameterInvalid("type must be admin or team", field="type")
    raw = body.get("assignee_id")
    if isinstance(raw, bool) or not isinstance(raw, str | int) or str(raw) == "":
        raise ParameterInvalid("assignee_id is required", field="assignee_id")
    if str(raw) == "0":
        return kind, None
    if kind == "admin":
        return kind, _admin(ctx, raw)
    return kind, str(teams.retrieve(ctx, str(raw))["id"])


def update(
    ctx: Context, conversation_id: str, body: dict[str, Any], args: dict[str, str]
) -> dict[str, Any]:
    """`PUT /conversations/{id}`: `read` and `custom_attributes`, each a declared conversation
    data attribute (emulator.store.custom_attributes: strings, numbers, booleans of its type;
    null removes one)."""
    validation.known_keys(body, ("read", "custom_attributes"))
    record = records.require(ctx, conversation_id)
    read = body.get("read")
    if read is not None and not isinstance(read, bool):
        raise ParameterInvalid("read must be a boolean", field="read")
    attributes = body.get("custom_attributes")
    if attributes is not None:
        custom_attributes.check(ctx, "conversation", attributes)
    transitions.updated(ctx, record, read, attributes)
    return _shown(ctx, record["seq"], args)


def run_assignment_rules(ctx: Context, conversation_id: str) -> dict[str, Any]:
    """With no assignment rules (the emulator has none), Intercom's Operator assigns the
    conversation to nobody: a `default_assignment` part, `assigned_to` `nobody_admin`
    [S2.11 autoAssignConversation example]."""
    record = records.require(ctx, conversation_id)
    transitions.default_assignment(ctx, record)
    return _shown(ctx, record["seq"])


def _tag_conversation(ctx: Context, conversation_id: str) -> dict[str, Any]:
    found = records.find(ctx, conversation_id)
    if found is None:
        raise NotFound("Conversation not found")  # [S2.11 attachTagToConversation 404]
    return found


def attach_tag(ctx: Context, conversation_id: str, body: dict[str, Any]) -> dict[str, Any]:
    record = _tag_conversation(ctx, conversation_id)
    admin_id = _admin(ctx, body.get("admin_id"))
    found = tags.find(ctx, body.get("id"))
    if found is None:
        raise NotFound("Tag not found", code="tag_not_found")
    transitions.tagged(ctx, record, found[0])
    return {
        **tags.shape(*found),
        "applied_at": ctx.now,
        "applied_by": {"type": "admin", "id": admin_id},
    }


def detach_tag(
    ctx: Context, conversation_id: str, tag_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    record = _tag_conversation(ctx, conversation_id)
    admin_id = _admin(ctx, body.get("admin_id"))
    found = tags.find(ctx, tag_id)
    applied = {t[0] for t in records.tag_rows(ctx, record["seq"])}
    if found is None or found[0] not in applied:
        raise NotFound("Tag not found", code="tag_not_found")
    transitions.untagged(ctx, record, found[0])
    return {
        **tags.shape(*found),
        "applied_at": ctx.now,
        "applied_by": {"type": "admin", "id": admin_id},
    }


def attach_contact(ctx: Context, conversation_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A contact joins, named by `intercom_user_id`, `user_id` or `email`; an email no contact
    has becomes a new lead [S2.11 attachContactToConversation]."""
    record = records.require(ctx, conversation_id)
    _admin(ctx, body.get("admin_id"))
    customer = body.get("customer")
    if not isinstance(customer, dict):
        raise ParameterInvalid("customer must name a contact", field="customer")
    email = customer.get("email")
    if isinstance(email, str) and email and events.find_user(ctx, "email", email) is None:
        contact_id = str(contacts.create(ctx, {"role": "lead", "email": email})["id"])
    else:
        contact_id = _contact_named(ctx, customer) or ""
        if not contact_id:
            raise ParameterInvalid("customer must name a contact", field="customer")
    transitions.contact_attached(ctx, record, contact_id)
    return _shown(ctx, record["seq"])


def detach_contact(
    ctx: Context, conversation_id: str, contact_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    record = records.require(ctx, conversation_id)
    _admin(ctx, body.get("admin_id"))
    present = records.contact_ids(ctx, record["seq"])
    if contact_id not in present:
        raise UserNotFound()
    if len(present) == 1:
        raise ParameterInvalid("Removing the last customer is not allowed", status=422)
    transitions.contact_detached(ctx, record, contact_id)
    return _shown(ctx, record["seq"])
