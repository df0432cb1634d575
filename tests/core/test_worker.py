"""`northline worker` waits longer for SQLite's write lock than a web request, and survives a
database that stays locked while it claims a task (an import writing a big batch on SQLite),
instead of failing tasks or stopping with the queue still full."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from northline.core.management.commands.worker import LOCK_WAIT_MS
from northline.insights.tasks import process_feedback

pytestmark = pytest.mark.django_db(transaction=True)
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_locked_database_while_claiming_is_waited_out(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = DATABASE
    result = process_feedback.enqueue(workspace_id=0, feedback_ids=[])
    real = db_worker.exclusive_transaction
    locked = [2]  # the first two claims find the database locked

    @contextmanager
    def claiming(using: str | None = None) -> Iterator[Any]:
        if locked[0]:
            locked[0] -= 1
            raise OperationalError("database is locked")
        with real(using) as inside:
            yield inside

    monkeypatch.setattr(db_worker, "exclusive_transaction", claiming)
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    assert locked == [0]
    row = DBTaskResult.objects.get(pk=result.id)
    assert (row.status, row.return_value) == (TaskResultStatus.SUCCESSFUL, {"processed": 0})


def test_other_database_errors_still_stop_the_worker(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = DATABASE
    process_feedback.enqueue(workspace_id=0, feedback_ids=[])

    @contextmanager
    def broken(using: str | None = None) -> Iterator[Any]:
        raise OperationalError("disk I/O error")
        yield

    monkeypatch.setattr(db_worker, "exclusive_transaction", broken)
    with pytest.raises(OperationalError, match="disk I/O error"):
        call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


@task()
def lock_wait() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        return int(cursor.fetchone()[0])


def test_tasks_wait_longer_for_the_write_lock_than_requests(settings: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock")
    settings.TASKS = DATABASE
    assert lock_wait.call() == 20_000  # outside the worker: the settings' busy timeout
    result = lock_wait.enqueue()
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    assert DBTaskResult.objects.get(pk=result.id).return_value == LOCK_WAIT_MS
