"""The ``translator`` command line: ``plan`` (dry run), ``send`` (deliver a file) and ``serve``
(Segment's HTTP API in front of delivery).

``mapping_options`` puts every mapping setting on a command as options and hands the command one
validated ``settings`` argument, so other commands share the same options and help text.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

import click

from translator import limits
from translator.calls import PLANNED, REJECTED, Outcome, Reason, call_to_dict
from translator.delivery.console import print_summary, run_send, run_serve
from translator.delivery.options import DeliveryOptions, delivery_options
from translator.plan import plan_event
from translator.plan_runner import dry_run_reply, run_plan
from translator.settings import (
    LONG_STRING_POLICIES,
    NESTED_POLICIES,
    PROFILES,
    UNKNOWN_ATTRIBUTE_POLICIES,
    Settings,
    SettingsError,
    settings_for,
)
from translator.timestamps import date_to_unix


class TranslatorGroup(click.Group):
    """A group whose usage errors are one line (``Error: … (see --help)``), never a traceback."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as error:
            click.echo(f"Error: {error.format_message()} (see --help)", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)


@click.group(cls=TranslatorGroup)
def main() -> None:
    """Translate Segment Spec analytics events into Intercom API calls."""


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


_OPTIONS: list[Callable] = [
    click.option(
        "--profile",
        type=click.Choice(list(PROFILES)),
        default="segment",
        show_default=True,
        help="Vendor whose mapping choices to follow.",
    ),
    click.option(
        "--api-version",
        default=limits.DEFAULT_API_VERSION,
        show_default=True,
        help="Intercom-Version: 2.x (Contacts API) or 1.4 (legacy Users API).",
    ),
    click.option(
        "--nested-policy",
        type=click.Choice(NESTED_POLICIES),
        help="Objects/arrays in traits and properties: drop, flatten or stringify "
        "[profile default].",
    ),
    click.option("--flatten-separator", help="Separator of flattened attribute names [_]."),
    click.option(
        "--metadata-flatten-separator",
        help="Separator of flattened metadata keys [profile default].",
    ),
    click.option(
        "--long-string-policy",
        type=click.Choice(LONG_STRING_POLICIES),
        help="Strings over --string-limit: truncate, drop or send [truncate].",
    ),
    click.option(
        "--string-limit",
        type=click.IntRange(min=1),
        help=f"Longest string value sent [{limits.STRING_LIMIT}].",
    ),
    click.option(
        "--metadata-key-limit",
        type=click.IntRange(min=0),
        help=f"Most metadata keys per event, price first [{limits.METADATA_KEY_LIMIT}].",
    ),
    click.option(
        "--event-allowlist",
        multiple=True,
        help="Only these track events (repeatable or comma-separated).",
    ),
    click.option(
        "--event-denylist",
        multiple=True,
        help="Never these track events (repeatable or comma-separated).",
    ),
    click.option(
        "--unknown-attribute-policy",
        type=click.Choice(UNKNOWN_ATTRIBUTE_POLICIES),
        help="Custom attributes not in --known-attribute: send, drop or create [send].",
    ),
    click.option(
        "--known-attribute",
        "known_attributes",
        multiple=True,
        help="A custom attribute Intercom has: NAME, contact:NAME or company:NAME "
        "(repeatable or comma-separated).",
    ),
    click.option(
        "--collect-context/--no-collect-context",
        default=None,
        help="Send device/os/app context as custom attributes [off].",
    ),
    click.option(
        "--web-mode",
        is_flag=True,
        default=None,
        help="Plan the web Messenger's requests instead of REST calls.",
    ),
    click.option("--app-id", help="Intercom app id (needed by --web-mode)."),
    click.option(
        "--identity-secret",
        envvar="INTERCOM_IDENTITY_SECRET",
        help="Identity verification secret for user_hash [env INTERCOM_IDENTITY_SECRET].",
    ),
]


def mapping_options(command: Callable) -> Callable:
    """Add the mapping options to ``command`` and pass it ``settings=Settings(...)`` instead."""

    @functools.wraps(command)
    def with_settings(*args: Any, **kwargs: Any) -> Any:
        kwargs["settings"] = settings_from_options(kwargs)
        return command(*args, **kwargs)

    for option in reversed(_OPTIONS):
        with_settings = option(with_settings)
    return with_settings


_OPTION_NAMES = (
    "profile",
    "api_version",
    "nested_policy",
    "flatten_separator",
    "metadata_flatten_separator",
    "long_string_policy",
    "string_limit",
    "metadata_key_limit",
    "event_allowlist",
    "event_denylist",
    "unknown_attribute_policy",
    "known_attributes",
    "collect_context",
    "web_mode",
    "app_id",
    "identity_secret",
)


