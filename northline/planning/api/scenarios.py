"""JSON API of planning: scenarios and their comparison.

A scenario's inputs are set with PUT /features/{ref}/inputs/{driver}?scenario={id}.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from northline.core.api import workspace_access
from northline.core.roles import WRITE

from ..models import Scenario
from ..services import scenarios, scores
from .analysis import Period
from .scores import InputOut, input_out

router = Router(tags=["planning: scenarios"])


class ScenarioIn(Schema):
    name: str
    description: str = ""
    periods: list[Period] | None = None  # default: those of `copy_from`
    copy_from: int | None = None  # a scenario id; absent: the baseline


class ScenarioPatch(Schema):
    name: str | None = None
    description: str | None = None
    # {"<weighted model id>": {"<driver>": weight}}; {} returns a model to its own weights
    weights: dict[str, dict[str, float]] | None = None
    periods: list[Period] | None = None


class ScenarioOut(Schema):
    id: int
    name: str
    description: str
    weights: dict[str, dict[str, float]]
    periods: list[Period]
    created_at: datetime
    created_by: str | None


class RankRowOut(Schema):
    ref: str
    title: str
    score_a: float | None
    rank_a: int | None
    score_b: float | None
    rank_b: int | None
    move: int | None  # places gained from A to B


class InputDifferenceOut(Schema):
    ref: str
    title: str
    driver: str
    a: InputOut | None
    b: InputOut | None


class WeightDifferenceOut(Schema):
    driver: str
    a: float
    b: float


class PlansOut(Schema):
    a: int | None  # the latest plan's id on each side
    b: int | None
    entering: list[str]
    leaving: list[str]


class ComparisonOut(Schema):
    model: str
    a: str
    b: str
    rows: list[RankRowOut]
    inputs: list[InputDifferenceOut]
    weights: list[WeightDifferenceOut]
    plans: PlansOut


def scenario_out(s: Scenario) -> ScenarioOut:
    return ScenarioOut(
        id=s.pk, name=s.name, description=s.description, weights=s.weights,
        periods=[Period(**p) for p in s.periods], created_at=s.created_at,
        created_by=s.created_by.email if s.created_by else None,
    )  # fmt: skip


def _rank_row(r: scenarios.RankRow) -> RankRowOut:
    return RankRowOut(
        ref=r.feature.ref, title=r.feature.title, score_a=r.score_a, rank_a=r.rank_a,
        score_b=r.score_b, rank_b=r.rank_b, move=r.move,
    )  # fmt: skip


def _difference(d: scenarios.InputDifference) -> InputDifferenceOut:
    return InputDifferenceOut(
        ref=d.feature.ref, title=d.feature.title, driver=d.driver,
        a=input_out(d.a) if d.a else None, b=input_out(d.b) if d.b else None,
    )  # fmt: skip


@router.get("/workspaces/{slug}/scenarios", response=list[ScenarioOut])
def list_scenarios(request: HttpRequest, slug: str) -> list[ScenarioOut]:
    access = workspace_access(request, slug)
    return [scenario_out(s) for s in scenarios.scenarios(access).select_related("created_by")]


@router.post("/workspaces/{slug}/scenarios", response={201: ScenarioOut})
def create_scenario(request: HttpRequest, slug: str, payload: ScenarioIn) -> Status[ScenarioOut]:
    """A copy of the baseline's (or `copy_from`'s) inputs, scores, weights and periods."""
    access = workspace_access(request, slug, WRITE)
    source = access.get(Scenario, pk=payload.copy_from) if payload.copy_from else None
    scenario = scenarios.create_scenario(
        access, payload.name, description=payload.description, copy_from=source,
        periods=[p.dict() for p in payload.periods] if payload.periods is not None else None,
    )  # fmt: skip
    return Status(201, scenario_out(scenario))


@router.get("/workspaces/{slug}/scenarios/compare", response=ComparisonOut)
def compare(
    request: HttpRequest,
    slug: str,
    model: int | None = None,
    a: int | None = None,
    b: int | None = None,
) -> ComparisonOut:
    """Scenario `b` next to scenario `a` (ids; absent: the baseline) under a model (absent: the
    default): ranks and moves, differing inputs and weights, plan entries and exits."""
    access = workspace_access(request, slug)
    chosen, side_a = scores.choose(access, model, a)
    side_b = access.get(Scenario, pk=b) if b else None
    result = scenarios.compare(access, chosen, side_a, side_b)
    return ComparisonOut(
        model=chosen.name,
        a=scenarios.label(side_a),
        b=scenarios.label(side_b),
        rows=[_rank_row(r) for r in result.rows],
        inputs=[_difference(d) for d in result.inputs],
        weights=[WeightDifferenceOut(driver=w.driver, a=w.a, b=w.b) for w in result.weights],
        plans=PlansOut(
            a=result.plans.a.pk if result.plans.a else None,
            b=result.plans.b.pk if result.plans.b else None,
            entering=[f.ref for f in result.plans.entering],
            leaving=[f.ref for f in result.plans.leaving],
        ),
    )


@router.get("/workspaces/{slug}/scenarios/{scenario_id}", response=ScenarioOut)
def get_scenario(request: HttpRequest, slug: str, scenario_id: int) -> ScenarioOut:
    access = workspace_access(request, slug)
    return scenario_out(access.get(Scenario, pk=scenario_id))


@router.patch("/workspaces/{slug}/scenarios/{scenario_id}", response=ScenarioOut)
def update_scenario(
    request: HttpRequest, slug: str, scenario_id: int, payload: ScenarioPatch
) -> ScenarioOut:
    """Rename, describe, set weighted models' weights (rescores the scenario) or the periods."""
    access = workspace_access(request, slug, WRITE)
    scenario = access.get(Scenario, pk=scenario_id)
    scenarios.update_scenario(
        access, scenario, name=payload.name, description=payload.description,
        weights=payload.weights,
        periods=[p.dict() for p in payload.periods] if payload.periods is not None else None,
    )  # fmt: skip
    return scenario_out(scenario)


@router.delete("/workspaces/{slug}/scenarios/{scenario_id}", response={204: None})
def delete_scenario(request: HttpRequest, slug: str, scenario_id: int) -> Status[None]:
    access = workspace_access(request, slug, WRITE)
    scenarios.delete_scenario(access, access.get(Scenario, pk=scenario_id))
    return Status(204, None)
