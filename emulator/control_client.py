"""A small client of the emulator's control API, for the `emulator` commands that talk to a
running server (`reset`, `seed`, `journal`, `workspaces`, `delete-workspace`). Every failure
becomes one `ControlError` whose message is a sentence a person can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

DEFAULT_URL = "http://127.0.0.1:8000"


class ControlError(Exception):
    """The emulator could not be reached, or refused a control request."""


def describe_refusal(response: requests.Response) -> str:
    """`400 parameter_invalid: contacts[1]: email must be a string` from an error answer."""
    try:
        errors = response.json().get("errors") or []
        detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)
    except (ValueError, AttributeError):
        detail = response.text.strip()[:200]
    return f"{response.status_code} {detail}".strip()


class ControlClient:
    """The control API of the emulator at `url`, speaking for the workspace of `token`."""

    def __init__(
        self, url: str, token: str | None, admin_token: str | None = None, timeout: float = 30.0
    ) -> None:
        import requests  # here, not at the top: `emulator --help` and `--version` need none of it

        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if admin_token:
            self.session.headers["X-Emulator-Admin-Token"] = admin_token

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """`method /_emulator/<path>`; its JSON answer, or ControlError saying what went wrong."""
        import requests

        target = f"{self.url}/_emulator/{path}"
        try:
            response = self.session.request(method, target, timeout=self.timeout, **kwargs)
        except requests.ConnectionError as exc:
            raise ControlError(
                f"cannot reach the emulator at {self.url} (is `emulator serve` running?)"
            ) from exc
        except requests.RequestException as exc:
            raise ControlError(f"{method} {target} failed: {exc}") from exc
        if response.status_code >= 400:
            raise ControlError(f"{method} /_emulator/{path}: {describe_refusal(response)}")
        try:
            return response.json()
        except ValueError as exc:
            raise ControlError(f"{target} did not answer JSON: is it an emulator?") from exc

    def reset(self, every: bool = False) -> dict[str, Any]:
        return self.call("POST", "reset", params={"all": "true"} if every else None)

    def seed(self, document: bytes, content_type: str) -> dict[str, Any]:
        headers = {"Content-Type": content_type}
        return self.call("POST", "seed", data=document, headers=headers)

    def journal(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Journal entries, newest first."""
        params = {key: value for key, value in filters.items() if value is not None}
        return self.call("GET", "journal", params=params)["data"]

    def workspaces(self) -> list[dict[str, Any]]:
        """Every workspace on the server (admin token)."""
        return self.call("GET", "workspaces")["data"]

    def delete_workspace(self, workspace_id: str | None = None) -> dict[str, Any]:
        """The token's workspace, or (admin token) the one with `workspace_id`."""
        params = {"workspace": workspace_id} if workspace_id else None
        return self.call("DELETE", "workspace", params=params)

    def add_webhook(self, url: str, topics: list[str], secret: str | None) -> dict[str, Any]:
        """Subscribe `url` to `topics`; the subscription, with its signing secret."""
        body: dict[str, Any] = {"url": url, "topics": topics}
        if secret is not None:
            body["secret"] = secret
        return self.call("POST", "webhooks", json=body)

    def webhooks(self) -> list[dict[str, Any]]:
        return self.call("GET", "webhooks")["data"]

    def remove_webhook(self, subscription_id: str) -> dict[str, Any]:
        return self.call("DELETE", f"webhooks/{subscription_id}")

    def webhook_notifications(self, per_page: int = 50) -> list[dict[str, Any]]:
        """The workspace's notifications, newest first, each with its attempts."""
        return self.call("GET", "webhooks/notifications", params={"per_page": per_page})["data"]

    def deliver_now(self) -> dict[str, Any]:
        """Attempt every pending notification now, retries included."""
        return self.call("POST", "webhooks/deliver_now")
