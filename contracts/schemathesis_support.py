"""What the schemathesis contract suite needs: an emulator in process, the description it serves,
a fresh workspace for every case, and a record of what was covered.

The emulator accepts any bearer token as a new workspace by design, which would make
schemathesis's `ignored_auth` check meaningless (an invalid token would be a workspace too). The
contract app accepts only a supply of declared tokens (`TOKENS` in `create_app`'s config), and
each case or stateful scenario takes the next unused one, so it starts in an empty workspace and
never meets another case's data, while a made-up or missing token is refused with 401.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from flask import Flask
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

from emulator import create_app, openapi, versions
from tests import intercom_reference, seeding

TOKEN_PREFIX = "contract-"
# Enough for every case and scenario of a run (a full run takes well under half of them).
TOKEN_SUPPLY = 60_000
TOKENS = [f"{TOKEN_PREFIX}{number:06d}" for number in range(TOKEN_SUPPLY)]

# Per operation, the cases the fuzzing phase generates (the coverage phase adds its own); the
# stateful phase runs this many scenarios. Sized so the run takes about a minute and a half on
# two cores (150 and 300 take about four minutes, and have passed as well).
MAX_EXAMPLES = 60
STATEFUL_SCENARIOS = 150

# The conversation chain (issue 19): a stateful phase of its own over these operations only
# (contracts/test_schemathesis_conversations.py), so its links are followed within a small budget
# (among every operation's links, a chain of five steps is rarely drawn). A 1.4 user starts a
# conversation and replies in it; an admin (the author of a note on the user: a link can carry
# the admin's id from nowhere else) writes to the user, replies in that conversation and closes
# it; each is retrieved along the way.
CONVERSATION_CHAIN = (
    "createConversation",
    "replyConversation",
    "manageConversation",
    "retrieveConversation",
)
CONVERSATION_PHASE_OPERATIONS = (
    "createOrUpdateUser",  # the contact maker schemathesis starts scenarios from
    "createNote",
    "createMessage",
    *CONVERSATION_CHAIN,
)
CONVERSATION_SCENARIOS = 100
CONVERSATION_STEPS = 10

# The checks the run must see at work (the summary says which never ran): schemathesis's defaults,
# among them those the contract names (negative_data_rejection, positive_data_acceptance,
# ignored_auth, use_after_free, ensure_resource_availability).
REQUIRED_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method_as_intercom",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
)


class TokenSupply:
    """Hands out each declared token once (thread-safe; schemathesis may call from threads)."""

    def __init__(self, tokens: list[str]) -> None:
        self._tokens = iter(tokens)
        self._lock = threading.Lock()
        self.used = 0

    def next(self) -> str:
        with self._lock:
            token = next(self._tokens, None)
            if token is None:
                raise RuntimeError(
                    f"the contract run used all {TOKEN_SUPPLY} tokens: raise TOKEN_SUPPLY"
                )
            self.used += 1
            return token


@dataclass
class Coverage:
    """What the run covered: cases per operation, phase and kind, and each check's verdicts."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    phases: Counter[str] = field(default_factory=Counter)
    modes: Counter[str] = field(default_factory=Counter)
    checks: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    stateful_operations: set[str] = field(default_factory=set)
    # Stateful steps by operationId and status class ("replyConversation 2xx").
    stateful_answers: Counter[str] = field(default_factory=Counter)
    scenarios: int = 0
    wrong_methods: Counter[str] = field(default_factory=Counter)  # by status answered

    def record(self, case: Any, response: Any, results: list[Any]) -> None:
        label = f"{case.operation.method.upper()} {case.operation.path}"
        self.cases[label] += 1
        self.statuses[f"{response.status_code // 100}xx"] += 1
        phase = _name(case.meta.phase.name) if case.meta is not None else "explicit"
        self.phases[phase] += 1
        if case.meta is not None:
            self.modes[_name(case.meta.generation.mode)] += 1
        if phase == "stateful":
            self.stateful_operations.add(label)
            operation_id = case.operation.definition.raw.get("operationId")
            self.stateful_answers[f"{operation_id} {response.status_code // 100}xx"] += 1
        for result in results:
            self.checks[result.name]["failed" if result.failure else "passed"] += 1

    def lines(self, described: list[str]) -> list[str]:
        total = sum(self.cases.values())
        lines = [
            f"operations exercised: {len(self.cases)} of {len(described)} served",
            f"requests checked: {total} ({_counts(self.statuses)})",
            f"by phase: {_counts(self.phases)}; by data: {_counts(self.modes)}",
            f"stateful: {self.scenarios} scenarios, {self.phases['stateful']} steps over"
            f" {len(self.stateful_operations)} operations",
            "stateful conversation steps (2xx/all): " + self.chain_reached(),
            "checks (passed/failed):",
        ]
        for name in sorted(self.checks):
            counts = self.checks[name]
            lines.append(f"  {name}: {counts['passed']}/{counts['failed']}")
        missed = sorted(set(described) - set(self.cases))
        if missed:
            lines.append(f"operations never exercised: {', '.join(missed)}")
        lines.append(f"wrong methods sent (by status answered): {_counts(self.wrong_methods)}")
        never = sorted(set(REQUIRED_CHECKS) - set(self.checks))
        if never:
            lines.append(f"checks that never ran: {', '.join(never)}")
        return lines

    def stateful_steps(self, operation_id: str, status_class: str | None = None) -> int:
        """Stateful steps of an operation, of one status class ("2xx") or all."""
        return sum(
            count
            for key, count in self.stateful_answers.items()
            if key.split()[0] == operation_id and status_class in (None, key.split()[1])
        )

    def chain_reached(self) -> str:
        return ", ".join(
            f"{operation_id} {self.stateful_steps(operation_id, '2xx')}"
            f"/{self.stateful_steps(operation_id)}"
            for operation_id in CONVERSATION_CHAIN
        )


