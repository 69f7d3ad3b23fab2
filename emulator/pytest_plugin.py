"""pytest fixtures for code that talks to Intercom: test it against a real, local emulator.

Installing `intercom-emulator` registers this plugin (entry point `pytest11`), so any project's
tests can ask for:

- `intercom_emulator` (session): one `emulator serve` on a free loopback port for the whole run,
  or the server `--intercom-emulator-url` names. `.url`, and `.client(token)`, a
  `requests.Session` whose relative URLs (`"/contacts"`) go to the emulator.
- `intercom_workspace` (function): a fresh bearer token, so a fresh, empty workspace, for each
  test: `.token`, `.url`, `.get/.post/.put/.patch/.delete`, `.settings(**changes)`,
  `.seed(document)`, `.fault(**rule)`, `.clock(**change)`, `.reset()`.
- `intercom_journal` (function): the requests the test's workspace made, with the emulator's
  verdict: `.entries(...)`, `.assert_called(method, path, times=...)`,
  `.assert_not_called(...)`, `.assert_no_refusals()`.

Nothing starts until a test asks for one of these fixtures.

Search lags behind writes as at Intercom (the `search_lag_seconds` setting, 5 s by default): to
find a contact just written, move the workspace's clock past the lag rather than sleeping,
`intercom_workspace.clock(advance=60)`, or turn the lag off for the workspace,
`intercom_workspace.settings(search_lag_seconds=0)`.
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulator.control_client import ControlError, describe_refusal

URL_OPTION = "--intercom-emulator-url"
ADMIN_TOKEN_OPTION = "--intercom-emulator-admin-token"


class EmulatorSession(requests.Session):
    """A `requests.Session` that sends relative URLs (`/contacts`) to one emulator."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if isinstance(url, str) and url.startswith("/"):
            url = self.base_url + url
        return super().request(method, url, *args, **kwargs)


