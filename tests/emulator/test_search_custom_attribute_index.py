"""Search by a custom attribute reads `contact_attribute_values`, the side table triggers keep
in step with each contact's `custom_attributes` (emulator/db.py, migration 2): it finds the
same contacts as reading every contact's JSON did, follows every write, and searches an index
instead of scanning the workspace."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from emulator import create_app, migrations
from emulator import db as database
from emulator.store import data_attributes, search, workspaces
from emulator.store.context import Context
from tests.conftest import ApiClient, post_reset

JAN_2_2020 = 1_577_923_200  # midnight UTC
ATTRIBUTES = {"code": "string", "count": "integer", "ratio": "float", "flag": "boolean"}
ATTRIBUTES |= {"day": "date", "größe": "integer"}
# Values that compare differently as text, integer, real and boolean; absent keys are contacts
# without a value, which negations must still find.
CONTACTS = {
    "ann": {"code": "a", "count": 0, "ratio": 1, "flag": True, "day": JAN_2_2020, "größe": 1},
    "bob": {"code": "A", "count": 1, "ratio": 1.0, "flag": False, "day": "2020-01-02T23:30:00"},
    "cat": {"code": "", "count": -5, "ratio": 1.5, "day": "2020-01-03", "größe": 2},
    "dan": {"code": "10", "count": 2**62, "ratio": 1e20, "day": JAN_2_2020 + 86_399},
    "eve": {"code": "b%c", "count": 10, "ratio": -0.5, "flag": True},
    "fay": {"code": "é"},
    "gus": {},
}
SAMPLES = {
    "string": ["a", "A", "", "10", "%", "b%c", "é", "zz"],
    "integer": [0, 1, "1", 1.5, -5, 2**62, 1e18, -1],
    "boolean": [True, False, "true"],
    "date": [JAN_2_2020, JAN_2_2020 + 3600, JAN_2_2020 - 1, JAN_2_2020 + 86_400],
}


def _path(name):
    # As json.dumps wrote the keys (SQLite 3.40 does not decode \u escapes in paths or keys).
    return f"$.{json.dumps(name)}"


def _json_extract_field(name):
    """The field as the store compiled it before the side table: read from each contact's JSON."""
    kind = {"float": "integer"}.get(ATTRIBUTES[name], ATTRIBUTES[name])
    value = search.Expr("json_extract(custom_attributes, ?)", (_path(name),))
    if kind == "date":
        value = search.Expr(
            "(CASE WHEN typeof(json_extract(custom_attributes, ?)) = 'text'"
            " THEN CAST(strftime('%s', json_extract(custom_attributes, ?)) AS INTEGER)"
            " ELSE json_extract(custom_attributes, ?) END)",
            (_path(name),) * 3,
        )
    return search.Field(value, kind)


def _filters(name):
    kind = _json_extract_field(name).kind
    samples = SAMPLES[kind]
    for operator in search.OPERATORS_BY_KIND[kind]:
        if operator in ("IN", "NIN"):
            for values in ([samples[0]], samples[:3], samples[-3:]):
                yield {"field": f"custom_attributes.{name}", "operator": operator, "value": values}
            continue
        for value in samples + ([None] if operator in ("=", "!=") else []):
            yield {"field": f"custom_attributes.{name}", "operator": operator, "value": value}


@pytest.fixture
def crowd(client):
    """The CONTACTS, by name, each with the custom attributes it has a value for."""
    # These tests are about what search finds, not about when: no search lag.
    client.patch("/_emulator/settings", json={"search_lag_seconds": 0})
    for name, data_type in ATTRIBUTES.items():
        body = {"name": name, "model": "contact", "data_type": data_type}
        assert client.post("/data_attributes", json=body).status_code == 200
    made = {}
    for name, attributes in CONTACTS.items():
        response = client.post(
            "/contacts", json={"role": "user", "name": name, "custom_attributes": attributes}
        )
        assert response.status_code == 200, response.get_json()
        made[name] = response.get_json()
    return made


def names(client, query, **extra):
    response = client.post("/contacts/search", json={"query": query, **extra})
    assert response.status_code == 200, response.get_json()
    return sorted(c["name"] for c in response.get_json()["data"])


