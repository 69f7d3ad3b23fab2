"""docs/translator.md and the code agree: every setting is documented, the profile table is true."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from translator import PROFILES, Settings
from translator.core.settings import LEGACY_PROFILES

DOC = Path(__file__).parents[3] / "docs" / "translator.md"


def _table_rows(heading: str) -> dict[str, list[str]]:
    section = DOC.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`(\w+)`", cells[0]) if line.startswith("|") else None
        if match:
            rows[match.group(1)] = cells[1:]
    return rows


@pytest.mark.parametrize("name", [field.name for field in fields(Settings)])
def test_every_setting_is_documented(name: str) -> None:
    assert name in _table_rows("Settings")


def test_the_profile_table_matches_the_profiles() -> None:
    rows = _table_rows("Profiles")
    assert set(rows) == set(PROFILES["segment"])
    for name, (segment, rudderstack, _why) in rows.items():
        for documented, profile in ((segment, "segment"), (rudderstack, "rudderstack")):
            value = PROFILES[profile][name]
            expected = (", ".join(value) or "(none)") if isinstance(value, tuple) else value
            if isinstance(value, bool):
                expected = str(value).lower()
            assert documented.replace("`", "").replace(" (default)", "") == expected, (
                name,
                profile,
            )


def test_the_legacy_profile_table_matches_the_legacy_profiles() -> None:
    rows = _table_rows("Profiles on 1.4")
    assert set(rows) == set(LEGACY_PROFILES["segment"]) | set(LEGACY_PROFILES["rudderstack"])
    for name, (segment, rudderstack, _why) in rows.items():
        for documented, profile in ((segment, "segment"), (rudderstack, "rudderstack")):
            value = LEGACY_PROFILES[profile].get(name, PROFILES[profile].get(name))
            if value is None:
                value = getattr(Settings(), name)
            expected = str(value).lower() if isinstance(value, bool) else str(value)
            assert documented.replace("`", "") == expected, (name, profile)


def test_the_doc_points_at_no_file_outside_the_repository() -> None:
    assert "../" not in DOC.read_text(encoding="utf-8")


def test_the_golden_cases_the_claims_table_cites_exist() -> None:
    table = DOC.read_text(encoding="utf-8").split("## Seed claims\n", 1)[1].split("\n## ", 1)[0]
    cited = re.findall(r"`(\d{3}-[\w*-]+)`", table)
    golden = DOC.parents[1] / "tests" / "translator" / "core" / "golden"
    assert cited
    for name in cited:
        assert list(golden.glob(f"{name}.json")), name
