"""Hubness-corrected ranking inside the app (decision 0031): processing learns each new item's
density, the snapshot carries the densities to a fresh process, and the similar-feedback API
keeps the index's order while reporting the cosine."""

from __future__ import annotations

import numpy as np
import pytest

from northline.insights.models import Feedback
from northline.insights.services import feedback as service
from northline.insights.services import similarity
from tests.conftest import Team
from tests.insights.processing_helpers import Commits
from tests.insights.text.test_hubness import TOPICS, planted

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(team: Team, commits: Commits) -> dict[str, Feedback]:
    ids, texts = planted()
    with commits():
        result = service.import_feedback(team.access("editor"), [{"text": t} for t in texts])
    rows = Feedback.objects.in_bulk(result.ids)
    return {name: rows[pk] for name, pk in zip(ids, result.ids, strict=True)}


def test_processing_learns_every_new_items_density_and_snapshots_carry_them(
    team: Team, items: dict[str, Feedback]
) -> None:
    index = similarity.index_for(team.workspace, "lexical")
    assert len(index) == len(items) and (index.hubness.seen > 0).all()
    density = index.hubness.top.mean(axis=1)  # the mean of each text's best similarities
    assert index.ids[int(np.argmax(density))] == str(items["hub"].pk)
    similarity.write_snapshot(team.workspace, "lexical")
    similarity.forget(team.workspace)
    loaded = similarity.index_for(team.workspace, "lexical")
    assert loaded is not index
    assert np.array_equal(loaded.hubness.top, index.hubness.top)
    assert np.array_equal(loaded.hubness.seen, index.hubness.seen)


def test_the_api_ranks_the_duplicate_above_a_digest_with_a_higher_cosine(
    team: Team, items: dict[str, Feedback]
) -> None:
    url = f"/api/v1/workspaces/{team.workspace.slug}/feedback/similar"
    body = team.client("viewer").get(url, {"text": TOPICS[2][0], "k": 3}).json()
    ranked = [hit["id"] for hit in body]
    assert ranked[:2] == [items["q2"].pk, items["d2"].pk]  # itself, then its duplicate
    hub = ranked.index(items["hub"].pk)
    assert body[hub]["score"] > body[1]["score"]  # by cosine the digest would come first
