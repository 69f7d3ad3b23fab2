"""``translator verify``: the contract suite's delivery scenarios against a target, from the
installed package (``translator.verify``), with a pass/fail table.

Exit status: 0 when every scenario passed, 1 when one failed, 2 for a usage error or a refused
token, 3 when the target could not be reached.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

import click
from click.core import ParameterSource

from translator.core.settings import PROFILES
from translator.delivery.target import EMULATOR_URL, REGION_HOSTS, Target, TargetError, base_url_for
from translator.verify.run import Report, TargetProblem, check_target, run_all
from translator.verify.workspace import Workspace

EXIT_FAILED = 1
EXIT_FATAL = 2
EXIT_UNREACHABLE = 3


@click.command("verify")
@click.option(
    "--base-url",
    envvar="INTERCOM_BASE_URL",
    show_envvar=True,
    help=f"API base URL [{EMULATOR_URL}, the emulator].",
)
@click.option(
    "--region",
    type=click.Choice(list(REGION_HOSTS)),
    help="Intercom's host for a data-hosting region: "
    + ", ".join(f"{name} {host}" for name, host in REGION_HOSTS.items())
    + ".",
)
@click.option(
    "--token",
    envvar="INTERCOM_TOKEN",
    show_envvar=True,
    help="Access token of the workspace to verify against (never printed).",
)
@click.option(
    "--profile",
    type=click.Choice(list(PROFILES)),
    default="segment",
    show_default=True,
    help="Vendor whose mapping choices the scenarios' sends follow.",
)
@click.option(
    "--against-emulator",
    is_flag=True,
    help="Start a temporary emulator (own database, loopback, a free port), run the scenarios "
    "there and stop it; no token needed.",
)
def verify_command(
    base_url: str | None,
    region: str | None,
    token: str | None,
    profile: str,
    against_emulator: bool,
) -> None:
    """Run the contract suite's delivery scenarios against Intercom or an emulator, in a
    throwaway namespace, and print a pass/fail table.

    The scenarios: `send` of identify, track and group events of many users leaves exactly the
    expected contacts, companies and events; a `send` killed with SIGKILL mid-run and run again
    delivers every event exactly once. Each run names what it writes from its own prefix
    (tv-<8 hex>: external ids, emails, company ids) and deletes its contacts and companies at
    the end; what Intercom's API cannot delete (the fixed event names
    "intercom-translator verify …", any data attribute a send created) is listed. Against
    real Intercom a run takes a few minutes (reads there lag). Exit status: 0 when every
    scenario passed, 1 when one failed, 2 on a usage error or a refused token, 3 when the
    target could not be reached.
    """
    context = click.get_current_context()
    from_command_line = context.get_parameter_source("base_url") == ParameterSource.COMMANDLINE
    if region is not None and from_command_line:
        raise click.UsageError("give --region or --base-url, not both")
    if against_emulator and (region is not None or from_command_line):
        raise click.UsageError("--against-emulator starts its own target: drop --region/--base-url")
    if against_emulator:
        sys.exit(_against_emulator(token or f"verify-{uuid.uuid4().hex}", profile))
    url = _checked_url(base_url_for(region, base_url), token)
    sys.exit(_verify(url, token or "", profile, owned=False))


def _checked_url(url: str, token: str | None) -> str:
    try:
        return Target(url, token or "").base_url
    except TargetError as error:
        raise click.UsageError(str(error)) from None


def _against_emulator(token: str, profile: str) -> int:
    from translator.verify.local_emulator import EmulatorError, TemporaryEmulator

    with tempfile.TemporaryDirectory(prefix="intercom-translator-emulator-") as directory:
        try:
            with TemporaryEmulator(Path(directory)) as url:
                return _verify(url, token, profile, owned=True)
        except EmulatorError as error:
            click.echo(f"Error: {error}", err=True)
            return EXIT_FATAL


def _verify(url: str, token: str, profile: str, owned: bool) -> int:
    try:
        emulator = check_target(url, token)
    except TargetProblem as problem:
        click.echo(f"Error: {problem}", err=True)
        return EXIT_UNREACHABLE if problem.unreachable else EXIT_FATAL
    workspace = Workspace(
        url,
        token,
        full=owned,
        faults=emulator,
        patience=10.0 if emulator else 90.0,
        profile=profile,
    )
    where = f"a temporary emulator at {url}" if owned else url
    kind = " (an emulator)" if emulator and not owned else ""
    click.echo(
        f"Verifying the translator against {where}{kind}, "
        f"namespace {workspace.prefix}, profile {profile}"
    )
    sys.stdout.flush()
    report = run_all(workspace)
    click.echo("\n".join(report_lines(report, owned)))
    return 0 if report.passed else EXIT_FAILED


def report_lines(report: Report, owned: bool) -> list[str]:
    """The pass/fail table, then what was cleaned up and what was left behind."""
    width = max([len("SCENARIO"), *(len(row.scenario) for row in report.rows)])
    lines = [f"{'SCENARIO':<{width}}  RESULT  REASON"]
    for row in report.rows:
        lines.append(
            f"{row.scenario:<{width}}  {'pass' if row.passed else 'FAIL':<6}  {row.reason}"
        )
    passed = sum(row.passed for row in report.rows)
    lines.append(f"{passed} of {len(report.rows)} scenarios passed")
    if owned:
        lines.append("The temporary emulator is stopped and its database deleted.")
        return lines
    lines.append(f"Cleaned up: {report.deleted} contacts and companies deleted.")
    if report.left:
        lines.append("Left behind (Intercom's API cannot delete these):")
        lines += [f"  {item}" for item in report.left]
    return lines
