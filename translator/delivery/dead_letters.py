"""The dead-letter file: one JSON line per event refused for good, with everything needed to see
why and to send it again once fixed (``jq -c .event dead.jsonl | translator send -``).

A record is committed to the state file first, then appended here; ``sync`` appends whatever a
crash left out, so the file ends up with each dead letter once (``delivery`` + ``seq`` name it).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from translator.core.calls import call_to_dict
from translator.delivery.results import Result
from translator.delivery.state import Pending


def dead_letter_record(
    delivery_id: str, pending: Pending, result: Result, raw: str | None = None
) -> dict[str, Any]:
    """The dead letter of ``pending``: the event, the call, the status, Intercom's error body.
    A line that is no event has ``event`` null and ``raw``: the line, bytes that are not UTF-8
    escaped as ``\\xNN``."""
    event: Any = None
    if raw is None:
        try:
            event = json.loads(pending.body)
        except (ValueError, RecursionError):
            raw = pending.body
    return {
        "delivery": delivery_id,
        "seq": pending.seq,
        "line": pending.line,
        "messageId": event.get("messageId") if isinstance(event, dict) else None,
        "user": pending.user_key,
        "reason": result.reason,
        "stage": result.stage,
        "message": result.message,
        "status": result.reply_status,
        "error": result.error,
        "call": call_to_dict(result.call) if result.call else None,
        "attempts": result.attempts,
        "outcome": result.outcome.to_dict() if result.outcome else None,
        "received_at": pending.received_at,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "details": list(result.details),
        "event": event,
        "raw": raw,
    }


class DeadLetterFile:
    """Appends dead letters as JSON lines, flushed and synced one by one."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, record: str) -> None:
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(record.rstrip("\n") + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def sync(self, delivery_id: str, records: list[tuple[int, str]]) -> int:
        """Append the state file's dead letters this file lacks; how many were added."""
        present = self._present(delivery_id)
        missing = [record for seq, record in records if seq not in present]
        if not missing:
            return 0
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            if self.path.stat().st_size and not self._ends_with_newline():
                handle.write("\n")  # a line torn by a crash stays alone on its line
            handle.writelines(record.rstrip("\n") + "\n" for record in missing)
            handle.flush()
            os.fsync(handle.fileno())
        return len(missing)

    def _present(self, delivery_id: str) -> set[int]:
        if not self.path.exists():
            return set()
        seqs = set()
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("delivery") == delivery_id:
                    seqs.add(record.get("seq"))
        return seqs

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"
