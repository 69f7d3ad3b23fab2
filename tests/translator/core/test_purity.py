"""The translator's core is pure: no network, no files, no clock, nothing from the emulator.

The rule is on imports, not on file names: every module of ``translator.core`` and every
project module it imports, directly or not, must stay inside ``translator.core``, and none of
them may import a module that does I/O. The delivery pipeline and the command line
(``translator.delivery``, ``translator.cli``) are where I/O lives.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import translator

PACKAGE = Path(translator.__file__).parent
ROOT = PACKAGE.parent
MODULES = sorted(PACKAGE.rglob("*.py"))
CORE = PACKAGE / "core"
CORE_MODULES = sorted(CORE.rglob("*.py"))
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
    "tqdm",
    "waitress",
}
FORBIDDEN_CALLS = {"open", "input", "print", "now", "utcnow", "today", "urandom"}


def _module_name(path: Path) -> str:
    inside = ROOT in path.parents
    parts = list(path.relative_to(ROOT if inside else path.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module name the file imports, at any depth of the file (function-local too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            # `from translator.core import limits` imports the submodule `limits`.
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def _project_module(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _reachable_from_core() -> set[Path]:
    seen: set[Path] = set()
    todo = list(CORE_MODULES)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            if name.split(".")[0] == "translator":
                target = _project_module(name)
                if target is not None:
                    todo.append(target)
    return seen


def _called_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def test_the_core_has_modules_to_check() -> None:
    assert {"events.py", "plan.py", "plan_runner.py", "web.py"} <= {p.name for p in CORE_MODULES}


def test_the_core_imports_only_the_core() -> None:
    """A core module that imported the delivery or the CLI would carry their I/O in with it."""
    outside = {
        str(path.relative_to(ROOT))
        for path in _reachable_from_core()
        if CORE not in path.parents and path != PACKAGE / "__init__.py"
    }
    assert outside == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_nothing_imports_the_emulator(path: Path) -> None:
    assert "emulator" not in {name.split(".")[0] for name in _imports(path)}


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda path: path.name)
def test_core_modules_import_no_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not {name.split(".")[0] for name in _imports(path)} & FORBIDDEN_IN_CORE
    assert not _called_names(tree) & FORBIDDEN_CALLS


def test_the_checks_catch_io(tmp_path: Path) -> None:
    source = tmp_path / "leaky.py"
    source.write_text("def f():\n    import requests\n    from time import time\n    open('x')\n")
    assert {"requests", "time"} <= {name.split(".")[0] for name in _imports(source)}
    assert "open" in _called_names(ast.parse(source.read_text()))
