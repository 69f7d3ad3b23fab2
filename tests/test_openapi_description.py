"""description/ is valid OpenAPI 3.1, agrees with Intercom's own 2.11 description wherever it does
not say (in description/differences.yaml and README.md) why it differs, and can catch a response
that does not match it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator

from emulator import create_app, openapi
from tests import intercom_reference
from tests.openapi_comparison import body_schema, compare, find_operation, resolve, shape

DESCRIPTION = openapi.load()
NOT_INTERCOM_2 = {"Emulator", "Users", "Messenger"}  # control API, 1.4 and Messenger tags
DIFFERENCES = yaml.safe_load((openapi.DESCRIPTION_DIR / "differences.yaml").read_text())
README = (openapi.DESCRIPTION_DIR / "README.md").read_text()


def intercom_operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for method, path, op in openapi.operations(DESCRIPTION)
        if not NOT_INTERCOM_2 & set(op.get("tags", []))
    ]


# --- (a) a valid description ----------------------------------------------------------------


@pytest.mark.parametrize("name", [openapi.SURFACE_FILE, openapi.CONTROL_FILE])
def test_each_file_is_valid_openapi_3_1(name: str) -> None:
    path = openapi.DESCRIPTION_DIR / name
    validator = OpenAPIV31SpecValidator(openapi.read(path), base_uri=path.as_uri())
    assert [error.message for error in validator.iter_errors()] == []


@pytest.mark.parametrize("planned", [True, False], ids=["everything", "served"])
def test_merged_description_is_valid_openapi_3_1(planned: bool) -> None:
    document = DESCRIPTION if planned else openapi.without_planned(DESCRIPTION)
    errors = [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []


def test_operation_ids_are_unique() -> None:
    ids = [op["operationId"] for _, _, op in openapi.operations(DESCRIPTION)]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def _parameters(path: str, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    item = DESCRIPTION["paths"][path]
    found = {}
    for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = resolve(parameter, DESCRIPTION)
        found[parameter["name"]] = parameter
    return found


def _links() -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    for _, path, operation in openapi.operations(DESCRIPTION):
        for response in operation["responses"].values():
            for name, link in response.get("links", {}).items():
                yield f"{operation['operationId']}.{name}", path, operation, link


def _leaves(value: Any) -> Iterator[Any]:
    """The values of a link's request body, nested objects' included."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    else:
        yield value


@pytest.mark.parametrize(
    "name, path, source, link",
    list(_links()),
    ids=lambda v: v if isinstance(v, str) and "." in v else "",
)
def test_links_lead_to_real_operations_and_fields(
    name: str, path: str, source: dict[str, Any], link: dict[str, Any]
) -> None:
    """A link's target exists, takes each parameter it fills, and each value comes from a
    property the source's response has (so stateful tests can follow it)."""
    targets = {op["operationId"]: (p, op) for _, p, op in openapi.operations(DESCRIPTION)}
    assert link["operationId"] in targets
    target_path, target = targets[link["operationId"]]
    accepted = _parameters(target_path, target)
    for parameter in link.get("parameters", {}):
        assert parameter.split(".")[-1] in accepted, f"{link['operationId']} takes no {parameter}"
    if "requestBody" in link:
        assert "requestBody" in target
    expressions = [*link.get("parameters", {}).values(), *_leaves(link.get("requestBody", {}))]
    success = next(r for status, r in source["responses"].items() if status.startswith("2"))
    body = resolve(success["content"]["application/json"]["schema"], DESCRIPTION)
    # A body of several shapes (2.x's and 1.x's) has the property in each.
    shapes = [resolve(each, DESCRIPTION) for each in body.get("oneOf", [body])]
    for expression in (e for e in expressions if isinstance(e, str)):
        if expression.startswith("$response.body#/"):
            for shape in shapes:
                assert expression.split("/")[-1] in shape["properties"], expression
        elif expression.startswith("$request.path."):
            assert expression.rsplit(".", 1)[-1] in _parameters(path, source), expression


