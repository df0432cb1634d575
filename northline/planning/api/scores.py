"""JSON API of planning: scoring models, the ranked list, inputs, score history, team estimates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from northline.core.access import Access
from northline.core.api import workspace_access
from northline.core.roles import WRITE

from .. import scoring
from ..models import EstimationRound, ScoreInput, ScoringModel
from ..services import estimation, evidence, scores
from ..services.features import feature_by_ref

router = Router(tags=["planning: scores"])


class DriverIn(Schema):
    name: str
    weight: float = 1.0
    minimum: float = 0.0
    maximum: float = 10.0
    direction: str = "higher"


class ModelIn(Schema):
    name: str
    kind: str
    drivers: list[DriverIn] = []
    is_default: bool = False


class ModelPatch(Schema):
    name: str | None = None
    drivers: list[DriverIn] | None = None
    is_default: bool | None = None


class DriverOut(Schema):
    name: str
    label: str
    help: str


class ModelOut(Schema):
    id: int
    name: str
    kind: str
    is_default: bool
    drivers: list[DriverOut]
    weights: list[dict[str, Any]]


class EstimateIn(Schema):
    low: float
    likely: float | None = None
    high: float | None = None
    distribution: str = "pert"


class InputOut(Schema):
    driver: str
    low: float
    likely: float
    high: float
    distribution: str
    source: str
    rule: str


class BreakdownOut(Schema):
    formula: str
    score: float | None
    mode: str
    inputs: dict[str, float]
    contributions: dict[str, float | None]


class RankedOut(Schema):
    rank: int | None
    ref: str
    title: str
    status: str
    area: str | None
    score: float | None
    missing: list[str]
    breakdown: BreakdownOut | None
    inputs: list[InputOut]


class RankingOut(Schema):
    model: str
    scenario: str | None
    page: int
    pages: int
    total: int
    rows: list[RankedOut]


class HistoryOut(Schema):
    at: datetime
    driver: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    score: float | None
    rank: int | None
    actor: str | None


class FeatureScoreOut(Schema):
    ref: str
    model: str
    scenario: str | None
    rank: int | None
    breakdown: BreakdownOut | None
    inputs: list[InputOut]
    missing: list[str]
    history: list[HistoryOut]


class RoundIn(Schema):
    model: int | None = None
    driver: str


class VoteIn(Schema):
    low: float
    likely: float
    high: float


class SettleIn(VoteIn):
    distribution: str = "pert"


class VoteOut(Schema):
    member: str
    low: float
    likely: float
    high: float


class RoundOut(Schema):
    id: int
    ref: str
    model: str
    driver: str
    status: str
    votes: int
    my_vote: VoteOut | None
    revealed: list[VoteOut]
    median: VoteOut | None
    agreement: str | None


def model_out(m: ScoringModel) -> ModelOut:
    drivers = [DriverOut(name=d.name, label=d.label, help=d.help) for d in scores.drivers_of(m)]
    return ModelOut(
        id=m.pk, name=m.name, kind=m.kind, is_default=m.is_default, drivers=drivers,
        weights=m.drivers,
    )  # fmt: skip


def breakdown_out(b: scoring.Breakdown | None) -> BreakdownOut | None:
    if b is None:
        return None
    finite = {k: (v if abs(v) != float("inf") else None) for k, v in b.contributions.items()}
    score = b.score if abs(b.score) != float("inf") else None
    return BreakdownOut(
        formula=b.formula, score=score, mode=b.mode, inputs=b.inputs, contributions=finite
    )


def input_out(i: ScoreInput) -> InputOut:
    return InputOut(driver=i.driver, **{k: v for k, v in i.as_dict().items()})


@router.get("/workspaces/{slug}/scoring-models", response=list[ModelOut])
def list_models(request: HttpRequest, slug: str) -> list[ModelOut]:
    access = workspace_access(request, slug)
    return [model_out(m) for m in scores.models(access)]


@router.post("/workspaces/{slug}/scoring-models", response={201: ModelOut})
def create_model(request: HttpRequest, slug: str, payload: ModelIn) -> Status[ModelOut]:
    access = workspace_access(request, slug, WRITE)
    model = scores.create_model(
        access, payload.name, payload.kind, drivers=[d.dict() for d in payload.drivers],
        is_default=payload.is_default,
    )  # fmt: skip
    return Status(201, model_out(model))


@router.get("/workspaces/{slug}/scoring-models/{model_id}", response=ModelOut)
def get_model(request: HttpRequest, slug: str, model_id: int) -> ModelOut:
    access = workspace_access(request, slug)
    return model_out(access.get(ScoringModel, pk=model_id))


@router.patch("/workspaces/{slug}/scoring-models/{model_id}", response=ModelOut)
def update_model(request: HttpRequest, slug: str, model_id: int, payload: ModelPatch) -> ModelOut:
    """Rename, make default, or change a weighted model's drivers (rescores every feature)."""
    access = workspace_access(request, slug, WRITE)
    model = access.get(ScoringModel, pk=model_id)
    drivers = [d.dict() for d in payload.drivers] if payload.drivers is not None else None
    scores.update_model(
        access, model, name=payload.name, drivers=drivers, is_default=payload.is_default
    )
    return model_out(model)


