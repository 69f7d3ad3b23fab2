"""What is not emulated says so (issue 14, item 11): each operation of Intercom's 2.11 and 2.16
descriptions ([S2.11], [S2.16] in intercom-api-facts.md) that description/intercom.yaml does not
describe answers 501 `not_emulated`, naming the operation (and "2.16" when only 2.16's description
has it), and README.md's table of operations, `/openapi.json`, description/not_emulated.yaml and
the app's routes agree about which operations are served."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from emulator import create_app, openapi
from tests import intercom_reference, not_emulated_list
from tests.conftest import ApiClient
from tests.test_route_coverage import normalise

DESCRIPTION = openapi.load()
NOT_EMULATED = openapi.not_emulated()
NOT_INTERCOM_REST = {"Emulator", "Users", "Messenger"}  # control API, 1.4, Messenger
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
# | `operationId` (— when Intercom gave none) | `METHOD /path` | yes, or no: 501 … (2.16) |
_ROW = re.compile(
    r"^\| (?:`(\w+)`|—) \| `(GET|POST|PUT|DELETE|PATCH) (/\S*)` \| "
    r"(yes|no)(?:: 501 `not_emulated`(?: \((2\.\d+)\))?)? \|$",
    re.M,
)


def emulated_intercom_operations() -> set[tuple[str, str, str]]:
    return {
        (op["operationId"], method, path)
        for method, path, op in openapi.operations(DESCRIPTION)
        if not NOT_INTERCOM_REST & set(op.get("tags", []))
    }


def unemulated_operations() -> set[tuple[str, str, str, str]]:
    """(operationId or "", method, path, "2.16" or "" for 2.11's)."""
    return {
        (op.get("operationId", ""), op["method"], op["path"], op.get("version", ""))
        for op in NOT_EMULATED
    }


def readme_rows(answer: str) -> set[tuple[str, ...]]:
    rows = [row for row in _ROW.findall(README) if row[3] == answer]
    if answer == "yes":
        return {(o, m, p) for o, m, p, _, _ in rows}
    return {(o, m, p, version) for o, m, p, _, version in rows}


def example_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", template)


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app({"DATABASE": ":memory:"})


def test_the_list_and_the_description_do_not_overlap() -> None:
    described = {(m, normalise(p)) for _, m, p in emulated_intercom_operations()}
    assert NOT_EMULATED, "emulator/description/not_emulated.yaml is empty"
    assert not {(m, normalise(p)) for _, m, p, _ in unemulated_operations()} & described


def test_the_list_is_what_intercoms_descriptions_less_ours_give() -> None:
    """description/not_emulated.yaml was written by tests/not_emulated_list.py from Intercom's 2.11
    and 2.16 descriptions and ours; regenerating it now must give the same file."""
    references = [intercom_reference.load(version) for version in ("2.11", "2.16")]
    for version, reference in zip(("2.11", "2.16"), references, strict=True):
        if reference is None:
            path = intercom_reference.reference_path(version)
            pytest.skip(f"Intercom's {version} description is not at {path}")
    expected = not_emulated_list.render(
        not_emulated_list.unemulated([r.document for r in references if r], DESCRIPTION)
    )
    written = (openapi.DESCRIPTION_DIR / openapi.NOT_EMULATED_FILE).read_text(encoding="utf-8")
    assert written == expected, (
        "run `python -m tests.not_emulated_list <2.11 description> <2.16 description>`"
    )


def test_the_readme_table_lists_every_operation_once_with_its_answer() -> None:
    rows = _ROW.findall(README)
    written = re.findall(r"^\| (?:`\w+`|—) \| `[A-Z]+ /.*$", README, re.M)
    assert len(rows) == len(written), "a row of the table is not in the form the test reads"
    assert len(rows) == len({(m, p) for _, m, p, _, _ in rows}), "an operation is listed twice"
    assert readme_rows("yes") == emulated_intercom_operations()
    assert readme_rows("no") == unemulated_operations()


def test_openapi_json_serves_the_emulated_and_lists_the_rest(app: Flask) -> None:
    served = app.test_client().get("/openapi.json").get_json()
    operations = {
        (op["operationId"], method, path) for method, path, op in openapi.operations(served)
    }
    assert emulated_intercom_operations() <= operations
    assert not {(m, normalise(p)) for _, m, p, _ in unemulated_operations()} & {
        (m, normalise(p)) for _, m, p in operations
    }
    listed = served[openapi.NOT_EMULATED_KEY]
    assert {
        (o.get("operationId", ""), o["method"], o["path"], o.get("version", "")) for o in listed
    } == readme_rows("no")


def test_the_app_routes_match_the_table(app: Flask) -> None:
    routes: dict[tuple[str, str], str] = {}
    for rule in app.url_map.iter_rules():
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routes[(method, normalise(rule.rule))] = rule.endpoint.split(".")[0]
    for _, method, path in readme_rows("yes"):
        assert routes.get((method, normalise(path))) not in (None, "not_emulated"), path
    for _, method, path, _ in readme_rows("no"):
        assert routes.get((method, normalise(path))) == "not_emulated", path


@pytest.mark.parametrize(
    "method, path, name, version",
    [
        (
            op["method"],
            op["path"],
            op.get("operationId") or f'"{op["summary"]}"',
            f"{op['version']} " if "version" in op else "",
        )
        for op in NOT_EMULATED
    ],
    ids=[f"{op['method']} {op['path']}" for op in NOT_EMULATED],
)
def test_each_unemulated_operation_answers_501_naming_itself(
    client: Any, method: str, path: str, name: str, version: str
) -> None:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    response = client.request(method, example_path(path), json=body)
    assert response.status_code == 501
    errors = response.get_json()["errors"]
    assert errors == [
        {
            "code": "not_emulated",
            "message": f"{method} {path} is not emulated (Intercom's {version}{name})",
        }
    ]


def refusal(response: Any) -> tuple[int, list[dict[str, str]]]:
    return response.status_code, response.get_json()["errors"]


@pytest.mark.parametrize("version", ["2.11", "2.16"])
def test_2_16s_conversation_attributes_are_not_a_missing_conversation(
    app: Flask, token: str, version: str
) -> None:
    """[S2.16] listConversationAttributes (`GET /conversations/attributes`) and
    getConversationAttribute: not emulated, so 501 under any version, never the 404 of a
    conversation whose id is "attributes" (the emulator's `GET /conversations/{id}`)."""
    client = ApiClient(app.test_client(), token, version)
    assert refusal(client.get("/conversations/attributes")) == (501, [{
        "code": "not_emulated",
        "message": "GET /conversations/attributes is not emulated "
        "(Intercom's 2.16 listConversationAttributes)",
    }])  # fmt: skip
    assert refusal(client.get("/conversations/attributes/7")) == (501, [{
        "code": "not_emulated",
        "message": "GET /conversations/attributes/{id} is not emulated "
        "(Intercom's 2.16 getConversationAttribute)",
    }])  # fmt: skip


def test_2_16s_custom_object_instances_are_not_emulated(app: Flask, token: str) -> None:
    """[S2.16] createCustomObjectInstances (`POST /custom_object_instances/{type}`) and
    getCustomObjectInstancesById (`GET /custom_object_instances/{type}/{id}`)."""
    client = ApiClient(app.test_client(), token, "2.16")
    created = client.post("/custom_object_instances/Order", json={"external_id": "o-1"})
    assert refusal(created) == (501, [{
        "code": "not_emulated",
        "message": "POST /custom_object_instances/{custom_object_type_identifier} is not "
        "emulated (Intercom's 2.16 createCustomObjectInstances)",
    }])  # fmt: skip
    assert refusal(client.get("/custom_object_instances/Order/o-1")) == (501, [{
        "code": "not_emulated",
        "message": "GET /custom_object_instances/{custom_object_type_identifier}/"
        "{custom_object_instance_id} is not emulated "
        "(Intercom's 2.16 getCustomObjectInstancesById)",
    }])  # fmt: skip


def test_an_operation_without_an_operation_id_is_named_by_its_summary(client: Any) -> None:
    """[S2.16] `GET /export/reporting_data/get_datasets` and `GET
    /export/reporting_data/{job_identifier}` have a summary and no operationId; the literal
    `get_datasets` is its own operation, not a job called so."""
    assert refusal(client.get("/export/reporting_data/get_datasets"))[1][0]["message"] == (
        "GET /export/reporting_data/get_datasets is not emulated "
        '(Intercom\'s 2.16 "List available datasets and attributes")'
    )
    assert refusal(client.get("/export/reporting_data/job-1"))[1][0]["message"] == (
        "GET /export/reporting_data/{job_identifier} is not emulated "
        '(Intercom\'s 2.16 "Get export job status")'
    )


@pytest.mark.parametrize(
    "method, path, endpoint",
    [
        # Literal segments beat the emulator's converters (werkzeug tries static parts first)...
        ("GET", "/conversations/attributes", "not_emulated.listConversationAttributes"),
        ("GET", "/admins/activity_log_event_types", "not_emulated.listActivityLogEventTypes"),
        ("GET", "/conversations/deleted", "not_emulated.listDeletedConversationIds"),
        # ...but a method Intercom's literal path does not take is still the emulated operation
        # on an id that happens to be that word ([S2.16] has no PUT /conversations/attributes).
        ("PUT", "/conversations/attributes", "conversations.update_conversation"),
        ("POST", "/conversations/attributes/tags", "conversations.attach_tag"),
        ("GET", "/conversations/x1", "conversations.retrieve_conversation"),
        # [S2.16] deleteConversation: the emulator serves the path, not the method.
        ("DELETE", "/conversations/x1", "not_emulated.deleteConversation"),
    ],
)
def test_routing_between_emulated_and_unemulated_operations(
    app: Flask, method: str, path: str, endpoint: str
) -> None:
    assert app.url_map.bind("localhost").match(path, method)[0] == endpoint


def test_no_emulated_operation_is_shadowed(app: Flask) -> None:
    """Every operation the emulator serves reaches its own route with an ordinary id in each
    parameter, whatever the unemulated operations beside it on the same path."""
    adapter = app.url_map.bind("localhost")
    for _, method, path in emulated_intercom_operations():
        endpoint, _ = adapter.match(example_path(path), method)
        assert not endpoint.startswith("not_emulated."), (method, path, endpoint)


def test_the_token_is_checked_first(app: Flask) -> None:
    """A caller without a valid token learns nothing about the surface: 401, as anywhere."""
    response = app.test_client().get("/conversations")
    assert response.status_code == 401
    assert response.get_json()["errors"][0]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/conversationz"),
        ("GET", "/subscription_types/1"),  # neither 2.11 nor 2.16 has such an operation
        ("GET", "/tickets/x1/notes"),
        ("GET", "/custom_object_instances"),  # [S2.16] needs a type in the path
        ("GET", "/conversations/attributes/x1/options"),  # [S2.16]: POST only
    ],
)
def test_paths_intercom_does_not_have_stay_404(client: Any, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["code"] == "not_found"


def test_a_word_the_collection_answers_itself_is_not_an_id(client: Any) -> None:
    """`DELETE /conversations/search` is a wrong method on `POST /conversations/search` (404, as
    `GET /contacts/search` is), not [S2.16]'s deleteConversation on a conversation "search"."""
    response = client.delete("/conversations/search")
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["code"] == "not_found"
