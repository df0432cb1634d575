"""Anomaly alerts: after new data arrives, each KPI's recent days are compared with their
expected band (northline.metrics.anomaly); a day outside it becomes an Alert and an entry in the
workspace's activity feed with the expected range and the observed value."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from django.db import transaction
from django.db.models import QuerySet

from northline.core import activity
from northline.core.access import Access
from northline.core.roles import WRITE

from .. import anomaly
from ..models import Alert, Kpi, Survey
from .readings import daily, last_date, series

HISTORY_WEEKS = 8
RECENT_DAYS = 28  # days re-checked after an ingest (a backfill older than this is not alerted)


def _daily_total(kpi: Kpi, start: date, end: date) -> tuple[np.ndarray, np.ndarray]:
    if kpi.is_ratio:
        found = series(kpi, start, end, "day")
        dates = np.array([p.time for p in found], dtype="datetime64[D]")
        values = np.array([np.nan if p.value is None else p.value for p in found], dtype=float)
        return dates, values
    return daily(kpi, start, end, None)


def detect(kpi: Kpi, end: date | None = None, days: int = RECENT_DAYS) -> list[Alert]:
    """Alerts for the days of the last `days` up to `end` (the KPI's last date by default)
    that fall outside their band; days back inside their band resolve their open alert."""
    end = end or last_date(kpi)
    if end is None or Survey.objects.filter(kpi=kpi).exists():
        return []  # a survey's daily score rests on a handful of answers: too noisy to alert on
    start = end - timedelta(days=days - 1)
    dates, values = _daily_total(kpi, start - timedelta(weeks=HISTORY_WEEKS), end)
    found = anomaly.band(dates, values, weeks=HISTORY_WEEKS)
    recent = dates >= np.datetime64(start)
    outside = found.outside & recent
    inside_days = [d.item() for d in dates[recent & ~found.outside]]
    created: list[Alert] = []
    with transaction.atomic():
        Alert.objects.filter(kpi=kpi, date__in=inside_days, status=Alert.Status.OPEN).update(
            status=Alert.Status.RESOLVED
        )
        known = set(Alert.objects.filter(kpi=kpi, date__gte=start).values_list("date", flat=True))
        for i in np.flatnonzero(outside):
            day = dates[i].item()
            if day in known:
                continue
            alert = Alert.objects.create(
                workspace=kpi.workspace, kpi=kpi, date=day, observed=float(values[i]),
                expected=float(found.expected[i]), low=float(found.low[i]),
                high=float(found.high[i]),
            )  # fmt: skip
            activity.record(
                kpi.workspace, None, "kpi.anomaly", kpi,
                {"date": day.isoformat(), "observed": alert.observed,
                 "expected": f"{alert.low:.6g} to {alert.high:.6g}"},
            )  # fmt: skip
            created.append(alert)
    return created


def alerts(access: Access, kpi: Kpi | None = None, status: str = "open") -> QuerySet[Alert]:
    rows = Alert.objects.filter(workspace=access.workspace).select_related("kpi")
    if kpi is not None:
        rows = rows.filter(kpi=kpi)
    return rows.filter(status=status) if status in Alert.Status.values else rows


def acknowledge(access: Access, alert: Alert) -> Alert:
    access.require(WRITE)
    with transaction.atomic():
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.save(update_fields=["status", "updated_at"])
        activity.record(access.workspace, access.user, "kpi.anomaly_acknowledged", alert.kpi,
                        {"date": alert.date.isoformat()})  # fmt: skip
    return alert
