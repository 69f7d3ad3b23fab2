"""The parsed description is cached beside the user's other caches; a file that changed is read
again, and no cache at all still starts the emulator."""

from __future__ import annotations

import os

from emulator import openapi


def test_a_changed_file_is_parsed_again_not_taken_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    description = tmp_path / "intercom.yaml"
    description.write_text("openapi: 3.1.0\ninfo: {title: first}\n", encoding="utf-8")
    assert openapi.read(description)["info"] == {"title": "first"}
    assert list((tmp_path / "cache").rglob("*.json"))  # kept for the next start
    assert openapi.read(description)["info"] == {"title": "first"}  # from the cache
    description.write_text("openapi: 3.1.0\ninfo: {title: second one}\n", encoding="utf-8")
    assert openapi.read(description)["info"] == {"title": "second one"}


def test_without_a_writable_cache_the_file_is_parsed(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("", encoding="utf-8")  # the cache's parent is a file: nothing is written
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    description = tmp_path / "intercom.yaml"
    description.write_text("openapi: 3.1.0\ninfo: {title: parsed}\n", encoding="utf-8")
    assert openapi.read(description)["info"] == {"title": "parsed"}
    assert os.path.isfile(blocked)
