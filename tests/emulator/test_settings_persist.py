"""A workspace's settings are stored with it: they survive a restart of a real server."""

from __future__ import annotations

CHANGES = {
    "event_name_limit": 7,
    "string_limit": 40,
    "custom_attribute_limit": 3,
    "identity_verification": "enforced",
    "identity_verification_secret": "kept-across-restarts",
    "default_version": "1.4",
}


def test_settings_survive_a_restart(emulator_server, token):
    session = emulator_server.session(token)
    patched = session.patch(f"{emulator_server.url}/_emulator/settings", json=CHANGES)
    assert patched.status_code == 200, patched.text
    before = patched.json()
    assert {name: before[name] for name in CHANGES} == CHANGES

    emulator_server.restart()

    session = emulator_server.session(token)  # the port changed with the restart
    after = session.get(f"{emulator_server.url}/_emulator/settings")
    assert after.status_code == 200
    assert after.json() == before
    # And the server acts on them: 1.4 is now this workspace's default version.
    users = session.get(f"{emulator_server.url}/users?user_id=nobody")
    assert users.status_code == 404
    assert users.json()["errors"][0]["message"] == "User Not Found"
