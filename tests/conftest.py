"""Fixtures shared by the whole suite: an app on a real SQLite file, and clients that check every
response against Intercom's own 2.11 description when it is present."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from emulator import create_app
from tests import intercom_reference


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "emulator.db"


@pytest.fixture
def app(db_path: Path) -> Flask:
    return create_app({"DATABASE": str(db_path)})


class ApiClient:
    """A Flask test client that speaks as one bearer token and checks each response's body
    against Intercom's description of the version it speaks: 2.10 and 2.16 against their own,
    every other 2.x against 2.11, 1.x against none (`check=False` for deliberately off-spec
    requests)."""

    def __init__(self, client: FlaskClient, token: str, version: str | None = None) -> None:
        self.client = client
        self.token = token
        self.version = version
        # Intercom publishes no 1.x description: a 1.x answer is checked against description/
        # by the tests that speak 1.x (tests/emulator/test_legacy_*.py).
        legacy = version is not None and version.startswith("1.")
        reference = version if version in ("2.10", "2.16") else "2.11"
        self.spec = None if legacy else intercom_reference.load(reference)

    def request(self, method: str, path: str, *, check: bool = True, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        if self.version:
            headers.setdefault("Intercom-Version", self.version)
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        if check and self.spec is not None and not path.startswith("/_emulator"):
            body = response.get_json(silent=True) if response.data else None
            if body is not None or response.status_code != 202:
                self.spec.assert_valid(method, path.split("?")[0], response.status_code, body)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def token() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def client(app: Flask, token: str) -> Iterator[ApiClient]:
    yield ApiClient(app.test_client(), token)


@pytest.fixture
def other_client(app: Flask) -> ApiClient:
    """A second token: its own workspace on the same server."""
    return ApiClient(app.test_client(), f"other-{uuid.uuid4().hex}")


def checked_session(server: Any, token: str) -> Any:
    """A requests session on a running emulator whose every response is checked against
    Intercom's 2.11 description, like ApiClient's."""
    from urllib.parse import urlsplit

    session = server.session(token)
    spec = intercom_reference.load()

    def check(response: Any, *args: Any, **kwargs: Any) -> None:
        path = urlsplit(response.request.url).path
        if spec is None or path.startswith("/_emulator"):
            return
        body = response.json() if response.content else None
        if body is not None or response.status_code != 202:
            spec.assert_valid(response.request.method, path, response.status_code, body)

    session.hooks["response"].append(check)
    return session


@pytest.fixture
def emulator_server(tmp_path: Path) -> Iterator[Any]:
    """A real `emulator serve` on a free loopback port and a SQLite file in tmp_path."""
    from emulator.testing import EmulatorProcess

    server = EmulatorProcess(tmp_path / "served.db").start()
    try:
        yield server
    finally:
        server.stop()


def post_reset(client: ApiClient, db_path: Path, everything: bool) -> Any:
    """`POST /_emulator/reset` as `client`; with `everything`, `?all=true` with the admin token
    it needs, through a second app on the same database that has one."""
    if not everything:
        return client.post("/_emulator/reset")
    admin = create_app({"DATABASE": str(db_path), "ADMIN_TOKEN": "conftest-admin"}).test_client()
    headers = {
        "X-Emulator-Admin-Token": "conftest-admin",
        "Authorization": f"Bearer {client.token}",
    }
    return admin.post("/_emulator/reset?all=true", headers=headers)
