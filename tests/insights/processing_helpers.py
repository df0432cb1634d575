"""Shared by the processing, themes and retraining tests: tasks run at once (the immediate
backend) when the commit they wait for happens, as the worker would run them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from northline.insights.models import Feedback
from northline.insights.services import feedback as service
from tests.conftest import Team

Commits = Callable[[], AbstractContextManager[Any]]


def add(
    team: Team, commits: Commits, text: str, persona: str = "editor", **fields: Any
) -> Feedback:
    with commits():
        feedback, _ = service.add_feedback(team.access(persona), {"text": text, **fields})
    feedback.refresh_from_db()
    return feedback


def expected(persona: str, allowed: set[str], ok: int, page: bool = False) -> int:
    if persona == "anonymous":
        return 302 if page else 401
    if persona == "outsider":
        return 404
    return ok if persona in allowed else 403