@pytest.mark.parametrize(
    "method, path, operation",
    intercom_operations(),
    ids=lambda v: v.get("operationId", "") if isinstance(v, dict) else "",
)
def test_every_intercom_operation_documents_its_common_errors(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    """400 (a bad Intercom-Version can come anywhere), 401 and 429 (rate limits)."""
    assert {"400", "401", "429"} <= set(operation["responses"])


# --- (b) agreement with Intercom's 2.11 description ------------------------------------------


def differences(method: str, path: str, operation: dict[str, Any]) -> Iterator[str]:
    """A line per way this operation differs from Intercom's: its key (`<schema>.<where>:
    <kind>`, or `<operationId> <request|response> body<where>: <kind>` outside component
    schemas), then ` -- ` and the detail. An operation Intercom describes only in a later
    version (`compare_with`) is checked for its method, path and id; its schemas follow 2.11's,
    which the operations of 2.11 already compare."""
    name = operation["operationId"]
    version = DIFFERENCES["compare_with"].get(name, "2.11")
    reference = intercom_reference.load(version)
    assert reference is not None, f"Intercom's {version} description is needed for {name}"
    theirs = find_operation(reference.document, method, path)
    if theirs is None:
        yield f"{name} operation: missing -- no {method} {path} in Intercom's {version}"
        return
    if theirs.get("operationId") != name:
        yield f"{name} operation: operationId -- Intercom calls it {theirs.get('operationId')}"
    if version != "2.11":
        return
    status = next(s for s in operation["responses"] if s.startswith("2"))
    if status not in theirs["responses"]:
        yield f"{name} operation: status -- we answer {status}, Intercom does not document it"
    pairs = {
        "request": (operation.get("requestBody"), theirs.get("requestBody")),
        "response": (operation["responses"][status], theirs["responses"].get(status)),
    }
    for part, (mine, its) in pairs.items():
        ours_schema, their_schema = (
            body_schema(DESCRIPTION, mine),
            body_schema(reference.document, its),
        )
        if ours_schema is None and their_schema is None:
            continue
        if ours_schema is None or their_schema is None:
            kind = "only here" if their_schema is None else "only in Intercom"
            yield f"{name} {part} body: {kind} -- a JSON {part} body"
            continue
        found = compare(
            shape(ours_schema, DESCRIPTION), shape(their_schema, reference.document), "body"
        )
        for where, kind, detail in found:
            prefix = f"{name} {part} " if where.startswith("body") else ""
            yield f"{prefix}{where}: {kind} -- {detail}"


@pytest.fixture(scope="module")
def intercom_2_11() -> None:
    for version in {"2.11", *DIFFERENCES["compare_with"].values()}:
        if intercom_reference.load(version) is None:
            path = intercom_reference.reference_path(version)
            pytest.skip(f"Intercom's {version} description is not at {path}")


def test_our_intercom_operations_agree_with_intercoms_description(intercom_2_11: None) -> None:
    found = {
        line.split(" -- ")[0]: line
        for method, path, operation in intercom_operations()
        for line in differences(method, path, operation)
    }
    allowed = {entry["key"] for entry in DIFFERENCES["differences"]}
    unlisted = [found[key] for key in sorted(found.keys() - allowed)]
    stale = sorted(allowed - found.keys())
    assert not unlisted and not stale, (
        "description/ and Intercom's description differ in ways differences.yaml does not"
        " list (fix the description, or list the difference with its reason there and in"
        " emulator/description/README.md):\n  "
        + "\n  ".join(unlisted)
        + "\nListed in description/differences.yaml but no longer different (remove them):\n  "
        + "\n  ".join(stale)
    )


@pytest.mark.parametrize("entry", DIFFERENCES["differences"], ids=lambda entry: entry["key"])
def test_each_listed_difference_is_explained_in_the_readme(entry: dict[str, str]) -> None:
    assert entry.get("reason"), f"{entry['key']} has no reason"
    assert f"`{entry['key']}`" in README, f"description/README.md does not explain {entry['key']}"


def test_the_comparison_sees_a_difference() -> None:
    """A schema that drops a required property and changes a type is reported both ways."""
    theirs = shape(
        {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}, {}
    )
    ours = shape({"type": "object", "properties": {"id": {"type": ["integer", "null"]}}}, {})
    assert {(w, k) for w, k, _ in compare(ours, theirs, "body")} == {
        ("body.id", "type"),
        ("body.id", "required in Intercom"),
    }


@pytest.mark.parametrize(
    "ours, theirs",
    [
        ({"type": ["string", "null"]}, {"type": "string", "nullable": True}),
        ({"oneOf": [{"$ref": "#/s/a"}, {"type": "null"}]}, {"$ref": "#/s/a", "nullable": True}),
        (
            {"oneOf": [{"$ref": "#/s/a"}, {"type": "null"}]},
            {"type": "object", "nullable": True, "allOf": [{"$ref": "#/s/a"}]},
        ),
    ],
)  # fmt: skip
def test_openapi_3_0_and_3_1_spellings_of_nullable_agree(ours: Any, theirs: Any) -> None:
    document = {"s": {"a": {"type": "object", "properties": {"id": {"type": "string"}}}}}
    assert list(compare(shape(ours, document), shape(theirs, document), "body")) == []


# --- (c) a wrong response fails against our description --------------------------------------


@pytest.fixture(scope="module")
def our_description() -> intercom_reference.ReferenceSpec:
    return intercom_reference.ReferenceSpec(DESCRIPTION)


@pytest.fixture
def contact(client: Any) -> dict[str, Any]:
    return client.post("/contacts", json={"email": "ada@example.com", "role": "user"}).get_json()


def test_a_real_contact_matches_our_description(
    our_description: intercom_reference.ReferenceSpec, contact: dict[str, Any]
) -> None:
    assert our_description.errors("POST", "/contacts", 200, contact) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda c: c.pop("id"), "'id' is a required property"),
        (lambda c: c.update(created_at="yesterday"), "is not of type 'integer'"),
        (lambda c: c.update(external_id=7), "is not of type 'string', 'null'"),
        (lambda c: c["location"].pop("type"), "'type' is a required property"),
    ],
    ids=["no id", "created_at a string", "external_id a number", "location without type"],
)
def test_a_wrong_contact_fails_our_description(
    our_description: intercom_reference.ReferenceSpec,
    contact: dict[str, Any],
    change: Any,
    expected: str,
) -> None:
    change(contact)
    errors = our_description.errors("POST", "/contacts", 200, contact)
    assert any(expected in error for error in errors), errors


