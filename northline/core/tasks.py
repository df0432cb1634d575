"""Background work with visible progress.

A service calls `start(...)`: it records a TaskProgress row and enqueues the task (Django Tasks
API, database queue run by `northline worker`). The task body runs inside `tracking(progress_id)`
and reports percent and message, which the task page shows.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from northline.core.models import TaskProgress

if TYPE_CHECKING:
    from northline.accounts.models import User, Workspace

logger = logging.getLogger(__name__)
Report = Callable[[int, str], None]


def start(
    workspace: Workspace, user: User | None, title: str, task: Task[Any, Any], **kwargs: Any
) -> TaskProgress:
    progress = TaskProgress.objects.create(
        task_id=uuid.uuid4().hex, workspace=workspace, requested_by=user, title=title
    )
    task.enqueue(progress_id=progress.pk, **kwargs)
    progress.refresh_from_db()
    return progress


def start_once(
    workspace: Workspace,
    user: User | None,
    title: str,
    task: Task[Any, Any],
    same: Sequence[str],
    **kwargs: Any,
) -> TaskProgress:
    """`start`, unless a call of `task` with the same values of the keyword arguments named in
    `same` waits in the queue, not started yet: that call reads the workspace when it runs, so
    it does all a second one would, and its progress is returned instead. Work the team's
    actions queue (retrain after every N corrections) is thus queued once however fast they
    come; a call already running does not count, since it may have read the workspace before
    the newest action."""
    first = _waiting([task], {name: kwargs[name] for name in same}).order_by("enqueued_at").first()
    if first is not None:
        progress_id = first.args_kwargs["kwargs"].get("progress_id")
        if found := TaskProgress.objects.filter(pk=progress_id).first():
            return found
    return start(workspace, user, title, task, **kwargs)


def waiting(tasks: Sequence[Task[Any, Any]], **kwargs: Any) -> bool:
    """Whether a call of one of these tasks with these keyword arguments waits in the database
    queue, not started yet. Bulk work asks it to leave what is done once to the last of its
    batches; with the immediate backend (tests, demos) nothing ever waits."""
    return _waiting(tasks, kwargs).exists()


def _waiting(tasks: Sequence[Task[Any, Any]], kwargs: dict[str, Any]) -> QuerySet[DBTaskResult]:
    rows = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path__in=[task.module_path for task in tasks]
    )
    for name, value in kwargs.items():
        rows = rows.filter(**{f"args_kwargs__kwargs__{name}": value})
    return rows


def update(progress_id: int, **fields: Any) -> None:
    """Write a task's progress, stamped with the time (`update()` skips `auto_now`)."""
    TaskProgress.objects.filter(pk=progress_id).update(updated_at=timezone.now(), **fields)


@contextmanager
def tracking(progress_id: int) -> Iterator[tuple[Report, dict[str, Any]]]:
    """Marks the task running, gives a `report(percent, message)` and a result dict to fill;
    marks it succeeded (100%) or failed with the error's message."""
    result: dict[str, Any] = {}

    def report(percent: int, message: str) -> None:
        update(progress_id, percent=max(0, min(100, percent)), message=message[:300])

    update(progress_id, status="running", percent=0, message="Started")
    try:
        yield report, result
    except Exception as error:
        logger.exception("task %s failed", progress_id)
        update(progress_id, status="failed", message=f"Failed: {error}"[:300])
        raise
    update(progress_id, status="succeeded", percent=100, message="Done", result=result)
