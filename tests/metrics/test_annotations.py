"""Chart annotations: manual notes, planning's decisions on their day, features on the day they
shipped (read from the activity log)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from northline.metrics.services import kpis
from northline.metrics.services.annotations import annotations_for
from northline.planning.services import decisions, features
from tests.conftest import Team

pytestmark = pytest.mark.django_db


def test_notes_decisions_and_releases(team: Team) -> None:
    access = team.access("editor")
    kpi = kpis.create_kpi(access, name="Sign-ups")
    other = kpis.create_kpi(access, name="Visits")
    kpis.add_annotation(access, kpi, day="2026-01-10", text="Campaign")
    kpis.add_annotation(access, other, day="2026-01-11", text="Only on visits")
    kpis.add_annotation(access, None, day="2026-01-12", text="Outage, every chart")
    options = [{"name": "Drop it", "chosen": True}, {"name": "Keep it"}]
    decisions.create_decision(
        access, "Drop the free plan", decided_on="2026-01-15", options=options
    )
    decisions.create_decision(access, "Maybe later", status="proposed", decided_on="2026-01-16")
    sso = features.create_feature(access, "SSO")
    features.update_feature(access, sso, status="shipped")
    features.create_feature(access, "Dark mode")
    today = timezone.localdate()
    found = [(n.date, n.kind, n.text) for n in annotations_for(team.workspace, kpi)]
    assert found == [
        (date(2026, 1, 10), "note", "Campaign"),
        (date(2026, 1, 12), "note", "Outage, every chart"),
        (date(2026, 1, 15), "decision", "Decision: Drop the free plan"),
        (today, "release", "Shipped: F-1 SSO"),
    ]
    window = annotations_for(team.workspace, kpi, date(2026, 1, 11), date(2026, 1, 14))
    assert [n.text for n in window] == ["Outage, every chart"]
