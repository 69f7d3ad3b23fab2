"""Every API request checked against emulator/description/ before it reaches the store.

`RequestValidation.build` compiles, once when the app is built, one validator per operation for
its JSON body (or the Messenger's form fields) and one for its query parameters. A request that
the description refuses gets Intercom's `error.list` (worded by emulator/validation_errors.py):

- an unknown top-level key of a body (`additionalProperties: false`): 400 `bad_request`
  "bad 'key' parameter", as Intercom answers [S2.11];
- a missing required field (or none of the alternatives an `anyOf` of `required`s asks for):
  400 `parameter_not_found` "<field> not specified", Intercom's wording for "company not
  specified" [S2.11];
- any other violation (type, enum, range, length, a nested unknown key): 400
  `parameter_invalid`, naming the field (`custom_attributes.plan`, `companies[0].company_id`,
  `per_page`).

A schema node may say `x-emulator-checked-by-store: [keyword, ...]`: a violation of those keywords
there is left to the store, which refuses it with Intercom's own wording (e.g. "Data Type isn't
an option"); emulator/description/README.md lists each one and why.

Query parameters and form fields arrive as text: each is read as the type its schema declares
(`5` as 5, `true` as true) before it is checked; text that does not read as that type fails the
type check. Validation uses `jsonschema_rs` (a compiled validator checks a contact body in a few
microseconds; the pure-Python `jsonschema` took ~300 us there, see emulator/description/README.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import jsonschema_rs

from emulator import openapi
from emulator.validation_errors import ROOT, STORE_CHECKS, at, first_error

__all__ = [
    "FORM",
    "JSON",
    "STORE_CHECKS",
    "OperationValidator",
    "RequestValidation",
    "for_rules",
]
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_INTEGER = re.compile(r"-?[0-9]+")
_MAX_DIGITS = 4300  # sys.int_info.default_max_str_digits: int() refuses longer text
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def compile_schema(schema: dict[str, Any], registry: jsonschema_rs.Registry) -> Any:
    """One compiled validator (a function of its own so tests can count compilations)."""
    return jsonschema_rs.Draft202012Validator(schema, registry=registry)


def pointer(*parts: str) -> str:
    """A JSON pointer into the description (`/` and `~` escaped, as RFC 6901 says)."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _ref(location: str) -> dict[str, str]:
    return {"$ref": f"{ROOT}#{quote(location, safe='/~')}"}


@dataclass(frozen=True)
class OperationValidator:
    """The compiled checks of one operation."""

    operation_id: str
    document: dict[str, Any]
    media_type: str | None  # JSON, FORM or None (no body is read)
    body: Any  # validator of the body, or None
    fields: Any  # validator of the query parameters (and form fields), or None
    field_types: Mapping[str, tuple[str, ...]]  # the declared JSON types of each text value

    def check(self, body: dict[str, Any] | None, query: Mapping[str, str]) -> None:
        """Raise the error Intercom answers for the first thing the description refuses."""
        if self.media_type == FORM and body is not None:
            values = {**_read_text(query, self.field_types), **_read_text(body, self.field_types)}
            body = None
        else:
            values = _read_text(query, self.field_types)
        if self.body is not None and body is not None and not self.body.is_valid(body):
            self._raise_first(self.body, body)
        if self.fields is not None and not self.fields.is_valid(values):
            self._raise_first(self.fields, values)

    def _raise_first(self, validator: Any, instance: Any) -> None:
        error = first_error(validator, instance, self.document)
        if error is not None:
            raise error


class RequestValidation:
    """The validators of every operation, by (method, Flask rule)."""

    def __init__(self, operations: dict[tuple[str, str], OperationValidator]) -> None:
        self.operations = operations
        self.by_operation_id = {v.operation_id: v for v in operations.values()}

    def get(self, method: str, rule: str) -> OperationValidator | None:
        return self.operations.get((method, rule))

    def check_body(self, operation_id: str, body: dict[str, Any]) -> None:
        """Check a body as the operation's request would be (a seed item, say); nothing when the
        operation is not known."""
        operation = self.by_operation_id.get(operation_id)
        if operation is not None and operation.body is not None:
            operation.check(body, {})

    @classmethod
    def build(cls, document: dict[str, Any], rules: Iterable[tuple[str, str]]) -> RequestValidation:
        """Compile the validators of the operations these (method, Flask rule) pairs serve."""
        registry = jsonschema_rs.Registry([(ROOT, document)])
        described = {
            (method, normalise(path)): (path, operation)
            for method, path, operation in openapi.operations(document)
        }
        operations = {}
        for method, rule in rules:
            found = described.get((method, normalise(rule)))
            if found is not None:
                path, operation = found
                operations[(method, rule)] = _compile(document, registry, method, path, operation)
        return cls(operations)


