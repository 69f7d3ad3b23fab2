"""Intercom's own 2.11 OpenAPI description, used to check the emulator's responses.

The description lives beside the project in ../shared/reference (it is not ours to copy into the
repo); a checkout elsewhere (a git worktree) names the folder in `INTERCOM_REFERENCE_DIR`. When it
is absent the checks are skipped with that reason.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = Path(
    os.environ.get("INTERCOM_REFERENCE_DIR")
    or ROOT.parent / "shared" / "reference" / "intercom-openapi"
)


def reference_path(version: str = "2.11") -> Path:
    return REFERENCE_DIR / version / "api.intercom.io.yaml"


def _nullable_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` becomes a JSON Schema type that admits null."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable_to_json_schema(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        if "$ref" in out or "allOf" in out or "anyOf" in out or "oneOf" in out:
            return {"anyOf": [out, {"type": "null"}]}
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif "enum" in out:
            out["enum"] = [*out["enum"], None]
    out.pop("example", None)
    out.pop("examples", None)
    return out


class ReferenceSpec:
    """Find the operation a request hit and validate the response body against it."""

    def __init__(self, document: dict[str, Any], version: str = "2.11") -> None:
        self.document = document
        self.version = version
        self.schema_root = _nullable_to_json_schema({"components": document["components"]})
        # Intercom's 2.11 description names `custom_attributes` (a conversation's) without
        # defining it: a schema it lacks allows anything, rather than failing every check.
        for name in set(re.findall(r"#/components/schemas/(\w+)", json.dumps(document))):
            self.schema_root["components"]["schemas"].setdefault(name, {})
        self._routes: list[tuple[str, re.Pattern[str], str]] = []
        for template, item in document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            for method in item:
                if method in {"get", "post", "put", "delete", "patch"}:
                    self._routes.append((method, pattern, template))
        # Literal segments win over parameters (/contacts/search before /contacts/{id}).
        self._routes.sort(key=lambda route: route[2].count("{"))

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for verb, pattern, template in self._routes:
            if verb == method.lower() and pattern.match(path):
                return template, self.document["paths"][template][verb]
        return None

    def response_schema(self, method: str, path: str, status: int) -> dict[str, Any] | None:
        found = self.operation(method, path)
        if found is None:
            return None
        responses = found[1].get("responses", {})
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if response is None and status >= 400:
            return {"$ref": "#/components/schemas/error"}
        if response is None:
            raise AssertionError(
                f"{method} {found[0]} has no {status} response in Intercom's description"
            )
        if "$ref" in response:
            name = response["$ref"].rsplit("/", 1)[-1]
            response = self.document["components"]["responses"][name]
        content = response.get("content", {}).get("application/json")
        return content.get("schema") if content else None

    def errors(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Every way `body` differs from the schema Intercom documents for this response."""
        schema = self.response_schema(method, path, status)
        if schema is None:
            return []
        resolved = _nullable_to_json_schema(schema)
        validator = jsonschema.Draft202012Validator(
            {**resolved, "components": self.schema_root["components"]}
        )
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '<body>'}: {error.message}"
            for error in validator.iter_errors(body)
        ]

    def schema_errors(self, name: str, body: Any) -> list[str]:
        """Every way `body` differs from Intercom's component schema `name` (for answers whose
        operation schema Intercom's own prose contradicts, such as a company looked up by
        `company_id`, which its schema calls a list)."""
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"#/components/schemas/{name}", "components": self.schema_root["components"]}
        )
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '<body>'}: {error.message}"
            for error in validator.iter_errors(body)
        ]

    def assert_valid(self, method: str, path: str, status: int, body: Any) -> None:
        problems = self.errors(method, path, status, body)
        assert not problems, (
            f"{method} {path} -> {status} does not match Intercom's {self.version} description:\n"
            + "\n".join(problems[:10])
            + f"\nbody: {json.dumps(body)[:2000]}"
        )


@functools.cache
def load(version: str = "2.11") -> ReferenceSpec | None:
    path = reference_path(version)
    if not path.exists():
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open() as handle:
        return ReferenceSpec(yaml.load(handle, Loader=loader), version)
