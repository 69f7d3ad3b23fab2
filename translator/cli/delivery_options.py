"""The options every delivering command takes (``send``, ``serve``), and where their files go.

``--base-url`` (env ``INTERCOM_BASE_URL``) or ``--region us|eu|au`` pick the host, the emulator
(``http://127.0.0.1:8000``) by default; ``--token`` (env ``INTERCOM_TOKEN``) is never printed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from translator.delivery.retry import RetryPolicy
from translator.delivery.target import (
    DEFAULT_TIMEOUT,
    EMULATOR_URL,
    REGION_HOSTS,
    Target,
    TargetError,
    base_url_for,
)


@dataclass(frozen=True)
class DeliveryOptions:
    """The options every delivering command takes, as given."""

    base_url: str
    token: str | None
    workers: int
    timeout: float
    max_attempts: int
    state: str | None
    dead_letter: str | None
    verbose: bool
    create_attributes: bool = True

    def target(self, api_version: str) -> Target:
        try:
            return Target(self.base_url, self.token or "", api_version, self.timeout)
        except TargetError as error:
            raise click.UsageError(str(error)) from None

    def policy(self) -> RetryPolicy:
        return RetryPolicy(max_attempts=self.max_attempts)


_OPTIONS: list[Callable] = [
    click.option(
        "--base-url",
        envvar="INTERCOM_BASE_URL",
        show_envvar=True,
        help=f"API base URL [{EMULATOR_URL}, the emulator].",
    ),
    click.option(
        "--region",
        type=click.Choice(list(REGION_HOSTS)),
        help="Intercom's host for a data-hosting region: "
        + ", ".join(f"{name} {host}" for name, host in REGION_HOSTS.items())
        + ".",
    ),
    click.option(
        "--token",
        envvar="INTERCOM_TOKEN",
        show_envvar=True,
        help="Intercom access token (never printed).",
    ),
    click.option(
        "--workers",
        type=click.IntRange(1, 64),
        default=4,
        show_default=True,
        help="Users delivered in parallel (each user's events stay in order).",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        help="Seconds to wait for each answer before retrying.",
    ),
    click.option(
        "--max-attempts",
        type=click.IntRange(1, 50),
        default=RetryPolicy.max_attempts,
        show_default=True,
        help="Tries per call on 5xx, 408, timeouts and lost connections.",
    ),
    click.option("--state", type=click.Path(dir_okay=False), help="State file (SQLite)."),
    click.option(
        "--dead-letter",
        type=click.Path(dir_okay=False),
        help="Dead-letter file (JSON lines).",
    ),
    click.option(
        "--create-attributes/--no-create-attributes",
        default=True,
        show_default=True,
        help="Read the workspace's data attributes once and create the missing ones the events "
        "need (2.x), within Intercom's limit, each reported.",
    ),
    click.option(
        "-v", "--verbose", is_flag=True, help="Log retries, created attributes, dead letters."
    ),
]


def delivery_options(command: Callable) -> Callable:
    """Add the delivery options to ``command`` and pass it ``delivery=DeliveryOptions(...)``."""

    @functools.wraps(command)
    def with_options(*args: Any, **kwargs: Any) -> Any:
        region, base_url = kwargs.pop("region"), kwargs.pop("base_url")
        source = click.get_current_context().get_parameter_source("base_url")
        if region is not None and source == ParameterSource.COMMANDLINE:
            raise click.UsageError("give --region or --base-url, not both")
        kwargs["delivery"] = DeliveryOptions(
            base_url=base_url_for(region, base_url),
            token=kwargs.pop("token"),
            workers=kwargs.pop("workers"),
            timeout=kwargs.pop("timeout"),
            max_attempts=kwargs.pop("max_attempts"),
            state=kwargs.pop("state"),
            dead_letter=kwargs.pop("dead_letter"),
            verbose=kwargs.pop("verbose"),
            create_attributes=kwargs.pop("create_attributes"),
        )
        return command(*args, **kwargs)

    for option in reversed(_OPTIONS):
        with_options = option(with_options)
    return with_options


def default_paths(source_name: str | None) -> tuple[str, str]:
    """State and dead-letter files beside the input (``events.jsonl`` -> ``events.state.db``,
    ``events.dead-letters.jsonl``), or ``translator.*`` in the working directory for stdin."""
    if source_name and source_name not in ("-", "<stdin>"):
        path = Path(source_name)
        stem = path.with_suffix("") if path.suffix else path
        return f"{stem}.state.db", f"{stem}.dead-letters.jsonl"
    return "translator.state.db", "translator.dead-letters.jsonl"