def for_rules(directory: Path, rules: Iterable[tuple[str, str]]) -> RequestValidation:
    """The validation of these (method, Flask rule) pairs against the description in
    `directory`."""
    return RequestValidation.build(openapi.load(directory), rules)


def normalise(path: str) -> str:
    """`/contacts/<contact_id>`, `/x/<path:name>` and `/contacts/{id}` all read `/contacts/{}`."""
    return re.sub(r"<(?:[^:<>]+:)?[^<>]+>|\{[^}]+\}", "{}", path)


def _compile(
    document: dict[str, Any],
    registry: jsonschema_rs.Registry,
    method: str,
    path: str,
    operation: dict[str, Any],
) -> OperationValidator:
    here = pointer("paths", path, method.lower())
    content = operation.get("requestBody", {}).get("content", {})
    media_type = JSON if JSON in content else FORM if FORM in content else None
    body = None
    if media_type == JSON:
        body = compile_schema(
            _ref(here + pointer("requestBody", "content", JSON, "schema")), registry
        )
    properties, required = _text_fields(document, path, method, operation)
    field_types = {name: _declared_types(document, schema) for name, schema in properties.items()}
    fields = None
    if properties:
        schema = {"type": "object", "properties": properties, "required": required}
        fields = compile_schema(schema, registry)
    return OperationValidator(
        operation["operationId"], document, media_type, body, fields, field_types
    )


def _text_fields(
    document: dict[str, Any], path: str, method: str, operation: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The query parameters (and form fields) as properties of one object, by reference."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for location, parameter in _query_parameters(document, path, method, operation):
        properties[parameter["name"]] = _ref(location + "/schema")
        if parameter.get("required"):
            required.append(parameter["name"])
    form = operation.get("requestBody", {}).get("content", {}).get(FORM)
    if form is not None:
        here = pointer("paths", path, method.lower(), "requestBody", "content", FORM, "schema")
        location = form["schema"]["$ref"].removeprefix("#") if "$ref" in form["schema"] else here
        schema = _resolve(document, form["schema"])
        for name in schema.get("properties", {}):
            properties[name] = _ref(location + pointer("properties", name))
        required += schema.get("required", [])
    return properties, required


def _query_parameters(
    document: dict[str, Any], path: str, method: str, operation: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """The path's and the operation's query parameters, each with its location (refs followed)."""
    item = document["paths"][path]
    here = pointer("paths", path, method.lower())
    located = [
        (pointer("paths", path, "parameters", str(i)), p)
        for i, p in enumerate(item.get("parameters", []))
    ] + [
        (here + pointer("parameters", str(i)), p)
        for i, p in enumerate(operation.get("parameters", []))
    ]
    found = []
    for location, parameter in located:
        if "$ref" in parameter:
            location = parameter["$ref"].removeprefix("#")
            parameter = at(document, location)
        if parameter.get("in") == "query":
            found.append((location, parameter))
    return found


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = at(document, schema["$ref"].removeprefix("#"))
    return schema


def _declared_types(document: dict[str, Any], reference: dict[str, str]) -> tuple[str, ...]:
    schema = _resolve(document, {"$ref": unquote(reference["$ref"].removeprefix(ROOT))})
    declared = schema.get("type", "string")
    return tuple(declared) if isinstance(declared, list) else (declared,)


def _read_text(values: Mapping[str, Any], types: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """Text values as the JSON types their schemas declare, where the text reads as one."""
    return {name: _read_one(value, types.get(name, ())) for name, value in values.items()}


def _read_one(text: Any, types: tuple[str, ...]) -> Any:
    """The text as the first declared type it reads as; the text itself when none (a number
    too long to read, past Python's 4,300 digits or a float's range, stays text too)."""
    if not isinstance(text, str):
        return text
    if "integer" in types and _INTEGER.fullmatch(text) and len(text) <= _MAX_DIGITS:
        return int(text)
    if "number" in types and _NUMBER.fullmatch(text) and math.isfinite(float(text)):
        return float(text)
    if "boolean" in types and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text
