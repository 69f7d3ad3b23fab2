"""The command-line side of delivery: running ``send`` and ``serve``, the progress bar, the
summary and the exit status.

Exit status: 0 when every event was delivered or skipped, 1 when the state file holds dead
letters, 2 for a usage error or a run stopped by Intercom refusing the token, 3 when the target
could not be reached (its events left pending), 130 when stopped by Ctrl-C or SIGTERM (the state
file then says what is left: run again to resume).
"""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

import click
from tqdm import tqdm

from translator.cli.delivery_options import DeliveryOptions, default_paths
from translator.core.settings import Settings
from translator.delivery.dead_letters import DeadLetterFile
from translator.delivery.ingest import Ingestor
from translator.delivery.pipeline import Delivery
from translator.delivery.report import Summary
from translator.delivery.state import StateMismatch, StateStore

EXIT_DEAD_LETTERS = 1
EXIT_FATAL = 2
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130


def open_delivery(
    options: DeliveryOptions, settings: Settings, source_name: str | None
) -> Delivery:
    """The state file, dead-letter file and ``Delivery`` the options describe."""
    target = options.target(settings.api_version)
    state_path, dead_path = default_paths(source_name)
    path = options.state or state_path
    try:
        state = StateStore(path)
    except sqlite3.Error as error:
        raise click.UsageError(f"cannot use the state file {path}: {error} (--state)") from None
    try:
        return Delivery(
            state,
            target,
            settings,
            DeadLetterFile(options.dead_letter or dead_path),
            workers=options.workers,
            policy=options.policy(),
            create_attributes=options.create_attributes,
        )
    except StateMismatch as error:
        state.close()
        raise click.UsageError(str(error)) from None


@contextmanager
def verbose_logging(verbose: bool) -> Iterator[None]:
    """Log retries and dead letters to stderr while the command runs (with ``-v``)."""
    if not verbose:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("translator")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextmanager
def stop_signals(on_stop: Callable[[str], None]) -> Iterator[None]:
    """Call ``on_stop`` on SIGINT or SIGTERM (main thread only) instead of raising."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
    previous = {sig: signal.getsignal(sig) for sig in names}

    def handle(signum: int, _frame: Any) -> None:
        on_stop(f"stopped by {names[signal.Signals(signum)]}")
        # A second Ctrl-C ends the process at once; the state file still says what is left.
        signal.signal(signal.SIGINT, signal.default_int_handler)

    for sig in names:
        signal.signal(sig, handle)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_send(
    source: IO[bytes],
    options: DeliveryOptions,
    settings: Settings,
    progress: bool | None,
    received_at: int | None = None,
) -> tuple[Summary, int]:
    """Deliver every event of ``source``; the summary and the exit status. ``received_at``
    dates the events without a timestamp (the time each line is read when None)."""
    with verbose_logging(options.verbose):
        return _send(source, options, settings, progress, received_at)


def _send(
    source: IO[bytes],
    options: DeliveryOptions,
    settings: Settings,
    progress: bool | None,
    received_at: int | None,
) -> tuple[Summary, int]:
    delivery = open_delivery(options, settings, getattr(source, "name", None))
    try:
        ingestor = Ingestor(source, delivery, received_at=received_at)
        try:
            ingestor.verify_prefix()
        except StateMismatch as error:
            raise click.UsageError(str(error)) from None
        stop_reason: list[str] = []
        with stop_signals(stop_reason.append):
            delivery.start()
            ingestor.start()
            _watch(delivery, stop_reason, progress)
        delivery.stop(stop_reason[0] if stop_reason else None)
        summary = delivery.summary()
    finally:
        delivery.state.close()
    return summary, exit_status(summary, interrupted=bool(stop_reason))


def _watch(delivery: Delivery, stop_reason: list[str], progress: bool | None) -> None:
    """Wait for the run, drawing the progress bar; stop it when a signal came."""
    enabled = sys.stderr.isatty() if progress is None else progress
    counts = delivery.state.counts()
    with tqdm(
        total=sum(counts.values()),
        initial=sum(counts.values()) - counts["pending"],
        unit="event",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
    ) as bar:
        while not delivery.wait(0.25):
            if stop_reason:
                delivery.stop(stop_reason[0])
                break
            if enabled:
                _draw(bar, delivery.state.counts())
        if enabled:
            _draw(bar, delivery.state.counts())


def _draw(bar: tqdm, counts: dict[str, int]) -> None:
    bar.total = sum(counts.values())
    bar.n = bar.total - counts["pending"]
    bar.set_postfix(dead=counts["dead"], refresh=False)
    bar.refresh()


def exit_status(summary: Summary, interrupted: bool = False) -> int:
    if interrupted:
        return EXIT_INTERRUPTED
    if summary.unreachable:
        return EXIT_UNREACHABLE
    if summary.stopped:
        return EXIT_FATAL
    return EXIT_DEAD_LETTERS if summary.dead_letters_total else 0


def print_summary(summary: Summary, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        click.echo("\n".join(summary.lines()))


def run_serve(
    host: str,
    port: int,
    write_keys: frozenset[str] | None,
    options: DeliveryOptions,
    settings: Settings,
) -> int:
    """Serve until Ctrl-C or SIGTERM; the exit status."""
    with verbose_logging(options.verbose):
        return _serve(host, port, write_keys, options, settings)


def _serve(
    host: str,
    port: int,
    write_keys: frozenset[str] | None,
    options: DeliveryOptions,
    settings: Settings,
) -> int:
    from translator.delivery.endpoint import (
        TranslatorServer,  # Flask and waitress only when serving
    )

    delivery = open_delivery(options, settings, None)
    try:
        server = TranslatorServer(delivery, host, port, write_keys)
        target = delivery.target.base_url
        click.echo(f"translator serve: ready on {server.url}, delivering to {target}")
        sys.stdout.flush()
        with stop_signals(server.request_stop):
            server.serve()
        summary = delivery.summary()
    finally:
        delivery.state.close()
    click.echo("\n".join(summary.lines()), err=True)
    if summary.unreachable:
        return EXIT_UNREACHABLE
    return EXIT_FATAL if summary.stopped and not summary.stopped.startswith("stopped by") else 0
