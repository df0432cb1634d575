"""Background tasks of insights: a file import (its dry run, or the import itself), processing
new feedback, retraining the workspace's classifiers and its encoder, re-clustering its themes. Each is safe to
run twice (see the services)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from northline.accounts.models import User, Workspace
from northline.core.access import Actor, load
from northline.core.errors import DomainError
from northline.core.roles import WRITE
from northline.core.tasks import tracking

from .models import FeedbackImport
from .services import imports, processing, retraining, themes


@task()
def run_import(progress_id: int, import_id: int, write: bool, user_id: int) -> dict[str, Any]:
    """Runs as the member who started it, with their role as it is now: one who has lost the
    editor role meanwhile gets a failed import that says why."""
    with tracking(progress_id) as (report, result):
        job = FeedbackImport.objects.select_related("workspace").get(pk=import_id)
        try:
            access = load(Actor(User.objects.get(pk=user_id)), job.workspace.slug, WRITE)
        except DomainError as error:
            job.status, job.errors = FeedbackImport.Status.FAILED, [f"import: {error.message}"]
            job.save(update_fields=["status", "errors", "updated_at"])
            raise
        job = imports.execute(access, job, write=write, report=report)
        result.update(imports.summary(job))
    return result


@task()
def process_feedback(workspace_id: int, feedback_ids: list[int]) -> dict[str, Any]:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return {"processed": 0}
    outcome = processing.process(workspace, feedback_ids)
    if outcome.recluster:
        processing.settle_themes(workspace)
    retraining.settle_encoder(workspace)
    return {"processed": outcome.processed, "indexed": outcome.indexed}


@task()
def recluster_themes(workspace_id: int, progress_id: int | None = None) -> dict[str, Any]:
    workspace = Workspace.objects.get(pk=workspace_id)
    if progress_id is None:  # queued by processing: only when still due
        return {"themes": themes.recluster(workspace, when_due=True)}
    with tracking(progress_id) as (report, result):
        report(10, "Clustering")
        result["themes"] = themes.recluster(workspace)
    return result


@task()
def retrain_classifier(
    progress_id: int, workspace_id: int, task_name: str, user_id: int | None
) -> dict[str, Any]:
    with tracking(progress_id) as (report, result):
        workspace = Workspace.objects.get(pk=workspace_id)
        user = User.objects.filter(pk=user_id).first() if user_id else None
        result.update(retraining.retrain(workspace, task_name, user, report))
    return result


@task()
def retrain_encoder(progress_id: int, workspace_id: int, user_id: int | None) -> dict[str, Any]:
    with tracking(progress_id) as (report, result):
        workspace = Workspace.objects.get(pk=workspace_id)
        user = User.objects.filter(pk=user_id).first() if user_id else None
        result.update(retraining.retrain_encoder(workspace, user, report))
    return result
