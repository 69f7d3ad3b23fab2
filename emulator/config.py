"""The emulator's configuration: command-line flags and an optional TOML file, merged into the
plain dict `create_app` receives. Nothing else reads the environment or files for settings.

A config file looks like this::

    tokens = ["ci-token"]             # accepted tokens (omit to accept any token)
    allowed_hosts = ["emulator"]      # `Host` names answered besides loopback ones
    max_workspaces = 1000             # a new token past it is refused (403)

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

DEFAULT_MAX_WORKSPACES = 10_000  # enough for a long test suite's fresh tokens; a bound all the same
_TOP_LEVEL = {"tokens", "settings", "workspaces", "allowed_hosts", "max_workspaces"}


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
    hosts = raw.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise ConfigError(f"{path}: 'allowed_hosts' must be a list of host names")
    config["ALLOWED_HOSTS"] = hosts
    if "max_workspaces" in raw:
        most = raw["max_workspaces"]
        if isinstance(most, bool) or not isinstance(most, int) or most < 1:
            raise ConfigError(f"{path}: 'max_workspaces' must be a positive integer")
        config["MAX_WORKSPACES"] = most
    return config


def build(
    db: str,
    tokens: tuple[str, ...],
    config_file: Path | None,
    setting_flags: dict[str, Any],
    allowed_hosts: tuple[str, ...] = (),
    max_workspaces: int | None = None,
) -> dict[str, Any]:
    """Flags win over the file; the file wins over the defaults (hosts add up)."""
    config: dict[str, Any] = {
        "DATABASE": db,
        "SETTINGS": {},
        "WORKSPACES": [],
        "TOKENS": None,
        "ALLOWED_HOSTS": [],
        "MAX_WORKSPACES": DEFAULT_MAX_WORKSPACES,
    }
    if config_file is not None:
        config.update(load_file(config_file))
    if tokens:
        config["TOKENS"] = list(tokens) + list(config["TOKENS"] or [])
    config["ALLOWED_HOSTS"] = list(allowed_hosts) + config["ALLOWED_HOSTS"]
    if max_workspaces is not None:
        config["MAX_WORKSPACES"] = max_workspaces
    config["SETTINGS"] = {**config["SETTINGS"], **_check_settings(setting_flags, "flags")}
    return config
