"""The translator's core is pure: no network, no files, no clock, nothing from the emulator.

Only the command line (``translator/cli.py`` and its options, ``translator/cli_options.py``) may
use click, read files and the clock (the ``--received-at`` default).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import translator

PACKAGE = Path(translator.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
# The I/O boundary, by design: the CLI, the HTTP endpoint and the delivery package. Everything
# else is the pure core.
IO_MODULES = {"cli.py", "cli_options.py", "serve.py"}
PURE_MODULES = [
    path
    for path in MODULES
    if path.name not in IO_MODULES and "delivery" not in path.relative_to(PACKAGE).parts
]
FORBIDDEN_IN_CORE = {
    "socket",
    "requests",
    "urllib",
    "http",
    "httpx",
    "emulator",
    "os",
    "subprocess",
    "pathlib",
    "shutil",
    "io",
    "time",
    "random",
    "sqlite3",
    "sqlite_utils",
    "flask",
    "click",
    "threading",
    "asyncio",
}
FORBIDDEN_CALLS = {"open", "input", "print", "now", "utcnow", "today", "urandom"}


def _imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _called_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def test_the_package_has_modules_to_check() -> None:
    assert {"events.py", "plan.py", "cli.py", "web.py"} <= {path.name for path in MODULES}
    assert {"events.py", "plan.py", "plan_runner.py", "web.py"} <= {p.name for p in PURE_MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_nothing_imports_the_emulator(path: Path) -> None:
    assert "emulator" not in _imported_roots(ast.parse(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda path: path.name)
def test_core_modules_import_no_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not _imported_roots(tree) & FORBIDDEN_IN_CORE
    assert not _called_names(tree) & FORBIDDEN_CALLS


def test_the_checks_catch_io() -> None:
    tree = ast.parse("import requests\nfrom time import time\nopen('x')\ndatetime.now()")
    assert {"requests", "time"} <= _imported_roots(tree) & FORBIDDEN_IN_CORE
    assert {"open", "now"} <= _called_names(tree) & FORBIDDEN_CALLS
