"""Strategy fixtures: a product with a board, a KPI with data, an objective with a key result
bound to it, a check-in, and planning work linked to the objective."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from northline.accounts.models import Workspace
from northline.metrics.models import DataPoint, Kpi
from northline.planning.models import Feature
from northline.planning.services import features
from northline.strategy.models import KeyResult, Objective, Product
from northline.strategy.services import alignment, objectives, vision
from tests.conftest import Team

TODAY = date.today()


def make_kpi(workspace: Workspace, key: str = "active-teams", name: str = "Active teams") -> Kpi:
    return Kpi.objects.create(
        workspace=workspace, key=key, name=name, unit="teams", aggregation="last"
    )


def add_points(kpi: Kpi, values: dict[date, float]) -> None:
    DataPoint.objects.bulk_create(DataPoint(kpi=kpi, date=d, value=v) for d, v in values.items())


@dataclass
class Strategy:
    product: Product
    kpi: Kpi
    objective: Objective
    kr: KeyResult
    initiative: Feature
    feature: Feature


@pytest.fixture
def s(team: Team) -> Strategy:
    access = team.access("editor")
    product = vision.create_product(access, "Acme Analytics")
    vision.edit_board(
        access, product, {"purpose": "Answers for every team", "problems": ["Slow reports"]}
    )
    vision.edit_board(
        access, product, {"vision": "Every team decides with data", "purpose": "Answers, fast"}
    )
    kpi = make_kpi(team.workspace)
    add_points(kpi, {TODAY - timedelta(days=2): 150.0, TODAY - timedelta(days=1): 160.0})
    period = f"{TODAY.year}-Q{(TODAY.month - 1) // 3 + 1}"
    objective = objectives.create_objective(access, product, "Grow activation", period)
    kr = objectives.create_key_result(
        access, objective, "More active teams", kpi=kpi.key, start=100, target=200
    )
    objectives.check_in(access, kr, 7, "Good momentum")
    initiative = features.create_feature(
        access, "Self-serve analytics", kind="initiative", status="planned"
    )
    feature = features.create_feature(
        access, "Funnel reports", parent=initiative, status="in_progress"
    )
    alignment.link_feature(access, objective, initiative.ref)
    return Strategy(product, kpi, objective, kr, initiative, feature)
