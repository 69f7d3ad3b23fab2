"""What a test can ask of a workspace's request journal: the `intercom_journal` fixture's object.

`IntercomJournal(workspace)` reads the journal through the control API of the workspace it is
given (anything with a `control(method, path, params=...)` method, as the pytest plugin's
`IntercomWorkspace`), and its assertions fail with every request the workspace made listed.
"""

from __future__ import annotations

import fnmatch
from typing import Any


class IntercomJournal:
    """The API requests a workspace made, oldest first, each with the emulator's verdict."""

    def __init__(self, workspace: Any) -> None:
        self.workspace = workspace

    def entries(
        self,
        method: str | None = None,
        path: str | None = None,
        status: int | str | None = None,
        verdict: str | None = None,
    ) -> list[dict[str, Any]]:
        """Journal entries, oldest first. `path` is exact or a glob (`/contacts/*`); `status`
        an int or a class (`"4xx"`); `verdict` "accepted" or "refused"."""
        found = self.workspace.control("GET", "journal", params={"limit": 10_000})["data"]
        found.reverse()
        return [entry for entry in found if _matches(entry, method, path, status, verdict)]

    def assert_called(
        self,
        method: str,
        path: str,
        times: int | None = None,
        status: int | str | None = None,
    ) -> list[dict[str, Any]]:
        """Assert `method path` was requested (`times` times exactly, when given); returns the
        matching entries."""
        __tracebackhide__ = True  # failures point at the test, not here
        matching = self.entries(method, path, status)
        if (times is None and matching) or len(matching) == times:
            return matching
        wanted = "at least once" if times is None else _times(times)
        what = f"{method.upper()} {path}" + (f" with status {status}" if status else "")
        raise AssertionError(
            f"expected {what} {wanted}, it was requested {_times(len(matching))}.\n"
            + self.summary()
        )

    def assert_not_called(self, method: str, path: str) -> None:
        __tracebackhide__ = True  # failures point at the test, not here
        matching = self.entries(method, path)
        if matching:
            raise AssertionError(
                f"expected no {method.upper()} {path}, it was requested {_times(len(matching))}.\n"
                + self.summary()
            )

    def assert_no_refusals(self) -> None:
        """Assert the emulator accepted every request (no 4xx or 5xx answer)."""
        __tracebackhide__ = True  # failures point at the test, not here
        refused = self.entries(verdict="refused")
        if refused:
            lines = "\n".join(f"  {_line(entry)}" for entry in refused)
            raise AssertionError(f"the emulator refused {_times(len(refused))}:\n{lines}")

    def summary(self) -> str:
        """Every request of the workspace, one line each, for failure messages."""
        made = self.entries()
        if not made:
            return "No requests were made to the emulator in this workspace."
        return "Requests made:\n" + "\n".join(f"  {_line(entry)}" for entry in made)


def _matches(
    entry: dict[str, Any],
    method: str | None,
    path: str | None,
    status: int | str | None,
    verdict: str | None,
) -> bool:
    if method and entry["method"] != method.upper():
        return False
    if path and not fnmatch.fnmatchcase(entry["path"], path):
        return False
    if verdict and entry["verdict"] != verdict:
        return False
    if status is None:
        return True
    text = str(status).lower()
    if text.endswith("xx"):
        return str(entry["status"]).startswith(text[0])
    return bool(entry["status"] == int(status))


def _line(entry: dict[str, Any]) -> str:
    line = f"{entry['method']} {entry['path']} -> {entry['status']}"
    if entry.get("error"):
        line += f" {entry['error']['code']}: {entry['error']['message']}"
    for warning in entry.get("warnings") or []:
        line += f" (warning: {warning})"
    return line


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"
