"""Background tasks of insights: a file import (its dry run, or the import itself)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from northline.accounts.models import User
from northline.core.access import Actor, load
from northline.core.errors import DomainError
from northline.core.roles import WRITE
from northline.core.tasks import tracking

from .models import FeedbackImport
from .services import imports


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