class IntercomEmulator:
    """A running emulator: its URL and sessions that speak to it as a given token."""

    def __init__(self, url: str, admin_token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token

    def client(self, token: str, version: str | None = None) -> EmulatorSession:
        """A session authorised as `token` (one workspace), optionally pinning Intercom-Version."""
        session = EmulatorSession(self.url)
        session.headers["Authorization"] = f"Bearer {token}"
        session.headers["Accept"] = "application/json"
        if version:
            session.headers["Intercom-Version"] = version
        if self.admin_token:
            session.headers["X-Emulator-Admin-Token"] = self.admin_token
        return session

    def workspace(self, token: str | None = None) -> IntercomWorkspace:
        """The workspace of `token`; a new token (a new, empty workspace) by default."""
        return IntercomWorkspace(self, token or f"pytest-{uuid.uuid4().hex}")


class IntercomWorkspace:
    """One workspace of the emulator, reached through its own bearer token."""

    def __init__(self, emulator: IntercomEmulator, token: str) -> None:
        self.emulator = emulator
        self.token = token
        self.url = emulator.url
        self.session = emulator.client(token)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the control API (`/_emulator/...`); its JSON answer, or ControlError."""
        response = self.request(method, f"/_emulator/{path.lstrip('/')}", **kwargs)
        if response.status_code >= 400:
            raise ControlError(f"{method} /_emulator/{path}: {describe_refusal(response)}")
        return response.json()

    def settings(self, **changes: Any) -> dict[str, Any]:
        """Change some settings (`event_name_limit=2`); every setting after the change."""
        if not changes:
            return self.control("GET", "settings")  # type: ignore[no-any-return]
        return self.control("PATCH", "settings", json=changes)  # type: ignore[no-any-return]

    def seed(self, document: dict[str, Any]) -> dict[str, Any]:
        """Load data attributes, companies, contacts, tags, event names and events at once."""
        return self.control("POST", "seed", json=document)  # type: ignore[no-any-return]

    def fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule, e.g. `fault(method="POST", path="/events", status=503, times=2)`."""
        return self.control("POST", "faults", json=rule)  # type: ignore[no-any-return]

    def clock(self, **change: Any) -> dict[str, Any]:
        """Freeze, set or advance the workspace's clock (`clock(freeze=True, at=1700000000)`)."""
        return self.control("POST", "clock", json=change)  # type: ignore[no-any-return]

    def reset(self) -> None:
        """Forget the workspace's data (settings stay)."""
        self.control("POST", "reset")

    @property
    def journal(self) -> IntercomJournal:
        return IntercomJournal(self)


class IntercomJournal:
    """The API requests a workspace made, oldest first, each with the emulator's verdict."""

    def __init__(self, workspace: IntercomWorkspace) -> None:
        self.workspace = workspace

    def entries(
        self,
        method: str | None = None,
        path: str | None = None,
        status: int | str | None = None,
        verdict: str | None = None,
    ) -> list[dict[str, Any]]:
        """Journal entries, oldest first. `path` is exact or a glob (`/contacts/*`); `status`
        an int or a class (`"4xx"`); `verdict` "accepted" or "refused"."""
        found = self.workspace.control("GET", "journal", params={"limit": 10_000})["data"]
        found.reverse()
        return [entry for entry in found if _matches(entry, method, path, status, verdict)]

    def assert_called(
        self,
        method: str,
        path: str,
        times: int | None = None,
        status: int | str | None = None,
    ) -> list[dict[str, Any]]:
        """Assert `method path` was requested (`times` times exactly, when given); returns the
        matching entries."""
        __tracebackhide__ = True  # failures point at the test, not here
        matching = self.entries(method, path, status)
        if (times is None and matching) or len(matching) == times:
            return matching
        wanted = "at least once" if times is None else _times(times)
        what = f"{method.upper()} {path}" + (f" with status {status}" if status else "")
        raise AssertionError(
            f"expected {what} {wanted}, it was requested {_times(len(matching))}.\n"
            + self.summary()
        )

    def assert_not_called(self, method: str, path: str) -> None:
        __tracebackhide__ = True  # failures point at the test, not here
        matching = self.entries(method, path)
        if matching:
            raise AssertionError(
                f"expected no {method.upper()} {path}, it was requested {_times(len(matching))}.\n"
                + self.summary()
            )

    def assert_no_refusals(self) -> None:
        """Assert the emulator accepted every request (no 4xx or 5xx answer)."""
        __tracebackhide__ = True  # failures point at the test, not here
        refused = self.entries(verdict="refused")
        if refused:
            lines = "\n".join(f"  {_line(entry)}" for entry in refused)
            raise AssertionError(f"the emulator refused {_times(len(refused))}:\n{lines}")

    def summary(self) -> str:
        """Every request of the workspace, one line each, for failure messages."""
        made = self.entries()
        if not made:
            return "No requests were made to the emulator in this workspace."
        return "Requests made:\n" + "\n".join(f"  {_line(entry)}" for entry in made)


def _matches(
    entry: dict[str, Any],
    method: str | None,
    path: str | None,
    status: int | str | None,
    verdict: str | None,
) -> bool:
    if method and entry["method"] != method.upper():
        return False
    if path and not fnmatch.fnmatchcase(entry["path"], path):
        return False
    if verdict and entry["verdict"] != verdict:
        return False
    if status is None:
        return True
    text = str(status).lower()
    if text.endswith("xx"):
        return str(entry["status"]).startswith(text[0])
    return bool(entry["status"] == int(status))


def _line(entry: dict[str, Any]) -> str:
    line = f"{entry['method']} {entry['path']} -> {entry['status']}"
    if entry.get("error"):
        line += f" {entry['error']['code']}: {entry['error']['message']}"
    for warning in entry.get("warnings") or []:
        line += f" (warning: {warning})"
    return line


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


# --- fixtures ---------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("intercom-emulator")
    group.addoption(
        URL_OPTION,
        default=None,
        metavar="URL",
        help="Use the emulator already running at URL instead of starting one.",
    )
    group.addoption(
        ADMIN_TOKEN_OPTION,
        default=None,
        metavar="TOKEN",
        help="The admin token of the emulator at --intercom-emulator-url, if it has one.",
    )


@pytest.fixture(scope="session")
def intercom_emulator(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IntercomEmulator]:
    """A real emulator for the whole test session (started on first use)."""
    url = request.config.getoption(URL_OPTION)
    if url:
        yield IntercomEmulator(url, request.config.getoption(ADMIN_TOKEN_OPTION))
        return
    from emulator.testing import EmulatorProcess

    database = tmp_path_factory.mktemp("intercom-emulator") / "emulator.db"
    server = EmulatorProcess(database).start()
    try:
        yield IntercomEmulator(server.url)
    finally:
        server.stop()


@pytest.fixture
def intercom_workspace(intercom_emulator: IntercomEmulator) -> Iterator[IntercomWorkspace]:
    """A fresh workspace (its own bearer token) for one test."""
    workspace = intercom_emulator.workspace()
    yield workspace
    workspace.session.close()


@pytest.fixture
def intercom_journal(intercom_workspace: IntercomWorkspace) -> IntercomJournal:
    """The requests `intercom_workspace` received, with assertions about them."""
    return intercom_workspace.journal


__all__ = [
    "ControlError",
    "EmulatorSession",
    "IntercomEmulator",
    "IntercomJournal",
    "IntercomWorkspace",
]
