"""A task's progress, as the task page, the processing page and the API show it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from northline.core.models import TaskProgress
from northline.core.tasks import tracking
from tests.conftest import Team

pytestmark = pytest.mark.django_db


def test_each_report_stamps_the_progress_with_its_time(team: Team) -> None:
    progress = TaskProgress.objects.create(task_id="t", workspace=team.workspace, title="Work")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    TaskProgress.objects.filter(pk=progress.pk).update(updated_at=an_hour_ago)
    with tracking(progress.pk) as (report, result):
        report(40, "Halfway")
        progress.refresh_from_db()
        assert (progress.status, progress.percent, progress.message) == ("running", 40, "Halfway")
        assert timezone.now() - progress.updated_at < timedelta(minutes=1)
        reported = progress.updated_at
        result["n"] = 1
    progress.refresh_from_db()
    assert (progress.status, progress.result) == ("succeeded", {"n": 1})
    assert progress.updated_at >= reported
