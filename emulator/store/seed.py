"""Seeding: a workspace's starting data in one document, applied all at once or not at all.

A seed document (JSON or YAML) holds lists named after what they create. Each item is the body
the matching create operation takes, so a seed reads like the requests it replaces:

- `data_attributes`: `POST /data_attributes` bodies (first: contacts and companies need them),
  and conversation attributes (`model: conversation`), which Intercom's API cannot create
  (they are made in its settings) and `PUT /conversations/{id}` needs,
- `companies`: `POST /companies` bodies,
- `contacts`: `POST /contacts` bodies,
- `tags`: `POST /tags` bodies; a `users` item may name a contact by `email` or `external_id`
  as well as by `id`, since a seed cannot know the ids its contacts will get,
- `segments`: `{"name", "query", "person_type"?}`, a segment holding the contacts its
  `POST /contacts/search` query matches (emulator.store.segments),
- `subscription_types`: `{"name", "consent_type", "description"?, "content_types"?,
  "state"?, "locale"?}`; the first seed to list them replaces the default set
  (emulator.store.subscriptions),
- `event_names`: names, or `{"name", "archived"}` (an archived name takes no slot),
- `events`: `POST /events` bodies, about the seeded contacts,
- `admins`: `{"name", "email", "id"?}`, admins beside the workspace's own; `teams`:
  `{"name", "admin_ids"?, "id"?}` (emulator.store.admins, emulator.store.teams),
- `conversations`: `POST /conversations` bodies, `from` naming its contact by `email` or
  `external_id` too, with `parts` to play after it (emulator.store.conversations.seeding).

`plan` checks the whole document before anything is written; emulator.store.seed_chunks then
creates its items in chunks of a fraction of a second each, so a long seed never holds the
write lock for long, and undoes them all when one is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator import json_input
from emulator.errors import BadRequest, IntercomError, ParameterInvalid, UnsupportedMediaType
from emulator.store import (
    admins,
    companies,
    contacts,
    data_attributes,
    event_names,
    events,
    segments,
    subscriptions,
    tags,
    teams,
)
from emulator.store.context import Context
from emulator.store.conversations import seeding as conversations

# The order items are applied in: what a later list refers to exists by then.
LISTS = (
    "data_attributes",
    "companies",
    "contacts",
    "tags",
    "segments",
    "subscription_types",
    "event_names",
    "events",
    "admins",
    "teams",
    "conversations",
)
# The operation whose request body each list's items are (checked as that request would be).
OPERATIONS = {
    "data_attributes": "createDataAttribute",
    "companies": "createOrUpdateCompany",
    "contacts": "CreateContact",
    "tags": "createTag",
    "events": "createDataEvent",
}
ItemCheck = Callable[[str, dict[str, Any]], None]
JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


class SeedItemInvalid(IntercomError):
    """An item of the seed was refused. The status is 400 whatever the item's own error was
    (a 409 duplicate or a 422 event-name cap included): the seed as a whole is the bad request.
    The code stays the item's own, and `field` says where it is (`contacts[3].email`)."""

    def __init__(self, where: str, error: IntercomError) -> None:
        field = f"{where}.{error.field}" if error.field else where
        super().__init__(f"{where}: {error.message}", field=field, code=error.code, status=400)


