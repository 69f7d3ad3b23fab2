"""Custom attribute rules of the 2.x API at their boundaries, for contacts and companies, on
create and on update: the last allowed value passes, the next is refused with Intercom's status
and body, naming the attribute, and the refusal leaves the store as it was."""

from __future__ import annotations

import math

import pytest

ATTRIBUTES = {
    "tier": "string",
    "seats": "integer",
    "ratio": "float",
    "vip": "boolean",
    "renewal": "date",
}
WRITES = [
    ("contact", "create"),
    ("contact", "update"),
    ("company", "create"),
    ("company", "update"),
]


class Model:
    """Writes and reads of one model's records. Company responses are not checked against
    Intercom's 2.11 description: it types company custom attribute values as strings only,
    while its own examples hold numbers and booleans (see test_companies)."""

    def __init__(self, client, name):
        self.client = client
        self.name = name
        self.record_id = None

    def create(self, attributes):
        if self.name == "contact":
            body = {"external_id": "r1", "custom_attributes": attributes}
            return self.client.post("/contacts", json=body)
        body = {"company_id": "r1", "custom_attributes": attributes}
        return self.client.post("/companies", json=body, check=False)

    def update(self, attributes):
        body = {"custom_attributes": attributes}
        if self.name == "contact":
            return self.client.put(f"/contacts/{self.record_id}", json=body)
        return self.client.put(f"/companies/{self.record_id}", json=body, check=False)

    def write(self, operation, attributes):
        return getattr(self, operation)(attributes)

    def prepare(self, operation):
        """An existing record to update (with one value set), or none to create."""
        if operation == "update":
            created = self.create({"tier": "gold"})
            assert created.status_code == 200, created.get_json()
            self.record_id = created.get_json()["id"]

    def stored(self):
        """Everything the store holds for this model's records, as the API shows it."""
        if self.name == "contact":
            return self.client.get("/contacts").get_json()["data"]
        found = self.client.get("/companies?company_id=r1", check=False)
        return found.status_code, found.get_json().get("data")

    def remove_record(self):
        if self.record_id is not None:
            path = "contacts" if self.name == "contact" else "companies"
            assert self.client.delete(f"/{path}/{self.record_id}").status_code == 200
            self.record_id = None


def define(client, model, attributes=ATTRIBUTES):
    for name, data_type in attributes.items():
        body = {"name": name, "model": model, "data_type": data_type}
        assert client.post("/data_attributes", json=body).status_code == 200


@pytest.fixture(params=WRITES, ids=["-".join(w) for w in WRITES])
def write(request, client):
    """(model, operation) with the model's attributes defined and, for updates, a record."""
    name, operation = request.param
    define(client, name)
    model = Model(client, name)
    model.prepare(operation)
    return model, operation


def assert_refused(model, operation, attributes, name, message, code="parameter_invalid"):
    """Refused with exactly Intercom's error body, and nothing stored changed."""
    before = model.stored()
    response = model.write(operation, attributes)
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["type"] == "error.list" and body["request_id"]
    assert body["errors"] == [
        {"code": code, "message": message, "field": f"custom_attributes.{name}"}
    ]
    assert model.stored() == before


def assert_accepted(model, operation, attributes):
    response = model.write(operation, attributes)
    assert response.status_code == 200, response.get_json()
    stored = response.get_json()["custom_attributes"]
    assert {k: stored.get(k) for k in attributes} == attributes
    return response


# --- existence --------------------------------------------------------------------------------


def test_an_unknown_attribute_is_refused(write):
    model, operation = write
    assert_refused(
        model,
        operation,
        {"tier": "x", "nope": "x"},
        "nope",
        "Custom attribute 'nope' does not exist",
    )


@pytest.mark.parametrize(("model", "other"), [("contact", "company"), ("company", "contact")])
def test_an_attribute_of_the_other_model_does_not_exist(client, model, other):
    define(client, other, {"only_there": "string"})
    assert_refused(
        Model(client, model),
        "create",
        {"only_there": "x"},
        "only_there",
        "Custom attribute 'only_there' does not exist",
    )


