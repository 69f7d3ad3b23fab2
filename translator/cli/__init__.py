"""The ``translator`` command line: ``plan`` (dry run), ``send`` (deliver a file), ``serve``
(Segment's HTTP API in front of delivery), ``report`` (what a state file says happened) and
``verify`` (the contract scenarios against a target, ``translator.cli.verify``).

The mapping settings' options live in ``translator.cli.options`` (``mapping_options``, also
importable from here), the delivery options in ``translator.cli.delivery_options``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from typing import IO, Any

import click

from translator.cli.console import print_summary, run_send, run_serve
from translator.cli.delivery_options import DeliveryOptions, delivery_options
from translator.cli.options import mapping_options
from translator.cli.verify import verify_command
from translator.core.calls import PLANNED, REJECTED, Outcome, Reason, call_to_dict
from translator.core.session import PlanSession
from translator.core.settings import Settings
from translator.core.timestamps import date_to_unix


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


@click.group(cls=TranslatorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="intercom-emulator")
def main() -> None:
    """Translate Segment Spec analytics events into Intercom API calls."""


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
@click.option(
    "--create-attributes/--no-create-attributes",
    default=True,
    show_default=True,
    help="As send's option: show the workspace's data attributes read once and the missing "
    "ones created (2.x).",
)
def plan_command(
    source: IO[str], settings: Settings, received_at: str | None, create_attributes: bool
) -> None:
    """Print the Intercom calls the events in SOURCE mean, as JSON lines (dry run).

    SOURCE holds one Segment Spec event per line (default: stdin). Each call prints as
    {"event_index", "messageId", "method", "path", "query", "body", "reason", "purpose"}. The
    events are planned as one `send` run sends them, into a fresh workspace: lookups find
    nothing the stream did not create, and what send remembers (a user's contact id, a body
    already written, the data attributes read and created) saves the same calls here. An event
    that is skipped, rejected, adjusted or noted adds one line {"event_index", "messageId",
    "outcome", "reason", "adjustments", "notes"} (and "attributes": what was created for it).
    """
    session = PlanSession(settings, parse_received_at(received_at), create_attributes)
    for index, (line_number, line) in enumerate(_lines(source)):
        for record in plan_records(index, line_number, line, session):
            click.echo(json.dumps(record, ensure_ascii=False))


def _lines(source: IO[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(source, start=1):
        if line.strip():
            yield number, line


def plan_records(
    index: int, line_number: int, line: str, session: PlanSession
) -> list[dict[str, Any]]:
    """The JSON lines ``translator plan`` prints for one input line, after the lines before."""
    try:
        raw = json.loads(line)
    except (ValueError, RecursionError) as error:
        reason = Reason("invalid_json", f"line {line_number} is not JSON: {error}")
        return [_outcome_record(index, None, Outcome(REJECTED, reason), line_number)]
    message_id = raw.get("messageId") if isinstance(raw, dict) else None
    run, attributes = session.plan(raw)
    records = [
        {"event_index": index, "messageId": message_id, **call_to_dict(call)} for call in run.calls
    ]
    outcome = run.outcome
    if outcome.status != PLANNED or outcome.adjustments or outcome.notes or attributes:
        record = _outcome_record(index, message_id, outcome, line_number)
        records.append({**record, **({"attributes": attributes} if attributes else {})})
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
@click.argument("source", type=click.File("rb"), default="-")
@delivery_options
@mapping_options
@click.option(
    "--received-at", help="Time of events without a timestamp (ISO-8601 or Unix seconds) [now]."
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar [on when stderr is a terminal].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def send_command(
    source: IO[bytes],
    delivery: DeliveryOptions,
    settings: Settings,
    received_at: str | None,
    progress: bool | None,
    as_json: bool,
) -> None:
    """Deliver the events in SOURCE (JSON lines; default stdin) to Intercom or the emulator.

    One user's events are delivered in order, different users in parallel. Progress is kept in
    the state file (default: beside SOURCE, SOURCE.state.db), so running the same command again
    after Ctrl-C, kill -9 or a crash delivers what is left. Events Intercom refuses for good go
    to the dead-letter file (default SOURCE.dead-letters.jsonl) with the reason, and so does a
    line that is not UTF-8, not JSON or nested too deep (with its line number); the run goes on.
    Custom attributes the events need are created first (see --create-attributes). `translator
    report STATE` lists every adjustment and note by reason. Exit status: 0 when nothing was
    dead-lettered, 1 when something was, 2 on a usage error or a refused token, 3 when the target
    could not be reached (events left pending: run again), 130 when stopped.
    """
    fixed = parse_received_at(received_at) if received_at is not None else None
    summary, status = run_send(source, delivery, settings, progress, fixed)
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


@main.command("report")
@click.argument("state", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def report_command(state: str, as_json: bool) -> None:
    """Print what the state file STATE says happened: events dead-lettered, skipped, adjusted
    to fit Intercom's limits or noted, grouped by reason, with a count, examples (line numbers)
    and the setting or action that fixes each reason when there is one."""
    from translator.delivery.state_report import build_report, report_lines

    try:
        report = build_report(state)
    except sqlite3.Error as error:
        raise click.UsageError(f"{state} is not a translator state file: {error}") from None
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        click.echo("\n".join(report_lines(report)))


main.add_command(verify_command)
