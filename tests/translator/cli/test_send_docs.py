"""The README's delivery section and the code agree: every option, every reason code."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from translator.cli import main
from translator.delivery.reasons import INTERCOM_REASONS
from translator.delivery.target import REGION_HOSTS

README = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Delivering events with the translator", 1)[-1]
# The mapping options are documented with `translator plan` (docs/translator.md).
MAPPING = {option.name for option in main.commands["plan"].params}


def _options(command: str) -> list[str]:
    params = main.commands[command].params
    return [
        option
        for param in params
        if isinstance(param, click.Option) and param.name not in MAPPING | {"help"}
        for option in param.opts
        if option.startswith("--")
    ]


@pytest.mark.parametrize("option", sorted(set(_options("send") + _options("serve"))))
def test_every_delivery_option_is_documented(option: str) -> None:
    assert f"`{option}" in SECTION


@pytest.mark.parametrize("reason", INTERCOM_REASONS)
def test_every_dead_letter_reason_is_documented(reason: str) -> None:
    assert f"`{reason}`" in SECTION


@pytest.mark.parametrize("host", REGION_HOSTS.values())
def test_every_region_host_is_documented(host: str) -> None:
    assert host in SECTION


def test_the_section_exists() -> None:
    assert "## Delivering events with the translator" in README