def read_document(raw: bytes, mimetype: str) -> dict[str, Any]:
    """The seed document in a request body: JSON, or YAML when the content type says so."""
    if not raw.strip():
        return {}
    if mimetype not in JSON_TYPES + YAML_TYPES and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            "A seed must be JSON (application/json) or YAML (application/yaml)"
        )
    if mimetype not in YAML_TYPES:
        document = json_input.loads(raw, what="The seed")
    else:
        import yaml  # a YAML seed is rare: no worker pays for the import at start-up

        try:
            document = yaml.safe_load(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ParameterInvalid("The seed is not valid UTF-8") from exc
        except (ValueError, RecursionError, yaml.YAMLError) as exc:
            raise ParameterInvalid(f"The seed is not valid YAML: {exc}") from exc
        json_input.check(document, what="The seed")  # YAML's dates, binary, deep nesting…
    if document is None:  # an empty YAML file, or JSON's null: the description allows both
        return {}
    if not isinstance(document, dict):
        raise ParameterInvalid("A seed must be an object of lists (contacts, companies, …)")
    return document


Item = tuple[str, int, Any]  # (list name, index in it, the item)


@dataclass
class Plan:
    lists: list[str]  # the lists the document holds, in the order they are applied
    items: list[Item]


def plan(document: dict[str, Any], check_item: ItemCheck | None = None) -> Plan:
    """The whole document checked before anything is written, and its items in the order they
    are applied: the lists' names and types, each item's shape, and each item checked as the
    request it stands for (`check_item(operation_id, body)`, the description's request
    validation, which the routes hand in). What depends on the store (a duplicate email, a tag's
    contact) is checked as each item is created."""
    for key in document:
        if key not in LISTS:
            raise BadRequest(f"bad '{key}' parameter; a seed holds {', '.join(LISTS)}", field=key)
    planned = Plan([], [])
    for name in LISTS:
        listed = document.get(name)
        if listed is None:
            continue
        if not isinstance(listed, list):
            raise ParameterInvalid(f"{name} must be a list", field=name)
        planned.lists.append(name)
        for index, item in enumerate(listed):
            _check(name, index, item, check_item)
            planned.items.append((name, index, item))
    return planned


def _check(name: str, index: int, item: Any, check_item: ItemCheck | None) -> None:
    try:
        if name != "event_names" and not isinstance(item, dict):
            raise ParameterInvalid("must be an object")
        # A tag's users are checked once their emails and external ids are contacts' ids.
        if check_item is not None and name in OPERATIONS and name != "tags":
            check_item(OPERATIONS[name], item)
    except IntercomError as error:
        raise SeedItemInvalid(f"{name}[{index}]", error) from error


def result(ctx: Context, planned: Plan, created_ids: list[Any]) -> dict[str, Any]:
    """The answer: how many of each list were created, and their ids (events have none)."""
    created = dict.fromkeys(planned.lists, 0)
    ids: dict[str, list[Any]] = {name: [] for name in planned.lists}
    for (name, _, _), created_id in zip(planned.items, created_ids, strict=True):
        created[name] += 1
        ids[name].append(created_id)
    ids.pop("events", None)
    answer: dict[str, Any] = {"created": created, "ids": ids}
    if ctx.warnings:  # what was changed or dropped without refusing (e.g. metadata keys)
        answer["warnings"] = list(ctx.warnings)
    return answer


def create_one(ctx: Context, item: Item, check_item: ItemCheck | None) -> Any:
    """Create one planned item; its error names where it is (`contacts[3].email`)."""
    name, index, body = item
    try:
        if name == "tags":
            body = _with_contact_ids(ctx, body)
            if check_item is not None:
                check_item(OPERATIONS[name], body)
        return _CREATORS[name](ctx, body)
    except IntercomError as error:
        raise SeedItemInvalid(f"{name}[{index}]", error) from error


def _data_attribute(ctx: Context, body: dict[str, Any]) -> int:
    return int(data_attributes.create(ctx, body, seeded=True)["id"])


def _company(ctx: Context, body: dict[str, Any]) -> str:
    return str(companies.upsert(ctx, body)["id"])


def _contact(ctx: Context, body: dict[str, Any]) -> str:
    return str(contacts.create(ctx, body)["id"])


def _with_contact_ids(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """A `POST /tags` body whose `users` name their contacts by id, as the API's must."""
    if isinstance(body.get("users"), list):
        body = {
            **body,
            "users": [_contact_ref(ctx, user, i) for i, user in enumerate(body["users"])],
        }
    return body


def _tag(ctx: Context, body: dict[str, Any]) -> str:
    return str(tags.create_or_apply(ctx, body)["id"])


def _contact_ref(ctx: Context, user: Any, index: int) -> Any:
    """A `users` item naming its contact by email or external_id, turned into `{"id"}`."""
    if not isinstance(user, dict) or user.get("id") is not None:
        return user
    for key, lookup in (("external_id", "user_id"), ("email", "email")):
        value = user.get(key)
        if isinstance(value, str) and value:
            found = events.find_user(ctx, lookup, value)
            if found is None:
                raise ParameterInvalid(
                    f"no contact with {key} '{value}'", field=f"users[{index}].{key}"
                )
            rest = {k: v for k, v in user.items() if k not in ("external_id", "email")}
            return {**rest, "id": found.id}
    return user


def _event_name(ctx: Context, item: Any) -> str:
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict) or set(item) - {"name", "archived"}:
        raise ParameterInvalid("must be a name or an object with name and archived")
    name, archived = item.get("name"), item.get("archived", False)
    if not isinstance(name, str) or not name.strip():
        raise ParameterInvalid("name must be a non-empty string", field="name")
    if not isinstance(archived, bool):
        raise ParameterInvalid("archived must be a boolean", field="archived")
    normalised = event_names.checked(name, field="name")
    if archived:
        _add_archived_name(ctx, normalised)
    else:
        event_names.admit(ctx, normalised)
    return normalised


def _add_archived_name(ctx: Context, name: str) -> None:
    """An archived name, known but holding no slot, so no room check applies."""
    ctx.db.execute(
        "INSERT OR IGNORE INTO event_names (workspace_id, name, archived, created_at)"
        " VALUES (?, ?, 1, ?)",
        [ctx.workspace.id, name, ctx.now],
    )
    event_names.archive(ctx, name)


def _event(ctx: Context, body: dict[str, Any]) -> None:
    events.create(ctx, body)  # events have no id in Intercom's API: only counted


_CREATORS: dict[str, Callable[[Context, Any], Any]] = {
    "data_attributes": _data_attribute,
    "companies": _company,
    "contacts": _contact,
    "tags": _tag,
    "segments": segments.create,
    "subscription_types": subscriptions.create,
    "event_names": _event_name,
    "events": _event,
    "admins": admins.add,
    "teams": teams.add,
    "conversations": conversations.create,
}
