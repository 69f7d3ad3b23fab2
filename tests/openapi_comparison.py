"""Compare two OpenAPI schemas the way tests/test_openapi_description.py holds ours to
Intercom's: property names, types, required names, items, additional properties and
alternatives, recursively through `$ref`s, with OpenAPI 3.0's and 3.1's spellings of "nullable"
read as the same thing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from emulator import openapi


def resolve(node: dict[str, Any], document: dict[str, Any]) -> Any:
    """Follow `$ref`s (keeping sibling keywords, such as OpenAPI 3.0's `nullable`)."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            # Intercom's 2.11 description names `custom_attributes` (a conversation's) without
            # defining it: a schema it lacks is read as one that allows anything.
            target = target.get(part, {})
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        node = {**target, **siblings}
    return node


@dataclass
class Shape:
    """What two schemas must agree on: types, required names, properties, items, values of
    additional properties, and alternatives (oneOf/anyOf, in order)."""

    types: set[str] = field(default_factory=set)
    required: set[str] = field(default_factory=set)
    properties: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None
    additional: Shape | None = None
    variants: list[Shape] = field(default_factory=list)
    recursive: bool = False
    name: str | None = None  # the component schema it is, when it is one

    def is_null(self) -> bool:
        return self.types == {"null"} and not (self.properties or self.variants)


def shape(node: Any, document: dict[str, Any], refs: tuple[str, ...] = ()) -> Shape:
    """The Shape of a schema in `document`; `allOf` parts merge into it, a `null` alternative
    becomes a "null" type, and a schema met again inside itself stops the walk."""
    if not isinstance(node, dict):
        return Shape()
    if node.get("$ref") in refs:
        return Shape(recursive=True)
    name = node["$ref"].rsplit("/", 1)[-1] if "$ref" in node else None
    if "$ref" in node:
        refs = (*refs, node["$ref"])
    node = resolve(node, document)
    kind = node.get("type", [])
    result = Shape(types=set([kind] if isinstance(kind, str) else kind), name=name)
    if node.get("nullable") is True:
        result.types.add("null")
    result.required = set(node.get("required", []))
    result.properties = {k: shape(v, document, refs) for k, v in node.get("properties", {}).items()}
    if "items" in node:
        result.items = shape(node["items"], document, refs)
    if isinstance(node.get("additionalProperties"), dict):
        result.additional = shape(node["additionalProperties"], document, refs)
    for part in node.get("allOf", []):
        _absorb(result, shape(part, document, refs))
    variants = [shape(v, document, refs) for v in [*node.get("oneOf", []), *node.get("anyOf", [])]]
    if any(v.is_null() for v in variants):
        result.types.add("null")
        variants = [v for v in variants if not v.is_null()]
    if len(variants) == 1 and not result.properties:  # `oneOf: [X, null]`: a nullable X
        _absorb(result, variants[0])
        variants = []
    result.variants = variants
    if not result.types - {"null"} and result.properties:
        result.types.add("object")
    return result


def _absorb(into: Shape, part: Shape) -> None:
    if not into.types - {"null"}:
        into.types |= part.types
    into.required |= part.required
    into.properties = {**part.properties, **into.properties}
    into.items = into.items or part.items
    into.additional = into.additional or part.additional
    into.variants = into.variants or part.variants
    into.name = into.name or part.name


def compare(ours: Shape, theirs: Shape, where: str) -> Iterator[tuple[str, str, str]]:
    """(where, kind, detail) for every way `ours` differs from Intercom's `theirs`. Inside a
    component schema both name, `where` starts from that name, so a difference in `company`
    is one difference, however many operations answer a company."""
    if ours.recursive or theirs.recursive:
        return
    if bool(ours.variants) != bool(theirs.variants):
        yield where, "variants", f"{len(ours.variants)} here, {len(theirs.variants)} in Intercom"
        one, many = (theirs, ours.variants) if ours.variants else (ours, theirs.variants)
        same = [v for v in many if v.name and v.name == one.name]
        if same:
            yield from compare(*((same[0], one) if ours.variants else (one, same[0])), where)
        return
    if ours.types != theirs.types:  # nullability belongs to where a schema is used
        yield where, "type", f"{sorted(ours.types)} here, {sorted(theirs.types)} in Intercom"
    if ours.name and ours.name == theirs.name:
        where = ours.name
    for name in sorted(ours.properties.keys() - theirs.properties.keys()):
        yield f"{where}.{name}", "only here", "a property Intercom does not declare"
    for name in sorted(theirs.properties.keys() - ours.properties.keys()):
        yield f"{where}.{name}", "only in Intercom", "a property we do not declare"
    for name in sorted(ours.properties.keys() & theirs.properties.keys()):
        yield from compare(ours.properties[name], theirs.properties[name], f"{where}.{name}")
    for name in sorted(ours.required - theirs.required):
        yield f"{where}.{name}", "required here", "Intercom does not require it"
    for name in sorted(theirs.required - ours.required):
        yield f"{where}.{name}", "required in Intercom", "we do not require it"
    for suffix, mine, its in (
        ("[]", ours.items, theirs.items),
        (".*", ours.additional, theirs.additional),
    ):
        if mine and its:
            yield from compare(mine, its, where + suffix)
        elif mine or its:
            yield where + suffix, "only here" if mine else "only in Intercom", "values' schema"
    if len(ours.variants) != len(theirs.variants):
        yield where, "variants", f"{len(ours.variants)} here, {len(theirs.variants)} in Intercom"
    else:
        for index, (mine, its) in enumerate(zip(ours.variants, theirs.variants, strict=True)):
            yield from compare(mine, its, f"{where}|{index}")


def normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def find_operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    """The operation at this method and path, parameter names aside."""
    for their_method, their_path, operation in openapi.operations(document):
        if their_method == method and normalise(their_path) == normalise(path):
            return operation
    return None


def body_schema(document: dict[str, Any], holder: dict[str, Any] | None) -> Any:
    """The JSON schema of a request body or response object, or None when it has none."""
    if holder is None:
        return None
    content = resolve(holder, document).get("content", {})
    return content.get("application/json", {}).get("schema")