@router.delete("/workspaces/{slug}/scoring-models/{model_id}", response={204: None})
def delete_model(request: HttpRequest, slug: str, model_id: int) -> Status[None]:
    access = workspace_access(request, slug, WRITE)
    scores.delete_model(access, access.get(ScoringModel, pk=model_id))
    return Status(204, None)


@router.get("/workspaces/{slug}/ranking", response=RankingOut, summary="Ranked features")
def ranking(
    request: HttpRequest,
    slug: str,
    model: int | None = None,
    scenario: int | None = None,
    status: str = "",
    q: str = "",
    page: int = 1,
    per_page: int = 50,
) -> RankingOut:
    """Features by score under a model (default: the workspace's default model), with each
    score's breakdown; unscored features last, with the inputs they miss."""
    access = workspace_access(request, slug)
    chosen, chosen_scenario = scores.choose(access, model, scenario)
    result = scores.ranked(
        access, chosen, chosen_scenario, status=status, query=q, page=page,
        per_page=min(max(per_page, 1), 200),
    )  # fmt: skip
    rows = [
        RankedOut(
            rank=r.rank,
            ref=r.feature.ref,
            title=r.feature.title,
            status=r.feature.status,
            area=r.feature.area.name if r.feature.area else None,
            score=r.score,
            missing=r.missing,
            breakdown=breakdown_out(r.breakdown),
            inputs=[input_out(i) for i in r.inputs.values()],
        )
        for r in result.rows
    ]
    return RankingOut(
        model=chosen.name, scenario=chosen_scenario.name if chosen_scenario else None,
        page=result.page, pages=result.pages, total=result.total, rows=rows,
    )  # fmt: skip


@router.get("/workspaces/{slug}/features/{ref}/score", response=FeatureScoreOut)
def feature_score(
    request: HttpRequest, slug: str, ref: str, model: int | None = None, scenario: int | None = None
) -> FeatureScoreOut:
    """A feature's score, breakdown, inputs and history under a model."""
    access = workspace_access(request, slug)
    feature = feature_by_ref(access, ref)
    chosen, chosen_scenario = scores.choose(access, model, scenario)
    inputs = scores.inputs_of(chosen, chosen_scenario, [feature.pk]).get(feature.pk, {})
    names = scores.formula_for(chosen, chosen_scenario).domains
    history = [
        HistoryOut(
            at=h.created_at,
            driver=h.driver,
            before=h.before,
            after=h.after,
            score=h.score,
            rank=h.rank,
            actor=h.actor.email if h.actor else None,
        )
        for h in scores.history(feature, chosen, chosen_scenario)
    ]
    return FeatureScoreOut(
        ref=feature.ref, model=chosen.name,
        scenario=chosen_scenario.name if chosen_scenario else None,
        rank=scores.ranks_of(chosen, chosen_scenario, [feature.pk]).get(feature.pk),
        breakdown=breakdown_out(scores.current(feature, chosen, chosen_scenario, inputs)),
        inputs=[input_out(i) for i in inputs.values()],
        missing=[n for n in names if n not in inputs], history=history,
    )  # fmt: skip


@router.put("/workspaces/{slug}/features/{ref}/inputs/{driver}", response=InputOut)
def set_input(
    request: HttpRequest,
    slug: str,
    ref: str,
    driver: str,
    payload: EstimateIn,
    model: int | None = None,
    scenario: int | None = None,
) -> InputOut:
    """Set a driver's estimate: `low` alone for a number, or low ≤ likely ≤ high for a range."""
    access = workspace_access(request, slug, WRITE)
    feature = feature_by_ref(access, ref)
    chosen, chosen_scenario = scores.choose(access, model, scenario)
    row = scores.set_input(
        access, feature, chosen, driver, low=payload.low, likely=payload.likely,
        high=payload.high, distribution=payload.distribution, scenario=chosen_scenario,
    )  # fmt: skip
    return input_out(row)


class EvidenceIn(Schema):
    rule: str


