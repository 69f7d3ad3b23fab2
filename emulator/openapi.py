"""The emulator's OpenAPI description: read from `emulator/description/` and merged (served at
`GET /openapi.json` by emulator.routes.description).

The description ships inside the package, as package data (`emulator/description/intercom.yaml`:
Intercom's surface; `emulator/description/emulator.yaml`: the control API), so an installed
emulator serves and validates exactly what the repository's does. It is also a document people
read and other tools (schemathesis, the contract tests) load directly. Without it the emulator
refuses to start (`required()` raises `DescriptionMissing`) rather than answer differently.

`emulator.yaml` refers to shared schemas as `./intercom.yaml#/components/...`; merging turns
those into local references, so the served document stands alone. Operations marked
`x-emulator-status: planned` are described but not served yet: `/openapi.json` leaves them (and
links to them) out unless asked `?planned=true`, so a tool pointed at it tests only what answers.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

DESCRIPTION_DIR = Path(__file__).resolve().parent / "description"
SURFACE_FILE = "intercom.yaml"
CONTROL_FILE = "emulator.yaml"
NOT_EMULATED_FILE = "not_emulated.yaml"  # Intercom operations answered 501 `not_emulated`
NOT_EMULATED_KEY = "x-emulator-not-emulated"
STATUS_KEY = "x-emulator-status"
PLANNED = "planned"
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def read(path: Path) -> dict[str, Any]:
    """One YAML file of the description, from the parse cache when that holds this version of
    the file (parsing the YAML was a fifth of `emulator serve`'s start-up)."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_mtime_ns}|{stat.st_size}".encode())
    cached = _cache_dir() / f"{path.stem}-{key.hexdigest()[:24]}.json"
    with contextlib.suppress(OSError, ValueError):
        document: dict[str, Any] = orjson.loads(cached.read_bytes())
        return document
    import yaml  # only here: most starts find the cache, and the import is 0.1 s of them

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=loader)
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not an OpenAPI document")
    with contextlib.suppress(OSError, TypeError):  # no cache (read-only home, odd values): parse
        cached.parent.mkdir(parents=True, exist_ok=True)
        scratch = cached.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_bytes(orjson.dumps(document, option=orjson.OPT_PASSTHROUGH_DATETIME))
        os.replace(scratch, cached)  # whole or absent, for a reader in another process
    return document


def _cache_dir() -> Path:
    """The user's cache directory (XDG), where parsed description files are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "intercom-emulator" / "openapi"


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every operation as (METHOD, path template, operation object)."""
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def is_planned(operation: dict[str, Any]) -> bool:
    return operation.get(STATUS_KEY) == PLANNED


def _localise_refs(node: Any, prefix: str) -> Any:
    """`./intercom.yaml#/x` and `intercom.yaml#/x` become `#/x`."""
    if isinstance(node, list):
        return [_localise_refs(item, prefix) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _localise_refs(value, prefix) for key, value in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.removeprefix("./").startswith(prefix + "#"):
        out["$ref"] = ref[ref.index("#") :]
    return out


def _copy(document: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a description. Through orjson when it holds only JSON's types (what the
    parse cache gives): `copy.deepcopy` of the whole description, twice, was the largest part of
    building the app (0.29 of 0.7 s profiled)."""
    try:
        copied: dict[str, Any] = orjson.loads(orjson.dumps(document))
    except TypeError:  # a fresh YAML parse can hold what JSON cannot (a date, a number key)
        return copy.deepcopy(document)
    return copied


def merge(surface: dict[str, Any], control: dict[str, Any]) -> dict[str, Any]:
    """One document: Intercom's surface, plus the control API's paths, tags and components.

    A path or a component defined twice (differently) is an error, not a silent override.
    """
    control = _localise_refs(control, SURFACE_FILE)
    merged = _copy(surface)
    merged["tags"] = [*merged.get("tags", []), *control.get("tags", [])]
    for path, item in control.get("paths", {}).items():
        if path in merged["paths"]:
            raise ValueError(f"{path} is described in both {SURFACE_FILE} and {CONTROL_FILE}")
        for method in METHODS:
            if method in item:
                item[method].setdefault("security", control.get("security", []))
        merged["paths"][path] = item
    components = merged.setdefault("components", {})
    for section, entries in control.get("components", {}).items():
        target = components.setdefault(section, {})
        for name, value in entries.items():
            if name in target and target[name] != value:
                raise ValueError(f"components.{section}.{name} differs between the two files")
            target[name] = value
    return merged


def without_planned(document: dict[str, Any]) -> dict[str, Any]:
    """The document less its planned operations, the links to them and tags left unused."""
    served = _copy(document)
    for path, item in list(served["paths"].items()):
        for method in METHODS:
            if method in item and is_planned(item[method]):
                del item[method]
        if not any(method in item for method in METHODS):
            del served["paths"][path]
    kept = {operation.get("operationId") for _, _, operation in operations(served)}
    used_tags: set[str] = set()
    for _, _, operation in operations(served):
        used_tags.update(operation.get("tags", []))
        for response in operation.get("responses", {}).values():
            links = response.get("links", {})
            for name in [name for name, link in links.items() if link["operationId"] not in kept]:
                del links[name]
    served["tags"] = [tag for tag in served.get("tags", []) if tag["name"] in used_tags]
    return served


def not_emulated(directory: Path = DESCRIPTION_DIR) -> list[dict[str, str]]:
    """Intercom's operations the emulator does not serve (`{method, path, operationId}`, a
    `summary` instead of an operationId Intercom did not give, and `version: "2.16"` for one
    only its 2.16 description has), from `not_emulated.yaml`."""
    return list(read(directory / NOT_EMULATED_FILE).get("operations", []))


@functools.cache
def load(directory: Path = DESCRIPTION_DIR) -> dict[str, Any]:
    """The whole description, planned operations included (read once per process), with the
    list of Intercom's operations it does not serve under `x-emulator-not-emulated`."""
    document = merge(read(directory / SURFACE_FILE), read(directory / CONTROL_FILE))
    document[NOT_EMULATED_KEY] = not_emulated(directory)
    return document


@functools.cache
def served_json(directory: Path, include_planned: bool) -> bytes:
    document = load(directory)
    if not include_planned:
        document = without_planned(document)
    return json.dumps(document, separators=(",", ":")).encode()


class DescriptionMissing(RuntimeError):
    """The description is not where the package keeps it: a broken install."""


def required() -> Path:
    """Where the description is, read now so a missing or broken file shows at start-up, never
    as answers that differ from the repository's."""
    try:
        served_json(DESCRIPTION_DIR, False)
    except FileNotFoundError as exc:
        raise DescriptionMissing(
            f"the emulator's OpenAPI description is missing ({exc.filename}): reinstall the"
            " intercom-emulator package"
        ) from None
    return DESCRIPTION_DIR
