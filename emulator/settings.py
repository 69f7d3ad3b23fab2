"""A workspace's settings, declared once: name, type, default, bounds, source and help.

`SETTINGS` drives everything that knows a setting: the defaults of new workspaces
(`defaults()`), the `emulator serve` flags (emulator.cli), the TOML config file
(emulator.config), `PATCH /_emulator/settings` (`validate`, through emulator.store.settings),
and the README's settings table (`readme_table()`; tests/test_settings_table.py fails
when the README differs). A default written anywhere else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator import versions
from emulator.errors import ParameterInvalid

INTEGER, SECONDS, CHOICE, SECRET, VERSION = "integer", "seconds", "choice", "secret", "version"


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # INTEGER (at least `minimum`), SECONDS (a number, at least `minimum`), CHOICE ...
    default: Any  # None: chosen per workspace when it is created
    help: str  # one line, for `emulator serve --help`
    effect: str  # what it does, for the README
    source: str  # where the default comes from
    minimum: int = 1
    choices: tuple[str, ...] = ()
    maximum: int | None = None  # INTEGER only

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def shown_default(self) -> str:
        """The default as the README and `--help` show it."""
        if self.default is None:
            return "random per workspace"
        return f"`{self.default}`" if isinstance(self.default, str) else str(self.default)

    def check(self, value: Any) -> Any:
        """The value as stored (5.0 reads as 5), or ParameterInvalid naming the setting."""
        name = self.name
        if self.kind == INTEGER:
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # 5.0 is the integer 5, as JSON reads it
            if isinstance(value, bool) or not isinstance(value, int) or value < self.minimum:
                raise ParameterInvalid(f"'{name}' must be a positive integer", field=name)
            if self.maximum is not None and value > self.maximum:
                raise ParameterInvalid(f"'{name}' must be at most {self.maximum}", field=name)
        elif self.kind == SECONDS:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ParameterInvalid(
                    f"'{name}' must be a number of seconds, 0 or more", field=name
                )
        elif self.kind == CHOICE and value not in self.choices:
            options = " or ".join(f"'{choice}'" for choice in self.choices)
            raise ParameterInvalid(f"'{name}' must be {options}", field=name)
        elif self.kind == SECRET and (not isinstance(value, str) or not value):
            raise ParameterInvalid(f"'{name}' must be a non-empty string", field=name)
        elif self.kind == VERSION and value not in (*versions.KNOWN, *versions.PRERELEASE):
            raise ParameterInvalid(
                f"'{name}' must be an Intercom version such as {self.default}", field=name
            )
        return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "event_name_limit",
        INTEGER,
        120,  # "You can track up to 120 active events" [HC-EV]
        "Distinct active event names a workspace may hold.",
        'distinct active event names; a new name past it answers 422 "Cannot have more than 120'
        ' active event names" and is not stored',
        "Intercom Help Center, event limits",
    ),
    Setting(
        "metadata_key_limit",
        INTEGER,
        5,  # 5 in the Segment documents [SEG-DOC] the translator follows; 10 in [S2.16]
        "Metadata keys kept per event.",
        "metadata keys kept per event",
        "Segment's Intercom documents (Intercom's current REST reference says 10)",
    ),
    Setting(
        "metadata_overflow",
        CHOICE,
        "ignore",
        "Past the key limit: 'ignore' drops extra keys, 'reject' answers 400.",
        "past the key limit: `ignore` keeps the first keys in the order sent, answers 202 and"
        " records a warning in the journal; `reject` answers 400",
        'Intercom\'s REST reference ("we ignore any further keys")',
        choices=("ignore", "reject"),
    ),
    Setting(
        "string_limit",
        INTEGER,
        255,  # [DOC-1.4-USER], [HC-EVSET]
        "Longest string in a custom attribute or event metadata.",
        "longest string in a custom attribute or event metadata value; longer is refused with"
        " 400 naming the attribute",
        "Intercom 1.4 reference and Help Center",
    ),
    Setting(
        "custom_attribute_limit",
        INTEGER,
        250,  # [HC-CDA]
        "Custom data attributes per workspace.",
        "custom data attributes per workspace (archived ones do not count)",
        "Intercom Help Center",
    ),
    Setting(
        "rate_limit_app",
        INTEGER,
        1666,  # 10,000 calls a minute per app [DOC-RL], over 10-second windows: 10000 / 6
        "Requests per 10-second window per token (app).",
        "requests per 10-second window per token (10,000 a minute)",
        "Intercom's rate-limiting page",
    ),
    Setting(
        "rate_limit_workspace",
        INTEGER,
        4166,  # 25,000 calls a minute per workspace [DOC-RL]: 25000 / 6
        "Requests per 10-second window per workspace.",
        "requests per 10-second window per workspace (25,000 a minute)",
        "Intercom's rate-limiting page",
    ),
    Setting(
        "search_lag_seconds",
        SECONDS,
        # "This delay can take a few minutes" [S2.16 POST /contacts/search]. 5 s is the
        # emulator's choice: long enough that a search right after a write misses it, as it
        # often does at Intercom (a search-then-create upsert meets the 409 here too), short
        # enough for a person trying the emulator by hand; a test advances the workspace clock.
        5,
        "Seconds a new or changed contact stays invisible to search (0: off).",
        "how long a new or changed contact stays invisible to `POST /contacts/search` (by the"
        " workspace's clock: advance the clock to skip it; `--search-lag-seconds 0` turns it off)",
        "Intercom's search reference: the delay \"can take a few minutes\"; 5 s is the emulator's"
        " choice, enough that a search right after a write misses it, as search-then-create code"
        " meets at Intercom",
        minimum=0,
    ),
    Setting(
        "identity_verification",
        CHOICE,
        "off",
        "'enforced' makes the Messenger endpoints demand a valid user_hash.",
        "`enforced`: the Messenger endpoints demand a valid `user_hash`",
        "Intercom Help Center, identity verification",
        choices=("off", "enforced"),
    ),
    Setting(
        "identity_verification_secret",
        SECRET,
        None,  # generated per workspace when it is created
        "HMAC secret for identity verification (default: random).",
        "the HMAC-SHA256 secret for `user_hash`",
        "—",
    ),
    Setting(
        "default_version",
        VERSION,
        "2.11",
        "Intercom-Version used when a request names none.",
        "the `Intercom-Version` used when a request names none",
        "this project's choice (docs/architecture.md)",
    ),
    Setting(
        "journal_limit",
        INTEGER,
        10_000,
        "Journal entries kept per workspace (the oldest go first).",
        "journal entries the workspace keeps, exactly: past it the oldest entry goes for each new"
        " one (at most 1,000,000)",
        "this project's choice (bounded growth)",
        maximum=1_000_000,
    ),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


def defaults() -> dict[str, Any]:
    """The settings of a new workspace before any override."""
    return {setting.name: setting.default for setting in SETTINGS}


def validate(changes: Any) -> dict[str, Any]:
    """Check a partial settings object; returns it (values as stored) or raises naming the bad
    field."""
    if not isinstance(changes, dict):
        raise ParameterInvalid("Settings must be a JSON object")
    for name, value in changes.items():
        setting = BY_NAME.get(name)
        if setting is None:
            known = ", ".join(sorted(BY_NAME))
            raise ParameterInvalid(f"Unknown setting '{name}'. Known settings: {known}", field=name)
        changes[name] = setting.check(value)
    return changes


def readme_table() -> str:
    """The README's table of settings, one row per declaration."""
    rows = [
        "| setting | default | what it does | where the default comes from |",
        "|---|---|---|---|",
    ]
    for setting in SETTINGS:
        rows.append(
            f"| `{setting.name}` | {setting.shown_default()} | {setting.effect}"
            f" | {setting.source} |"
        )
    return "\n".join(rows)
