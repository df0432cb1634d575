"""The demo workspace's strategy: a complete board, two quarters of OKRs measured from KPI
data with a mix of statuses, check-ins, and alignment gaps to look at."""

from __future__ import annotations

import pytest

from northline.core.access import Actor, load
from northline.demo import load_demo
from northline.strategy.models import CheckIn, KeyResult, Objective, Product
from northline.strategy.services import alignment, objectives

pytestmark = pytest.mark.django_db


def test_demo_strategy() -> None:
    login = load_demo()
    access = load(Actor(login.workspace.memberships.get(role="owner").user), login.workspace.slug)
    product = Product.objects.get(workspace=login.workspace)
    board = product.content
    assert product.version == 2 and len(board["audiences"]) == 3 and len(board["competitors"]) == 3
    assert board["north_star"]["name"] == "Weekly active teams"
    assert len({o.period for o in Objective.objects.all()}) == 2
    assert CheckIn.objects.count() >= 8
    current = next(o for o in objectives.objectives(access) if o.title == "Win self-serve adoption")
    readings = objectives.readings(
        KeyResult.objects.filter(objective__period=current.period).order_by("id")
    )
    statuses = {r.key_result.title: r.assessment.status for r in readings}
    assert all(r.current is not None for r in readings if r.key_result.kpi)
    assert statuses["Half of teams open a scheduled report each week"] == "no_data"
    past = objectives.readings(
        KeyResult.objects.exclude(objective__period=current.period).order_by("id")
    )
    assert [r.assessment.status for r in past] == ["on_track", "at_risk", "on_track"]
    gaps = alignment.gaps(access)
    assert [o.title for o in gaps.without_work] == ["Become the team's weekly habit"]
    assert [o.title for o in gaps.not_measurable] == ["Become the team's weekly habit"]
    assert "Slack alerts" in [f.title for f in gaps.unaligned]
