"""Reads (GET, HEAD, search, the companies list) run in a read transaction without the write
lock, counted and journaled like any request. A read route that writes is a bug: its change is
undone and the client gets a 500, never a write made without the lock."""

from __future__ import annotations

from emulator.routes import tags as tag_routes
from emulator.store import tags


def test_a_read_route_that_writes_is_undone_and_answered_500(client, monkeypatch, caplog):
    def writing_list_all(ctx):
        tags.create_or_apply(ctx, {"name": "written by a read"})
        return tags.list_all(ctx)

    monkeypatch.setattr(tag_routes.tags, "list_all", writing_list_all)
    response = client.get("/tags", check=False)
    assert response.status_code == 500
    assert response.get_json()["type"] == "error.list"
    assert "wrote inside a read-only route" in caplog.text

    monkeypatch.undo()
    assert client.get("/tags").get_json()["data"] == []
    journal = client.get("/_emulator/journal?path=/tags").get_json()["data"]
    assert [entry["status"] for entry in journal] == [200, 500]


def test_reads_are_counted_and_journaled(client):
    created = client.post("/contacts", json={"email": "reader@example.com"}).get_json()
    client.get(f"/contacts/{created['id']}")
    client.post("/companies/list", json={})
    remaining = [
        int(client.get("/me").headers["X-RateLimit-Remaining"]),
        int(client.get("/me").headers["X-RateLimit-Remaining"]),
    ]
    assert remaining[0] - remaining[1] == 1
    paths = [e["path"] for e in client.get("/_emulator/journal").get_json()["data"]]
    assert paths[:4] == ["/me", "/me", "/companies/list", f"/contacts/{created['id']}"]
