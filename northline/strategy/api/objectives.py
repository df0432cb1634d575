"""JSON API of strategy: objectives, key results (with progress read from their KPI),
confidence check-ins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from northline.core.access import Access
from northline.core.api import workspace_access
from northline.core.roles import WRITE

from .. import progress
from ..models import CheckIn, KeyResult, Objective, Product
from ..services import objectives as service

router = Router(tags=["strategy: objectives"])
W = "/workspaces/{slug}"
OBJ = W + "/objectives/{objective_id}"
KR = W + "/key-results/{kr_id}"


class ObjectiveIn(Schema):
    product: int
    title: str
    period: str
    description: str = ""
    owner: str | None = None
    parent: int | None = None


class ObjectivePatch(Schema):
    title: str | None = None
    period: str | None = None
    description: str | None = None
    owner: str | None = None
    parent: int | None = None


class KeyResultIn(Schema):
    """`kpi`: a KPI id or key; `direction` follows from start and target when left out;
    `due_on` defaults to the end of the objective's period."""

    title: str
    kpi: int | str | None = None
    start: float
    target: float
    direction: str | None = None
    due_on: date | None = None


class KeyResultPatch(Schema):
    title: str | None = None
    kpi: int | str | None = None
    start: float | None = None
    target: float | None = None
    direction: str | None = None
    due_on: date | None = None


class CheckInIn(Schema):
    """`confidence`: 0-10, or low / medium / high (3, 6, 9)."""

    confidence: int | str
    comment: str = ""


class CheckInOut(Schema):
    id: int
    confidence: int
    level: str
    comment: str
    author: str | None
    created_at: datetime


class KpiRef(Schema):
    id: int
    key: str
    name: str
    unit: str


class KeyResultOut(Schema):
    id: int
    objective: int
    title: str
    kpi: KpiRef | None
    start: float
    target: float
    direction: str
    due_on: date
    current: float | None
    as_of: date | None
    progress: float | None
    expected: float
    status: str
    confidence: CheckInOut | None


class ObjectiveOut(Schema):
    id: int
    product: int
    title: str
    description: str
    period: str
    starts_on: date
    ends_on: date
    owner: str | None
    parent: int | None
    progress: float | None
    expected: float
    status: str
    rule: str
    key_results: list[KeyResultOut]
    linked_features: list[str]


def check_in_out(c: CheckIn) -> CheckInOut:
    return CheckInOut(
        id=c.pk, confidence=c.confidence, level=service.confidence_label(c.confidence),
        comment=c.comment, author=c.author.email if c.author else None, created_at=c.created_at,
    )  # fmt: skip


def key_result_out(reading: service.Reading) -> KeyResultOut:
    kr, a = reading.key_result, reading.assessment
    kpi = (
        KpiRef(id=kr.kpi.pk, key=kr.kpi.key, name=kr.kpi.name, unit=kr.kpi.unit) if kr.kpi else None
    )
    latest = reading.confidence
    return KeyResultOut(
        id=kr.pk, objective=kr.objective_id, title=kr.title, kpi=kpi, start=kr.start,
        target=kr.target, direction=kr.direction, due_on=kr.due_on, current=reading.current,
        as_of=reading.as_of, progress=a.progress, expected=a.expected, status=a.status,
        confidence=check_in_out(latest) if latest else None,
    )  # fmt: skip


def objective_out(o: Objective) -> ObjectiveOut:
    measured = service.objective_progress(o)
    a = measured.assessment
    return ObjectiveOut(
        id=o.pk, product=o.product_id, title=o.title, description=o.description, period=o.period,
        starts_on=o.starts_on, ends_on=o.ends_on, owner=o.owner.email if o.owner else None,
        parent=o.parent_id, progress=a.progress, expected=a.expected, status=a.status,
        rule=progress.RULE, key_results=[key_result_out(r) for r in measured.readings],
        linked_features=[f"F-{n}" for n in o.links.values_list("feature__number", flat=True)],
    )  # fmt: skip


def _fields(payload: Schema) -> dict[str, Any]:
    return payload.dict(exclude_unset=True)


def _objective(
    request: HttpRequest, slug: str, pk: int, write: bool = False
) -> tuple[Access, Objective]:
    access = workspace_access(request, slug, WRITE) if write else workspace_access(request, slug)
    return access, access.get(Objective, pk=pk)


