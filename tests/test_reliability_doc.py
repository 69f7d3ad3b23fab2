"""docs/reliability.md names, for every promise, the test that keeps it: each name must be a
real test (a file, or a `path::function` node id whose function exists), and every module of
tests/reliability/ must be named there, so the page cannot promise what no test checks."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
# `tests/x.py`, `contracts/x.py::test_y`, and `::test_z` continuing the path named before it.
NAME = re.compile(r"`((?:tests|contracts)/[\w/]+\.py(?:::[\w\[\]-]+)?|::[\w\[\]-]+)`")


def named_tests(text: str) -> list[str]:
    """The node ids the page names, each `::test` shorthand completed with its path."""
    found, path = [], ""
    for name in NAME.findall(text):
        if name.startswith("::"):
            name = path + name
        path = name.split("::")[0]
        found.append(name)
    return found


def defined_tests(path: Path) -> set[str]:
    """Test functions of a module: top level, and methods of its test classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return {name for name in names if name.split("::")[-1].startswith("test")}


def missing(names: list[str]) -> list[str]:
    absent = []
    for name in names:
        path, _, function = name.partition("::")
        file = ROOT / path
        exists = file.is_file() and (not function or function.split("[")[0] in defined_tests(file))
        if not exists:
            absent.append(name)
    return absent


def test_every_test_the_page_names_exists() -> None:
    names = named_tests(DOC.read_text(encoding="utf-8"))
    assert len(names) >= 30  # the page is read at all
    assert missing(names) == []


def test_every_reliability_module_is_on_the_page() -> None:
    named = {name.split("::")[0] for name in named_tests(DOC.read_text(encoding="utf-8"))}
    modules = {
        path.relative_to(ROOT).as_posix() for path in (ROOT / "tests/reliability").glob("test_*.py")
    }
    assert sorted(modules - named) == []


def test_the_check_catches_a_name_that_is_no_test() -> None:
    names = named_tests(
        "`tests/test_reliability_doc.py::test_every_test_the_page_names_exists`, `::no_such_test`"
        " and `tests/reliability/test_gone.py`"
    )
    assert missing(names) == [
        "tests/test_reliability_doc.py::no_such_test",
        "tests/reliability/test_gone.py",
    ]
