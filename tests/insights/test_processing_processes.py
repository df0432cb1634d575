"""A processing batch on two cores (decisions 0043, 0052): the stateless stages in the helper
process store exactly what the worker alone stores, corrections still survive, and a batch
loads only the columns it reads (no query per item)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from northline.accounts.services import create_workspace
from northline.core.access import Actor, load
from northline.core.roles import Role
from northline.insights.models import Feedback, SimilarFeature, SimilarFeedback
from northline.insights.services import feedback as service
from northline.insights.services import learning, processing, similarity
from northline.insights.text import parallel
from northline.planning.services import features
from tests.conftest import Team
from tests.insights.text.text_data import read_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    similarity._copies.clear()
    learning._workspace_models.clear()
    yield
    similarity._copies.clear()


@pytest.fixture
def helped(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The helper's process id for each batch it computed for (the real helper runs; this
    only records)."""
    pids: list[int] = []
    send = parallel._helper.send

    def recorded(work: Any, args: Any) -> bool:
        sent = send(work, args)
        if sent:
            pids.append(parallel._helper.pid or 0)
        return sent

    monkeypatch.setattr(parallel._helper, "send", recorded)
    return pids


def _issues() -> list[dict[str, str]]:
    rows = read_csv("nlbse24_issues_train.csv")[:120]
    return [{"title": r["title"], "text": r["body"] or r["title"]} for r in rows]


def _unprocessed(team: Team, name: str, items: list[dict[str, str]]) -> tuple[Any, list[int]]:
    """A workspace with these items and two planning features, nothing processed yet (the
    test's transaction never commits, so nothing was queued)."""
    workspace = create_workspace(team.owner, name)
    access = load(Actor(team.owner), workspace.slug, Role.OWNER)
    features.create_feature(access, "Dark mode", description="A dark theme for the editor")
    features.create_feature(access, "Crash reports", description="The app crashes on start")
    ids = service.import_feedback(access, items).ids
    assert not Feedback.objects.filter(pk__in=ids, processed_at__isnull=False).exists()
    return workspace, sorted(ids)


def _stored(ids: list[int]) -> list[tuple[Any, ...]]:
    """What processing stored per item, with other items and features named by position."""
    where = {pk: n for n, pk in enumerate(ids)}
    rows = Feedback.objects.filter(pk__in=ids).order_by("pk")
    similar = {
        pk: sorted((where[o], s) for o, s in SimilarFeedback.objects.filter(feedback_id=pk)
                   .values_list("other_id", "score"))
        for pk in ids
    }  # fmt: skip
    near = {
        pk: sorted(SimilarFeature.objects.filter(feedback_id=pk)
                   .values_list("feature__title", "score"))
        for pk in ids
    }  # fmt: skip
    fields = ("kind", "kind_confidence", "sentiment", "sentiment_confidence", "language",
              "language_confidence", "indexed_seq")  # fmt: skip
    return [
        (
            *(getattr(f, name) for name in fields),
            f.processed_at is not None,
            similar[f.pk],
            near[f.pk],
        )
        for f in rows
    ]


@pytest.mark.parametrize("part", [processing.PART, 40])
def test_a_batch_stores_the_same_on_one_core_and_two(
    team: Team, settings: Any, helped: list[int], part: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # in parts of 40 the helper streams three parts' counts, then the labels
    monkeypatch.setattr(processing, "PART", part)
    items = _issues()
    alone, alone_ids = _unprocessed(team, "Alone", items)
    paired, paired_ids = _unprocessed(team, "Paired", items)
    settings.PROCESSING_PROCESSES = 1
    processing.process(alone, alone_ids)
    assert helped == []
    settings.PROCESSING_PROCESSES = 2
    processing.process(paired, paired_ids)
    assert len(helped) == 1 and helped[0] not in (0, os.getpid())
    want = _stored(alone_ids)
    assert _stored(paired_ids) == want
    assert sum(bool(row[8]) for row in want) > 10  # near-duplicates were found
    assert sum(bool(row[9]) for row in want) > 0  # and similar features
    assert len({row[0] for row in want}) >= 3 and {row[4] for row in want} >= {"en"}


def test_a_correction_survives_a_helped_batch(team: Team, settings: Any, helped: list[int]) -> None:
    settings.PROCESSING_PROCESSES = 2
    workspace, ids = _unprocessed(team, "Corrected", _issues()[:20])
    Feedback.objects.filter(pk=ids[3]).update(kind="billing", kind_by_team=True)
    processing.process(workspace, ids)
    processing.process(workspace, ids)  # a retried batch stores the same
    fb = Feedback.objects.get(pk=ids[3])
    assert (fb.kind, fb.kind_by_team) == ("billing", True) and fb.processed_at is not None
    assert len(helped) == 2


def test_a_batch_reads_no_column_per_item(team: Team, settings: Any) -> None:
    # the rows are loaded with only the columns `process` reads: a deferred column read per
    # item would add one SELECT of the feedback table per item
    settings.PROCESSING_PROCESSES = 1
    items = _issues()
    counts = []
    for size in (10, 40):  # both above themes.MIN_ITEMS, which a smaller batch counts
        workspace, ids = _unprocessed(team, f"Queries {size}", items[:size])
        with CaptureQueriesContext(connection) as queries:
            processing.process(workspace, ids)
        counts.append(
            sum(
                q["sql"].startswith("SELECT") and 'FROM "insights_feedback"' in q["sql"]
                for q in queries.captured_queries
            )
        )
    assert counts[0] == counts[1] > 0


def test_only_the_lexical_tier_is_helped_and_only_when_allowed(settings: Any) -> None:
    # the semantic tier's encoder already uses every core through torch's threads
    settings.PROCESSING_PROCESSES = 2
    assert processing._helped("lexical") and not processing._helped("semantic")
    settings.PROCESSING_PROCESSES = 1
    assert not processing._helped("lexical")
