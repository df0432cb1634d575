"""The demo workspace's metrics: the KPIs by key, a year of data, targets, the outage alert,
the dashboard and the NPS survey; the same values on every load."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from northline import demo
from northline.insights.models import Feedback
from northline.metrics import demo as metrics_demo
from northline.metrics.models import Alert, Dashboard, DataPoint, Target
from northline.metrics.services import latest, series

pytestmark = pytest.mark.django_db


def test_demo_metrics() -> None:
    started = time.perf_counter()
    login = demo.load_demo()
    seconds = time.perf_counter() - started
    found = metrics_demo.demo_kpis(login.workspace)
    assert sorted(found) == sorted(metrics_demo.KEYS)
    assert [k.key for k in found.values() if k.north_star] == [metrics_demo.NORTH_STAR]
    yesterday = timezone.localdate() - timedelta(days=1)
    signups = found["signups"]
    assert len(series(signups, granularity="day")) == metrics_demo.DAYS
    assert series(signups).points[-1].time == yesterday
    outage = timezone.localdate() - timedelta(days=metrics_demo.OUTAGE_DAYS_AGO)
    alert = Alert.objects.get(kpi=signups, date=outage)
    assert alert.observed < alert.low
    assert (
        Alert.objects.filter(kpi__workspace=login.workspace).count() <= 3
    )  # one clear anomaly, little noise
    assert Target.objects.filter(kpi=found[metrics_demo.NORTH_STAR]).count() == 2
    assert Dashboard.objects.get(workspace=login.workspace).tiles.count() == 6
    comments = Feedback.objects.filter(workspace=login.workspace, external_id__startswith="survey-")
    assert comments.count() == 6  # the NPS survey's comments; the insights demo adds more
    rate = latest(found["trial-conversion-rate"])
    assert rate is not None and 0.1 < (rate.value or 0) < 0.3
    first = list(
        DataPoint.objects.filter(kpi=signups)
        .order_by("date", "dimension_key")
        .values_list("value", flat=True)
    )
    demo.remove_demo()
    demo.load_demo()
    again = metrics_demo.demo_kpis(demo.Workspace.objects.get(slug="acme"))["signups"]
    assert (
        list(
            DataPoint.objects.filter(kpi=again)
            .order_by("date", "dimension_key")
            .values_list("value", flat=True)
        )
        == first
    )
    print(f"demo loaded in {seconds:.2f} s")
