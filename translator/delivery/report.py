"""What a run did, counted as it happens (thread-safe) and summed up at the end."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


class Tally:
    """Counters the workers bump: outcomes by reason, retries by cause."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.finished: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.dead: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self.adjusted = 0
        self.resent = 0

    def retry(self, cause: str) -> None:
        with self._lock:
            self.retries[cause] += 1

    def finish(
        self, status: str, reason: str | None, adjusted: bool = False, resent: bool = False
    ) -> None:
        with self._lock:
            self.finished[status] += 1
            if status == "skipped":
                self.skipped[reason or "unknown"] += 1
            elif status == "dead":
                self.dead[reason or "unknown"] += 1
            self.adjusted += int(adjusted)
            self.resent += int(resent)

    @property
    def done(self) -> int:
        with self._lock:
            return sum(self.finished.values())


@dataclass
class Summary:
    """The end-of-run report. Counts are this run's; ``totals`` are the state file's."""

    target: str
    seconds: float
    workers: int
    delivered: int
    skipped: dict[str, int]
    dead: dict[str, int]
    retries: dict[str, int]
    rate_limit_wait_seconds: float
    rate_limit_pauses: int
    adjusted: int
    resent: int
    totals: dict[str, int] = field(default_factory=dict)
    dead_letter_path: str | None = None
    state_path: str | None = None
    stopped: str | None = None

    @classmethod
    def build(cls, tally: Tally, **values: Any) -> Summary:
        with tally._lock:
            return cls(
                delivered=tally.finished["delivered"],
                skipped=dict(tally.skipped.most_common()),
                dead=dict(tally.dead.most_common()),
                retries=dict(tally.retries.most_common()),
                adjusted=tally.adjusted,
                resent=tally.resent,
                **values,
            )

    @property
    def dead_letters_total(self) -> int:
        return self.totals.get("dead", sum(self.dead.values()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
            "delivered": self.delivered,
            "skipped": self.skipped,
            "dead_lettered": self.dead,
            "retries": self.retries,
            "rate_limit_wait_seconds": round(self.rate_limit_wait_seconds, 3),
            "rate_limit_pauses": self.rate_limit_pauses,
            "adjusted": self.adjusted,
            "resent_after_interruption": self.resent,
            "totals": self.totals,
            "dead_letter_file": self.dead_letter_path,
            "state_file": self.state_path,
            "stopped": self.stopped,
        }

    def lines(self) -> list[str]:
        """The summary for people, one fact a line."""
        out = [f"{self.target}: {self.seconds:.1f} s, {self.workers} workers"]
        out.append(f"  delivered        {self.delivered:>8,}")
        out.append(f"  skipped          {sum(self.skipped.values()):>8,}{_by(self.skipped)}")
        dead = f"  dead-lettered    {sum(self.dead.values()):>8,}{_by(self.dead)}"
        if self.dead and self.dead_letter_path:
            dead += f" -> {self.dead_letter_path}"
        out.append(dead)
        out.append(f"  retried calls    {sum(self.retries.values()):>8,}{_by(self.retries)}")
        out.append(
            f"  rate-limit waits {self.rate_limit_wait_seconds:>8.1f} s"
            f" ({self.rate_limit_pauses} pauses)"
        )
        if self.adjusted:
            out.append(f"  adjusted to fit  {self.adjusted:>8,} (see `translator plan`)")
        if self.resent:
            out.append(
                f"  sent again       {self.resent:>8,} (in flight when a run stopped; "
                "Intercom keeps one of each)"
            )
        if self.totals:
            parts = ", ".join(f"{name} {count:,}" for name, count in self.totals.items())
            where = f" ({self.state_path})" if self.state_path else ""
            out.append(f"  state file       {parts}{where}")
        if self.stopped:
            out.append(f"  stopped: {self.stopped}")
        return out


def _by(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    return "  (" + ", ".join(f"{name} {count:,}" for name, count in counts.items()) + ")"