def settings_from_options(options: dict[str, Any]) -> Settings:
    """Settings from option values (popped from ``options``); a bad one is a one-line error."""
    values = {name: options.pop(name, None) for name in _OPTION_NAMES}
    profile = values.pop("profile") or "segment"
    for name in ("event_allowlist", "event_denylist", "known_attributes"):
        values[name] = _split(values[name] or ())
    values["event_allowlist"] = values["event_allowlist"] or None
    overrides = {name: value for name, value in values.items() if value is not None}
    try:
        return settings_for(profile, **overrides)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


def parse_received_at(value: str | None) -> int:
    """``--received-at`` as Unix seconds (ISO-8601 or a number); now when not given."""
    if value is None:
        return int(time.time())
    seconds = date_to_unix(value)
    if seconds is None:
        raise click.BadParameter(f"not a date-time: {value!r}", param_hint="--received-at")
    return seconds


@main.command("plan")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@mapping_options
@click.option(
    "--received-at", help="Time of events without a timestamp (ISO-8601 or Unix seconds) [now]."
)
def plan_command(source: IO[str], settings: Settings, received_at: str | None) -> None:
    """Print the Intercom calls the events in SOURCE mean, as JSON lines (dry run).

    SOURCE holds one Segment Spec event per line (default: stdin). Each call prints as
    {"event_index", "messageId", "method", "path", "query", "body", "reason", "purpose"}; lookups
    are assumed to find nothing. An event that is skipped, rejected or adjusted to fit Intercom's
    limits adds one line {"event_index", "messageId", "outcome", "reason", "adjustments", "notes"}.
    """
    now = parse_received_at(received_at)
    for index, (line_number, line) in enumerate(_lines(source)):
        for record in plan_records(index, line_number, line, settings, now):
            click.echo(json.dumps(record, ensure_ascii=False))


def _lines(source: IO[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(source, start=1):
        if line.strip():
            yield number, line


def plan_records(
    index: int, line_number: int, line: str, settings: Settings, now: int
) -> list[dict[str, Any]]:
    """The JSON lines ``translator plan`` prints for one input line."""
    try:
        raw = json.loads(line)
    except ValueError as error:
        reason = Reason("invalid_json", f"line {line_number} is not JSON: {error}")
        return [_outcome_record(index, None, Outcome(REJECTED, reason), line_number)]
    message_id = raw.get("messageId") if isinstance(raw, dict) else None
    run = run_plan(plan_event(raw, settings, now), dry_run_reply)
    records = [
        {"event_index": index, "messageId": message_id, **call_to_dict(call)} for call in run.calls
    ]
    outcome = run.outcome
    if outcome.status != PLANNED or outcome.adjustments or outcome.notes:
        records.append(_outcome_record(index, message_id, outcome, line_number))
    return records


def _outcome_record(
    index: int, message_id: Any, outcome: Outcome, line_number: int
) -> dict[str, Any]:
    details = outcome.to_dict()
    return {
        "event_index": index,
        "messageId": message_id,
        "line": line_number,
        "outcome": details.pop("status"),
        **details,
    }


@main.command("send")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@delivery_options
@mapping_options
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar [on when stderr is a terminal].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def send_command(
    source: IO[str],
    delivery: DeliveryOptions,
    settings: Settings,
    progress: bool | None,
    as_json: bool,
) -> None:
    """Deliver the events in SOURCE (JSON lines; default stdin) to Intercom or the emulator.

    One user's events are delivered in order, different users in parallel. Progress is kept in
    the state file (default: beside SOURCE, SOURCE.state.db), so running the same command again
    after Ctrl-C, kill -9 or a crash delivers what is left. Events Intercom refuses for good go
    to the dead-letter file (default SOURCE.dead-letters.jsonl) with the reason. Exit status: 0
    when nothing was dead-lettered, 1 when something was, 2 on a usage error or a refused token,
    130 when stopped.
    """
    summary, status = run_send(source, delivery, settings, progress)
    print_summary(summary, as_json)
    sys.exit(status)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0: any free."
)
@click.option(
    "--write-key",
    "write_keys",
    multiple=True,
    envvar="TRANSLATOR_WRITE_KEYS",
    help="Accepted write keys (basic-auth user), repeatable [any key].",
)
@delivery_options
@mapping_options
def serve_command(
    host: str,
    port: int,
    write_keys: tuple[str, ...],
    delivery: DeliveryOptions,
    settings: Settings,
) -> None:
    """Receive events over Segment's HTTP tracking API and deliver them in the background.

    POST /v1/identify, /v1/track, /v1/group, /v1/page, /v1/screen, /v1/alias and /v1/batch, as
    Segment's SDKs send them (point their host here). A request is acknowledged once its events
    are in the state file (default translator.state.db); Ctrl-C or SIGTERM stops cleanly and a
    restart delivers what was left.
    """
    sys.exit(run_serve(host, port, frozenset(write_keys) or None, delivery, settings))
