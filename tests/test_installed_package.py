"""The package is the product (issue 17, item 1): the wheel built from this repository, installed
into a clean virtual environment outside it, serves and validates with the same OpenAPI
description as the repository, its pytest plugin works in a throwaway project, its translator
verifies itself against a temporary emulator (`intercom-translator verify --against-emulator`),
and with its description removed it refuses to start instead of answering differently.

One wheel and one environment for the module (about a minute: the build, and the dependencies
from pip's cache). The clean environment is made without pip; the repository's pip installs into
it (`pip --python`), so the test does not depend on the pip that Python bundles.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator import create_app

ROOT = Path(__file__).resolve().parents[1]
# What a wheel is built from; copied out of the repository so the build leaves nothing in it.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "emulator", "translator")
_READY = re.compile(r"ready on (http://\S+)")


def _clean_env() -> dict[str, str]:
    """The environment minus anything that would let the repository leak into the install."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    return env


def _run(*command: str | Path, cwd: Path, timeout: float = 600, log: Path | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    if log is not None:
        log.write_text(result.stdout + result.stderr)
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ directory of a clean venv outside the repository holding the built wheel."""
    work = tmp_path_factory.mktemp("installed-package")
    assert ROOT not in work.parents
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check")
    # -q, not -qq: what the build backend warns about shows (test_the_build_warns_about_nothing).
    build = ("wheel", "-q", "--no-deps", "-w", work / "dist", source)
    _run(*pip, *build, cwd=work, log=work / "build.log")
    (wheel,) = (work / "dist").glob("intercom_emulator-*.whl")
    _run(sys.executable, "-m", "venv", "--without-pip", work / "venv", cwd=work)
    target = work / "venv" / "bin" / "python"
    _run(*pip, "--python", target, "install", "-qq", wheel, "pytest>=8", cwd=work)
    return work / "venv" / "bin"


class Served:
    """`intercom-emulator serve --port 0` from the installed package, stopped like Ctrl-C."""

    def __init__(self, bin_dir: Path, cwd: Path) -> None:
        command = [str(bin_dir / "intercom-emulator"), "serve", "--port", "0", "--db", ":memory:"]
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=_clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        seen = []
        # A server that neither gets ready nor exits is killed, which ends the loop below.
        watchdog = threading.Timer(120, os.killpg, (self.process.pid, signal.SIGKILL))
        watchdog.start()
        try:
            for line in self.process.stdout:
                seen.append(line)
                if match := _READY.search(line):
                    self.url = match.group(1)
                    return
        finally:
            watchdog.cancel()
        raise AssertionError("intercom-emulator serve did not start:\n" + "".join(seen))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


@pytest.fixture(scope="module")
def served(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(installed, tmp_path_factory.mktemp("elsewhere"))
    try:
        yield server
    finally:
        server.stop()


def _wait_for(url: str) -> requests.Response:
    """The first answer of a server whose worker may still be importing."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return requests.get(url, timeout=10)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _python(bin_dir: Path, code: str, cwd: Path) -> str:
    """What `code` prints, run by the installed environment's Python."""
    return _run(bin_dir / "python", "-c", code, cwd=cwd).strip()


def _without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "request_id"}


def test_the_installed_emulator_serves_the_repositorys_description(served: Served) -> None:
    answer = _wait_for(f"{served.url}/openapi.json")
    assert answer.status_code == 200
    repository = create_app({"DATABASE": ":memory:"}).test_client().get("/openapi.json")
    assert answer.json() == repository.get_json()