def _name(value: Any) -> str:
    return str(getattr(value, "value", value)).lower()


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{key}: {count}" for key, count in sorted(counter.items()))


COVERAGE = Coverage()
SUPPLY = TokenSupply(TOKENS)


def contract_app(database: Path) -> Flask:
    """The emulator as `emulator serve` runs it, accepting only the supply of tokens."""
    return create_app({"DATABASE": str(database), "TOKENS": TOKENS, "MAX_WORKSPACES": None})


# Requests the description allows that the emulator still refuses, because the answer depends on
# what the workspace holds (a custom attribute must be declared first, a cursor must be one it
# handed out) or on a rule a JSON schema cannot state (which operators suit which search field).
# A schema-valid case may meet these refusals, by operation, status and message, and no other.
_UNDECLARED_ATTRIBUTE = r"^Custom attribute '.*' (does not exist|must be of type \w+)$"
# 1.x creates a custom attribute on first use: its name may be the other model's already, and
# its type is that of its first value.
_CREATED_ATTRIBUTE = (
    r"^Custom attribute '.*' cannot be created: You already have '.*' in your \w+ data",
    r"^Custom attribute '.*' must be of type \w+$",
)
# What a seed item may meet: what an earlier item (or none) left in the workspace.
_SEED_ITEM_REFUSALS = (
    r"Custom attribute '.*' does not exist",
    r"User Not Found",
    r"Resource Not Found",
    r"Company Not Found",
    r"(An archived )?[Aa] contact matching those details already exists",
    r"You already have '.*' in your \w+ data",
    r"A tag named '.*' already exists",
    r"no contact with \w+ '.*'",
    r"Cannot have more than \d+ active event names",
    # A segment's query meets POST /contacts/search's refusals.
    r"'.*' is not a searchable field",
    r"'.*' is a \w+ field; .* is not a \w+ value",
    r"Operator '.*' (cannot be used on|needs) ",
    r"The filter on '.*' has no value",
    r"Search queries can nest at most \d+ levels",
    r"bad 'email_verified' parameter",  # 2.16's key, unknown to the seed's 2.11
    r"email_verified can only be sent together with email",
    r"options not specified",
    # A seeded conversation's contact and parts meet the conversation operations' refusals.
    r"[\w.]+ not specified",
    r"no admin '.*'",
    r"(admin|team) id '.*' is taken or not digits",  # an id an earlier item took
    r"from needs ",
    r"Body is required",
    r"Admin not found",
    r"Team not found",
    r"assignee_id is required",
    r"snoozed_until must be a time in the future",
    r"intercom_user_id, user_id or email is required",
    r"message_type must be ",
    r"attachment_urls must be ",
)
# 2.16's email_verified: unknown before 2.16, and from 2.16 needs an email beside it.
_EMAIL_VERIFIED = (
    r"^bad 'email_verified' parameter$",
    r"^email_verified can only be sent together with email$",
)
REFUSALS_BEYOND_THE_SCHEMA: dict[str, dict[int, tuple[str, ...]]] = {
    "CreateContact": {400: (_UNDECLARED_ATTRIBUTE, *_EMAIL_VERIFIED)},
    "UpdateContact": {
        400: (_UNDECLARED_ATTRIBUTE, r"^A user cannot be changed into a lead$", *_EMAIL_VERIFIED)
    },
    "createOrUpdateCompany": {400: (_UNDECLARED_ATTRIBUTE,)},
    "UpdateCompany": {400: (_UNDECLARED_ATTRIBUTE,)},
    "ListContacts": {400: (r"^starting_after is not a cursor this API returned$",)},
    # The sum of `at` and `advance` must stay in the clock's range, which a schema cannot say.
    "setClock": {400: (r"^advance would take the clock outside ",)},
    # Where notifications may go is the server's to say (loopback, --webhook-allowed-host).
    "createWebhookSubscription": {
        400: (
            r"^url's host '.*' is not allowed",
            r"^url is not a valid URL$",
            r"^url must be an http or https URL$",
            r"^url must not carry credentials$",
            r"^a workspace holds at most \d+ subscriptions$",
        )
    },
    # One open scroll per workspace: a second start is refused while the first is open.
    "scrollOverAllCompanies": {400: (r"^scroll already exists for this workspace$",)},
    # 2.16's keys are unknown to earlier versions; 2.16 merges only duplicates.
    "MergeContact": {
        400: (
            r"^bad 'skip_duplicate_validation' parameter$",
            r"^Contacts can only be merged when they are duplicates",
        )
    },
    "SearchContacts": {
        400: (
            r"^'.*' is not a searchable field$",
            r"^'.*' is a \w+ field; .* is not a \w+ value$",
            r"^Operator '.*' (cannot be used on|needs) ",
            r"^The filter on '.*' has no value$",
            r"^Search queries can nest at most \d+ levels",
            r"^Cannot sort by '.*'$",
            r"^starting_after is not a cursor this API returned$",
        )
    },
    # Conversations: cursors handed out, search rules, a reply's sender, a snooze's future,
    # an email's subject and a conversation's last contact are the store's to judge.
    "listConversations": {400: (r"^starting_after is not a cursor this API returned$",)},
    "searchConversations": {
        400: (
            r"^'.*' is not a searchable field$",
            r"^'.*' is a \w+ field; .* is not a \w+ value$",
            r"^Operator '.*' (cannot be used on|needs) ",
            r"^The filter on '.*' has no value$",
            r"^Search queries can nest at most \d+ levels",
            r"^Cannot sort by '.*'$",
            r"^starting_after is not a cursor this API returned$",
        )
    },
    "replyConversation": {
        400: (
            r"^message_type must be comment$",
            r"^intercom_user_id, user_id or email is required$",
            r"^attachment_files data must be base64$",
            r"^At most 10 attachments$",
        )
    },
    "manageConversation": {
        400: (r"^snoozed_until must be a time in the future$", r"^assignee_id is required$")
    },
    "createMessage": {422: (r"^No subject supplied for email message$",)},
    # A conversation's custom attribute must be declared (by a seed) and of its data type.
    "updateConversation": {
        400: (
            r"^Conversation attribute '.*' does not exist$",
            r"^Custom attribute '.*' must be of type \w+$",
        )
    },
    # model=conversation, which 2.11's enum (and the description's) lists: 2.16 refuses it
    # (Intercom's 422), and 1.x, which knew no conversation attributes, as any other model.
    "listDataAttributes": {
        400: (r"^The Data Attribute model field must be either contact or company$",),
        422: (
            r"^model=conversation is no longer supported\. Use GET /conversations/attributes"
            r" instead$",
        ),
    },
    "detachContactFromConversation": {422: (r"^Removing the last customer is not allowed$",)},
    # One of user_id, email or intercom_user_id, which query parameters cannot say.
    "lisDataEvents": {400: (r" not specified$",)},
    # A JSON schema cannot compare two fields: a summary's first time must not be after its last.
    "dataEventSummaries": {
        400: (
            r"^event_summaries\.first must not be after ",
            r"^event_summaries\.first or event_summaries\.last not specified$",
        )
    },
    "createDataAttribute": {
        400: (
            r"^You already have '.*' in your \w+ data",
            r"limit of \d+ custom data attributes",
            r"^options not specified$",  # data_type options needs them (an if/then aside)
        )
    },
    "createTag": {400: (r"^A tag named '.*' already exists$",)},
    # The body's consent_type must be the subscription type's own, which the type decides.
    "attachSubscriptionTypeToContact": {
        400: (r"^Subscription type \d+ is opt_(in|out); consent_type must be opt_(in|out)$",)
    },
    "createOrUpdateUser": {400: _CREATED_ATTRIBUTE},
    "messengerPing": {400: _CREATED_ATTRIBUTE},
    # Options make a list attribute, which only a string attribute can be.
    "updateDataAttribute": {400: (r"^A list attribute needs at least two string options$",)},
    # A seed is one bad request whatever its item's own answer (404, 409, 422 included).
    "seedWorkspace": {400: (r"^\w+\[\d+\]: (" + "|".join(_SEED_ITEM_REFUSALS) + ")",)},
}
_POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def not_emulated_beside_served() -> list[tuple[str, str]]:
    """Intercom's operations the emulator answers 501 `not_emulated` on a path it serves with other
    methods (2.16's `DELETE /conversations/{conversation_id}`), as (method, our path template).
    Intercom takes the method there, so it is no "method the path does not take" to probe for a
    404; tests/test_not_emulated.py and tests/emulator/test_conversations.py pin the 501."""
    described = {_template(path): path for _, path, _ in openapi.operations(openapi.load())}
    return sorted(
        (operation["method"], described[_template(operation["path"])])
        for operation in openapi.not_emulated()
        if _template(operation["path"]) in described
    )


