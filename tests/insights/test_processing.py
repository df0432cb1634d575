"""Processing of feedback: type, sentiment and language with confidences, near-duplicates
and similar features, stored on the item, idempotent, batched after an import."""

from __future__ import annotations

from typing import Any

import pytest

from northline.insights.models import Feedback, SimilarFeature, SimilarFeedback
from northline.insights.services import feedback as service
from northline.insights.services import processing
from northline.planning.services import features
from tests.conftest import Team
from tests.insights.processing_helpers import immediate  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate")]


def add(team: Team, text: str, **fields: Any) -> Feedback:
    feedback, _ = service.add_feedback(team.access("editor"), {"text": text, **fields})
    feedback.refresh_from_db()
    return feedback


def test_one_item_is_processed_after_commit(team: Team, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        fb, _ = service.add_feedback(
            team.access("editor"), {"text": "The app crashes every time I upload a photo"}
        )
    fb.refresh_from_db()
    assert fb.kind == "bug"
    assert 0 < fb.kind_confidence <= 1
    assert fb.sentiment == "negative"
    assert fb.language == "en"
    assert fb.processed_at is not None
