"""Driving a plan without a network: with a caller's ``respond(call) -> Reply``, or as a dry run.

The dry-run responder assumes every lookup finds nothing (an empty search, a 404 company) and
every write succeeds, answering with placeholder ids such as ``<contact_id>`` so that the calls
that depend on them read clearly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from translator.core.calls import Call, Outcome, Plan, Reply
from translator.core.plan import DEFAULT_SETTINGS, plan_event
from translator.core.settings import Settings

Respond = Callable[[Call], Reply]


@dataclass(frozen=True)
class Run:
    """The calls a plan made, in order, and how it ended."""

    calls: tuple[Call, ...]
    outcome: Outcome


def run_plan(plan: Plan, respond: Respond) -> Run:
    """Drive ``plan`` to its end, answering each call with ``respond(call)``."""
    calls: list[Call] = []
    try:
        call = next(plan)
        while True:
            calls.append(call)
            call = plan.send(respond(call))
    except StopIteration as finished:
        return Run(tuple(calls), finished.value)


def dry_run(raw: Any, settings: Settings = DEFAULT_SETTINGS, received_at: int | None = None) -> Run:
    """Plan one event and drive it with ``dry_run_reply``."""
    return run_plan(plan_event(raw, settings, received_at), dry_run_reply)


def dry_run_reply(call: Call) -> Reply:
    """A plausible Intercom answer when nothing exists yet and every write succeeds."""
    body = call.body or {}
    if call.path == "/contacts/search":
        return Reply(200, {"type": "list", "data": [], "total_count": 0})
    if call.method == "GET" and call.path == "/companies":
        error = {"code": "company_not_found", "message": "Company Not Found"}
        return Reply(404, {"type": "error.list", "errors": [error]})
    if call.path == "/events":
        return Reply(202, None)
    if call.method == "PUT" and call.path.startswith("/contacts/"):
        return Reply(200, {"type": "contact", "id": call.path.split("/")[2]})
    placeholders = {
        "/contacts": {"type": "contact", "id": "<contact_id>"},
        "/companies": {
            "type": "company",
            "id": "<company_id>",
            "company_id": body.get("company_id"),
        },
        "/tags": {"type": "tag", "id": "<tag_id>", "name": body.get("name")},
        "/users": {"type": "user", "id": "<user_id>"},
    }
    return Reply(200, placeholders.get(call.path, {}))


def scripted(replies: Iterable[Reply], fallback: Respond = dry_run_reply) -> Respond:
    """A responder giving ``replies`` in order, then ``fallback`` once they run out."""
    remaining = list(replies)

    def respond(call: Call) -> Reply:
        return remaining.pop(0) if remaining else fallback(call)

    return respond