def _template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def contract_config(only: tuple[str, ...] = ()) -> schemathesis.Config:
    """The suite's configuration; `only` leaves the run to these operations (the others are
    left out altogether, and the links into them with them)."""
    operations = [
        {
            "include-operation-id": operation_id,
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": _POSITIVE_STATUSES + [str(s) for s in refusals]
                }
            },
        }
        for operation_id, refusals in REFUSALS_BEYOND_THE_SCHEMA.items()
    ]
    # Schemathesis leaves out the operation that served it the description unless named.
    operations.append({"include-path": "/openapi.json", "enabled": True})
    operations += [
        {"include-name": f"{method} {path}", "enabled": False}
        for method, path in not_emulated_beside_served()
    ]
    if only:
        # Disabled operations are left out of the state machine, links into them included. Were
        # they only kept out of the stateful phase, schemathesis would still count their links
        # as transitions a scenario can take (contracts/test_schemathesis_conversations.py).
        operations.append({"exclude-operation-id": list(only), "enabled": False})
    return schemathesis.Config.from_dict(
        {
            # The run's seed (tests/seeding.py): the same commit generates the same cases.
            "seed": seeding.SEED,
            # Unknown query parameters are ignored, as Intercom's API does: the description's
            # parameters are what the emulator reads, not a closed set.
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                "allow-extra-parameters": False,
            },
            # The stateful phase follows the links description/ declares, and no guessed ones.
            "phases": {"stateful": {"inference": {"algorithms": []}}},
            # Replaced by unsupported_method_as_intercom: Intercom answers 404, not 405.
            "checks": {"unsupported_method": {"enabled": False}},
            "operations": operations,
        }
    )


