"""`emulator` on the command line: help, bad input as one-line errors, and a served workspace
configured from flags and from a TOML file."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import requests
from click.testing import CliRunner

from emulator.cli import main
from emulator.testing import EmulatorProcess


def test_serve_help_lists_every_option_and_setting():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for flag in (
        "--host",
        "--port",
        "--db",
        "--token",
        "--config",
        "--workers",
        "--event-name-limit",
        "--metadata-overflow",
        "--search-lag-seconds",
        "--default-version",
    ):
        assert flag in result.output


def test_bad_setting_flag_is_a_one_line_error():
    result = CliRunner().invoke(main, ["serve", "--metadata-overflow", "explode"])
    assert result.exit_code == 2
    assert "'explode' is not one of 'ignore', 'reject'" in result.output


def test_bad_config_file_is_a_one_line_error(tmp_path):
    config = tmp_path / "emulator.toml"
    config.write_text('[settings]\nevent_name_limit = "lots"\n')
    result = CliRunner().invoke(main, ["serve", "--config", str(config)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {config}: settings: 'event_name_limit' must be a positive integer\n"
    )
    config.write_text("[settings\n")
    result = CliRunner().invoke(main, ["serve", "--config", str(config)])
    assert result.exit_code == 2 and "is not valid TOML" in result.output


def test_port_in_use_is_a_one_line_error(emulator_server, tmp_path):
    port = emulator_server.url.rsplit(":", 1)[1]
    database = str(tmp_path / "second.db")
    result = CliRunner().invoke(main, ["serve", "--port", port, "--db", database])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot listen on 127.0.0.1:{port}")


def test_flags_and_config_file_set_workspace_settings(tmp_path):
    config = tmp_path / "emulator.toml"
    config.write_text(
        'tokens = ["solo"]\n'
        "[settings]\nstring_limit = 100\n"
        '[[workspaces]]\nname = "Acme"\ntokens = ["acme-1", "acme-2"]\n'
        "[workspaces.settings]\nrate_limit_app = 7\n"
    )
    args = ["--config", str(config), "--event-name-limit", "9"]
    with EmulatorProcess(tmp_path / "e.db", *args) as server:

        def get(path, token):
            return requests.get(server.url + path, headers={"Authorization": f"Bearer {token}"})

        solo = get("/_emulator/settings", "solo").json()
        assert (solo["string_limit"], solo["event_name_limit"]) == (100, 9)
        acme = get("/_emulator/settings", "acme-1").json()
        assert acme["rate_limit_app"] == 7
        assert get("/me", "acme-1").json()["app"] == get("/me", "acme-2").json()["app"]
        assert get("/me", "acme-1").json()["app"]["name"] == "Acme"
        assert get("/me", "stranger").status_code == 401


def _signal_server(process, how):
    if how == "terminal Ctrl-C":  # a terminal sends SIGINT to the whole process group
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(how)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, "terminal Ctrl-C"])
def test_ctrl_c_answers_the_requests_in_flight_first(tmp_path, how):
    server = EmulatorProcess(tmp_path / "graceful.db").start()
    session = server.session("graceful")
    rule = {"method": "GET", "path": "/me", "latency_ms": 1500}
    assert session.post(f"{server.url}/_emulator/faults", json=rule).status_code == 200
    answers: list[int] = []
    in_flight = threading.Thread(
        target=lambda: answers.append(session.get(f"{server.url}/me", timeout=30).status_code)
    )
    in_flight.start()
    # The rule counts its hit before the latency starts: once it shows, the request is inside a
    # worker, waiting out the latency.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rules = session.get(f"{server.url}/_emulator/faults").json()["data"]
        if rules[0]["hits"] == 1:
            break
        time.sleep(0.02)
    assert rules[0]["hits"] == 1, "the request never reached a worker"
    assert server.process is not None and server.process.stdout is not None
    _signal_server(server.process, how)
    in_flight.join(30)
    log = server.process.stdout.read()
    server.stop()
    assert answers == [200]
    assert "Traceback" not in log, log
