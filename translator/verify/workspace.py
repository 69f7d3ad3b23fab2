"""Where the delivery scenarios run: a target (base URL and token) and the run's namespace in it.

Everything a run writes is named from one prefix (``tv-<8 hex>``): external ids, emails and
company ids, so a run never meets another's data. Event names are fixed and recognisable
(``VERIFY_EVENT_NAMES``) rather than new each run: Intercom keeps 120 active event names per
workspace and its API cannot delete or archive one, so a name per run would use them up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from translator.verify.reader import IntercomReader

# The console script's code, run by this interpreter (works from a checkout and an install).
TRANSLATOR = [sys.executable, "-m", "translator"]
VERIFY_EVENT_NAMES = (
    "intercom-translator verify signed up",
    "intercom-translator verify viewed page",
    "intercom-translator verify bought",
)


@dataclass
class Workspace:
    """A target for the scenarios. ``full`` runs them at the suite's emulator size (else a few
    users, for a real workspace's rate limit); ``faults`` allows the emulator's fault rules
    (``POST /_emulator/faults``, each removed after its scenario); reads settle within
    ``patience`` seconds (Intercom's lag)."""

    url: str
    token: str = field(repr=False)
    full: bool = False
    faults: bool = False
    patience: float = 90.0
    names: tuple[str, ...] = VERIFY_EVENT_NAMES
    prefix: str = field(default_factory=lambda: f"tv-{uuid.uuid4().hex[:8]}")
    profile: str | None = None
    created: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    # What Intercom's API cannot delete: event names, data attributes the runs created.
    kept: set[str] = field(default_factory=set)

    def add_fault(self, rule: dict[str, Any]) -> int | None:
        """Add a fault rule to the token's emulator workspace: its id, or None when faults are
        not allowed here or the emulator refuses (one started with ``--admin-token``)."""
        if not self.faults:
            return None
        response = requests.post(
            f"{self.url}/_emulator/faults", json=rule, headers=self._auth(), timeout=30
        )
        return int(response.json()["id"]) if response.status_code == 200 else None

    def remove_fault(self, fault_id: int) -> None:
        requests.delete(f"{self.url}/_emulator/faults/{fault_id}", headers=self._auth(), timeout=30)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def reader(self) -> IntercomReader:
        return IntercomReader(self.url, self.token)

    def settled(self, check: Callable[[], None]) -> None:
        """Run ``check`` until it passes, for up to ``patience`` seconds (Intercom's reads lag)."""
        deadline = time.monotonic() + self.patience
        while True:
            try:
                check()
                return
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(3)

    def send_args(self, source: Path, *extra: str) -> list[str]:
        profile = ["--profile", self.profile] if self.profile else []
        return ["send", str(source), "--base-url", self.url, "--json", *profile, *extra]

    def clean_up(self) -> tuple[int, list[str]]:
        """Delete the contacts and companies the run made: how many were deleted, and what
        could not be."""
        reader = self.reader()
        left: list[str] = []
        deleted = 0
        by_external_id = reader.contacts_by_external_id() if self.created else {}
        for external_id in self.created:
            for contact in by_external_id.get(external_id, []):
                if reader.delete_contact(contact["id"]):
                    deleted += 1
                else:
                    left.append(f"contact {external_id}")
        for company_id in self.companies:
            done = reader.delete_company(company_id)
            if done:
                deleted += 1
            elif done is False:
                left.append(f"company {company_id}")
        return deleted, left

    def note_kept(self, events: list[dict[str, Any]], summary: dict[str, Any]) -> None:
        """Remember what a send made that Intercom's API cannot delete: the event names it
        tracked, the data attributes it created."""
        for event in events:
            if event.get("type") == "track" and event.get("userId"):
                self.kept.add(f"event name {event['event'].lower()!r}")
        for attribute in summary.get("created_attributes") or []:
            self.kept.add(f"data attribute {attribute['model']}.{attribute['name']}")


def translator_command(*args: str) -> list[str]:
    return [*TRANSLATOR, *args]


def run_translator(
    args: list[str], cwd: Path, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``translator ARGS`` in ``cwd``; the token comes from ``args`` or ``env``, never inherited."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    environment.pop("INTERCOM_TOKEN", None)
    environment.update(env or {})
    return subprocess.run(
        translator_command(*args),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )
