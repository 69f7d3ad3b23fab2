"""The README, followed in order, works (issue 17, item 7): every shell block (```sh, ```bash,
```console) runs as written, in order, in one shell, and what the README shows it printing
(`# →` lines, or a console block's output lines; see tests/shell_walk.py for the convention)
is what it prints.

How a reader's setup is reproduced, and the only differences from the text as written:

- The shell runs in a temporary mirror of the checkout: every tracked top-level entry and
  `.venv` are symlinks to this repository, `examples/` is a copy, so the files the commands
  write (emulator.db, state and dead-letter files, logs) land in the temporary directory.
  HOME is a temporary directory too and PATH holds only the system's directories, so a command
  the README forgot to put on PATH is "command not found".
- Ports: the README's 8000, 8001 and 8080 are replaced by free ports in the commands, and back
  in the output before comparing; EMULATOR_URL and INTERCOM_BASE_URL point at the first (the
  commands' default URL is port 8000).
- `make serve` runs in a second terminal in the README; here it is started in the background,
  its output captured, and the next step waits until it has printed its banner. Everything the
  shell started is stopped with SIGTERM at the end (as closing the terminals would).
- The commands in EXCLUDED are not run; the reason of each is printed when the test runs, and a
  key the README no longer holds fails the test.
"""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.shell_walk import SHELL_LANGUAGES, Shell, Step, fenced_blocks, matches, shell_steps

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_PORTS = ("8000", "8001", "8080")
EXIT_STATUS = re.compile(r"^\[exit status \d+\]$", re.MULTILINE)

EXCLUDED = {
    "make test": "runs the whole suite, this test included, for about 9 minutes; CI runs it "
    "(.ci/run), which is how this line is exercised",
    "python3 -m venv ~/.venvs/intercom && ~/.venvs/intercom/bin/pip install .": "installs the "
    "package and its dependencies into a new environment (about a minute); "
    "tests/test_installed_package.py does the same with the built wheel",
    "~/.venvs/intercom/bin/intercom-emulator --version": "needs the environment the line "
    "before installs; tests/test_installed_package.py runs the installed commands",
    'emulator serve --host 0.0.0.0 --admin-token "$EMULATOR_ADMIN_TOKEN" --allowed-host emulator': (
        "listens on every interface, and tests listen on 127.0.0.1 only; "
        "tests/emulator/test_control.py::test_serving_beyond_loopback_needs_an_admin_token "
        "covers the rule it illustrates"
    ),
    "INTERCOM_TOKEN=… translator send examples/events.jsonl --region eu --state eu.state.db "
    "--dead-letter eu.dead-letters.jsonl": "needs a real Intercom workspace hosted in the EU and "
    "its token; the same command against the emulator runs in the README before it",
}


def _command(line: str) -> str:
    """A line without its trailing comment, as EXCLUDED names commands."""
    return re.split(r"\s+#\s", line.strip(), maxsplit=1)[0].strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def readme_steps() -> list[Step]:
    text = README.read_text(encoding="utf-8")
    blocks = [block for block in fenced_blocks(text) if block.lang in SHELL_LANGUAGES]
    return [step for block in blocks for step in shell_steps(block)]


def _mirror(work: Path) -> Path:
    """The checkout as the reader has it, with writes landing in `work`."""
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    mirror = work / "checkout"
    mirror.mkdir()
    for name in sorted(({path.split("/")[0] for path in tracked} | {".venv"}) - {"examples"}):
        if (ROOT / name).exists():
            (mirror / name).symlink_to(ROOT / name)
    subprocess.run(["cp", "-R", str(ROOT / "examples"), str(mirror / "examples")], check=True)
    return mirror


class Walk:
    """The README's steps run one by one in one shell."""

    def __init__(self, work: Path) -> None:
        self.ports = {port: str(_free_port()) for port in README_PORTS}
        self.logs = work / "logs"
        self.logs.mkdir()
        home = work / "home"
        home.mkdir()
        base = f"http://127.0.0.1:{self.ports['8000']}"
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "EMULATOR_URL": base,
            "INTERCOM_BASE_URL": base,
        }
        self.shell = Shell(_mirror(work), env, self.logs)
        self.shell.send(
            "__walk_wait() {  # FILE TEXT PID: until FILE holds TEXT, while PID lives (120 s)\n"
            '  for _ in $(seq 1200); do grep -qF "$2" "$1" && return 0\n'
            '    kill -0 "$3" 2>/dev/null || return 1; sleep 0.1; done; return 1; }\n'
        )
        self.excluded: list[tuple[int, str]] = []

    def code(self, step: Step) -> str:
        lines = []
        for offset, line in enumerate(step.code.splitlines()):
            command = _command(line)
            if command in EXCLUDED:
                self.excluded.append((step.line + offset, command))
                continue
            if command == "make serve":  # the reader's second terminal: in the background
                log = self.logs / "make-serve.log"
                line = (
                    f"make serve PORT={self.ports['8000']} >{log} 2>&1 &\n"
                    f"__walk_wait {log} 'Press Ctrl-C to stop.' $!; cat {log}"
                )
            lines.append(line)
        code = "\n".join(lines)
        for readme_port, port in self.ports.items():
            code = re.sub(rf"(?<!\d){readme_port}(?!\d)", port, code)
        return code

    def output(self, code: str) -> str:
        out = self.shell.run(code)
        for readme_port, port in self.ports.items():
            out = re.sub(rf"(?<!\d){port}(?!\d)", readme_port, out)
        return out


