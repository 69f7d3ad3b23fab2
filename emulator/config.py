"""The emulator's configuration: command-line flags and an optional TOML file, merged into the
plain dict `create_app` receives. Nothing else reads the environment or files for settings.

A config file looks like this::

    tokens = ["ci-token"]             # accepted tokens (omit to accept any; "ci-token" is one)
    allowed_hosts = ["emulator"]      # `Host` names answered besides loopback ones
    webhook_allowed_hosts = ["hooks"] # hosts webhook notifications may go to besides loopback
    max_workspaces = 1000             # a new token past it is refused (403)

    [settings]                        # defaults for every new workspace (emulator.settings)
    metadata_overflow = "reject"

    [[workspaces]]                    # a workspace with two apps (tokens), as in Intercom
    name = "Acme"
    tokens = ["acme-app-1", "acme-app-2"]
    [workspaces.settings]
    rate_limit_app = 100
    rate_limit_workspace = 150

A declared workspace starts from the defaults, then `[settings]`, then its own
`[workspaces.settings]`, then the command line's setting flags: flags win over the file, the file
over the defaults. The whole file is checked before anything starts; the first problem is one
line naming the file and the key (`emulator.toml: workspaces #2: tokens: ...`).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from emulator import settings as declared
from emulator.errors import IntercomError

# Enough for a long test suite's fresh tokens; a bound all the same.
DEFAULT_MAX_WORKSPACES = 10_000
# The WSGI servers `emulator serve --server` runs on (emulator.server), and the threads per
# worker on each unless --threads says otherwise. Here, not in emulator.server, so the command
# line is built without importing a server.
SERVERS = ("granian", "gunicorn")
DEFAULT_THREADS = {"granian": 4, "gunicorn": 1}
_TOP_LEVEL = (
    "allowed_hosts",
    "max_workspaces",
    "settings",
    "tokens",
    "webhook_allowed_hosts",
    "workspaces",
)
_WORKSPACE = ("name", "settings", "tokens")


class ConfigError(ValueError):
    """A config file or flag the emulator cannot use; the message says what and where."""


def _kind(value: Any) -> str:
    """A TOML value's type, as the error messages name it."""
    kinds = [
        (bool, "a boolean"),
        (str, "a string"),
        (int, "an integer"),
        (float, "a number"),
        (list, "an array"),
        (dict, "a table"),
        (datetime.date | datetime.time, "a date or time"),
    ]
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def _unknown_keys(table: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(known))
    if unknown:
        quoted = ", ".join(f"'{key}'" for key in unknown)
        raise ConfigError(f"{where}unknown key {quoted} (known: {', '.join(known)})")


def _check_settings(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}must be a table of settings, not {_kind(raw)}")
    try:
        return declared.validate(dict(raw))
    except IntercomError as exc:
        raise ConfigError(f"{where}{exc.message}") from exc


def _tokens(raw: Any, where: str) -> list[str]:
    """A string is one token; an array holds one or more. An empty array would accept nothing."""
    if isinstance(raw, str):
        raw = [raw]
    if raw == []:
        raise ConfigError(
            f"{where}an empty list accepts no token at all: name at least one"
            " (or leave 'tokens' out to accept any token)"
        )
    if not isinstance(raw, list):
        raise ConfigError(f"{where}must be a string or an array of strings, not {_kind(raw)}")
    for number, token in enumerate(raw, start=1):
        if not isinstance(token, str) or not token.strip():
            shown = repr(token) if isinstance(token, str) else _kind(token)
            raise ConfigError(f"{where}token #{number} must be a non-empty string, not {shown}")
    return list(raw)


def _workspace(spec: Any, where: str) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}must be a table ([[workspaces]]), not {_kind(spec)}")
    _unknown_keys(spec, _WORKSPACE, where)
    if "tokens" not in spec:
        raise ConfigError(f"{where}tokens: missing (a workspace is reached by its tokens)")
    name = spec.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ConfigError(f"{where}name: must be a non-empty string, not {_kind(name)}")
    return {
        "name": name,
        "tokens": _tokens(spec["tokens"], f"{where}tokens: "),
        "settings": _check_settings(spec.get("settings"), f"{where}settings: "),
    }


def _workspaces(raw: Any, path: Path) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: workspaces: must be an array of tables ([[workspaces]])")
    found: list[dict[str, Any]] = []
    owner: dict[str, int] = {}
    for number, spec in enumerate(raw, start=1):
        where = f"{path}: workspaces #{number}: "
        workspace = _workspace(spec, where)
        for token in workspace["tokens"]:
            if token in owner:
                raise ConfigError(
                    f"{where}tokens: '{token}' already reaches workspaces #{owner[token]}"
                )
            owner[token] = number
        found.append(workspace)
    return found


def load_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file into `TOKENS`, `SETTINGS` and `WORKSPACES` entries."""
    import tomllib  # only with --config: not on every start

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    _unknown_keys(raw, _TOP_LEVEL, f"{path}: ")
    config: dict[str, Any] = {
        "SETTINGS": _check_settings(raw.get("settings"), f"{path}: settings: "),
        "WORKSPACES": _workspaces(raw.get("workspaces", []), path),
    }
    if "tokens" in raw:
        config["TOKENS"] = _tokens(raw["tokens"], f"{path}: tokens: ")
    hosts = raw.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise ConfigError(f"{path}: allowed_hosts: must be an array of host names")
    config["ALLOWED_HOSTS"] = hosts
    outbound = raw.get("webhook_allowed_hosts", [])
    if not isinstance(outbound, list) or not all(isinstance(h, str) and h for h in outbound):
        raise ConfigError(f"{path}: webhook_allowed_hosts: must be an array of host names")
    config["WEBHOOK_ALLOWED_HOSTS"] = outbound
    if "max_workspaces" in raw:
        most = raw["max_workspaces"]
        if isinstance(most, bool) or not isinstance(most, int) or most < 1:
            raise ConfigError(f"{path}: max_workspaces: must be a positive integer")
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
    """Flags win over the file; the file wins over the defaults (hosts add up). A declared
    workspace takes the file's `[settings]`, then its own, then the flags."""
    config: dict[str, Any] = {
        "DATABASE": db,
        "SETTINGS": {},
        "WORKSPACES": [],
        "TOKENS": None,
        "ALLOWED_HOSTS": [],
        "WEBHOOK_ALLOWED_HOSTS": [],
        "MAX_WORKSPACES": DEFAULT_MAX_WORKSPACES,
    }
    if config_file is not None:
        config.update(load_file(config_file))
    if tokens:
        config["TOKENS"] = list(tokens) + list(config["TOKENS"] or [])
    config["ALLOWED_HOSTS"] = list(allowed_hosts) + config["ALLOWED_HOSTS"]
    if max_workspaces is not None:
        config["MAX_WORKSPACES"] = max_workspaces
    flags = _check_settings(setting_flags, "flags: ")
    for workspace in config["WORKSPACES"]:
        workspace["settings"] = {**config["SETTINGS"], **workspace["settings"], **flags}
    config["SETTINGS"] = {**config["SETTINGS"], **flags}
    return config
