"""A workspace setting is declared once (emulator/settings.py); everything that shows or checks
one agrees with the declaration: the README, `emulator serve --help`, a new workspace, the
config file, `PATCH /_emulator/settings`, and the translator's copy of Intercom's limits."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from emulator import settings
from emulator.cli import main
from emulator.config import ConfigError, build
from tests.intercom_errors import first_error

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_settings_table() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("| setting | default |")
    return text[start : text.index("\n\n", start)]


def test_the_readme_table_is_the_declarations() -> None:
    assert readme_settings_table() == settings.readme_table()


def test_every_setting_has_a_serve_flag_showing_its_default() -> None:
    shown = " ".join(CliRunner().invoke(main, ["serve", "--help"]).output.split())
    for setting in settings.SETTINGS:
        assert setting.flag in shown
        assert f"[default: {setting.shown_default().strip('`')}]" in shown


def test_a_new_workspace_starts_from_the_declared_defaults(client: Any) -> None:
    current = client.get("/_emulator/settings").get_json()
    expected = {name: value for name, value in settings.defaults().items() if value is not None}
    assert {name: current[name] for name in expected} == expected
    assert current["identity_verification_secret"]  # None declared: chosen per workspace


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        (setting.name, bad)
        for setting in settings.SETTINGS
        for bad in {
            settings.INTEGER: [0, "5", True],
            settings.SECONDS: [-1, "1"],
            settings.CHOICE: ["neither"],
            settings.SECRET: ["", 5],
            settings.VERSION: ["9.9"],
        }[setting.kind]
    ],
)
def test_patch_and_config_refuse_a_bad_value_naming_the_setting(
    client: Any, name: str, bad: Any
) -> None:
    response = client.patch("/_emulator/settings", json={name: bad})
    first_error(response, 400, field=name)
    with pytest.raises(ConfigError, match=name):
        build(":memory:", (), None, {name: bad})


def _translator_limits() -> Any:
    for name in ("translator.core.limits", "translator.limits"):  # before and after its rooms
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    raise AssertionError("the translator's limits module has moved: update this test")


def test_the_translator_sends_within_the_emulators_default_limits() -> None:
    limits = _translator_limits()
    assert settings.BY_NAME["string_limit"].default == limits.STRING_LIMIT
    assert settings.BY_NAME["metadata_key_limit"].default == limits.METADATA_KEY_LIMIT
