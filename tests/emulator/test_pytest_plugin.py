"""The pytest plugin: installed with the package, its fixtures work in any project."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

THROWAWAY_TESTS = """
def test_creates_a_contact(intercom_workspace, intercom_journal):
    created = intercom_workspace.post("/contacts", json={"email": "ada@example.com"})
    assert created.status_code == 200
    intercom_journal.assert_called("POST", "/contacts", times=1)
    intercom_journal.assert_no_refusals()


def test_each_test_gets_an_empty_workspace(intercom_workspace):
    assert intercom_workspace.get("/contacts").json()["total_count"] == 0


def test_a_failing_assertion_lists_the_requests(intercom_workspace, intercom_journal):
    intercom_workspace.get("/me")
    intercom_workspace.post("/contacts", json={"email": 42})
    intercom_journal.assert_called("POST", "/contacts", times=2)
"""


def test_a_throwaway_project_gets_the_fixtures_without_configuring_anything(tmp_path):
    """Nothing names the plugin (no -p, no conftest): the pytest11 entry point loads it."""
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    (tmp_path / "test_sample.py").write_text(THROWAWAY_TESTS)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_sample.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "1 failed, 2 passed" in result.stdout, result.stdout + result.stderr
    # The failure reads as the user's assertion, followed by every request the test made.
    failure = [line.removeprefix("E").strip() for line in result.stdout.splitlines()]
    assert failure[failure.index("Requests made:") - 1 : failure.index("Requests made:") + 3] == [
        "AssertionError: expected POST /contacts 2 times, it was requested once.",
        "Requests made:",
        "GET /me -> 200",
        "POST /contacts -> 400 parameter_invalid: email must be a string",
    ]
    assert "def assert_called" not in result.stdout  # the plugin's own frames are hidden


def test_workspace_helpers_reach_the_control_api(intercom_workspace):
    assert intercom_workspace.settings(event_name_limit=2)["event_name_limit"] == 2
    seeded = intercom_workspace.seed({"contacts": [{"external_id": "u1"}]})
    assert seeded["created"] == {"contacts": 1}
    intercom_workspace.fault(method="GET", path="/me", status=503, times=1)
    assert intercom_workspace.get("/me").status_code == 503
    assert intercom_workspace.get("/me").status_code == 200
    assert intercom_workspace.clock(freeze=True, at=1_700_000_000)["now"] == 1_700_000_000
    intercom_workspace.reset()
    assert intercom_workspace.get("/contacts").json()["total_count"] == 0


def test_a_refused_control_request_raises_with_the_reason(intercom_workspace):
    from emulator.control_client import ControlError

    with pytest.raises(ControlError, match="event_name_limit' must be a positive integer"):
        intercom_workspace.settings(event_name_limit=0)


def test_journal_entries_are_oldest_first_and_filterable(intercom_workspace, intercom_journal):
    intercom_workspace.get("/me")
    intercom_workspace.post("/contacts", json={"email": "ada@example.com"})
    intercom_workspace.post("/contacts", json={"email": "ada@example.com"})  # 409
    assert [e["status"] for e in intercom_journal.entries()] == [200, 200, 409]
    assert [e["path"] for e in intercom_journal.entries(status="4xx")] == ["/contacts"]
    intercom_journal.assert_called("POST", "/contacts", times=1, status=200)
    intercom_journal.assert_called("GET", "/m*")
    intercom_journal.assert_not_called("DELETE", "/contacts/*")


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (lambda j: j.assert_no_refusals(), "the emulator refused once:\n  POST /contacts -> 409"),
        (lambda j: j.assert_called("GET", "/tags"), "expected GET /tags at least once, it was"),
        (lambda j: j.assert_not_called("POST", "/contacts"), "expected no POST /contacts"),
    ],
)
def test_failed_journal_assertions_say_what_happened(
    intercom_workspace, intercom_journal, check, message
):
    intercom_workspace.post("/contacts", json={"email": "ada@example.com"})
    intercom_workspace.post("/contacts", json={"email": "ada@example.com"})
    with pytest.raises(AssertionError) as failure:
        check(intercom_journal)
    assert message in str(failure.value)


def test_a_client_for_any_token_uses_relative_urls(intercom_emulator):
    session = intercom_emulator.client("plugin-shared-token")
    assert session.get("/me").json()["type"] == "admin"


def test_the_clock_skips_the_search_lag(intercom_workspace):
    """The README's idiom: search lags behind a write (Intercom: the delay "can take a few
    minutes", 2.16 `POST /contacts/search`; 5 s here by default), and advancing the workspace's
    clock skips the wait. Through the plugin's real `emulator serve`."""
    intercom_workspace.clock(freeze=True)
    assert intercom_workspace.post("/contacts", json={"email": "a@b.example"}).status_code == 200
    query = {"query": {"field": "email", "operator": "=", "value": "a@b.example"}}
    assert intercom_workspace.post("/contacts/search", json=query).json()["total_count"] == 0
    intercom_workspace.clock(advance=60)
    assert intercom_workspace.post("/contacts/search", json=query).json()["total_count"] == 1