def test_a_request_the_description_refuses_gets_the_repositorys_answer(served: Served) -> None:
    """`PUT /contacts/abc` with an unknown key: 400 `bad_request` from request validation,
    where an emulator without its description answered 404 (issue 17)."""
    body = {"email": "ada@example.com", "favourite_colour": "teal"}
    headers = {"Authorization": "Bearer installed", "Accept": "application/json"}
    installed = requests.put(f"{served.url}/contacts/abc", json=body, headers=headers, timeout=30)
    repository = (
        create_app({"DATABASE": ":memory:"})
        .test_client()
        .put("/contacts/abc", json=body, headers=headers)
    )
    assert installed.status_code == repository.status_code == 400
    assert _without_request_id(installed.json()) == _without_request_id(repository.get_json())


THROWAWAY_TESTS = """
def test_the_plugin_validates_as_the_repository_does(intercom_workspace, intercom_journal):
    refused = intercom_workspace.put("/contacts/abc", json={"favourite_colour": "teal"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "bad_request"
    assert intercom_workspace.get("/openapi.json").status_code == 200
    intercom_journal.assert_called("PUT", "/contacts/abc", times=1, status=400)
"""


def test_the_build_warns_about_nothing(installed: Path) -> None:
    """setuptools warned at every install (the license as a TOML table), ~45 lines before
    `make serve` answered (issue 17, item 7)."""
    log = (installed.parent.parent / "build.log").read_text()
    assert "Warning" not in log and "deprecated" not in log, log


def test_the_pytest_plugin_works_from_the_install(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    (tmp_path / "test_sample.py").write_text(THROWAWAY_TESTS)
    out = _run(installed / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path)
    assert "1 passed" in out, out


def test_the_install_has_both_command_names_types_and_license(installed: Path) -> None:
    for name in ("intercom-emulator", "emulator", "intercom-translator", "translator"):
        version = _run(installed / name, "--version", cwd=installed)
        assert "version 0.1.0" in version
        assert "Usage:" in _run(installed / name, "-h", cwd=installed)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    files = _python(
        installed, "import emulator as e, translator as t; print(e.__file__, t.__file__)", installed
    )
    for module in files.split():
        assert (Path(module).parent / "py.typed").is_file()
    license = _python(
        installed,
        "import importlib.metadata as m; d = m.distribution('intercom-emulator');"
        " print(d.metadata['License-Expression'],"
        " *[f.name for f in d.files if 'licenses' in str(f)])",
        installed,
    )
    assert license.split() == [declared["license"], "LICENSE"] == ["MIT", "LICENSE"]


def test_the_installed_translator_verifies_itself_against_a_temporary_emulator(
    installed: Path, tmp_path: Path
) -> None:
    """`intercom-translator verify --against-emulator` from the install (issue 17, item 4): the
    scenarios ship in the package, and the emulator it starts is the installed one."""
    out = _run(installed / "intercom-translator", "verify", "--against-emulator", cwd=tmp_path)
    assert "2 of 2 scenarios passed" in out, out
    assert out.count(" pass ") == 2, out


def _refusal(bin_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`intercom-emulator serve` that must exit by itself; killed (the test failed) if it
    starts serving instead."""
    command = [str(bin_dir / "intercom-emulator"), "serve", "--port", "0", "--db", ":memory:"]
    child = subprocess.Popen(
        command,
        cwd=cwd,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        pytest.fail("intercom-emulator serve started without its description")
    return subprocess.CompletedProcess(command, child.returncode, out, err)


def test_without_its_description_the_installed_emulator_refuses_to_start(
    installed: Path, tmp_path: Path
) -> None:
    """The install is broken for the length of this test: a file of the description is moved
    away, and put back after."""
    found = _python(installed, "import emulator.openapi as o; print(o.DESCRIPTION_DIR)", tmp_path)
    description = Path(found)
    assert ROOT not in description.parents
    (description / "intercom.yaml").rename(tmp_path / "intercom.yaml")
    try:
        result = _refusal(installed, tmp_path)
    finally:
        (tmp_path / "intercom.yaml").rename(description / "intercom.yaml")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: the emulator's OpenAPI description is missing ({description}/intercom.yaml):"
        " reinstall the intercom-emulator package\n"
    )
