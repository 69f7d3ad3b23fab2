"""pytest fixtures for code that talks to Intercom: test it against a real, local emulator.

Installing `intercom-emulator` registers this plugin (entry point `pytest11`), so any project's
tests can ask for:

- `intercom_emulator` (session): one `emulator serve` on a free loopback port for the whole run,
  or the server `--intercom-emulator-url` names. `.url`, and `.client(token)`, a
  `requests.Session` whose relative URLs (`"/contacts"`) go to the emulator.
- `intercom_workspace` (function): a fresh bearer token, so a fresh, empty workspace, for each
  test (deleted after it): `.token`, `.url`, `.get/.post/.put/.patch/.delete`,
  `.settings(**changes)`, `.seed(document)`, `.fault(**rule)`, `.clock(**change)`, `.reset()`.
- `intercom_journal` (function): the requests the test's workspace made, with the emulator's
  verdict: `.entries(...)`, `.assert_called(method, path, times=...)`,
  `.assert_not_called(...)`, `.assert_no_refusals()`.
- `intercom_webhooks` (function): a local receiver of webhook notifications:
  `.subscribe(intercom_workspace, "contact.user.created")`, then
  `.wait_for("contact.user.created", timeout=10)` (its `X-Hub-Signature` checked).

- `intercom_inprocess` (session), `intercom_inprocess_workspace` and `intercom_inprocess_journal`
  (function): the same, with the emulator's app called inside the test process (no server, no
  socket; `emulator.inprocess`). `intercom_inprocess.httpx_client()` is an httpx.Client for
  Intercom's official SDK: `Intercom(token=..., httpx_client=intercom_inprocess.httpx_client())`.

Nothing starts until a test asks for one of these fixtures.

Search lags behind writes as at Intercom (the `search_lag_seconds` setting, 5 s by default): to
find a contact just written, move the workspace's clock past the lag rather than sleeping,
`intercom_workspace.clock(advance=60)`, or turn the lag off for the workspace,
`intercom_workspace.settings(search_lag_seconds=0)`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulator.control_client import ControlError, describe_refusal
from emulator.journal_assertions import IntercomJournal

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
        self._mount(session)
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

    def _mount(self, session: requests.Session) -> None:
        """A real server is reached over HTTP: nothing to mount."""


class InProcessEmulator(IntercomEmulator):
    """The emulator's app inside this process (`emulator.inprocess`): sessions and httpx
    clients call it directly, on Intercom's own URL, with no server and no socket."""

    def __init__(self, app: Any) -> None:
        from emulator import inprocess

        super().__init__(inprocess.DEFAULT_BASE_URL)
        self.app = app
        self.adapter = inprocess.requests_adapter(app)

    def _mount(self, session: requests.Session) -> None:
        session.trust_env = False  # no proxy or .netrc look-ups: nothing leaves the process
        session.mount("http://", self.adapter)
        session.mount("https://", self.adapter)

    def httpx_transport(self) -> Any:
        """An httpx transport to this app."""
        from emulator import inprocess

        return inprocess.httpx_transport(self.app)

    def httpx_client(self) -> Any:
        """An httpx.Client to this app (`Intercom(token=..., httpx_client=...)`)."""
        from emulator import inprocess

        return inprocess.httpx_client(self.app)


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
            return self.control("GET", "settings")
        return self.control("PATCH", "settings", json=changes)

    def seed(self, document: dict[str, Any]) -> dict[str, Any]:
        """Load data attributes, companies, contacts, tags, segments, subscription types, event
        names and events at once."""
        return self.control("POST", "seed", json=document)

    def fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule, e.g. `fault(method="POST", path="/events", status=503, times=2)`."""
        return self.control("POST", "faults", json=rule)

    def clock(self, **change: Any) -> dict[str, Any]:
        """Freeze, set or advance the workspace's clock (`clock(freeze=True, at=1700000000)`)."""
        return self.control("POST", "clock", json=change)

    def reset(self) -> None:
        """Forget the workspace's data (settings stay)."""
        self.control("POST", "reset")

    @property
    def journal(self) -> IntercomJournal:
        return IntercomJournal(self)


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


def _discard(workspace: IntercomWorkspace) -> None:
    """Delete the test's workspace, so a long run stays under the server's max_workspaces (a
    server already gone, or a workspace never used, is fine)."""
    with contextlib.suppress(requests.RequestException):
        workspace.session.delete("/_emulator/workspace")
    workspace.session.close()


@pytest.fixture
def intercom_workspace(intercom_emulator: IntercomEmulator) -> Iterator[IntercomWorkspace]:
    """A fresh workspace (its own bearer token) for one test, deleted after it."""
    workspace = intercom_emulator.workspace()
    yield workspace
    _discard(workspace)


@pytest.fixture
def intercom_journal(intercom_workspace: IntercomWorkspace) -> IntercomJournal:
    """The requests `intercom_workspace` received, with assertions about them."""
    return intercom_workspace.journal


@pytest.fixture(scope="session")
def intercom_inprocess(tmp_path_factory: pytest.TempPathFactory) -> InProcessEmulator:
    """The emulator's app in this process for the whole test session (built on first use)."""
    from emulator import inprocess

    database = tmp_path_factory.mktemp("intercom-inprocess") / "emulator.db"
    return InProcessEmulator(inprocess.create_app(database))


@pytest.fixture
def intercom_inprocess_workspace(
    intercom_inprocess: InProcessEmulator,
) -> Iterator[IntercomWorkspace]:
    """A fresh workspace (its own bearer token) of the in-process emulator, for one test, deleted
    after it."""
    workspace = intercom_inprocess.workspace()
    yield workspace
    _discard(workspace)


@pytest.fixture
def intercom_inprocess_journal(intercom_inprocess_workspace: IntercomWorkspace) -> IntercomJournal:
    """The requests `intercom_inprocess_workspace` received, with assertions about them."""
    return intercom_inprocess_workspace.journal


@pytest.fixture
def intercom_webhooks() -> Iterator[Any]:
    """A webhook receiver on 127.0.0.1 for one test (emulator.webhook_receiver): `.url`,
    `.secret`, `.subscribe(workspace, *topics)`, `.wait_for(topic, timeout)` (signature
    checked), `.topics()`, `.fail_next(times)`."""
    from emulator.webhook_receiver import WebhookReceiver

    with WebhookReceiver() as receiver:
        yield receiver


__all__ = [
    "ControlError",
    "EmulatorSession",
    "InProcessEmulator",
    "IntercomEmulator",
    "IntercomJournal",
    "IntercomWorkspace",
]