def check_step(step: Step, output: str) -> None:
    where = f"README.md line {step.line}:\n{step.code}\n--- printed:\n{output}"
    shown = step.shown or ()
    expected_failures = [line for line in shown if EXIT_STATUS.fullmatch(line)]
    assert EXIT_STATUS.findall(output) == expected_failures, f"a command failed; {where}"
    if step.shown is not None:
        shown_text = "\n".join(step.shown)
        assert matches(step.shown, output), f"--- shown:\n{shown_text}\n{where}"


@pytest.fixture
def walk(tmp_path: Path) -> Iterator[Walk]:
    # The reader's `make serve` finds .venv installed; keep it so, or make would reinstall it
    # from the mirror (a no-op under `make test`, which installs it first).
    subprocess.run(["make", "-s", "-C", str(ROOT), ".venv/.installed"], check=True)
    walk = Walk(tmp_path)
    try:
        yield walk
    finally:
        walk.shell.close()


def test_every_shell_block_of_the_readme_runs_in_order_and_prints_what_it_shows(
    walk: Walk, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = readme_steps()
    assert len(steps) > 20
    for step in steps:
        code = walk.code(step)
        check_step(step, walk.output(code) if code.strip() else "")
    with capsys.disabled():
        print(f"\nREADME walk: {len(steps)} steps run; not run:")
        for line, command in walk.excluded:
            print(f"  line {line}: {command}\n    because it {EXCLUDED[command]}")
    assert sorted(command for _, command in walk.excluded) == sorted(EXCLUDED)


def test_every_exclusion_names_a_command_the_readme_holds() -> None:
    commands = [_command(line) for step in readme_steps() for line in step.code.splitlines()]
    for command in EXCLUDED:
        assert commands.count(command) == 1, command


def test_no_transcript_hides_in_a_block_that_is_not_run() -> None:
    for block in fenced_blocks(README.read_text(encoding="utf-8")):
        if block.lang not in SHELL_LANGUAGES:
            prompts = [line for line in block.lines if line.startswith("$ ")]
            assert not prompts, f"line {block.line}: a transcript in ```{block.lang}: use console"


def test_the_config_file_shown_is_the_example_file() -> None:
    tomls = [b for b in fenced_blocks(README.read_text(encoding="utf-8")) if b.lang == "toml"]
    assert len(tomls) == 1
    example = (ROOT / "examples" / "emulator.toml").read_text(encoding="utf-8")
    assert "\n".join(tomls[0].lines) + "\n" == example


def test_the_readmes_links_lead_somewhere() -> None:
    text = README.read_text(encoding="utf-8")
    headings = {_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith("#"):
            assert target[1:] in headings, target
        elif not target.startswith(("http://", "https://")):
            assert (ROOT / target.split("#")[0]).exists(), target


def test_a_broken_command_or_other_output_fails_the_walk(tmp_path: Path) -> None:
    shell = Shell(tmp_path, {"PATH": "/usr/bin:/bin"}, tmp_path)
    try:
        for step in (
            Step("echo hello", ("hello",), 1),
            Step("printf 'a\\nb\\nc\\n'", ("a", "…"), 1),
            Step("echo 'id 42 at 12:00'", ("id … at …",), 1),
            Step("sh -c 'echo out; exit 3'", ("out", "[exit status 3]"), 1),
        ):
            check_step(step, shell.run(step.code))
        for step in (
            Step("echo hello", ("goodbye",), 1),
            Step("printf 'a\\nb\\n'", ("a",), 1),
            Step("false", None, 1),
            Step("no-such-command --token x", None, 1),
            Step("sh -c 'exit 3'", ("[exit status 2]",), 1),
        ):
            with pytest.raises(AssertionError):
                check_step(step, shell.run(step.code))
    finally:
        shell.close()


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")
