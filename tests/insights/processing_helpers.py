"""Shared by the processing, themes and retraining tests: tasks run at once (the immediate
backend), after the commit they wait for, like the worker would run them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from northline.insights.services import learning, similarity

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate(settings: Any) -> Iterator[None]:
    """Tasks run when enqueued; each test starts with no cached index or model."""
    settings.TASKS = IMMEDIATE
    similarity._copies.clear()
    learning._workspace_models.clear()
    yield
    similarity._copies.clear()
