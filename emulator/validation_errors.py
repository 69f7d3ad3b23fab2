"""What a validation error of description/ means to Intercom's client: the IntercomError to answer.

`first_error` turns the errors a compiled `jsonschema_rs` validator finds into the one Intercom
would answer (unknown keys first, then missing fields, then the rest, in the order the body sent
them); emulator/request_validation.py raises it. A schema node's `x-emulator-checked-by-store`
keywords are left to the store, which words them as Intercom does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from emulator.errors import BadRequest, IntercomError, ParameterInvalid, ParameterNotFound

ROOT = "urn:emulator:openapi"  # the merged description's URI inside the validators' registry
STORE_CHECKS = "x-emulator-checked-by-store"
_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


def at(document: dict[str, Any], location: str) -> Any:
    """The node a JSON pointer (RFC 6901) names in the description."""
    node: Any = document
    for part in location.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def first_error(validator: Any, instance: Any, document: dict[str, Any]) -> IntercomError | None:
    """The error to answer for an instance the validator refuses; None when every violation is
    one the store explains itself."""
    found = [_explain(error, document) for error in validator.iter_errors(instance)]
    keys = list(instance) if isinstance(instance, dict) else []
    errors = sorted((e for e in found if e is not None), key=lambda e: _rank(e, keys))
    return errors[0] if errors else None


def field_name(path: Iterable[str | int]) -> str | None:
    """`["companies", 0, "company_id"]` reads `companies[0].company_id`."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
    return name or None


def _rank(error: IntercomError, keys: list[str]) -> tuple[int, int]:
    """Unknown keys first, then missing fields, then the rest, in the order the body sent them."""
    kind = 0 if isinstance(error, BadRequest) else 1 if isinstance(error, ParameterNotFound) else 2
    top = (error.field or "").split(".")[0].split("[")[0]
    return kind, keys.index(top) if top in keys else len(keys)


def _owner(error: Any, document: dict[str, Any]) -> dict[str, Any]:
    """The schema whose keyword the error broke ({} when it is not in the description)."""
    location = error.absolute_keyword_location or ""
    if not location.startswith(ROOT + "#"):
        return {}
    parent = unquote(location.removeprefix(ROOT + "#")).rsplit("/", 1)[0]
    owner = at(document, parent) if parent else document
    return owner if isinstance(owner, dict) else {}


def _explain(error: Any, document: dict[str, Any]) -> IntercomError | None:
    """The IntercomError for one validation error; None when the store explains it better."""
    owner = _owner(error, document)
    kind, path = error.kind, list(error.instance_path)
    if kind.name in owner.get(STORE_CHECKS, ()):
        return None
    field = field_name(path)
    if kind.name in ("anyOf", "oneOf"):
        return _explain_alternatives(error, document)
    if kind.name == "additionalProperties":
        key = kind.unexpected[0]
        if not path:
            return BadRequest(f"bad '{key}' parameter", field=key)
        return ParameterInvalid(
            f"bad '{field_name([*path, key])}' parameter", field=field_name([*path, key])
        )
    if kind.name == "required":
        name = field_name([*path, kind.property])
        return ParameterNotFound(f"{name} not specified", field=name)
    if kind.name == "minLength" and error.instance == "":
        return ParameterNotFound(f"{field} not specified", field=field)
    return ParameterInvalid(_describe(kind, field, owner), field=field)


def _describe(kind: Any, field: str | None, owner: dict[str, Any]) -> str:
    subject = field or "The request body"
    name, value = kind.name, kind.as_dict()
    if name == "type":
        return f"{subject} must be {_kinds(value.get('types') or [value.get('type')])}"
    if name == "enum":
        return f"{subject} must be one of: {', '.join(str(o) for o in value['options'])}"
    if name == "const":
        return f"{subject} must be {value['expected_value']}"
    if name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{subject} must be {_range(owner)}"
    if name in ("minLength", "maxLength", "minItems", "maxItems"):
        bound = "at least" if name.startswith("min") else "at most"
        unit = "characters" if name.endswith("Length") else "items"
        return f"{subject} must have {bound} {value['limit']} {unit}"
    if name == "pattern":
        return f"{subject} is not in the expected format"
    return f"{subject} is invalid"


def _kinds(types: Iterable[str]) -> str:
    """`["null", "string", "integer"]` reads "a string, an integer or null"."""
    names = [_TYPE_NAMES[t] for t in _TYPE_NAMES if t in set(types)]
    return f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]


def _range(schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if "exclusiveMinimum" in schema:
        return f"greater than {schema['exclusiveMinimum']}"
    if "exclusiveMaximum" in schema:
        return f"less than {schema['exclusiveMaximum']}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _explain_alternatives(error: Any, document: dict[str, Any]) -> IntercomError | None:
    """An `anyOf`/`oneOf` no branch accepts: a missing field when each branch only misses
    fields, else the first branch the value is at least of the right type for, else its types."""
    path = list(error.instance_path)
    branches: list[list[Any]] = list(getattr(error.kind, "context", None) or [])
    missing = [[_missing_name(e, path) for e in branch] for branch in branches]
    if branches and all(name is not None for branch in missing for name in branch):
        return _missing_alternative(path, missing)
    relevant = [
        b
        for b in branches
        if not any(e.kind.name == "type" and list(e.instance_path) == path for e in b)
    ]
    for branch in relevant:
        explained = [_explain(e, document) for e in branch]
        if any(e is None for e in explained):
            return None  # the branch it would be is one the store explains
        return sorted(explained, key=lambda e: _rank(e, []))[0]
    types = [
        t for b in branches for e in b if e.kind.name == "type" for t in e.kind.as_dict()["types"]
    ]
    field = field_name(path)
    if types:
        return ParameterInvalid(
            f"{field or 'The request body'} must be {_kinds(types)}", field=field
        )
    return ParameterInvalid(f"{field or 'The request body'} is invalid", field=field)


def _missing_name(error: Any, path: list[Any]) -> str | None:
    """The field a branch error says is missing: absent (`required`), or empty (`minLength`,
    `not: {const: ""}`), which the store reads as absent too; None for any other error."""
    where = list(error.instance_path)
    if error.kind.name == "required" and where == path:
        return str(error.kind.property)
    empty = error.instance in ("", None) or (
        isinstance(error.instance, str) and not error.instance.strip()
    )
    if (
        error.kind.name in ("minLength", "not", "pattern")
        and empty
        and where[:-1] == path
        and where
    ):
        return str(where[-1])
    return None


def _missing_alternative(path: list[Any], missing: list[list[str]]) -> IntercomError:
    """What an `anyOf` of `required` lists misses: a field every branch needs, else one of the
    alternatives ("email, external_id or role not specified")."""
    common = [name for name in missing[0] if all(name in other for other in missing[1:])]
    if common:
        name = field_name([*path, common[0]])
        return ParameterNotFound(f"{name} not specified", field=name)
    names = list(dict.fromkeys(n for branch in missing for n in branch))
    listed = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
    return ParameterNotFound(f"{listed} not specified", field=field_name([*path, names[0]]))
