"""The servers measured side by side: the emulator (on granian, its default, and on gunicorn),
the bare Flask ceiling (on gunicorn's sync workers and on granian), Prism and WireMock.

Each runs as its users would run it, on a loopback port, and is stopped by its process id.
Prism and WireMock come from the npm registry (`@stoplight/prism-cli`, and `wiremock`, which
carries WireMock's jar), installed once into bench/.node_modules.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
NODE_PREFIX = BENCH / ".node_modules"
INTERCOM_211 = ROOT.parent / "shared/reference/intercom-openapi/2.11/api.intercom.io.yaml"
NPM_PACKAGES = ("@stoplight/prism-cli@5", "wiremock@3")
# Rate limits high enough never to answer 429 under load (the limiter still runs and counts).
NO_RATE_LIMITS = ("--rate-limit-app", "1000000000", "--rate-limit-workspace", "1000000000")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def default_workers() -> int:
    """`emulator serve`'s default --workers, read from its command line definition."""
    from emulator.cli import serve

    return next(int(p.default) for p in serve.params if p.name == "workers")


def ensure_npm_packages() -> Path:
    """Install Prism and WireMock into bench/.node_modules unless they are there already."""
    binaries = NODE_PREFIX / "node_modules" / ".bin"
    if not (binaries / "prism").exists() or not list(
        NODE_PREFIX.glob("node_modules/wiremock/**/*.jar")
    ):
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(NODE_PREFIX),
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                *NPM_PACKAGES,
            ],
            check=True,
            capture_output=True,
        )
    return binaries


def without_bytecode_ban(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment less PYTHONDONTWRITEBYTECODE: a server started with it set compiles
    every module of the emulator from source at each start (0.2 s and more of `emulator serve`'s
    start-up, none of the one-module ceiling's), which no installed package does (pip compiles
    at install; an editable install writes its bytecode at the first start)."""
    return {key: value for key, value in environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def wait_until_answering(url: str, process: subprocess.Popen[Any], timeout: float) -> None:
    """Until `url` answers (any status), retrying a refused connection or a slow answer (a
    server starting under load) until `timeout`; RuntimeError when the process exits first."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            requests.get(url, timeout=min(2.0, left), headers={"Authorization": "Bearer probe"})
            return
        except (requests.ConnectionError, requests.Timeout):  # ReadTimeout included
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered at {url} within {timeout} s")


class Server:
    """A server in its own process group; `url`, `token` and `startup_seconds` once started."""

    name = ""
    label = ""
    token = "bench-token"
    stateful = True

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.process: subprocess.Popen[Any] | None = None
        self.url = ""
        self.startup_seconds = 0.0
        self.log = workdir / f"{self.name}.log"

    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return without_bytecode_ban(os.environ)

    def start(self) -> Server:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                self.command(port),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env=self.environment(),
                start_new_session=True,
            )
        wait_until_answering(self.url + "/me", self.process, timeout=90)
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None


def default_threads() -> int:
    """`emulator serve`'s default threads per worker on its default server."""
    from emulator import config

    return config.DEFAULT_THREADS["granian"]


class Emulator(Server):
    name, label = "emulator", "emulator serve (granian)"

    def command(self, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--port",
            str(port),
            "--db",
            str(self.workdir / "emulator.db"),
            "--workers",
            str(default_workers()),
            *NO_RATE_LIMITS,
        ]


class Ceiling(Server):
    name, label = "ceiling", "bare Flask + SQLite on gunicorn (sync)"

    def command(self, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(default_workers()),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--log-level",
            "warning",
            "bench.ceiling_app:app",
        ]

    def environment(self) -> dict[str, str]:
        return {**without_bytecode_ban(os.environ), "CEILING_DB": str(self.workdir / "ceiling.db")}


class EmulatorGunicorn(Emulator):
    name, label = "emulator-gunicorn", "emulator serve --server gunicorn"

    def command(self, port: int) -> list[str]:
        command = super().command(port)
        command[command.index("--db") + 1] = str(self.workdir / "emulator-gunicorn.db")
        return [*command, "--server", "gunicorn"]


class CeilingGranian(Ceiling):
    name, label = "ceiling-granian", "bare Flask + SQLite on granian"

    def command(self, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--workers",
            str(default_workers()),
            "--blocking-threads",
            str(default_threads()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "bench.ceiling_app:app",
        ]

    def environment(self) -> dict[str, str]:
        return {
            **without_bytecode_ban(os.environ),
            "CEILING_DB": str(self.workdir / "ceiling-granian.db"),
        }


def prism_description(workdir: Path) -> Path:
    """Intercom's 2.11 description as JSON, with the one schema it refers to but lacks
    (`custom_attributes`) added as a plain object: Prism refuses to start on a dangling $ref."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    description = yaml.load(INTERCOM_211.read_text(encoding="utf-8"), Loader=loader)
    schemas = description["components"]["schemas"]
    text = json.dumps(description)
    for name in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)) - set(schemas):
        schemas[name] = {"type": "object"}
    path = workdir / "intercom-2.11.json"
    path.write_text(json.dumps(description), encoding="utf-8")
    return path


class Prism(Server):
    name, label = "prism", "Prism (mock of Intercom 2.11)"
    stateful = False

    def command(self, port: int) -> list[str]:
        prism = ensure_npm_packages() / "prism"
        description = prism_description(self.workdir)
        # Logging each request at Prism's default level costs it throughput: its best case.
        return [
            str(prism),
            "mock",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-v",
            "error",
            str(description),
        ]


class WireMock(Server):
    name, label = "wiremock", "WireMock (static stubs)"
    stateful = False

    def command(self, port: int) -> list[str]:
        ensure_npm_packages()
        jar = sorted(NODE_PREFIX.glob("node_modules/wiremock/**/wiremock-standalone-*.jar"))[-1]
        # No request journal or request log: WireMock's own advice for load, its best case.
        return [
            "java",
            "-jar",
            str(jar),
            "--port",
            str(port),
            "--root-dir",
            str(BENCH / "wiremock"),
            "--disable-banner",
            "--no-request-journal",
            "--disable-request-logging",
        ]


def create_contacts(server: Server, count: int, prefix: str) -> list[dict[str, str]]:
    """Contacts the load can refer to (events, reads, searches), created through the API."""
    session = requests.Session()
    session.headers.update(
        {"Authorization": f"Bearer {server.token}", "Accept": "application/json"}
    )
    created = []
    for number in range(count):
        body = {
            "role": "user",
            "email": f"{prefix}-{number}@seed.example.com",
            "external_id": f"{prefix}-{number}",
            "name": f"Seed {number}",
        }
        response = session.post(f"{server.url}/contacts", json=body, timeout=30)
        response.raise_for_status()
        created.append(
            {
                "id": response.json()["id"],
                "email": body["email"],
                "external_id": body["external_id"],
            }
        )
    return created


def all_servers() -> list[type[Server]]:
    return [Emulator, EmulatorGunicorn, Ceiling, CeilingGranian, Prism, WireMock]


def scratch_dir() -> Path:
    """A temporary directory, removed when the benchmark ends."""
    path = Path(tempfile.mkdtemp(prefix="intercom-bench-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
