"""Helpers for the delivery scenarios: event files that say what they should leave behind, and a
reader of what an Intercom-compatible API (the emulator or real Intercom) holds afterwards.

Only documented Intercom reads are used (``GET /contacts``, ``POST /contacts/search``,
``GET /events``, ``GET /contacts/{id}/companies``, ``GET /companies?company_id=``), so the same
checks run against either target.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

# The console script installed beside this interpreter (`pip install -e .`).
TRANSLATOR = [str(Path(sys.executable).parent / "translator")]


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Scenario:
    """Events for many users, and what Intercom should hold once they are delivered."""

    events: list[dict[str, Any]] = field(default_factory=list)
    # user id -> Counter of (lower-cased event name, created_at)
    expected_events: dict[str, Counter] = field(default_factory=dict)
    expected_emails: dict[str, str] = field(default_factory=dict)
    expected_companies: dict[str, set[str]] = field(default_factory=dict)

    def write(self, path: Path) -> Path:
        path.write_text("".join(json.dumps(event) + "\n" for event in self.events))
        return path


def build_scenario(
    users: int,
    tracks_per_user: int,
    prefix: str,
    start: int,
    names: tuple[str, ...] = ("Signed Up", "Viewed Page", "Bought"),
    companies: int = 0,
    untimed_every: int = 0,
) -> Scenario:
    """``users`` users: an identify, then ``tracks_per_user`` tracks (distinct timestamps, so
    each is its own event to Intercom), then a group when ``companies``; events of different
    users interleaved, as a real stream is. Every ``untimed_every``-th track has no timestamp
    (the time it was received dates it; each has a name of its own, since Intercom would keep
    one of two same-named events dated the same second)."""
    scenario = Scenario()
    per_user: list[list[dict[str, Any]]] = []
    for n in range(users):
        user = f"{prefix}-{n}"
        email = f"{user}@example.com"
        scenario.expected_emails[user] = email
        scenario.expected_events[user] = Counter()
        own = [{"type": "identify", "userId": user, "traits": {"email": email, "name": user}}]
        own[0]["timestamp"] = iso(start)
        for k in range(tracks_per_user):
            name = names[k % len(names)]
            track = {
                "type": "track",
                "userId": user,
                "event": name,
                "properties": {"k": k},
                "messageId": f"{user}-t{k}",
            }
            if untimed_every and k % untimed_every == untimed_every - 1:
                # Dated by their arrival second: two of one name would be one to Intercom.
                name = track["event"] = f"{names[0]} untimed {k}"
                scenario.expected_events[user][(name.lower(), None)] += 1
            else:
                track["timestamp"] = iso(start + 1 + k)
                scenario.expected_events[user][(name.lower(), start + 1 + k)] += 1
            own.append(track)
        if companies:
            company = f"{prefix}-co-{n % companies}"
            own.append({"type": "group", "userId": user, "groupId": company, "traits": {}})
            own[-1]["traits"]["name"] = company
            scenario.expected_companies[user] = {company}
        per_user.append(own)
    longest = max((len(own) for own in per_user), default=0)
    for index in range(longest):
        for own in per_user:
            if index < len(own):
                scenario.events.append(own[index])
    return scenario


class IntercomReader:
    """Reads back what a workspace holds."""

    def __init__(self, base_url: str, token: str, version: str = "2.11") -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "Intercom-Version": version,
            }
        )

    def _get(self, path: str, **params: Any) -> Any:
        for _ in range(20):  # real Intercom rate-limits reads too
            response = self.session.get(self.base_url + path, params=params, timeout=30)
            if response.status_code != 429:
                break
            time.sleep(2)
        response.raise_for_status()
        return response.json()

    def contacts(self) -> list[dict[str, Any]]:
        """Every contact, following the cursor."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"per_page": 150}
        while True:
            page = self._get("/contacts", **params)
            found += page["data"]
            cursor = ((page.get("pages") or {}).get("next") or {}).get("starting_after")
            if not cursor:
                return found
            params["starting_after"] = cursor

    def contact(self, external_id: str) -> dict[str, Any] | None:
        """The one contact with this external_id, from the list: search lags behind writes
        (Intercom: "This delay can take a few minutes"), the list does not."""
        data = [c for c in self.contacts() if c.get("external_id") == external_id]
        return data[0] if len(data) == 1 else None

    def events(self, user_id: str) -> Counter:
        """(lower-cased name, created_at) of every event of a user, each with its count."""
        found: Counter = Counter()
        page = self._get("/events", type="user", user_id=user_id, per_page=150)
        while True:
            for event in page["events"]:
                found[(event["event_name"].lower(), event["created_at"])] += 1
            following = (page.get("pages") or {}).get("next")
            if not following:
                return found
            response = self.session.get(following, timeout=30)
            response.raise_for_status()
            page = response.json()

    def company_ids_of(self, contact_id: str) -> set[str]:
        page = self._get(f"/contacts/{contact_id}/companies")
        # Intercom's 2.11 example lists them under `data`, its schema under `companies`.
        listed = page.get("data") or page.get("companies") or []
        return {company["company_id"] for company in listed}


