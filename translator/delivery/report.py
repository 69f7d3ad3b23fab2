"""What a run did, counted as it happens (thread-safe) and summed up at the end.

The summary says how many calls the run made (and how many per delivered event: Intercom's rate
limit makes that the pace of a migration), the attributes it created, the top reasons events were
adjusted, noted, skipped or dead-lettered, and for a reason that hit many events the one setting
or action that fixes it (``translator.delivery.hints``).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from translator.delivery.hints import bulk_hints

if TYPE_CHECKING:
    from translator.delivery.results import Result

TOP = 5
# Details that mean data did not reach Intercom (the rest are adjustments to fit its limits).
LOSSES = ("attribute_limit_reached", "attribute_not_created")


class Tally:
    """Counters the workers bump: outcomes by reason, retries by cause."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.finished: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.dead: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self.details: Counter[str] = Counter()
        self.calls = 0
        self.adjusted = 0
        self.resent = 0

    def retry(self, cause: str) -> None:
        with self._lock:
            self.retries[cause] += 1

    def call(self) -> None:
        with self._lock:
            self.calls += 1

    def finish(self, result: Result, resent: bool = False) -> None:
        status, reason = result.status, result.reason
        with self._lock:
            self.finished[status] += 1
            if status == "skipped":
                self.skipped[reason or "unknown"] += 1
            elif status == "dead":
                self.dead[reason or "unknown"] += 1
            self.adjusted += int(bool(result.outcome and result.outcome.adjustments))
            self.details.update({detail["code"] for detail in result.details})
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
    unreachable: bool = False
    calls: int = 0
    answered_from_memory: int = 0
    details: dict[str, int] = field(default_factory=dict)
    created_attributes: list[tuple[str, str, str]] = field(default_factory=list)

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
                calls=tally.calls,
                details=dict(tally.details.most_common()),
                **values,
            )

    @property
    def calls_per_delivered(self) -> float | None:
        return self.calls / self.delivered if self.delivered else None

    def hints(self) -> list[tuple[str, int, str]]:
        """The fix of each reason that hit many events: dead-lettered, skipped, or an attribute
        left out of writes (``translator report`` also gives the fixes of adjustments)."""
        lost = {code: n for code, n in self.details.items() if code in LOSSES}
        return bulk_hints(dict(Counter(self.dead) + Counter(self.skipped) + Counter(lost)))

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
            "unreachable": self.unreachable,
            "calls": self.calls,
            "calls_per_delivered_event": _rounded(self.calls_per_delivered),
            "answered_from_memory": self.answered_from_memory,
            "details": self.details,
            "created_attributes": [
                {"model": model, "name": name, "data_type": data_type}
                for model, name, data_type in self.created_attributes
            ],
            "hints": [
                {"reason": reason, "events": count, "fix": fix}
                for reason, count, fix in self.hints()
            ],
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
        per = self.calls_per_delivered
        per_text = f" ({per:.2f} per delivered event" if per is not None else " ("
        out.append(
            f"  calls            {self.calls:>8,}{per_text}; "
            f"{self.answered_from_memory:,} answered from memory)"
        )
        out.append(
            f"  rate-limit waits {self.rate_limit_wait_seconds:>8.1f} s"
            f" ({self.rate_limit_pauses} pauses)"
        )
        if self.adjusted:
            out.append(f"  adjusted to fit  {self.adjusted:>8,}")
        if self.created_attributes:
            names = ", ".join(f"{model}.{name}" for model, name, _ in self.created_attributes)
            out.append(f"  attributes made  {len(self.created_attributes):>8,}  ({_cut(names)})")
        if self.details:
            top = dict(list(self.details.items())[:TOP])
            out.append(f"  top notes        {sum(self.details.values()):>8,}{_by(top)}")
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
        for reason, count, fix in self.hints():
            out.append(f"  fix {reason} ({count:,} events): {fix}")
        if self.details and self.state_path:
            out.append(f"  details: translator report {self.state_path}")
        return out


def _by(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    return "  (" + ", ".join(f"{name} {count:,}" for name, count in counts.items()) + ")"


def _rounded(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def _cut(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