def test_an_undocumented_status_fails_our_description(
    our_description: intercom_reference.ReferenceSpec, contact: dict[str, Any]
) -> None:
    with pytest.raises(AssertionError, match="no 201 response"):
        our_description.errors("POST", "/contacts", 201, contact)


def test_without_its_description_the_emulator_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A broken install never serves answers that differ from the repository's (issue 17)."""
    monkeypatch.setattr(openapi, "DESCRIPTION_DIR", tmp_path / "nowhere")
    with pytest.raises(openapi.DescriptionMissing, match="reinstall the intercom-emulator"):
        create_app({"DATABASE": ":memory:"})


def test_planned_operations_and_links_to_them_are_left_out_of_what_is_served() -> None:
    planned = {"operationId": "later", "x-emulator-status": "planned", "tags": ["Later"]}
    link = {"operationId": "later"}
    served = {"operationId": "now", "tags": ["Now"], "responses": {"200": {"links": {"l": link}}}}
    document = {
        "paths": {"/now": {"get": served}, "/later": {"get": planned}},
        "tags": [{"name": "Now"}, {"name": "Later"}],
    }
    pruned = openapi.without_planned(document)
    assert list(pruned["paths"]) == ["/now"]
    assert pruned["paths"]["/now"]["get"]["responses"]["200"]["links"] == {}
    assert pruned["tags"] == [{"name": "Now"}]
    assert "/later" in document["paths"]  # the description itself is left as it was
