"""Every route the emulator serves is described in description/, and every described operation not
marked `x-emulator-status: planned` is served: method plus path, parameter names aside."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from emulator import create_app, openapi

IGNORED_METHODS = {"HEAD", "OPTIONS"}
IGNORED_ENDPOINTS = {"static"}  # Flask's own static-file route; the emulator serves no files
# Intercom's operations answered 501 `not_emulated`: listed in description/not_emulated.yaml, not
# described as served (tests/test_not_emulated.py checks them).
IGNORED_BLUEPRINTS = {"not_emulated"}

DESCRIPTION = openapi.load()
DESCRIBED = sorted(openapi.operations(DESCRIPTION), key=lambda op: (op[1], op[0]))


def normalise(path: str) -> str:
    """`/contacts/<contact_id>`, `/contacts/<path:id>` and `/contacts/{id}` all read
    `/contacts/{}`."""
    return re.sub(r"<(?:[^:<>]+:)?[^<>]+>|\{[^}]+\}", "{}", path)


def served_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, normalise(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in IGNORED_ENDPOINTS
        and rule.endpoint.split(".")[0] not in IGNORED_BLUEPRINTS
        for method in (rule.methods or set()) - IGNORED_METHODS
    }


@pytest.fixture(scope="module")
def routes() -> set[tuple[str, str]]:
    return served_routes(create_app({"DATABASE": ":memory:"}))


@pytest.mark.parametrize("text, expected", [
    ("/contacts/<contact_id>/tags/<tag_id>", "/contacts/{}/tags/{}"),
    ("/_emulator/event_names/<path:name>/archive", "/_emulator/event_names/{}/archive"),
    ("/contacts/{contact_id}/tags/{tag_id}", "/contacts/{}/tags/{}"),
    ("/companies/scroll", "/companies/scroll"),
])  # fmt: skip
def test_parameter_names_do_not_matter(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_every_route_is_described(routes: set[tuple[str, str]]) -> None:
    described = {(method, normalise(path)): op for method, path, op in DESCRIBED}
    missing = sorted(route for route in routes if route not in described)
    assert not missing, "Flask routes missing from emulator/description/:\n" + "\n".join(
        f"  {method} {path}" for method, path in missing
    )
    marked = sorted(
        f"  {method} {path} ({described[(method, path)].get('operationId')})"
        for method, path in routes
        if openapi.is_planned(described[(method, path)])
    )
    assert not marked, "served, but still marked x-emulator-status: planned:\n" + "\n".join(marked)


@pytest.mark.parametrize(
    "method, path, operation",
    [op for op in DESCRIBED if not openapi.is_planned(op[2])],
    ids=[
        op[2].get("operationId", f"{op[0]} {op[1]}")
        for op in DESCRIBED
        if not openapi.is_planned(op[2])
    ],
)
def test_every_described_operation_is_served(
    routes: set[tuple[str, str]], method: str, path: str, operation: dict
) -> None:
    assert (method, normalise(path)) in routes, (
        f"{operation.get('operationId')} ({method} {path}) is described but the emulator has no"
        " such route: implement it or mark it `x-emulator-status: planned`"
    )


def test_planned_operations_are_explicit() -> None:
    """The only status is `planned`; anything else is a typo that would hide an operation."""
    statuses = {op.get(openapi.STATUS_KEY) for _, _, op in DESCRIBED} - {None}
    assert statuses <= {openapi.PLANNED}


@pytest.mark.parametrize("query, planned_included", [("", False), ("?planned=true", True)])
def test_served_description_leaves_out_planned_operations(
    query: str, planned_included: bool
) -> None:
    """`GET /openapi.json` tells a tool only what the server answers, unless asked for more;
    no link in it leads to an operation it left out."""
    client = create_app({"DATABASE": ":memory:"}).test_client()
    served = client.get(f"/openapi.json{query}").get_json()
    listed = {op.get("operationId") for _, _, op in openapi.operations(served)}
    expected = {
        op.get("operationId")
        for _, _, op in DESCRIBED
        if planned_included or not openapi.is_planned(op)
    }
    assert listed == expected
    targets = {
        link["operationId"]
        for _, _, op in openapi.operations(served)
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    }
    assert targets <= listed