def _key_result(
    request: HttpRequest, slug: str, pk: int, write: bool = False
) -> tuple[Access, KeyResult]:
    access = workspace_access(request, slug, WRITE) if write else workspace_access(request, slug)
    return access, access.get(KeyResult, pk=pk)


@router.get(W + "/objectives", response=list[ObjectiveOut], summary="Objectives with progress")
def list_objectives(
    request: HttpRequest, slug: str, period: str = "", product: int | None = None
) -> list[ObjectiveOut]:
    """Filter by `period` ("2026-Q4": those overlapping it) and `product` id."""
    access = workspace_access(request, slug)
    chosen = access.get(Product, pk=product) if product is not None else None
    return [objective_out(o) for o in service.objectives(access, product=chosen, period=period)]


@router.post(W + "/objectives", response={201: ObjectiveOut}, summary="Add an objective")
def create_objective(request: HttpRequest, slug: str, payload: ObjectiveIn) -> Status[ObjectiveOut]:
    access = workspace_access(request, slug, WRITE)
    fields = _fields(payload)
    product = access.get(Product, pk=fields.pop("product"))
    made = service.create_objective(
        access, product, fields.pop("title"), fields.pop("period"), **fields
    )
    return Status(201, objective_out(made))


@router.get(OBJ, response=ObjectiveOut, summary="One objective with its key results")
def get_objective(request: HttpRequest, slug: str, objective_id: int) -> ObjectiveOut:
    return objective_out(_objective(request, slug, objective_id)[1])


@router.patch(OBJ, response=ObjectiveOut, summary="Change an objective")
def update_objective(
    request: HttpRequest, slug: str, objective_id: int, payload: ObjectivePatch
) -> ObjectiveOut:
    access, objective = _objective(request, slug, objective_id, write=True)
    return objective_out(service.update_objective(access, objective, **_fields(payload)))


@router.delete(OBJ, response={204: None}, summary="Delete an objective")
def delete_objective(request: HttpRequest, slug: str, objective_id: int) -> Status[None]:
    access, objective = _objective(request, slug, objective_id, write=True)
    service.delete_objective(access, objective)
    return Status(204, None)


@router.post(OBJ + "/key-results", response={201: KeyResultOut}, summary="Add a key result")
def create_key_result(
    request: HttpRequest, slug: str, objective_id: int, payload: KeyResultIn
) -> Status[KeyResultOut]:
    access, objective = _objective(request, slug, objective_id, write=True)
    fields = _fields(payload)
    kr = service.create_key_result(access, objective, fields.pop("title"), **fields)
    return Status(201, key_result_out(service.readings([kr])[0]))


@router.get(KR, response=KeyResultOut, summary="One key result with its progress")
def get_key_result(request: HttpRequest, slug: str, kr_id: int) -> KeyResultOut:
    return key_result_out(service.readings([_key_result(request, slug, kr_id)[1]])[0])


@router.patch(KR, response=KeyResultOut, summary="Change a key result")
def update_key_result(
    request: HttpRequest, slug: str, kr_id: int, payload: KeyResultPatch
) -> KeyResultOut:
    access, kr = _key_result(request, slug, kr_id, write=True)
    service.update_key_result(access, kr, **_fields(payload))
    return key_result_out(service.readings([kr])[0])


@router.delete(KR, response={204: None}, summary="Delete a key result")
def delete_key_result(request: HttpRequest, slug: str, kr_id: int) -> Status[None]:
    access, kr = _key_result(request, slug, kr_id, write=True)
    service.delete_key_result(access, kr)
    return Status(204, None)


@router.get(
    KR + "/check-ins", response=list[CheckInOut], summary="Confidence history, newest first"
)
def list_check_ins(request: HttpRequest, slug: str, kr_id: int) -> list[CheckInOut]:
    kr = _key_result(request, slug, kr_id)[1]
    return [check_in_out(c) for c in kr.check_ins.select_related("author")]


@router.post(KR + "/check-ins", response={201: CheckInOut}, summary="Check in on confidence")
def create_check_in(
    request: HttpRequest, slug: str, kr_id: int, payload: CheckInIn
) -> Status[CheckInOut]:
    access, kr = _key_result(request, slug, kr_id, write=True)
    return Status(
        201, check_in_out(service.check_in(access, kr, payload.confidence, payload.comment))
    )
