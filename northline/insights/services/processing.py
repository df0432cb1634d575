"""Text processing of feedback (type, sentiment, language, near-duplicates, themes), queued as a
background task whenever feedback arrives: one item from the form or the API, many after an
import. Every intake path calls `queue` once its transaction has committed."""

from __future__ import annotations

from collections.abc import Sequence

from northline.accounts.models import Workspace


def queue(workspace: Workspace, feedback_ids: Sequence[int]) -> None:
    """Queue the processing of these feedback items (being built: the processing task)."""
