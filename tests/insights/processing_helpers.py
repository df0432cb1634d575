"""Shared by the processing, themes and retraining tests: tasks run at once (the immediate
backend) when the commit they wait for happens, as the worker would run them."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.test import Client

from northline.insights.models import Feedback
from northline.insights.services import feedback as service
from tests.conftest import Team

PERSONAS = ["owner", "admin", "editor", "viewer", "outsider", "anonymous"]
EVERYONE = {"owner", "admin", "editor", "viewer"}
EDITORS = {"owner", "admin", "editor"}
ADMINS = {"owner", "admin"}
Commits = Callable[[], AbstractContextManager[Any]]


def add(
    team: Team, commits: Commits, text: str, persona: str = "editor", **fields: Any
) -> Feedback:
    with commits():
        feedback, _ = service.add_feedback(team.access(persona), {"text": text, **fields})
    feedback.refresh_from_db()
    return feedback


def call(client: Client, method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(url, data=data, content_type="application/json")


def error(status: int, message: str, errors: list[str] | None = None) -> dict[str, Any]:
    return {"ok": False, "error": message, "errors": errors or [message], "status": status}


def expected(persona: str, allowed: set[str], ok: int, page: bool = False) -> int:
    if persona == "anonymous":
        return 302 if page else 401
    if persona == "outsider":
        return 404
    return ok if persona in allowed else 403