@schemathesis.check
def refusal_of_valid_data_is_beyond_the_schema(ctx: Any, response: Any, case: Any) -> bool | None:
    """A schema-valid request refused with a status REFUSALS_BEYOND_THE_SCHEMA lets through
    must carry one of the refusals listed there (any other is a bug of the emulator or of
    emulator/description/)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    operation_id = case.operation.definition.raw.get("operationId")
    patterns = REFUSALS_BEYOND_THE_SCHEMA.get(operation_id, {}).get(response.status_code)
    if patterns is None:
        return None
    errors = (response.json() or {}).get("errors") or [{}]
    message = str(errors[0].get("message"))
    if not any(re.search(pattern, message, re.DOTALL) for pattern in patterns):
        raise AssertionError(
            f"{operation_id} refused schema-valid data with {response.status_code}"
            f" {message!r}, which is not a refusal the description cannot express"
        )
    return None


@schemathesis.check
def unsupported_method_as_intercom(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis's `unsupported_method`, with Intercom's answer: a method a path of Intercom's
    API does not take is 404 `not_found` there (its 2.17 "HTTP responses" page,
    reference/intercom-api-facts.md §1), and 405 with `Allow` on the emulator's own paths."""
    data = case.meta.phase.data if case.meta is not None else None
    if not isinstance(data, CoveragePhaseData) or response.request.method == "OPTIONS":
        return None
    if data.scenario != CoverageScenario.UNSPECIFIED_HTTP_METHOD or response.status_code == 429:
        return None
    path = case.operation.path
    COVERAGE.wrong_methods[str(response.status_code)] += 1
    if path.startswith(("/_emulator", "/openapi.json")):
        if response.status_code != 405 or not response.headers.get("allow"):
            raise AssertionError(f"{response.request.method} {path}: not 405 with Allow")
        return None
    if response.status_code == 401 and "security" not in case.operation.definition.raw:
        return None  # the front door refuses a missing token before routing
    code = ((response.json() or {}).get("errors") or [{}])[0].get("code")
    if response.status_code not in (401, 404) or (
        response.status_code == 404 and code != "not_found"
    ):
        raise AssertionError(
            f"{response.request.method} {path} answered {response.status_code} {code!r}:"
            " a method Intercom does not take is 404 not_found"
        )
    return None


