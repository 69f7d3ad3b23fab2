"""Web sessions: when a request marked `new_session` counts as a new one.

"pass `new_session: true` … The API will then follow the rules for web sessions … to decide
whether the session count should be updated" (1.3 reference, facts §6). Those rules: "We
increment a user's session count when … the user has been inactive for more than 30 minutes and
then returns [or] the user has been active for more than 24 hours"
(https://www.intercom.com/help/en/articles/262-how-is-a-session-defined). The emulator counts as
activity only the requests that ask for a session (`new_session`, the Messenger's ping), and
keeps when the session began and was last active in the contact's `extra`.
"""

from __future__ import annotations

from typing import Any

INACTIVITY_SECONDS = 30 * 60
LONGEST_SECONDS = 24 * 60 * 60


def count(extra: dict[str, Any]) -> int:
    return int(extra.get("session_count", 0))


def register(extra: dict[str, Any], now: int) -> tuple[dict[str, Any], bool]:
    """`extra` after a request that asks for a session at `now`, and whether a new one began."""
    last_active = extra.get("session_active_at")
    started = extra.get("session_started_at")
    begins = (
        last_active is None
        or started is None
        or now - last_active > INACTIVITY_SECONDS
        or now - started > LONGEST_SECONDS
    )
    updated = {**extra, "session_active_at": now}
    if begins:
        updated.update(session_count=count(extra) + 1, session_started_at=now)
    return updated, begins
