"""A seed's conversations: each item a `POST /conversations` body whose `from` may name its
contact by `email` or `external_id` (a seed cannot know ids), and `parts`: what happens next,
in order, each a `POST /conversations/{id}/reply` body or a `POST /conversations/{id}/parts`
body (by `message_type`); an admin's `admin_id` defaults to the workspace's admin."""

from __future__ import annotations

from typing import Any

from emulator.errors import ParameterInvalid
from emulator.store import events
from emulator.store.context import Context
from emulator.store.conversations import messages, operations

_MANAGE = ("close", "snoozed", "open", "assignment")


def _sender(ctx: Context, sender: Any) -> Any:
    if not isinstance(sender, dict) or sender.get("id") is not None:
        return sender
    for key, lookup in (("external_id", "user_id"), ("email", "email")):
        value = sender.get(key)
        if isinstance(value, str) and value:
            found = events.find_user(ctx, lookup, value)
            if found is None:
                raise ParameterInvalid(f"no contact with {key} '{value}'", field=f"from.{key}")
            return {"type": sender.get("type", "user"), "id": found.id}
    return sender


def create(ctx: Context, item: dict[str, Any]) -> str:
    """Start the conversation and play its parts; returns its id."""
    parts = item.get("parts") or []
    if not isinstance(parts, list):
        raise ParameterInvalid("parts must be a list", field="parts")
    body = {k: v for k, v in item.items() if k != "parts"}
    body["from"] = _sender(ctx, body.get("from"))
    conversation_id = messages.create_by_contact(ctx, body)["conversation_id"]
    contact_id = body["from"]["id"] if isinstance(body["from"], dict) else None
    for index, part in enumerate(parts):
        if not isinstance(part, dict):
            raise ParameterInvalid("must be an object", field=f"parts[{index}]")
        try:
            _play(ctx, conversation_id, contact_id, part)
        except ParameterInvalid as error:
            field = f"parts[{index}].{error.field}" if error.field else f"parts[{index}]"
            raise ParameterInvalid(error.message, field=field) from error
    return conversation_id


def _play(ctx: Context, conversation_id: str, contact_id: Any, part: dict[str, Any]) -> None:
    step = dict(part)
    if step.get("type") == "user" or step.get("message_type") not in _MANAGE:
        step.setdefault("type", "user" if "admin_id" not in step else "admin")
    if step.get("type") != "user":
        step.setdefault("admin_id", ctx.workspace.admin_id)
    elif not any(k in step for k in ("intercom_user_id", "user_id", "email")):
        step["intercom_user_id"] = contact_id
    if step.get("message_type") in _MANAGE:
        operations.manage(ctx, conversation_id, step)
    else:
        step.setdefault("message_type", "comment")
        operations.reply(ctx, conversation_id, step)
