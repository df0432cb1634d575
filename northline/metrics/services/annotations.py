"""What a KPI chart marks on its time axis: the manual notes on this KPI (or on every KPI),
planning's decisions on the day they were decided, and features on the day they shipped.

A feature's ship day is read from the activity log (the change of its status to shipped);
one that was created as shipped, or shipped before the log, uses its last update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from northline.accounts.models import Workspace
from northline.core.models import Activity
from northline.planning.models import Decision, Feature

from ..models import Annotation, Kpi


@dataclass(frozen=True)
class Note:
    date: date
    text: str
    kind: str  # note, decision, release or anomaly
    url: str | None = None
    id: int | None = None  # the Annotation's id, for a manual note


def annotations_for(
    workspace: Workspace, kpi: Kpi, start: date | None = None, end: date | None = None
) -> list[Note]:
    """Every mark for the chart of `kpi` between `start` and `end`, by date."""
    within = Q()
    if start:
        within &= Q(date__gte=start)
    if end:
        within &= Q(date__lte=end)
    manual = Annotation.objects.filter(
        Q(kpi=kpi) | Q(kpi__isnull=True), within, workspace=workspace
    )
    notes = [Note(a.date, a.text, "note", None, a.pk) for a in manual]
    decisions = Decision.objects.filter(workspace=workspace, decided_on__isnull=False).exclude(
        status=Decision.Status.PROPOSED
    )
    if start:
        decisions = decisions.filter(decided_on__gte=start)
    if end:
        decisions = decisions.filter(decided_on__lte=end)
    notes += [
        Note(d.decided_on, f"Decision: {d.title}", "decision", None)
        for d in decisions
        if d.decided_on is not None
    ]
    notes += [
        n
        for n in shipped(workspace)
        if (not start or n.date >= start) and (not end or n.date <= end)
    ]
    return sorted(notes, key=lambda n: (n.date, n.kind, n.text))


def shipped(workspace: Workspace) -> list[Note]:
    """Each shipped feature on the day its status became shipped."""
    features = {
        f.pk: f for f in Feature.objects.filter(workspace=workspace, status=Feature.Status.SHIPPED)
    }
    if not features:
        return []
    changes = Activity.objects.filter(
        workspace=workspace, object_type="planning.feature", verb="feature.updated",
        object_id__in=[str(pk) for pk in features], changes__status__1=Feature.Status.SHIPPED,
    ).values_list("object_id", "created_at")  # fmt: skip
    days: dict[int, date] = {}
    for object_id, moment in changes.order_by("created_at"):
        days[int(object_id)] = moment.date()
    return [
        Note(
            days.get(pk, f.updated_at.date()),
            f"Shipped: {f.ref} {f.title}",
            "release",
            f.get_absolute_url(),
        )
        for pk, f in features.items()
    ]
