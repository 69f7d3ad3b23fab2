"""The emulator's configuration: command-line flags and an optional TOML file, merged into the
plain dict `create_app` receives. Nothing else reads the environment or files for settings.

A config file looks like this::

    tokens = ["ci-token"]             # accepted tokens (omit to accept any token)

    [settings]                        # defaults for every new workspace (emulator.settings)
    metadata_overflow = "reject"

    [[workspaces]]                    # a workspace with two apps (tokens), as in Intercom
    name = "Acme"
    tokens = ["acme-app-1", "acme-app-2"]
    [workspaces.settings]
    rate_limit_app = 100
    rate_limit_workspace = 150
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from emulator import settings as declared
from emulator.errors import IntercomError

_TOP_LEVEL = {"tokens", "settings", "workspaces"}


class ConfigError(ValueError):
    """A config file or flag the emulator cannot use; the message says what and where."""


def _check_settings(raw: Any, where: str) -> dict[str, Any]:
    try:
        return declared.validate(raw if raw is not None else {})
    except IntercomError as exc:
        raise ConfigError(f"{where}: {exc.message}") from exc


def _workspaces(raw: Any, path: Path) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: 'workspaces' must be an array of tables ([[workspaces]])")
    declared = []
    for number, spec in enumerate(raw, start=1):
        where = f"{path}: workspace {number}"
        tokens = spec.get("tokens") if isinstance(spec, dict) else None
        if not tokens or not all(isinstance(t, str) and t for t in tokens):
            raise ConfigError(f"{where}: 'tokens' must be a non-empty list of strings")
        unknown = set(spec) - {"name", "tokens", "settings"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        declared.append(
            {
                "name": spec.get("name"),
                "tokens": list(tokens),
                "settings": _check_settings(spec.get("settings"), where),
            }
        )
    return declared


def load_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file into `TOKENS`, `SETTINGS` and `WORKSPACES` entries."""
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    unknown = set(raw) - _TOP_LEVEL
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    config: dict[str, Any] = {
        "SETTINGS": _check_settings(raw.get("settings"), f"{path} [settings]"),
        "WORKSPACES": _workspaces(raw.get("workspaces", []), path),
    }
    if "tokens" in raw:
        config["TOKENS"] = list(raw["tokens"])
    return config


def build(
    db: str,
    tokens: tuple[str, ...],
    config_file: Path | None,
    setting_flags: dict[str, Any],
) -> dict[str, Any]:
    """Flags win over the file; the file wins over the defaults."""
    config: dict[str, Any] = {"DATABASE": db, "SETTINGS": {}, "WORKSPACES": [], "TOKENS": None}
    if config_file is not None:
        config.update(load_file(config_file))
    if tokens:
        config["TOKENS"] = list(tokens) + list(config["TOKENS"] or [])
    config["SETTINGS"] = {**config["SETTINGS"], **_check_settings(setting_flags, "flags")}
    return config
