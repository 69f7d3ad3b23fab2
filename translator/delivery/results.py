"""How one event ended (``Result``) and everything noted on the way (``details``), as the state
file keeps it and ``translator report`` groups it.

A detail is ``{"code", "target", "key", "detail"}``: an adjustment the plan made to fit
Intercom's limits (code ``<kind>_<reason>``: ``dropped_nested_object``, ``truncated_too_long``,
…), a note a reply decided (``contact_not_found``, ``company_not_found``, …) or what the delivery
did for the event (``attribute_created``, ``attribute_name_clash``, …).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from translator.core.calls import FAILED, PLANNED, SKIPPED, Call, Outcome, Reply
from translator.delivery.exchange import GaveUp
from translator.delivery.reasons import refusal_reason

DELIVERED = "delivered"
DEAD = "dead"


@dataclass(frozen=True)
class Result:
    """How one event ended, and for a dead letter the call, status and body that decided it."""

    status: str
    reason: str | None = None
    message: str = ""
    stage: str = "intercom"
    outcome: Outcome | None = None
    call: Call | None = None
    reply_status: int | None = None
    error: Any = None
    attempts: int = 0
    notes: tuple[str, ...] = ()
    details: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def outcome_details(outcome: Outcome | None) -> list[dict[str, Any]]:
    """The adjustments and notes of a plan's outcome, as details."""
    if outcome is None:
        return []
    found = [
        {
            "code": f"{item.kind}_{item.reason}",
            "target": item.target,
            "key": item.key,
            "detail": item.detail or ", ".join(item.new_keys),
        }
        for item in outcome.adjustments
    ]
    found += [
        {"code": note.code, "target": note.field or "", "key": "", "detail": note.message}
        for note in outcome.notes
    ]
    return found


def result_of(
    outcome: Outcome,
    last: tuple[Call, Reply, int] | None,
    delivery_notes: list[dict[str, Any]],
) -> Result:
    """The result of a plan that ran to its end; ``last`` is its last call, reply and tries."""
    details = tuple(outcome_details(outcome) + delivery_notes)
    notes = tuple(note.code for note in outcome.notes)
    if outcome.status == PLANNED:
        return Result(DELIVERED, outcome=outcome, notes=notes, details=details)
    reason = outcome.reason
    code = reason.code if reason else outcome.status
    message = reason.message if reason else ""
    if outcome.status == SKIPPED:
        return Result(SKIPPED, code, message, stage="translator", outcome=outcome, details=details)
    if outcome.status == FAILED and last is not None:
        call, reply, attempts = last
        return Result(
            DEAD,
            refusal_reason(call, reply, message),
            message,
            outcome=outcome,
            call=call,
            reply_status=reply.status,
            error=reply.body,
            attempts=attempts,
            notes=notes,
            details=details,
        )
    return Result(DEAD, code, message, stage="translator", outcome=outcome, details=details)


def gave_up_result(gave_up: GaveUp, delivery_notes: list[dict[str, Any]]) -> Result:
    call, reply = gave_up.call, gave_up.reply
    return Result(
        DEAD,
        "retries_exhausted",
        f"{call.method} {call.path}: {gave_up.problem} after {gave_up.attempts} tries",
        call=call,
        reply_status=reply.status if reply else None,
        error=reply.body if reply else gave_up.problem,
        attempts=gave_up.attempts,
        details=tuple(delivery_notes),
    )


def translator_dead(code: str, message: str) -> Result:
    """An event the translator itself cannot send (not JSON, nested too deep, …)."""
    return Result(DEAD, code, message, stage="translator")