def compare_events(expected: Counter, found: Counter, untimed_window: tuple[int, int]) -> None:
    """Every expected event exactly once. Events without a timestamp (created_at None in
    ``expected``) must each appear once with a created_at inside ``untimed_window``."""
    timed = Counter({key: n for key, n in expected.items() if key[1] is not None})
    untimed = Counter({key[0]: n for key, n in expected.items() if key[1] is None})
    low, high = untimed_window
    extra = found - timed
    leftover = Counter()
    for (name, created_at), count in extra.items():
        assert low <= created_at <= high, f"unexpected event {name!r} at {created_at}"
        leftover[name] += count
    assert found & timed == timed, f"missing: {timed - found}"
    assert leftover == untimed, f"events without a timestamp: {leftover} != {untimed}"


def translator_command(*args: str) -> list[str]:
    return [*TRANSLATOR, *args]


def run_translator(
    args: list[str], cwd: Path, timeout: float = 120, env: dict[str, str] | None = None
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


class RequestSchemas:
    """Checks each request body against the description the emulator serves at
    ``GET /openapi.json`` (Intercom's operations, Intercom's schema names).

    This is the hook for the openapi contracts: when the emulator serves no description,
    ``load`` gives None and nothing is checked.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource("urn:openapi", resource)
        self._validator = Draft202012Validator
        self._operations: list[tuple[str, re.Pattern[str], str]] = []
        for template, operations in document.get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$")
            for method, operation in operations.items():
                if isinstance(operation, dict) and "requestBody" in operation:
                    pointer = _pointer("paths", template, method, "requestBody", "content")
                    self._operations.append((method.upper(), pattern, pointer))
        # Literal paths before templated ones: /contacts/search before /contacts/{id}.
        self._operations.sort(key=lambda entry: entry[1].pattern.count("[^/]+"))
        self._content = {p: document_at(document, p) for _, _, p in self._operations}

    @classmethod
    def load(cls, base_url: str) -> RequestSchemas | None:
        response = requests.get(f"{base_url.rstrip('/')}/openapi.json", timeout=10)
        return cls(response.json()) if response.status_code == 200 else None

    def problems(self, method: str, path: str, content_type: str, body: Any) -> list[str]:
        """Why ``body`` does not fit the operation's request schema ([] when it fits or when
        the description has no such operation)."""
        for operation_method, pattern, pointer in self._operations:
            if operation_method != method or not pattern.match(path):
                continue
            if content_type not in self._content[pointer]:
                return [f"{method} {path}: the description takes no {content_type}"]
            ref = f"urn:openapi#{pointer}/{_escape(content_type)}/schema"
            validator = self._validator({"$ref": ref}, registry=self._registry)
            return [f"{method} {path}: {error.message}" for error in validator.iter_errors(body)]
        return []


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _pointer(*parts: str) -> str:
    return "/" + "/".join(_escape(part) for part in parts)


def document_at(document: Any, pointer: str) -> Any:
    for part in pointer.strip("/").split("/"):
        document = document[part.replace("~1", "/").replace("~0", "~")]
    return document


# --- where the scenarios run --------------------------------------------------------------------

INTERCOM_NAMES = ("translator contract signed up", "translator contract bought")


@dataclass
class Workspace:
    """A target for the scenarios: a fresh emulator workspace, or the real Intercom workspace
    of ``INTERCOM_TOKEN`` (reads there settle within ``patience`` seconds)."""

    kind: str
    url: str
    token: str = field(repr=False)
    patience: float = 0.0
    names: tuple[str, ...] = ("Signed Up", "Viewed Page", "Bought")
    created: list[str] = field(default_factory=list)

    @property
    def is_emulator(self) -> bool:
        return self.kind == "emulator"

    def add_fault(self, rule: dict[str, Any]) -> None:
        auth = {"Authorization": f"Bearer {self.token}"}
        response = requests.post(f"{self.url}/_emulator/faults", json=rule, headers=auth)
        response.raise_for_status()

    def reader(self) -> IntercomReader:
        return IntercomReader(self.url, self.token)

    def settled(self, check: Any) -> None:
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

    def clean_up(self) -> None:
        """Delete the contacts a scenario made in a real workspace (best effort)."""
        if self.is_emulator:
            return
        reader = self.reader()
        for external_id in self.created:
            contact = reader.contact(external_id)
            if contact is not None:
                reader.session.delete(f"{self.url}/contacts/{contact['id']}", timeout=30)


def intercom_workspace(config: Any) -> Workspace | None:
    """Real Intercom, only when asked for with ``-m intercom`` and ``INTERCOM_TOKEN`` is set."""
    token = os.environ.get("INTERCOM_TOKEN")
    if not token or "intercom" not in (config.getoption("-m") or ""):
        return None
    url = os.environ.get("INTERCOM_BASE_URL", "https://api.intercom.io")
    return Workspace("intercom", url, token, patience=90.0, names=INTERCOM_NAMES)