def test_an_archived_attribute_does_not_exist(write, client):
    model, operation = write
    listed = [a for a in client.get("/data_attributes").get_json()["data"] if a["custom"]]
    seats = next(a for a in listed if a["name"] == "seats" and a["model"] == model.name)
    assert client.put(f"/data_attributes/{seats['id']}", json={"archived": True}).status_code == 200
    assert_refused(
        model, operation, {"seats": 1}, "seats", "Custom attribute 'seats' does not exist"
    )


# --- values -----------------------------------------------------------------------------------

NESTED = "must be a string, number or boolean: objects and arrays are not supported"


@pytest.mark.parametrize("value", [{"a": 1}, {}, [1, 2], []], ids=["object", "{}", "array", "[]"])
def test_objects_and_arrays_are_refused(write, value):
    model, operation = write
    assert_refused(model, operation, {"tier": value}, "tier", f"Custom attribute 'tier' {NESTED}")


@pytest.mark.parametrize(
    ("name", "allowed", "refused"),
    [
        ("tier", "gold", 3),
        ("tier", "", True),
        ("seats", 12, "12"),
        ("seats", -1, 1.5),
        ("seats", 0, False),
        ("ratio", 1.5, "1.5"),
        ("ratio", 2, float("nan")),
        ("ratio", -0.25, float("inf")),
        ("vip", True, 1),
        ("vip", False, "false"),
        ("renewal", 1_700_000_000, "next year"),
        ("renewal", "2024-01-02", 1.5),
        ("renewal", "2024-01-02T03:04:05+00:00", True),
    ],
)
def test_values_must_match_the_data_type(write, name, allowed, refused):
    model, operation = write
    message = f"Custom attribute '{name}' must be of type {ATTRIBUTES[name]}"
    if isinstance(refused, float) and not math.isfinite(refused):
        # Not JSON at all: refused where JSON is read (emulator/json_input.py), naming the field.
        message = f"custom_attributes.{name} is not a finite number"
    assert_refused(model, operation, {name: refused}, name, message)
    assert_accepted(model, operation, {name: allowed})


@pytest.mark.parametrize("limit", [None, 10, 1], ids=["default-255", "setting-10", "setting-1"])
def test_strings_up_to_the_limit_pass_and_one_more_is_refused(write, client, limit):
    model, operation = write
    if limit is not None:
        assert client.patch("/_emulator/settings", json={"string_limit": limit}).status_code == 200
    size = limit or 255
    too_long = "x" * (size + 1)
    assert_refused(
        model,
        operation,
        {"tier": too_long},
        "tier",
        f"Custom attribute 'tier' is {size + 1} characters long; the limit is {size}",
    )
    assert_accepted(model, operation, {"tier": "é" * size})  # characters, not bytes


def test_null_removes_a_value_and_is_never_refused(write):
    model, operation = write
    response = model.write(operation, {"tier": None, "seats": None})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["custom_attributes"] == {}


# --- how many attributes ----------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 3])
@pytest.mark.parametrize("model", ["contact", "company"])
def test_data_attributes_up_to_the_limit_pass_and_one_more_is_refused(client, model, limit):
    assert (
        client.patch("/_emulator/settings", json={"custom_attribute_limit": limit}).status_code
        == 200
    )
    for number in range(limit):
        body = {"name": f"a{number}", "model": model, "data_type": "string"}
        assert client.post("/data_attributes", json=body).status_code == 200
    before = client.get("/data_attributes").get_json()
    body = {"name": "one_more", "model": model, "data_type": "string"}
    response = client.post("/data_attributes", json=body)
    assert response.status_code == 400
    assert response.get_json()["errors"] == [
        {
            "code": "custom_data_limit_reached",
            "message": f"Cannot create 'one_more': you have reached the limit of {limit} custom"
            " data attributes. Archive unused attributes to make room.",
            "field": "name",
        }
    ]
    assert client.get("/data_attributes").get_json() == before
    # Archiving one makes room again.
    first = next(a for a in before["data"] if a["custom"])  # Intercom's own come first
    archived = client.put(f"/data_attributes/{first['id']}", json={"archived": True})
    assert archived.status_code == 200
    assert client.post("/data_attributes", json=body).status_code == 200
