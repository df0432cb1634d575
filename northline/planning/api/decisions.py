"""JSON API of planning: the decision log, its risks, revisits and evidence."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from northline.core.access import Access
from northline.core.api import workspace_access
from northline.core.roles import WRITE

from ..models import Decision, DecisionRisk
from ..services import decisions as service

router = Router(tags=["planning: decisions"])


class OptionIn(Schema):
    name: str
    notes: str = ""
    chosen: bool = False


class DecisionIn(Schema):
    title: str
    context: str = ""
    options: list[OptionIn] = []
    outcome: str = ""
    status: str = Decision.Status.DECIDED.value
    decided_by: str | None = None
    decided_on: date | None = None
    revisit_on: date | None = None
    features: list[str] = []
    scenarios: list[int | str] = []
    simulation: int | None = None
    portfolio: int | None = None


class DecisionPatch(Schema):
    title: str | None = None
    context: str | None = None
    options: list[OptionIn] | None = None
    outcome: str | None = None
    status: str | None = None
    decided_by: str | None = None
    decided_on: date | None = None
    revisit_on: date | None = None
    features: list[str] | None = None
    scenarios: list[int | str] | None = None
    simulation: int | None = None
    portfolio: int | None = None


class OptionOut(Schema):
    name: str
    notes: str
    chosen: bool


class RiskIn(Schema):
    description: str
    probability: float
    impact: float
    mitigation: str = ""


class RiskOut(Schema):
    id: int
    description: str
    probability: float
    impact: float
    exposure: float
    level: str
    mitigation: str


class ScenarioRef(Schema):
    id: int
    name: str


class DecisionOut(Schema):
    id: int
    title: str
    context: str
    options: list[OptionOut]
    outcome: str
    status: str
    decided_by: str | None
    decided_on: date | None
    revisit_on: date | None
    due_for_revisit: bool
    features: list[str]
    scenarios: list[ScenarioRef]
    simulation: int | None
    portfolio: int | None
    risks: list[RiskOut]
    total_exposure: float
    risk_level: str
    created_at: datetime
    updated_at: datetime


class RevisitIn(Schema):
    note: str
    status: str = Decision.Status.REVISITED.value
    revisit_on: date | None = None


class FeatureLinkIn(Schema):
    feature: str


class ScenarioLinkIn(Schema):
    scenario: int | str


def risk_out(r: DecisionRisk) -> RiskOut:
    return RiskOut(
        id=r.pk, description=r.description, probability=r.probability, impact=r.impact,
        exposure=r.exposure, level=service.risk_level(r.exposure), mitigation=r.mitigation,
    )  # fmt: skip


def decision_out(d: Decision) -> DecisionOut:
    total = service.total_exposure(d)
    return DecisionOut(
        id=d.pk, title=d.title, context=d.context,
        options=[OptionOut(**o) for o in d.options], outcome=d.outcome, status=d.status,
        decided_by=d.decided_by.email if d.decided_by else None, decided_on=d.decided_on,
        revisit_on=d.revisit_on, due_for_revisit=service.is_due(d),
        features=[f.ref for f in d.features.all()],
        scenarios=[ScenarioRef(id=s.pk, name=s.name) for s in d.scenarios.all()],
        simulation=d.simulation_id, portfolio=d.portfolio_id,
        risks=[risk_out(r) for r in d.risks.all()], total_exposure=total,
        risk_level=service.risk_level(total), created_at=d.created_at, updated_at=d.updated_at,
    )  # fmt: skip


def _fields(payload: Schema) -> dict[str, Any]:
    """The fields the client sent, options as plain dicts; an empty decided_by clears it."""
    fields = payload.dict(exclude_unset=True)
    if "decided_by" in fields and not fields["decided_by"]:
        fields["decided_by"] = None
    return fields


def _load(request: HttpRequest, slug: str, decision_id: int) -> tuple[Access, Decision]:
    """The decision for a write; the service asks for more than WRITE where it needs it."""
    access = workspace_access(request, slug, WRITE)
    return access, access.get(Decision, pk=decision_id)


@router.get("/workspaces/{slug}/decisions", response=list[DecisionOut], summary="Decision log")
def list_decisions(
    request: HttpRequest,
    slug: str,
    status: str = "",
    feature: str = "",
    due: bool = False,
    offset: int = 0,
    limit: int = 100,
) -> list[DecisionOut]:
    """Newest decided first (proposals on top); filter by status, a linked feature ("F-12")
    and `due` (standing decisions whose revisit date has come)."""
    access = workspace_access(request, slug)
    rows = service.decision_log(access, status=status, feature=feature, due=due)
    rows = rows.prefetch_related("features", "scenarios", "risks")
    start, limit = max(offset, 0), min(max(limit, 1), 500)
    return [decision_out(d) for d in rows[start : start + limit]]


@router.post("/workspaces/{slug}/decisions", response={201: DecisionOut}, summary="Record")
def create_decision(request: HttpRequest, slug: str, payload: DecisionIn) -> Status[DecisionOut]:
    access = workspace_access(request, slug, WRITE)
    fields = _fields(payload)
    decision = service.create_decision(access, fields.pop("title"), **fields)
    return Status(201, decision_out(decision))


@router.get("/workspaces/{slug}/decisions/{decision_id}", response=DecisionOut, summary="One")
def get_decision(request: HttpRequest, slug: str, decision_id: int) -> DecisionOut:
    access = workspace_access(request, slug)
    return decision_out(access.get(Decision, pk=decision_id))


@router.patch("/workspaces/{slug}/decisions/{decision_id}", response=DecisionOut, summary="Change")
def update_decision(
    request: HttpRequest, slug: str, decision_id: int, payload: DecisionPatch
) -> DecisionOut:
    access, decision = _load(request, slug, decision_id)
    return decision_out(service.update_decision(access, decision, **_fields(payload)))


@router.delete(
    "/workspaces/{slug}/decisions/{decision_id}", response={204: None}, summary="Delete (admin)"
)
def delete_decision(request: HttpRequest, slug: str, decision_id: int) -> Status[None]:
    access, decision = _load(request, slug, decision_id)
    service.delete_decision(access, decision)
    return Status(204, None)


@router.post(
    "/workspaces/{slug}/decisions/{decision_id}/risks",
    response={201: RiskOut},
    summary="Accept a risk (probability 0..1, impact 1..5)",
)
def add_risk(request: HttpRequest, slug: str, decision_id: int, payload: RiskIn) -> Status[RiskOut]:
    access, decision = _load(request, slug, decision_id)
    return Status(201, risk_out(service.add_risk(access, decision, **payload.dict())))


@router.delete(
    "/workspaces/{slug}/decisions/{decision_id}/risks/{risk_id}",
    response={204: None},
    summary="Remove a risk",
)
def remove_risk(request: HttpRequest, slug: str, decision_id: int, risk_id: int) -> Status[None]:
    access, decision = _load(request, slug, decision_id)
    service.remove_risk(access, decision, risk_id)
    return Status(204, None)


@router.post(
    "/workspaces/{slug}/decisions/{decision_id}/revisit",
    response=DecisionOut,
    summary="Revisit: it still stands (revisited) or is reversed; the note joins the outcome",
)
def revisit(request: HttpRequest, slug: str, decision_id: int, payload: RevisitIn) -> DecisionOut:
    access, decision = _load(request, slug, decision_id)
    return decision_out(service.revisit(access, decision, **payload.dict()))


@router.post(
    "/workspaces/{slug}/decisions/{decision_id}/features",
    response={201: DecisionOut},
    summary="Cite a feature as evidence",
)
def link_feature(
    request: HttpRequest, slug: str, decision_id: int, payload: FeatureLinkIn
) -> Status[DecisionOut]:
    access, decision = _load(request, slug, decision_id)
    service.link_feature(access, decision, payload.feature)
    return Status(201, decision_out(decision))


@router.delete(
    "/workspaces/{slug}/decisions/{decision_id}/features/{ref}",
    response={204: None},
    summary="Stop citing a feature",
)
def unlink_feature(request: HttpRequest, slug: str, decision_id: int, ref: str) -> Status[None]:
    access, decision = _load(request, slug, decision_id)
    service.unlink_feature(access, decision, ref)
    return Status(204, None)


@router.post(
    "/workspaces/{slug}/decisions/{decision_id}/scenarios",
    response={201: DecisionOut},
    summary="Cite a scenario (by id or name) as evidence",
)
def link_scenario(
    request: HttpRequest, slug: str, decision_id: int, payload: ScenarioLinkIn
) -> Status[DecisionOut]:
    access, decision = _load(request, slug, decision_id)
    service.link_scenario(access, decision, payload.scenario)
    return Status(201, decision_out(decision))


@router.delete(
    "/workspaces/{slug}/decisions/{decision_id}/scenarios/{scenario_id}",
    response={204: None},
    summary="Stop citing a scenario",
)
def unlink_scenario(
    request: HttpRequest, slug: str, decision_id: int, scenario_id: int
) -> Status[None]:
    access, decision = _load(request, slug, decision_id)
    service.unlink_scenario(access, decision, scenario_id)
    return Status(204, None)
