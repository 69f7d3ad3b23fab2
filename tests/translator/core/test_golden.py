"""Every golden case (one per seed-document row and example) for every API version it applies to."""

from __future__ import annotations

import pytest

from tests.translator.core.golden import load_cases, run_case

CASES = load_cases()


@pytest.mark.parametrize(
    ("case", "version"),
    [(case, version) for _, version, case in CASES],
    ids=[f"{stem}[{version}]" for stem, version, _ in CASES],
)
def test_golden_case(case: dict, version: str) -> None:
    expected = case["versions"][version]
    actual = run_case(case, version)
    assert actual["calls"] == expected["calls"], case["covers"]
    assert actual["outcome"] == expected["outcome"], case["covers"]


def test_every_seed_document_has_cases_for_both_api_versions() -> None:
    seeds = {stem[:3] for stem, _, _ in CASES}
    assert seeds == {"000", "001", "002", "003", "004"}
    for seed in seeds:
        versions = {version for stem, version, _ in CASES if stem.startswith(seed)}
        assert versions == {"2.11", "1.4"}, seed
