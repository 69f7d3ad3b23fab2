"""One seed for every generated test of the run (tests/seeding.py): hypothesis's, through its
own `--hypothesis-seed`, and schemathesis's (contracts/schemathesis_support.py), printed first
and last. The hypothesis profile keeps a run a function of the code and the seed alone: no
example database replaying what an earlier run on this machine found, no per-example deadline
that a busy machine can miss."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings

from tests import seeding

settings.register_profile("reproducible", database=None, deadline=None, print_blob=True)
settings.load_profile("reproducible")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("hypothesis_seed", None) is None:  # read by hypothesis's plugin next
        config.option.hypothesis_seed = seeding.SEED
    seeding.settle_constants()  # hypothesis's pool of local constants, the same in every run


def pytest_report_header(config: pytest.Config) -> str:
    return seeding.describe()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(seeding.describe())
