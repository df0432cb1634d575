"""What the API role-matrix tests share: the personas, who may do what, and the JSON call."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

PERSONAS = ["owner", "admin", "editor", "viewer", "outsider", "anonymous"]
EVERYONE = {"owner", "admin", "editor", "viewer"}
EDITORS = {"owner", "admin", "editor"}
ADMINS = {"owner", "admin"}


def call(client: Client, method: str, url: str, body: Any = None, **headers: str) -> Any:
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(url, data=data, content_type="application/json", headers=headers)


def error(status: int, message: str, errors: list[str] | None = None) -> dict[str, Any]:
    """The one API error shape."""
    return {"ok": False, "error": message, "errors": errors or [message], "status": status}


def expected(persona: str, allowed: set[str], ok: int) -> int:
    """The status a persona gets: 401 anonymous, 404 outsider, 403 a member not `allowed`."""
    if persona == "anonymous":
        return 401
    if persona == "outsider":
        return 404
    return ok if persona in allowed else 403