def _read_from_json(db_path, workspace_id, query):
    condition = search.compile_query(query, lambda field: _json_extract_field(field.split(".")[1]))
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            f"SELECT name FROM contacts WHERE workspace_id = ? AND {condition.sql}",
            [workspace_id, *condition.params],
        ).fetchall()
    return sorted(name for (name,) in rows)


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_every_filter_finds_what_reading_the_json_finds(client, crowd, db_path, attribute):
    workspace_id = crowd["ann"]["workspace_id"]
    differing = []
    for query in _filters(attribute):
        found, expected = names(client, query), _read_from_json(db_path, workspace_id, query)
        if found != expected:
            differing.append((query, found, expected))
    assert differing == []


@pytest.mark.parametrize(
    ("attribute", "operator", "value", "expected"),
    [
        ("code", "=", "a", ["ann"]),
        ("code", "!=", "a", ["bob", "cat", "dan", "eve", "fay", "gus"]),
        ("code", "=", None, ["gus"]),
        ("code", "!=", None, ["ann", "bob", "cat", "dan", "eve", "fay"]),
        ("code", "IN", ["a", "10"], ["ann", "dan"]),
        ("code", "^", "b%", ["eve"]),
        ("code", "!~", "a", ["cat", "dan", "eve", "fay", "gus"]),
        ("flag", "!=", True, ["bob", "cat", "dan", "fay", "gus"]),
        ("flag", "NIN", [False], ["ann", "cat", "dan", "eve", "fay", "gus"]),
        ("ratio", "=", 1, ["ann", "bob"]),  # stored as 1 and as 1.0
        ("ratio", ">", 1, ["cat", "dan"]),
        ("count", "<", "1", ["ann", "cat"]),
        ("count", "NIN", [0, 1], ["cat", "dan", "eve", "fay", "gus"]),
        ("day", "=", JAN_2_2020 + 60, ["ann", "bob", "dan"]),  # unix seconds and ISO text
        # A name outside ASCII: the JSON keeps it \u-escaped, the side table as it is.
        ("größe", ">=", 1, ["ann", "cat"]),
    ],
)
def test_missing_values_and_types(client, crowd, attribute, operator, value, expected):
    query = {"field": f"custom_attributes.{attribute}", "operator": operator, "value": value}
    assert names(client, query) == expected


def test_sort_by_an_attribute_with_a_name_outside_ascii(client, crowd):
    query = {"field": "custom_attributes.größe", "operator": "!=", "value": None}
    sort = {"field": "custom_attributes.größe", "order": "descending"}
    response = client.post("/contacts/search", json={"query": query, "sort": sort})
    assert [c["name"] for c in response.get_json()["data"]] == ["cat", "ann"]


def code_is(client, value):
    return names(client, {"field": "custom_attributes.code", "operator": "=", "value": value})


def test_values_follow_updates_and_removals(client, crowd):
    ann = crowd["ann"]["id"]
    client.put(f"/contacts/{ann}", json={"custom_attributes": {"code": "new"}})
    assert (code_is(client, "a"), code_is(client, "new")) == ([], ["ann"])
    client.put(f"/contacts/{ann}", json={"name": "Ann", "custom_attributes": {"count": 3}})
    assert code_is(client, "new") == ["Ann"]  # other attributes keep their values
    client.put(f"/contacts/{ann}", json={"custom_attributes": {"code": None}})
    assert code_is(client, "new") == []
    assert code_is(client, None) == ["Ann", "gus"]


def test_deleted_contacts_leave_the_index(client, crowd, db_path):
    client.delete(f"/contacts/{crowd['ann']['id']}")
    assert code_is(client, "a") == []
    with sqlite3.connect(db_path) as conn:
        left = conn.execute(
            "SELECT count(*) FROM contact_attribute_values v WHERE NOT EXISTS"
            " (SELECT 1 FROM contacts c WHERE c.seq = v.contact_seq)"
        ).fetchone()
    assert left == (0,)


def test_a_merged_user_is_found_by_the_leads_values(client, crowd):
    lead = client.post("/contacts", json={"role": "lead", "custom_attributes": {"code": "L"}})
    user = client.post(
        "/contacts", json={"role": "user", "name": "user", "custom_attributes": {"count": 7}}
    )
    body = {"from": lead.get_json()["id"], "into": user.get_json()["id"]}
    assert client.post("/contacts/merge", json=body).status_code == 200
    assert code_is(client, "L") == ["user"]
    assert names(client, {"field": "custom_attributes.count", "operator": "=", "value": 7}) == [
        "user"
    ]