@router.put("/workspaces/{slug}/features/{ref}/inputs/{driver}/evidence", response=InputOut)
def bind_evidence(
    request: HttpRequest,
    slug: str,
    ref: str,
    driver: str,
    payload: EvidenceIn,
    model: int | None = None,
) -> InputOut:
    """Take a driver from customer evidence: `distinct_customers` or `linked_revenue` of the
    feedback linked to the feature; `POST /evidence/refresh` recomputes every such input."""
    access = workspace_access(request, slug, WRITE)
    feature = feature_by_ref(access, ref)
    chosen, _ = scores.choose(access, model)
    return input_out(evidence.bind(access, feature, chosen, driver, payload.rule))


class RefreshOut(Schema):
    changed: int


@router.post("/workspaces/{slug}/evidence/refresh", response=RefreshOut)
def refresh_evidence(request: HttpRequest, slug: str) -> RefreshOut:
    """Recompute every evidence-bound input from the feedback linked now."""
    access = workspace_access(request, slug, WRITE)
    return RefreshOut(changed=evidence.refresh(access))


@router.delete("/workspaces/{slug}/features/{ref}/inputs/{driver}", response={204: None})
def clear_input(
    request: HttpRequest,
    slug: str,
    ref: str,
    driver: str,
    model: int | None = None,
    scenario: int | None = None,
) -> Status[None]:
    access = workspace_access(request, slug, WRITE)
    feature = feature_by_ref(access, ref)
    chosen, chosen_scenario = scores.choose(access, model, scenario)
    scores.clear_input(access, feature, chosen, driver, chosen_scenario)
    return Status(204, None)


def round_out(access: Access, r: EstimationRound) -> RoundOut:
    votes = list(r.votes.select_related("user"))
    mine = next((v for v in votes if v.user_id == access.user.pk), None)
    shown = r.status != EstimationRound.Status.OPEN
    summary = estimation.spread(r) if shown else None

    def vote_out(member: str, low: float, likely: float, high: float) -> VoteOut:
        return VoteOut(member=member, low=low, likely=likely, high=high)

    return RoundOut(
        id=r.pk, ref=r.feature.ref, model=r.model.name, driver=r.driver, status=r.status,
        votes=len(votes),
        my_vote=vote_out(access.user.email, mine.low, mine.likely, mine.high) if mine else None,
        revealed=[vote_out(v.user.email, v.low, v.likely, v.high) for v in votes] if shown else [],
        median=vote_out("median", summary.low, summary.likely, summary.high) if summary else None,
        agreement=summary.agreement if summary else None,
    )  # fmt: skip


@router.post("/workspaces/{slug}/features/{ref}/rounds", response={201: RoundOut})
def open_round(request: HttpRequest, slug: str, ref: str, payload: RoundIn) -> Status[RoundOut]:
    """Open a team estimate of one driver: members vote privately, then reveal and settle."""
    access = workspace_access(request, slug, WRITE)
    feature = feature_by_ref(access, ref)
    chosen, _ = scores.choose(access, payload.model, None)
    return Status(
        201, round_out(access, estimation.open_round(access, feature, chosen, payload.driver))
    )


@router.get("/workspaces/{slug}/rounds/{round_id}", response=RoundOut)
def get_round(request: HttpRequest, slug: str, round_id: int) -> RoundOut:
    """Votes stay private (only the count and your own) until the round is revealed."""
    access = workspace_access(request, slug)
    return round_out(access, access.get(EstimationRound, pk=round_id))


@router.post("/workspaces/{slug}/rounds/{round_id}/votes", response=RoundOut)
def vote(request: HttpRequest, slug: str, round_id: int, payload: VoteIn) -> RoundOut:
    access = workspace_access(request, slug, WRITE)
    r = access.get(EstimationRound, pk=round_id)
    estimation.vote(access, r, low=payload.low, likely=payload.likely, high=payload.high)
    return round_out(access, r)


@router.post("/workspaces/{slug}/rounds/{round_id}/reveal", response=RoundOut)
def reveal(request: HttpRequest, slug: str, round_id: int) -> RoundOut:
    access = workspace_access(request, slug, WRITE)
    r = access.get(EstimationRound, pk=round_id)
    return round_out(access, estimation.reveal(access, r))


@router.post("/workspaces/{slug}/rounds/{round_id}/settle", response=InputOut)
def settle(request: HttpRequest, slug: str, round_id: int, payload: SettleIn) -> InputOut:
    access = workspace_access(request, slug, WRITE)
    r = access.get(EstimationRound, pk=round_id)
    row = estimation.settle(
        access, r, low=payload.low, likely=payload.likely, high=payload.high,
        distribution=payload.distribution,
    )  # fmt: skip
    return input_out(row)
