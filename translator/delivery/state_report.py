"""``translator report STATE``: what a state file says happened to its events, grouped by reason.

Three groups: events dead-lettered and events skipped (by their reason), and the adjustments and
notes recorded per event (by code: ``truncated_too_long``, ``contact_not_found``,
``attribute_created``, …). Each reason comes with its count, a few examples (line number, the
key and what was done) and, when one exists, the setting or action that fixes it.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

from translator.delivery.hints import hint

EXAMPLES = 3
GROUPS = (("dead", "dead-lettered"), ("skipped", "skipped"), ("detail", "adjusted or noted"))


def build_report(path: str | Path) -> dict[str, Any]:
    """The report of the state file at ``path`` (opened read-only)."""
    db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        counts = dict(db.execute("SELECT status, count(*) FROM events GROUP BY status"))
        rows = db.execute(
            "SELECT seq, line, status, reason, details FROM events"
            " WHERE status != 'pending' AND (status != 'delivered' OR details IS NOT NULL)"
            " ORDER BY seq"
        ).fetchall()
        letters = dict(db.execute("SELECT seq, record FROM dead_letters"))
    finally:
        db.close()
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for seq, line, status, reason, details in rows:
        where = {"seq": seq, "line": line}
        if status in ("dead", "skipped"):
            message = json.loads(letters[seq]).get("message") if seq in letters else None
            groups[(status, reason or "unknown")].append({**where, "detail": message or ""})
        for detail in json.loads(details) if details else []:
            groups[("detail", detail.get("code", "unknown"))].append({**where, **detail})
    reasons = [
        {
            "group": group,
            "reason": reason,
            "events": len({item["seq"] for item in items}),
            "times": len(items),
            "examples": items[:EXAMPLES],
            "fix": hint(reason),
        }
        for (group, reason), items in groups.items()
    ]
    reasons.sort(key=lambda item: ([g for g, _ in GROUPS].index(item["group"]), -item["events"]))
    statuses = ("pending", "delivered", "skipped", "dead")
    return {
        "state_file": str(path),
        "events": {status: counts.get(status, 0) for status in statuses},
        "reasons": reasons,
    }


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report for people."""
    events = ", ".join(f"{name} {count:,}" for name, count in report["events"].items())
    out = [f"{report['state_file']}: {events}"]
    for group, title in GROUPS:
        reasons = [item for item in report["reasons"] if item["group"] == group]
        if not reasons:
            continue
        out += ["", f"{title}:"]
        for item in reasons:
            times = f" ({item['times']:,} times)" if item["times"] != item["events"] else ""
            out.append(f"  {item['reason']:<30} {item['events']:>8,} events{times}")
            if item["fix"]:
                out.append(f"      fix: {item['fix']}")
            out += [f"      {_example(example)}" for example in item["examples"]]
    return out


def _example(example: dict[str, Any]) -> str:
    where = f"line {example['line']}" if example.get("line") else f"event {example['seq']}"
    what = " ".join(
        str(example[key]) for key in ("target", "key") if example.get(key) not in (None, "")
    )
    detail = str(example.get("detail") or "")
    text = f"{where}: {what}" if what else where
    if detail:
        text += f": {detail}"
    return text if len(text) <= 140 else text[:139] + "…"
