"""The delivery scenarios (``translator.verify.scenarios``, the ones ``translator verify`` runs
from an install) against the emulator, and against real Intercom with
``pytest contracts -m intercom`` when ``INTERCOM_TOKEN`` is set (never in CI: without both, the
Intercom runs are skipped; ``intercom-translator verify --region us|eu|au`` runs the same from an
install).

1. ``translator send`` on identify/track/group events of many users leaves exactly the expected
   contacts, companies, attachments and events.
2. ``translator send`` killed with SIGKILL mid-run, then run again with the same state file:
   every event lands exactly once, including events without a timestamp (dated by the time they
   were first received, kept in the state file, so a re-sent one is the same event to Intercom).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.testing import EmulatorProcess
from translator.verify.scenarios import (
    WORKERS,
    killed_run_resumes_exactly_once,
    send_leaves_exactly_the_expected_data,
)
from translator.verify.workspace import Workspace


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    # A group right after its user's identify finds no contact while search lags, and the
    # translator then attaches nobody (as it would at Intercom, whose search lags minutes):
    # these scenarios check delivery, so the emulator's search lag is off.
    with EmulatorProcess(":memory:", "--search-lag-seconds", "0", workers=WORKERS) as server:
        yield server


def intercom_workspace(config: pytest.Config) -> Workspace | None:
    """Real Intercom, only when asked for with ``-m intercom`` and ``INTERCOM_TOKEN`` is set."""
    token = os.environ.get("INTERCOM_TOKEN")
    if not token or "intercom" not in (config.getoption("-m") or ""):
        return None
    url = os.environ.get("INTERCOM_BASE_URL", "https://api.intercom.io")
    return Workspace(url, token, patience=90.0)


@pytest.fixture(params=["emulator", pytest.param("intercom", marks=pytest.mark.intercom)])
def workspace(request: pytest.FixtureRequest) -> Iterator[Workspace]:
    if request.param == "emulator":
        server = request.getfixturevalue("emulator")
        token = f"scenario-{uuid.uuid4().hex}"
        yield Workspace(server.url, token, full=True, faults=True, patience=0.0)
        return
    real = intercom_workspace(request.config)
    if real is None:
        pytest.skip("real Intercom: run `pytest contracts -m intercom` with INTERCOM_TOKEN set")
    try:
        yield real
    finally:
        real.clean_up()


def test_send_leaves_exactly_the_expected_contacts_companies_and_events(
    workspace: Workspace, tmp_path: Path
) -> None:
    print("\n" + send_leaves_exactly_the_expected_data(workspace, tmp_path))


def test_a_run_killed_mid_way_resumes_and_delivers_every_event_exactly_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    print("\n" + killed_run_resumes_exactly_once(workspace, tmp_path))