# The conversation operations' answers are checked against Intercom's own description too (2.11's,
# or 2.16's for a request asking 2.16 or later)
# (tests/intercom_reference.py; skipped when it is absent), beside the emulator's description.
CHECKED_AGAINST_INTERCOM = frozenset(
    {
        "createConversation",
        "createMessage",
        "listConversations",
        "searchConversations",
        "retrieveConversation",
        "updateConversation",
        "replyConversation",
        "manageConversation",
        "autoAssignConversation",
        "attachTagToConversation",
        "detachTagFromConversation",
        "attachContactToConversation",
        "detachContactFromConversation",
        "listTeams",
        "retrieveTeam",
    }
)


def _described_version(case: Any) -> str:
    """The description of Intercom's an answer follows: 2.16's from 2.16 on (and for the
    pre-release names, which run as the newest version: emulator/versions.py), 2.11's before."""
    header = str((case.headers or {}).get("Intercom-Version", "")).strip()
    if header in versions.PRERELEASE:
        return "2.16"
    if header in versions.KNOWN and versions.at_least(header, "2.16"):
        return "2.16"
    return "2.11"  # the contract workspaces' default version, and any version refused


@schemathesis.check
def answers_as_intercoms_description_says(ctx: Any, response: Any, case: Any) -> bool | None:
    """A conversation operation's answer, whatever its status, fits the schema Intercom's
    description of the version asked for gives that status (its `error` for an undocumented
    refusal): 2.11's, or 2.16's from 2.16 on."""
    operation_id = case.operation.definition.raw.get("operationId")
    version = _described_version(case)
    reference = intercom_reference.load(version)
    if operation_id not in CHECKED_AGAINST_INTERCOM or reference is None:
        return None
    body = response.json() if response.content else None
    path = case.formatted_path
    problems = reference.errors(case.method, path, response.status_code, body)
    if problems:
        raise AssertionError(
            f"{case.method} {path} -> {response.status_code} does not fit Intercom's {version}"
            " description: " + "; ".join(problems[:5])
        )
    return None


def load_schema(app: Flask, only: tuple[str, ...] = ()) -> Any:
    """The description the app serves, loaded through the app itself (no network); `only`, as
    contract_config takes it."""
    config = contract_config(only)
    return schemathesis.openapi.from_wsgi("/openapi.json", app, config=config)


def temporary_database() -> Path:
    """A SQLite file for the run, removed when the process ends."""
    directory = Path(tempfile.mkdtemp(prefix="emulator-contracts-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory / "contracts.db"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