def test_archived_contacts_come_back_with_their_values(client, crowd):
    client.post(f"/contacts/{crowd['bob']['id']}/archive")
    assert code_is(client, "A") == []
    client.post(f"/contacts/{crowd['bob']['id']}/unarchive")
    assert code_is(client, "A") == ["bob"]


def test_users_written_through_1_4_are_found(app, client, token, crowd):
    legacy = ApiClient(app.test_client(), token, version="1.4")
    body = {"user_id": "u-1", "name": "legacy", "custom_attributes": {"code": "from 1.4"}}
    assert legacy.post("/users", json=body).status_code == 200
    assert code_is(client, "from 1.4") == ["legacy"]


def _values_of(db_path, workspace_id):
    with sqlite3.connect(db_path) as conn:
        query = "SELECT count(*) FROM contact_attribute_values WHERE workspace_id = ?"
        return conn.execute(query, [workspace_id]).fetchone()[0]


@pytest.mark.parametrize("everything", [False, True])
def test_reset_empties_the_index(client, other_client, crowd, db_path, everything):
    attribute = {"name": "code", "model": "contact", "data_type": "string"}
    assert other_client.post("/data_attributes", json=attribute).status_code == 200
    theirs = other_client.post(
        "/contacts", json={"role": "lead", "name": "x", "custom_attributes": {"code": "a"}}
    )
    mine = crowd["ann"]["workspace_id"]
    assert _values_of(db_path, mine) > 0
    assert post_reset(client, db_path, everything).status_code == 200
    assert _values_of(db_path, mine) == 0
    assert _values_of(db_path, theirs.get_json()["workspace_id"]) == (0 if everything else 1)


def test_migration_2_indexes_contacts_stored_before_it(tmp_path, token):
    path = str(tmp_path / "version1.db")
    db = database.connect(path)
    with database.write_transaction(db):
        migrations.MIGRATIONS[0](db)
        db.execute("PRAGMA user_version = 1")
        workspace = workspaces.find_or_create(db, token, int(time.time()), None)
        ctx = Context(db, workspace, now=int(time.time()), version="2.11")
        data_attributes.create(ctx, {"name": "code", "model": "contact", "data_type": "string"})
        # Stored as a version-1 emulator stored them (today's contacts.create shapes its answer
        # with tables that later migrations add).
        for number in range(3):
            db.execute(
                "INSERT INTO contacts (id, workspace_id, role, name, custom_attributes,"
                " created_at, updated_at, searchable_at) VALUES (?, ?, 'user', ?, ?, ?, ?, ?)",
                [
                    f"{number:024x}",
                    workspace.id,
                    f"c{number}",
                    json.dumps({"code": str(number % 2)}),
                    *[ctx.now - 60] * 3,
                ],
            )
    app = create_app({"DATABASE": path})
    assert database.connect(path).execute("PRAGMA user_version").fetchone() == (
        len(migrations.MIGRATIONS),
    )
    api = ApiClient(app.test_client(), token)
    api.post("/_emulator/clock", json={"advance": 60})  # past the search lag
    assert code_is(api, "0") == ["c0", "c2"]


def _plans(app, client, query, sort):
    """EXPLAIN QUERY PLAN of the statements a search runs on the contacts table."""
    conn = database.connect(app.extensions["emulator"].storage.path).conn
    statements = []
    conn.set_trace_callback(statements.append)
    try:
        response = client.post("/contacts/search", json={"query": query, "sort": sort})
    finally:
        conn.set_trace_callback(None)
    assert response.status_code == 200
    return [
        " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        for sql in statements
        if sql.startswith("SELECT") and "FROM contacts WHERE" in sql
    ]


@pytest.mark.parametrize(
    "sort",
    [
        {},
        {"field": "updated_at", "order": "ascending"},
        {"field": "custom_attributes.code"},
        {"field": "name"},
    ],
)
def test_equality_searches_the_index_not_the_workspace(app, client, crowd, sort):
    query = {"field": "custom_attributes.code", "operator": "=", "value": "a"}
    plans = _plans(app, client, query, sort)
    assert len(plans) == 2  # the count and the page
    for plan in plans:
        assert (
            "SEARCH contact_attribute_values USING COVERING INDEX contact_attribute_values_lookup"
            " (workspace_id=? AND name=? AND value=?)" in plan
        )
        # The contacts are then fetched by seq, not walked through the workspace.
        first = plan.split(" | ")[0]
        assert first.startswith("SEARCH contacts USING ") and "rowid=?" in first
