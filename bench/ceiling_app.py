"""The ceiling: a bare Flask + SQLite app doing the same insert or read as the emulator's routes.

No authentication, validation, rate limit, journal or Intercom shapes: only the SQL each route
needs (an indexed lookup and an insert, or one indexed read), on a file database with the same
pragmas as the emulator (WAL, synchronous NORMAL, one connection per worker). Served by the same
gunicorn sync workers, it is the fastest this machine can answer these routes from Flask.

    CEILING_DB=/tmp/ceiling.db gunicorn -w 2 bench.ceiling_app:app
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from typing import Any

from flask import Flask, Response, jsonify, request

SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    external_id TEXT,
    email TEXT,
    name TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_email ON contacts(email);
CREATE INDEX IF NOT EXISTS contacts_external_id ON contacts(external_id);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    contact_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX IF NOT EXISTS events_dedupe ON events(contact_id, event_name, created_at);
"""
_COLUMNS = ("id", "external_id", "email", "name", "created_at")
_SELECT = "SELECT id, external_id, email, name, created_at FROM contacts"
_local = threading.local()


def connection() -> sqlite3.Connection:
    """This thread's connection (opened after gunicorn forks, never shared across processes or
    threads), as the emulator keeps one per thread."""
    conn: sqlite3.Connection | None = getattr(_local, "connection", None)
    if conn is None:
        conn = sqlite3.connect(os.environ["CEILING_DB"], isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(SCHEMA)
        _local.connection = conn
    return conn


def _contact(row: tuple[Any, ...] | None) -> dict[str, Any] | None:
    return dict(zip(_COLUMNS, row, strict=True)) if row else None


app = Flask(__name__)


@app.post("/contacts")
def create_contact() -> Any:
    body = request.get_json()
    values = (uuid.uuid4().hex[:24], body.get("external_id"), body.get("email"), body.get("name"))
    connection().execute(
        "INSERT INTO contacts (id, external_id, email, name, created_at)"
        " VALUES (?, ?, ?, ?, strftime('%s','now'))",
        values,
    )
    return jsonify({"type": "contact", **dict(zip(_COLUMNS, values, strict=False))})


@app.get("/contacts/<contact_id>")
def get_contact(contact_id: str) -> Any:
    row = (
        connection()
        .execute(
            "SELECT id, external_id, email, name, created_at FROM contacts WHERE id = ?",
            (contact_id,),
        )
        .fetchone()
    )
    return (jsonify(_contact(row)), 200) if row else (jsonify({"type": "error"}), 404)


@app.post("/contacts/search")
def search_contacts() -> Any:
    value = request.get_json()["query"]["value"]
    rows = connection().execute(f"{_SELECT} WHERE email = ? LIMIT 50", (value,)).fetchall()
    return jsonify({"type": "list", "data": [_contact(row) for row in rows]})


@app.post("/events")
def create_event() -> Any:
    body = request.get_json()
    conn = connection()
    row = conn.execute(
        "SELECT id FROM contacts WHERE external_id = ? LIMIT 1", (body["user_id"],)
    ).fetchone()
    if row is None:
        return jsonify({"type": "error"}), 404
    conn.execute(
        "INSERT OR IGNORE INTO events (contact_id, event_name, created_at, metadata)"
        " VALUES (?, ?, ?, ?)",
        (row[0], body["event_name"], body["created_at"], json.dumps(body.get("metadata", {}))),
    )
    return Response(status=202)
