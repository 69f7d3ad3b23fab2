"""Run documented shell commands as a reader would, and compare what they print with what the
document shows. Used by tests/test_readme.py (the README's shell blocks) and
tests/test_ci_recipes.py (the `run:` steps of the example CI workflows).

The convention for shown output:

- in a ```sh (or ```bash) block, lines `# → TEXT` right after a command show what the commands
  since the previous shown output print (stdout and stderr together);
- in a ```console block, `$ COMMAND` lines are run and the lines under each are its output;
- `…` stands for any text within a line; a line that is only `…` stands for any number of
  lines (none included). Everything else must match exactly (trailing spaces aside).

All steps run in one `bash` process, in order, so variables, `cd` and an activated virtual
environment carry over from one block to the next as in a terminal. A command that exits with
a non-zero status prints `[exit status N]` (an ERR trap): shown as the last line of a command's
output, it is expected; anywhere else it fails the step. So does a step that runs longer than
its deadline.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from itertools import dropwhile
from pathlib import Path

FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")
SHELL_LANGUAGES = frozenset({"sh", "bash", "shell", "console"})
SHOWN = re.compile(r"^\s*# →(?: (?P<text>.*))?$")
_DONE = "__shell_walk_step_done__"


@dataclass(frozen=True)
class Block:
    lang: str
    line: int  # 1-based line of the opening fence
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    code: str
    shown: tuple[str, ...] | None  # None: nothing shown, only the exit status counts
    line: int  # 1-based line in the document of the step's first line


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, dedented by its fence's indentation."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, body = len(opening["indent"]), []
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            body.append(lines[end][indent:] if lines[end][:indent].isspace() else lines[end])
            end += 1
        blocks.append(Block(opening["lang"], index + 1, tuple(body)))
        index = end + 1
    return blocks


def shell_steps(block: Block) -> list[Step]:
    """A shell block cut into steps, each ending where output is shown (or at the block's end)."""
    if block.lang == "console":
        return _console_steps(block)
    steps: list[Step] = []
    code: list[str] = []
    shown: list[str] = []
    start = block.line + 1
    for offset, line in enumerate(block.lines, start=block.line + 1):
        match = SHOWN.match(line)
        if match is not None:
            shown.append(match["text"] or "")
            continue
        if shown:  # a command after shown output starts the next step
            steps.append(Step("\n".join(code), tuple(shown), start))
            code, shown, start = [], [], offset
        code.append(line)
    if code or shown:
        steps.append(Step("\n".join(code), tuple(shown) if shown else None, start))
    return steps


def _console_steps(block: Block) -> list[Step]:
    steps: list[Step] = []
    command: list[str] = []
    output: list[str] = []
    start = block.line + 1
    for offset, line in enumerate(block.lines, start=block.line + 1):
        continuing = bool(command) and command[-1].endswith("\\") and not output
        if line.startswith("$ ") or continuing:
            if not continuing and command:
                steps.append(Step("\n".join(command), tuple(output), start))
                command, output, start = [], [], offset
            command.append(line[2:] if line.startswith("$ ") and not continuing else line)
        else:
            output.append(line)
    if command:
        steps.append(Step("\n".join(command), tuple(output), start))
    return steps


def shown_pattern(shown: tuple[str, ...]) -> re.Pattern[str]:
    """The regular expression the shown lines stand for (see the module's docstring)."""
    parts = []
    shown = tuple(reversed(list(dropwhile(lambda line: not line.strip(), reversed(shown)))))
    for line in shown:
        if line.strip() == "…":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(r"[^\n]*".join(re.escape(piece) for piece in line.rstrip().split("…")))
            parts.append(r"\n")
    return re.compile("".join(parts))


def normalised(output: str) -> str:
    """Output as compared: trailing spaces and blank lines dropped, one final newline."""
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "".join(line + "\n" for line in lines)


def matches(shown: tuple[str, ...], output: str) -> bool:
    return shown_pattern(shown).fullmatch(normalised(output)) is not None


class Shell:
    """One bash process, fed step by step; each step's output lands in its own file."""

    def __init__(self, cwd: Path, env: dict[str, str], outputs: Path) -> None:
        self.outputs = outputs
        self.count = 0
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its process group: everything the steps start
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        # A command that fails says so in the step's output; a watchdog stops the whole group
        # (servers started in the background included) if the test process disappears.
        self.send(
            "trap 'echo \"[exit status $?]\" >&2' ERR\n"
            f"( while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
            "kill -TERM -- -$$ ) >/dev/null 2>&1 &\n"
        )

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def run(self, code: str, deadline: float = 120) -> str:
        """Run `code` as typed into the shell; what it printed (stdout and stderr)."""
        self.count += 1
        out = self.outputs / f"step-{self.count}.txt"
        self.send(f"{{\n{code}\n}} >{out} 2>&1 </dev/null\necho {_DONE} {self.count}\n")
        while True:
            try:
                line = self.lines.get(timeout=deadline)
            except queue.Empty:
                raise AssertionError(f"no end after {deadline} s:\n{code}") from None
            if line.strip() == f"{_DONE} {self.count}":
                return out.read_text(errors="replace")

    def close(self) -> None:
        """Stop the shell and everything it started (its process group), as a terminal's
        closing would: SIGTERM (servers stop cleanly on it), then SIGKILL after 15 s."""
        try:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if self._stop_group(sig):
                    return
        finally:
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None:
                    pipe.close()

    def _stop_group(self, sig: signal.Signals) -> bool:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            self.process.poll()  # reap the shell itself, or its group lives on
            if not _group_alive(self.process.pid):
                return True
            time.sleep(0.1)
        return False


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
