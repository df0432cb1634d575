"""Background tasks of metrics: anomaly detection after an ingest. (SQL sources are refreshed
by `northline metrics refresh`, see docs/metrics.md.)"""

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
