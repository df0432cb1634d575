"""Themes after a bulk import (decision 0034): the automatic re-clustering waits while the
import still writes batches or processing of the workspace still waits in the queue, and runs
once after the last batch, so the themes exist after the import and nothing was clustered on
the way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from northline.accounts.services import create_workspace
from northline.core import tasks as background
from northline.insights import tasks
from northline.insights.models import Feedback, FeedbackImport, Theme
from northline.insights.services import feedback as service
from northline.insights.services import imports, learning, processing, similarity, themes
from northline.insights.text import clustering
from tests.conftest import Team
from tests.insights.conftest import DATABASE, IMMEDIATE
from tests.insights.test_import_formats import upload
from tests.insights.test_themes import DARK, EXPORT

TEXTS = [*DARK, *EXPORT, *(f"{t} (again)" for t in DARK + EXPORT)]  # 24 items


@pytest.fixture
def clusterings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of texts of every full clustering that runs."""
    sizes: list[int] = []
    real = clustering.cluster_themes

    def counted(texts: list[str], **options: Any) -> clustering.ThemeModel:
        sizes.append(len(texts))
        return real(texts, **options)

    monkeypatch.setattr(themes, "cluster_themes", counted)
    return sizes


@pytest.fixture
def fresh_models() -> Iterator[None]:
    similarity._copies.clear()
    learning._workspace_models.clear()
    yield
    similarity._copies.clear()
    learning._workspace_models.clear()


def csv_of(texts: list[str]) -> bytes:
    rows = "".join(f'"{text}",I-{n}\n' for n, text in enumerate(texts, start=1))
    return f"Body,Id\n{rows}".encode()


@pytest.mark.django_db(transaction=True)
def test_an_import_clusters_its_themes_once_after_its_last_batch(
    team: Team, settings: Any, monkeypatch: pytest.MonkeyPatch, clusterings: list[int],
    fresh_models: None,
) -> None:  # fmt: skip
    # Each committed batch is processed at once (immediate backend, real commits), while the
    # import is still writing the next: the timeline of the worker beside a running import.
    settings.TASKS = IMMEDIATE
    monkeypatch.setattr(imports, "BATCH_ROWS", 6)
    seen: list[tuple[int, bool]] = []
    real_process = processing.process

    def watched(workspace: Any, ids: list[int]) -> processing.Outcome:
        outcome = real_process(workspace, ids)
        seen.append((len(ids), imports.writing(workspace)))
        return outcome

    monkeypatch.setattr(processing, "process", watched)
    job = upload(team, "a.csv", csv_of(TEXTS), mapping={"text": "Body", "external_id": "Id"})
    job = imports.execute(team.access("editor"), job, write=True)
    assert (job.status, job.created_count) == ("done", 24)
    # four batches processed while the import wrote, the last one too (the import ended after)
    assert seen == [(6, True)] * 4
    # the drift was due from the first batch on (12 of the 8 needed), yet one clustering ran,
    # of every item, after the import
    assert clusterings == [24]
    state = similarity.settings_of(team.workspace)
    assert (state.themes_clustered, state.themes_assigned) == (24, 0)
    assert Theme.objects.filter(workspace=team.workspace).count() >= 2
    assert not Feedback.objects.filter(workspace=team.workspace, theme=None).exists()


@pytest.mark.django_db(transaction=True)
def test_items_added_one_by_one_still_recluster_as_they_drift(
    team: Team, settings: Any, clusterings: list[int], fresh_models: None
) -> None:
    settings.TASKS = IMMEDIATE
    for text in TEXTS[:12]:
        service.add_feedback(team.access("editor"), {"text": text})
    # first at 8 processed items (MIN_ITEMS), again when 5 more pass half of the 8 (DRIFT)
    assert clusterings == [8]
    assert Theme.objects.filter(workspace=team.workspace).count() >= 2
    for text in TEXTS[12:]:
        service.add_feedback(team.access("editor"), {"text": text})
    assert clusterings == [8, 13, 20]  # 7 more pass half of 13; 4 placed since stay below


def queued(task: Any, **kwargs: Any) -> Any:
    return DBTaskResult.objects.filter(task_path=task.module_path, **kwargs)


def test_a_batch_leaves_the_re_clustering_to_the_last_one_queued(
    team: Team, settings: Any, clusterings: list[int], fresh_models: None
) -> None:
    settings.TASKS = DATABASE
    items = [service.add_feedback(team.access("editor"), {"text": t})[0].pk for t in TEXTS[:12]]
    first = tasks.process_feedback.enqueue(workspace_id=team.workspace.pk, feedback_ids=items[:9])
    second = tasks.process_feedback.enqueue(workspace_id=team.workspace.pk, feedback_ids=items[9:])
    other = create_workspace(team.owner, "Other")
    tasks.process_feedback.enqueue(workspace_id=other.pk, feedback_ids=[])
    assert background.waiting([tasks.process_feedback], workspace_id=team.workspace.pk)

    # the worker takes the first batch: the second still waits, so it queues no re-clustering
    queued(tasks.process_feedback, id=first.id).update(status=TaskResultStatus.RUNNING)
    tasks.process_feedback.call(workspace_id=team.workspace.pk, feedback_ids=items[:9])
    assert not queued(tasks.recluster_themes).exists()
    assert themes.due(team.workspace)  # 9 processed items, no themes yet

    # the last batch queues it; the other workspace's waiting task does not hold it back
    queued(tasks.process_feedback, id=second.id).update(status=TaskResultStatus.RUNNING)
    assert not background.waiting([tasks.process_feedback], workspace_id=team.workspace.pk)
    tasks.process_feedback.call(workspace_id=team.workspace.pk, feedback_ids=items[9:])
    waiting = list(queued(tasks.recluster_themes, status=TaskResultStatus.READY))
    assert [r.args_kwargs["kwargs"] for r in waiting] == [{"workspace_id": team.workspace.pk}]
    assert clusterings == []  # queued, not run: the worker runs it after the batches
    assert tasks.recluster_themes.call(workspace_id=team.workspace.pk)["themes"] >= 1
    assert clusterings == [12]


def test_only_an_import_writing_its_batches_holds_the_re_clustering_back(
    team: Team, settings: Any, fresh_models: None
) -> None:
    settings.TASKS = DATABASE
    job = upload(team, "a.csv", csv_of(TEXTS[:2]), mapping={"text": "Body", "external_id": "Id"})
    cases = [  # (status, rows_done, seconds since its last checkpoint, holds back)
        (FeedbackImport.Status.RUNNING, 20_000, 5, True),
        (FeedbackImport.Status.RUNNING, 0, 5, False),  # still checking the file: no batch yet
        (FeedbackImport.Status.RUNNING, 20_000, imports.STALE_AFTER + 5, False),  # its worker died
        (FeedbackImport.Status.FAILED, 20_000, 5, False),
        (FeedbackImport.Status.DONE, 20_000, 5, False),
    ]
    for status, done, age, holds in cases:
        at = timezone.now() - timedelta(seconds=age)
        FeedbackImport.objects.filter(pk=job.pk).update(
            status=status, rows_done=done, updated_at=at
        )
        queued(tasks.recluster_themes).delete()
        assert imports.writing(team.workspace) is holds, (status, done, age)
        processing.settle_themes(team.workspace)
        assert queued(tasks.recluster_themes).exists() is not holds, (status, done, age)
