"""The one seed of a test run: every hypothesis test and the schemathesis suite draw from it, so
the same commit generates the same data and a red run is never luck.

`SEED` in the environment picks it (`make test SEED=1234`); `SEED=random` draws a fresh one to
explore (`make contracts SEED=random`). Either way the run prints it at its start and its end:
`make test SEED=<that number>` runs the same examples again.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import random

DEFAULT_SEED = 1313
ENVIRONMENT = "SEED"


def _resolve() -> int:
    given = os.environ.get(ENVIRONMENT, "").strip()
    if not given:
        return DEFAULT_SEED
    if given.lower() == "random":
        return random.SystemRandom().randrange(2**32)
    return int(given)


SEED = _resolve()
# The project's own packages, whose every module `settle_constants` imports.
PACKAGES = ("emulator", "translator")


def settle_constants() -> None:
    """Import every module of the project's packages, before anything is generated.

    Hypothesis draws some values (1 in 20) from the constants of the *local* modules in
    `sys.modules`, and scans new ones whenever `sys.modules` grows. Which of the emulator's
    modules were imported by the time a case was drawn (a function-local import, a module the
    upkeep thread or a route first needed mid-run) then decided the strings drawn: the same seed
    made other cases, and the contract suite's stateful phase ran a different number of
    scenarios. Imported all at once, first, the pool is the same in every run of a command.
    """
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if not module.name.endswith(".__main__"):  # `python -m` entry points run on import
                importlib.import_module(module.name)


def describe() -> str:
    how = "fresh" if os.environ.get(ENVIRONMENT, "").strip().lower() == "random" else "fixed"
    return f"test data seed: {SEED} ({how}; run again with `make test SEED={SEED}`)"
