"""Fixtures of the insights tests: `commits` runs the tasks that committed work queues."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from northline.insights.services import learning, similarity
from tests.insights.processing_helpers import Commits

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued for a worker


@pytest.fixture
def commits(settings: Any, django_capture_on_commit_callbacks: Any) -> Iterator[Commits]:
    """`with commits(): ...` runs, on leaving, the tasks queued by what committed inside
    (the test's own transaction never commits); no cached index or model leaks in."""
    settings.TASKS = IMMEDIATE
    similarity._copies.clear()
    learning._workspace_models.clear()
    yield lambda: django_capture_on_commit_callbacks(execute=True)
    similarity._copies.clear()
    learning._workspace_models.clear()
