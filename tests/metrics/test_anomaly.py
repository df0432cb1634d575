"""The expected band (per-weekday median ± k·MAD) against hand-computed values, and alerts made
after an ingest: stored, in the activity feed, resolved when the value is corrected."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from northline.core.models import Activity
from northline.metrics import anomaly
from northline.metrics.models import Alert
from northline.metrics.services import alerts, kpis, points
from northline.metrics.tasks import detect_anomalies
from tests.conftest import Team

MONDAY = date(2026, 1, 5)


def weekly(history: list[float], last: float) -> tuple[np.ndarray, np.ndarray]:
    """Mondays only: the history then the day to judge."""
    days = [MONDAY + timedelta(weeks=i) for i in range(len(history) + 1)]
    return np.array(days, dtype="datetime64[D]"), np.array([*history, last], dtype=float)


def test_band_is_weekday_median_plus_minus_k_pooled_mad() -> None:
    dates, values = weekly([10, 12, 14, 10, 11, 13, 10, 12], 30)
    found = anomaly.band(dates, values, weeks=8, k=4)
    # the last Monday's 8 predecessors sorted: 10 10 10 11 12 12 13 14, median 11.5
    assert found.expected[-1] == 11.5
    # spread pooled over the 8 weeks before it: Mondays 5-8 have a median of their own
    # (11, 11, 11.5, 11) and lie 0, 2, 1.5, 1 from it, shares 0, 2/11, 1.5/11.5, 1/11 of it:
    # their median is (1/11 + 1.5/11.5) / 2, so the band is 11.5 ± 4 · 1.4826 · that · 11.5
    width = 4 * 1.4826 * (1 / 11 + 1.5 / 11.5) / 2 * 11.5
    assert found.low[-1] == pytest.approx(11.5 - width) and found.high[-1] == pytest.approx(
        11.5 + width
    )
    assert found.outside.tolist()[-1] is True
    assert np.isnan(found.expected[:4]).all()  # fewer than 4 earlier Mondays: no band


def test_flat_history_uses_the_floor_and_ignores_other_weekdays() -> None:
    days = np.arange(np.datetime64("2026-01-05"), np.datetime64("2026-03-09"))
    values = np.where((days.astype(np.int64) + 3) % 7 == 5, 500.0, 100.0)  # Saturdays are big
    values[-1] = 101.0  # a Sunday, the last day, inside the Sunday band 100 ± 4 · 2 %
    found = anomaly.band(days, values, weeks=8, k=4, floor=0.02)
    assert found.expected[-1] == 100.0 and found.high[-1] == pytest.approx(108.0)
    assert not found.outside[-10:].any()  # Saturdays are compared with Saturdays only


def test_gaps_in_the_history_are_skipped() -> None:
    dates, values = weekly([10, np.nan, 10, 10, 10], 10)
    found = anomaly.band(dates[[0, 2, 3, 4, 5]], values[[0, 2, 3, 4, 5]])
    assert found.expected[-1] == 10.0


@pytest.mark.django_db
def test_ingest_then_detect_creates_one_alert_in_the_feed(team: Team) -> None:
    access = team.access("editor")
    kpi = kpis.create_kpi(access, name="Sign-ups")
    start = date(2026, 1, 5)
    daily = [
        {"date": (start + timedelta(days=i)).isoformat(), "value": 100 + (i % 7) * 5 + (i % 3)}
        for i in range(70)
    ]
    daily[-1]["value"] = 400
    points.push(access, daily, kpi)
    detect_anomalies.call(kpi_ids=[kpi.pk])
    alert = Alert.objects.get()
    assert (alert.date, alert.observed, alert.status) == (start + timedelta(days=69), 400.0, "open")
    assert alert.low < alert.expected < alert.high < 400
    entry = Activity.objects.get(verb="kpi.anomaly")
    assert (entry.by, entry.phrase) == ("Northline", "found an anomaly in")
    assert entry.changes == {
        "date": alert.date.isoformat(), "observed": 400.0,
        "expected": f"{alert.low:.6g} to {alert.high:.6g}",
    }  # fmt: skip
    detect_anomalies.call(kpi_ids=[kpi.pk])
    assert Alert.objects.count() == 1  # found again, not stored twice
    points.push(access, [{"date": alert.date.isoformat(), "value": alert.expected}], kpi)
    alerts.detect(kpi)
    assert Alert.objects.get().status == "resolved"


@pytest.mark.django_db
def test_ingest_enqueues_the_check(team: Team, django_capture_on_commit_callbacks: object) -> None:
    from django_tasks_db.models import DBTaskResult

    access = team.access("editor")
    kpi = kpis.create_kpi(access, name="Visits")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        points.push(access, [{"date": "2026-01-05", "value": 1}], kpi)
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "northline.metrics.tasks.detect_anomalies"
    assert queued.args_kwargs["kwargs"] == {"kpi_ids": [kpi.pk]}
