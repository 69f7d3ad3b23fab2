"""The one seed of a test run: every hypothesis test and the schemathesis suite draw from it, so
the same commit generates the same data and a red run is never luck.

`SEED` in the environment picks it (`make test SEED=1234`); `SEED=random` draws a fresh one to
explore (`make contracts SEED=random`). Either way the run prints it at its start and its end:
`make test SEED=<that number>` runs the same examples again.
"""

from __future__ import annotations

import os
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


def describe() -> str:
    how = "fresh" if os.environ.get(ENVIRONMENT, "").strip().lower() == "random" else "fixed"
    return f"test data seed: {SEED} ({how}; run again with `make test SEED={SEED}`)"
