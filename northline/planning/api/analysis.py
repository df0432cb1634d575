"""JSON API of planning: Monte Carlo simulations and optimised plans (runs are stored)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from northline.core.access import Access
from northline.core.api import workspace_access
from northline.core.roles import WRITE

from ..models import PortfolioRun, SimulationRun
from ..services import analysis, scores

router = Router(tags=["planning: analysis"])


class SimulationIn(Schema):
    model: int | None = None
    scenario: int | None = None
    samples: int = 10_000
    top_n: int = 10
    seed: int = 0


class SwingOut(Schema):
    driver: str
    at_low: float
    at_high: float


class SimulatedOut(Schema):
    ref: str
    title: str
    p10: float
    p50: float
    p90: float
    mean: float
    score: float
    p_top: float
    rank_p10: int
    rank_p90: int
    dominant: str | None
    swing: list[SwingOut]


class SkippedOut(Schema):
    ref: str
    title: str
    missing: list[str]


class SimulationSummaryOut(Schema):
    id: int
    model: str
    model_id: int
    scenario: str | None
    scenario_id: int | None
    samples: int
    top_n: int
    seed: int
    seconds: float
    scored: int
    created_at: datetime
    created_by: str | None


class SimulationOut(SimulationSummaryOut):
    features: list[SimulatedOut]  # by P50, highest first
    skipped: list[SkippedOut]
    uncertain: list[str]  # widest rank interval first
    uncertain_span: int


class Period(Schema):
    name: str
    capacity: float
    team_capacity: dict[str, float] = {}


class BalanceIn(Schema):
    area: str
    min_share: float
    measure: str = "effort"


class PlanIn(Schema):
    model: int | None = None
    scenario: int | None = None
    periods: list[Period] | None = None  # default: the scenario's periods
    mandatory: list[str] = []
    excluded: list[str] = []
    balance: list[BalanceIn] = []
    risk_budget: float | None = None
    value_basis: str = "mean"
    time_limit: float = 10.0


class ConstraintsOut(Schema):
    periods: list[Period]
    mandatory: list[str]
    excluded: list[str]
    balance: list[BalanceIn]
    risk_budget: float | None
    value_basis: str
    time_limit: float


class PlannedOut(Schema):
    ref: str
    title: str
    value: float
    effort: float
    risk: float
    area: str | None
    team: str | None


class PlannedPeriodOut(Schema):
    name: str
    capacity: float
    used: float
    team_capacity: dict[str, float]
    features: list[PlannedOut]


class LeftOutOut(Schema):
    ref: str
    title: str
    reason: str


class PlanSummaryOut(Schema):
    id: int
    model: str
    model_id: int
    scenario: str | None
    scenario_id: int | None
    status: str
    total_value: float
    selected: int
    created_at: datetime
    created_by: str | None


class PlanOut(PlanSummaryOut):
    gap: float | None
    seconds: float
    constraints: ConstraintsOut
    periods: list[PlannedPeriodOut]
    left_out: list[LeftOutOut]


def simulation_summary(run: SimulationRun) -> SimulationSummaryOut:
    return SimulationSummaryOut(
        id=run.pk, model=run.model.name, model_id=run.model_id,
        scenario=run.scenario.name if run.scenario else None, scenario_id=run.scenario_id,
        samples=run.samples, top_n=run.top_n, seed=run.seed, seconds=run.seconds,
        scored=len(run.results.get("features", {})), created_at=run.created_at,
        created_by=run.created_by.email if run.created_by else None,
    )  # fmt: skip


def simulation_out(access: Access, run: SimulationRun) -> SimulationOut:
    """The run with every feature's summary (also the CLI's --json output)."""
    view = analysis.view_simulation(access, run)
    rows = [
        SimulatedOut(
            ref=r.ref, title=r.title, p10=r.p10, p50=r.p50, p90=r.p90, mean=r.mean,
            score=r.score, p_top=r.p_top, rank_p10=r.rank_p10, rank_p90=r.rank_p90,
            dominant=r.dominant,
            swing=[SwingOut(driver=d, at_low=low, at_high=high) for d, low, high, _ in r.tornado()],
        )
        for r in view.rows
    ]  # fmt: skip
    return SimulationOut(
        **simulation_summary(run).dict(),
        features=rows,
        skipped=[SkippedOut(ref=s.ref, title=s.title, missing=s.missing) for s in view.skipped],
        uncertain=[r.ref for r in view.uncertain],
        uncertain_span=view.span,
    )


def plan_summary(run: PortfolioRun) -> PlanSummaryOut:
    result = run.result
    return PlanSummaryOut(
        id=run.pk, model=run.model.name, model_id=run.model_id,
        scenario=run.scenario.name if run.scenario else None, scenario_id=run.scenario_id,
        status=result.get("status", ""), total_value=result.get("total_value", 0.0),
        selected=len(result.get("selected", {})), created_at=run.created_at,
        created_by=run.created_by.email if run.created_by else None,
    )  # fmt: skip


def plan_out(access: Access, run: PortfolioRun) -> PlanOut:
    """The plan period by period, with the left-out features and why (also the CLI's --json)."""
    view = analysis.view_plan(access, run)
    periods = [
        PlannedPeriodOut(
            name=p.name, capacity=p.capacity, used=p.used, team_capacity=p.team_capacity,
            features=[PlannedOut(**vars(f)) for f in p.features],
        )
        for p in view.periods
    ]  # fmt: skip
    return PlanOut(
        **plan_summary(run).dict(),
        gap=view.gap,
        seconds=view.seconds,
        constraints=ConstraintsOut(**run.constraints),
        periods=periods,
        left_out=[LeftOutOut(ref=o.ref, title=o.title, reason=o.reason) for o in view.left_out],
    )


def _limit(limit: int) -> int:
    return min(max(limit, 1), 200)


@router.post("/workspaces/{slug}/simulations", response={201: SimulationOut})
def run_simulation(request: HttpRequest, slug: str, payload: SimulationIn) -> Status[SimulationOut]:
    """Simulate the scores of every open, fully estimated feature (model: the default when
    absent; scenario: the baseline when absent) and store the run."""
    access = workspace_access(request, slug, WRITE)
    model, scenario = scores.choose(access, payload.model, payload.scenario)
    run = analysis.run_simulation(
        access, model, scenario, samples=payload.samples, top_n=payload.top_n, seed=payload.seed
    )
    return Status(201, simulation_out(access, run))


@router.get("/workspaces/{slug}/simulations", response=list[SimulationSummaryOut])
def list_simulations(
    request: HttpRequest, slug: str, limit: int = 50
) -> list[SimulationSummaryOut]:
    """The latest simulations, newest first."""
    access = workspace_access(request, slug)
    return [simulation_summary(r) for r in analysis.simulation_runs(access)[: _limit(limit)]]


@router.get("/workspaces/{slug}/simulations/{run_id}", response=SimulationOut)
def get_simulation(request: HttpRequest, slug: str, run_id: int) -> SimulationOut:
    access = workspace_access(request, slug)
    return simulation_out(access, access.get(SimulationRun, pk=run_id))


@router.post("/workspaces/{slug}/plans", response={201: PlanOut})
def run_plan(request: HttpRequest, slug: str, payload: PlanIn) -> Status[PlanOut]:
    """Choose the features and periods that maximise value within capacity; store the plan."""
    access = workspace_access(request, slug, WRITE)
    model, scenario = scores.choose(access, payload.model, payload.scenario)
    run = analysis.run_portfolio(
        access, model, scenario,
        periods=[p.dict() for p in payload.periods] if payload.periods is not None else None,
        mandatory=payload.mandatory, excluded=payload.excluded,
        balance=[b.dict() for b in payload.balance], risk_budget=payload.risk_budget,
        value_basis=payload.value_basis, time_limit=payload.time_limit,
    )  # fmt: skip
    return Status(201, plan_out(access, run))


@router.get("/workspaces/{slug}/plans", response=list[PlanSummaryOut])
def list_plans(request: HttpRequest, slug: str, limit: int = 50) -> list[PlanSummaryOut]:
    """The latest plans, newest first."""
    access = workspace_access(request, slug)
    return [plan_summary(r) for r in analysis.portfolio_runs(access)[: _limit(limit)]]


@router.get("/workspaces/{slug}/plans/{run_id}", response=PlanOut)
def get_plan(request: HttpRequest, slug: str, run_id: int) -> PlanOut:
    access = workspace_access(request, slug)
    return plan_out(access, access.get(PortfolioRun, pk=run_id))
