"""The way in from outside a checkout (issue 17, items 2 and 7): the documented command names
`intercom-emulator` and `intercom-translator` (the short names stay as aliases), `-h` and
`--version` on both, and a Makefile that finds a Python 3.11 or later by itself, or says how to
name one."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main as emulator_main
from translator.cli import main as translator_main

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
MAKE = shutil.which("make") or "/usr/bin/make"


def test_both_programs_have_a_documented_name_and_a_short_alias() -> None:
    assert PROJECT["scripts"] == {
        "intercom-emulator": "emulator.cli:main",
        "intercom-translator": "translator.cli:main",
        "emulator": "emulator.cli:main",
        "translator": "translator.cli:main",
    }
    readme = (ROOT / "README.md").read_text()
    assert "pipx install" in readme and "intercom-translator --help" in readme


@pytest.mark.parametrize("main", [emulator_main, translator_main], ids=["emulator", "translator"])
@pytest.mark.parametrize("option", ["-h", "--help"])
def test_help_answers_to_h_and_help(main, option: str) -> None:
    result = CliRunner().invoke(main, [option])
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")


@pytest.mark.parametrize("main", [emulator_main, translator_main], ids=["emulator", "translator"])
def test_version_names_the_installed_package(main) -> None:
    result = CliRunner().invoke(main, ["--version"], prog_name="intercom-x")
    assert result.exit_code == 0
    assert result.output == f"intercom-x, version {importlib.metadata.version(PROJECT['name'])}\n"


# Runs the emulator's command in a fresh interpreter, then names the modules it loaded of
# those that make up the app, its servers and the control commands' HTTP client.
_IN_A_FRESH_INTERPRETER = """
import json, sys
from emulator.cli import main
try:
    main(sys.argv[1:], prog_name="emulator", terminal_width=80)
except SystemExit as exit:
    packages = ("flask", "werkzeug", "granian", "gunicorn", "requests")
    modules = ("emulator.app", "emulator.routes")
    loaded = [m for m in sys.modules if m.split(".")[0] in packages or m.startswith(modules)]
    print(json.dumps({"code": exit.code, "loaded": sorted(loaded)}), file=sys.stderr)
"""


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_answer_without_loading_the_app(option: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _IN_A_FRESH_INTERPRETER, option],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(done.stderr) == {"code": 0, "loaded": []}
    if option == "--version":
        assert done.stdout == f"emulator, version {importlib.metadata.version(PROJECT['name'])}\n"
    else:  # the whole program's help, every command listed
        runner = CliRunner()
        shown = runner.invoke(emulator_main, [option], prog_name="emulator", terminal_width=80)
        assert done.stdout == shown.output and "  serve " in shown.output


def test_the_license_file_is_the_declared_one() -> None:
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "The intercom-emulator contributors" in text


def _make(path_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`make` in the repository with nothing on PATH but `path_dir` (the recipe's shell is
    /bin/sh, found without PATH)."""
    return subprocess.run(
        [MAKE, "-C", str(ROOT), *args],
        env={"PATH": str(path_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_python3_11_the_makefile_takes_python3_when_it_is_recent(tmp_path: Path) -> None:
    (tmp_path / "python3").symlink_to(sys.executable)  # this interpreter: 3.11 or later
    venv = tmp_path / "venv"
    result = _make(tmp_path, "--dry-run", f"VENV={venv}", f"{venv}/bin/python")
    assert result.returncode == 0, result.stderr
    assert f"python3 -m venv {venv}" in result.stdout
    assert "python3.11" not in result.stdout


def test_a_python_older_than_3_11_is_refused_with_the_way_out(tmp_path: Path) -> None:
    old = tmp_path / "python3"
    old.write_text(f"#!{sys.executable}\nimport sys\nsys.exit(1)  # sys.version_info < (3, 11)\n")
    old.chmod(0o755)
    venv = tmp_path / "venv"
    result = _make(tmp_path, f"VENV={venv}", f"{venv}/bin/python")
    assert result.returncode != 0
    assert "make: 'python3' is not Python 3.11 or later; name one: make PYTHON=python3.12" in (
        result.stderr
    )
    assert not venv.exists()
