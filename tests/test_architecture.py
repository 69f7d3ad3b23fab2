"""The project's shape, checked: import graph, layers, sizes (docs/architecture.md).

Every rule reads the source (AST or text), never a list of file names, so it keeps holding when
modules move: a new module, a new sub-package (`translator/core`, `translator/delivery`, ...) is
covered the day it appears.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("emulator", "translator")

SIZE_RULE_PACKAGES = PACKAGES
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
# Migrations are plain SQL scripts that never change once shipped: exempt from the size rules.
SIZE_EXEMPT = {"emulator/migrations.py"}
# What each pure layer must not import (a prefix matches its submodules too).
FORBIDDEN_IMPORTS = {
    "emulator/store": ("flask", "werkzeug", "requests"),
    "translator/core": (
        "flask",
        "werkzeug",
        "requests",
        "sqlite3",
        "sqlite_utils",
        "socket",
        "http",
        "urllib",
        "waitress",
        "tqdm",
        "translator.delivery",
        "translator.cli",
    ),
}
SQL = re.compile(
    r"\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|"
    r"PRAGMA)\b|\.execute\(|\bsqlite3\b"
)


def source_files(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path) -> Iterator[tuple[str, str | None]]:
    """Every import in the file, wherever it sits (a function's body too), as (module, name
    imported from it or None); not those under `if TYPE_CHECKING:`, which never run."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield from ((base, alias.name) for alias in node.names)


def imported_names(path: Path) -> set[str]:
    """The dotted names the file imports (`from a import b` gives both a and a.b)."""
    names = set()
    for module, name in imports(path):
        names.add(module)
        if name is not None:
            names.add(f"{module}.{name}")
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports: `from pkg import name` is an edge to the
    submodule pkg.name when there is one, else to pkg itself."""
    files = {module_name(path): path for path in source_files(*PACKAGES)}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = set()
        for module, imported in imports(path):
            if imported is not None and f"{module}.{imported}" in files:
                targets.add(f"{module}.{imported}")
            elif module in files:
                targets.add(module)
        graph[name] = targets - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_function_local_imports() -> None:
    graph = import_graph()
    assert "emulator.app" in graph["emulator.server"]  # imported inside server.run()
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_emulator_and_translator_never_import_each_other() -> None:
    graph = import_graph()
    crossing = [
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if module.split(".")[0] != target.split(".")[0]
    ]
    assert crossing == []


def test_no_sql_in_routes() -> None:
    offending = [
        f"{relative(path)}:{number}: {line.strip()}"
        for path in source_files("emulator/routes")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if SQL.search(line)
    ]
    assert offending == []


def test_the_sql_rule_catches_sql() -> None:
    assert SQL.search('db.execute("SELECT 1")') and SQL.search("conn.execute('COMMIT')")
    assert not SQL.search("return ok(settings.get(ctx))")


@pytest.mark.parametrize("layer", [layer for layer in FORBIDDEN_IMPORTS if (ROOT / layer).is_dir()])
def test_pure_layers_import_no_io(layer: str) -> None:
    forbidden = FORBIDDEN_IMPORTS[layer]
    found = [
        f"{relative(path)} imports {name}"
        for path in source_files(layer)
        for name in imported_names(path)
        if any(name == bad or name.startswith(bad + ".") for bad in forbidden)
    ]
    assert found == []


def _opens_a_connection(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("connect", "Database", "storage_for", "Storage")


def test_the_store_receives_its_connection() -> None:
    opening = [
        f"{relative(path)}:{node.lineno}"
        for path in source_files("emulator/store")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _opens_a_connection(node)
    ]
    assert opening == []


def test_modules_are_small() -> None:
    large = {
        relative(path): lines
        for path in source_files(*SIZE_RULE_PACKAGES)
        if relative(path) not in SIZE_EXEMPT
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert large == {}


def test_functions_are_short() -> None:
    long = {
        f"{relative(path)}:{node.name}": length
        for path in source_files(*SIZE_RULE_PACKAGES)
        if relative(path) not in SIZE_EXEMPT
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    }
    assert long == {}
