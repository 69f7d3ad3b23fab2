"""Helpers for the delivery contracts: checking request bodies against the description the
emulator serves. The scenarios' event files, checks and reader (``build_scenario``,
``compare_events``, ``IntercomReader``) and the way to run the ``translator`` command
(``TRANSLATOR``, ``translator_command``, ``run_translator``) live in ``translator.verify`` and are
re-exported here for the suites that use them.
"""

from __future__ import annotations

import re
from typing import Any

import requests

# The scenarios' data, checks, reader and translator runner ship in the package (verify uses them).
from translator.verify.events import Scenario, build_scenario, compare_events, iso  # noqa: F401
from translator.verify.reader import IntercomReader  # noqa: F401
from translator.verify.workspace import (  # noqa: F401
    TRANSLATOR,
    run_translator,
    translator_command,
)


class RequestSchemas:
    """Checks each request body against the description the emulator serves at
    ``GET /openapi.json`` (Intercom's operations, Intercom's schema names).

    This is the hook for the openapi contracts: when the emulator serves no description,
    ``load`` gives None and nothing is checked.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource("urn:openapi", resource)
        self._validator = Draft202012Validator
        self._operations: list[tuple[str, re.Pattern[str], str]] = []
        for template, operations in document.get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$")
            for method, operation in operations.items():
                if isinstance(operation, dict) and "requestBody" in operation:
                    pointer = _pointer("paths", template, method, "requestBody", "content")
                    self._operations.append((method.upper(), pattern, pointer))
        # Literal paths before templated ones: /contacts/search before /contacts/{id}.
        self._operations.sort(key=lambda entry: entry[1].pattern.count("[^/]+"))
        self._content = {p: document_at(document, p) for _, _, p in self._operations}

    @classmethod
    def load(cls, base_url: str) -> RequestSchemas | None:
        response = requests.get(f"{base_url.rstrip('/')}/openapi.json", timeout=10)
        return cls(response.json()) if response.status_code == 200 else None

    def problems(self, method: str, path: str, content_type: str, body: Any) -> list[str]:
        """Why ``body`` does not fit the operation's request schema ([] when it fits or when
        the description has no such operation)."""
        for operation_method, pattern, pointer in self._operations:
            if operation_method != method or not pattern.match(path):
                continue
            if content_type not in self._content[pointer]:
                return [f"{method} {path}: the description takes no {content_type}"]
            ref = f"urn:openapi#{pointer}/{_escape(content_type)}/schema"
            validator = self._validator({"$ref": ref}, registry=self._registry)
            return [f"{method} {path}: {error.message}" for error in validator.iter_errors(body)]
        return []


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _pointer(*parts: str) -> str:
    return "/" + "/".join(_escape(part) for part in parts)


def document_at(document: Any, pointer: str) -> Any:
    for part in pointer.strip("/").split("/"):
        document = document[part.replace("~1", "/").replace("~0", "~")]
    return document
