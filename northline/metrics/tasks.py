"""Background tasks of metrics: anomaly detection after an ingest, and SQL source refreshes."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def detect_anomalies(kpi_ids: list[int]) -> dict[str, Any]:
    """Check the KPIs that just got data, and the ratios built on them."""
    from django.db.models import Q

    from .models import Kpi
    from .services.alerts import detect

    touched = Kpi.objects.filter(
        Q(pk__in=kpi_ids) | Q(numerator_id__in=kpi_ids) | Q(denominator_id__in=kpi_ids)
    ).select_related("workspace", "numerator", "denominator")
    found = {kpi.key: len(detect(kpi)) for kpi in touched}
    return {"alerts": found}


def after_ingest(kpi_ids: list[int]) -> None:
    """Queue the anomaly check for the KPIs that got new data (run by `northline worker`)."""
    detect_anomalies.enqueue(kpi_ids=sorted(kpi_ids))


@task()
def refresh_sql_source(source_id: int) -> dict[str, Any]:
    """Run one SQL source now ("Refresh now" on the KPI page)."""
    from .models import SqlSource
    from .services.sql_sources import refresh

    source = SqlSource.objects.select_related("kpi", "workspace").get(pk=source_id)
    run = refresh(source)
    return {"status": run.status, "rows_read": run.rows_read, "error": run.error}
