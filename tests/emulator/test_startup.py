"""What `emulator serve` checks before it listens, and what it prints once it does (issue 17,
items 1, 6 and 8): a `--db` it cannot use and a missing OpenAPI description are one line and
exit 2, never a traceback or a server that answers differently; the banner's sample request
works as printed, and it names the inspector's URL."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from emulator import openapi, startup
from emulator.cli import main
from emulator.testing import EmulatorProcess


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    """`emulator serve` in a child process that must exit by itself; killed (and the test
    failed) if it starts serving instead."""
    command = [sys.executable, "-m", "emulator", "serve", "--port", "0", *args]
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        pytest.fail(f"emulator serve {' '.join(args)} started instead of refusing")
    return subprocess.CompletedProcess(command, child.returncode, out, err)


def _not_sqlite(tmp_path: Path) -> str:
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database, it only ends up named as one\n" * 200)
    return str(path)


@pytest.mark.parametrize(
    ("db", "expected"),
    [
        (lambda tmp: str(tmp / "missing" / "e.db"), "the directory {tmp}/missing does not exist"),
        (lambda tmp: str(tmp), "is a directory; give a file path"),
        (_not_sqlite, "the file is not an SQLite database"),
        # Nothing can be created in /proc, not even by root (the tests may run as root, for
        # whom a chmod-ed directory is still writable).
        (lambda tmp: "/proc/emulator.db", "cannot create or open the file there"),
    ],
    ids=["directory missing", "a directory", "not SQLite", "not writable"],
)
def test_a_db_it_cannot_use_is_one_line_and_exit_2(tmp_path: Path, db, expected) -> None:
    path = db(tmp_path)
    result = _serve("--db", path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: --db {path}")
    assert expected.format(tmp=tmp_path) in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # no traceback


def test_a_db_from_a_previous_run_is_accepted(tmp_path: Path) -> None:
    path = str(tmp_path / "e.db")
    startup.check_database(path)
    startup.check_database(path)  # migrated already: nothing to do, no complaint
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert ("workspaces",) in tables


def test_without_its_description_serve_refuses_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """(tests/test_installed_package.py removes the files from a real install too.)"""
    monkeypatch.setattr(openapi, "DESCRIPTION_DIR", tmp_path / "nowhere")
    result = CliRunner().invoke(main, ["serve", "--db", ":memory:", "--port", "0"])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: the emulator's OpenAPI description is missing ({tmp_path}/nowhere/intercom.yaml):"
        " reinstall the intercom-emulator package\n"
    )


def _banner(server: EmulatorProcess) -> list[str]:
    """The banner's lines after the first (which EmulatorProcess has read)."""
    assert server.process is not None and server.process.stdout is not None
    lines = []
    while not lines or lines[-1] != "Press Ctrl-C to stop.":
        lines.append(server.process.stdout.readline().rstrip("\n"))
    return lines


def _try_it(line: str) -> requests.Response:
    """Run the banner's `Try: curl ...` line as curl would."""
    match = re.fullmatch(r"Try: curl -s (\S+) -H '([^:]+): ([^']+)' -H '([^:]+): ([^']+)'", line)
    assert match, line
    url, *headers = match.groups()
    return requests.get(url, headers=dict(zip(headers[::2], headers[1::2], strict=True)))


def test_the_banner_suggests_an_accepted_token_and_names_the_inspector(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text('[[workspaces]]\ntokens = ["acme-1"]\n')
    args = ["--token", "ci-token", "--config", str(config)]
    with EmulatorProcess(tmp_path / "e.db", *args, workers=1) as server:
        lines = _banner(server)
        assert _try_it(lines[0]).status_code == 200
        assert "Bearer ci-token" in lines[0]
        assert lines[1] == "Accepted tokens: ci-token, acme-1"
        assert lines[2] == f"Inspector: {server.url}/_emulator/?token=ci-token"
        page = requests.get(lines[2].removeprefix("Inspector: "))
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]


def test_without_token_flags_the_banner_says_any_token_works(tmp_path: Path) -> None:
    with EmulatorProcess(tmp_path / "e.db", workers=1) as server:
        lines = _banner(server)
        assert _try_it(lines[0]).status_code == 200
        assert lines[1] == "Any bearer token is accepted and becomes its own workspace."
        assert lines[2] == f"Inspector: {server.url}/_emulator/?token=my-token"
        page = requests.get(lines[2].removeprefix("Inspector: "))
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]


def test_with_an_admin_token_the_banner_says_how_to_open_the_inspector() -> None:
    config = {"TOKENS": None, "WORKSPACES": [], "ADMIN_TOKEN": "s3cret"}
    banner = startup.ready_message("http://127.0.0.1:8000", "in memory", config)
    assert "Inspector: http://127.0.0.1:8000/_emulator/ (open it once with ?admin_token=" in banner
    assert "s3cret" not in banner  # the banner does not print the secret
