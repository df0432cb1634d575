"""The demo workspace's strategy: a complete board, two quarters of OKRs bound to the metrics
demo's KPIs with a mix of statuses, check-ins, and alignment gaps to look at."""

from __future__ import annotations

import pytest
from django.utils import timezone

from northline.core.access import Actor, load
from northline.demo import load_demo
from northline.strategy import periods, progress
from northline.strategy.models import CheckIn, KeyResult, Objective, Product
from northline.strategy.services import alignment, objectives

pytestmark = pytest.mark.django_db


def test_demo_strategy() -> None:
    login = load_demo()
    access = load(Actor(login.workspace.memberships.get(role="owner").user), login.workspace.slug)
    product = Product.objects.get(workspace=login.workspace)
    board = product.content
    assert product.version == 2 and len(board["audiences"]) == 3 and len(board["competitors"]) == 3
    assert board["north_star"]["name"] == "Weekly active accounts"
    this_q = periods.quarter_of(timezone.localdate())
    assert sorted({o.period for o in Objective.objects.all()}) == [
        periods.previous(this_q).label,
        this_q.label,
    ]
    assert CheckIn.objects.count() >= 10
    assert KeyResult.objects.exclude(kpi=None).count() == 6  # all but one read a metrics demo KPI

    past = objectives.readings(
        KeyResult.objects.exclude(objective__period=this_q.label).order_by("id")
    )
    assert [r.assessment.status for r in past] == ["on_track", "on_track", "at_risk"]
    current = {
        r.key_result.kpi.key if r.key_result.kpi else None: r.assessment
        for r in objectives.readings(KeyResult.objects.filter(objective__period=this_q.label))
    }
    assert current[None].status == "no_data"
    assert current["weekly-active-accounts"].status == "on_track"
    expected = progress.elapsed(this_q.start, this_q.end, timezone.localdate())
    if expected > 0.45:  # early in a quarter nothing can be far behind yet
        assert current["trial-conversion-rate"].status == "at_risk"
        assert current["dashboard-load-p95"].status == "off_track"

    gaps = alignment.gaps(access)
    assert [o.title for o in gaps.without_work] == ["Become the team's weekly habit"]
    assert [o.title for o in gaps.not_measurable] == ["Become the team's weekly habit"]
    assert "Slack alerts" in [f.title for f in gaps.unaligned]
