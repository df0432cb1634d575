"""JSON API of strategy: links from objectives to planning's features, the alignment map
and the gaps report."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status

from northline.core.api import workspace_access
from northline.core.roles import WRITE
from northline.planning.models import Feature

from ..models import Objective
from ..services import alignment as service

router = Router(tags=["strategy: alignment"])
W = "/workspaces/{slug}"
OBJ = W + "/objectives/{objective_id}"


class LinkIn(Schema):
    feature: str


class InitiativeIn(Schema):
    title: str
    description: str = ""


class FeatureOut(Schema):
    ref: str
    title: str
    kind: str
    status: str
    children: list[FeatureOut] = []


class ObjectiveNodeOut(Schema):
    id: int
    title: str
    period: str
    work: list[FeatureOut]
    children: list[ObjectiveNodeOut]


class ProductNodeOut(Schema):
    id: int
    name: str
    vision: str
    north_star: str
    objectives: list[ObjectiveNodeOut]


class ObjectiveBrief(Schema):
    id: int
    title: str
    period: str


class GapsOut(Schema):
    unaligned: list[FeatureOut]
    without_work: list[ObjectiveBrief]
    not_measurable: list[ObjectiveBrief]


def feature_out(node: service.FeatureNode) -> FeatureOut:
    f = node.feature
    return FeatureOut(
        ref=f.ref, title=f.title, kind=f.kind, status=f.status,
        children=[feature_out(c) for c in node.children],
    )  # fmt: skip


def objective_node_out(node: service.ObjectiveNode) -> ObjectiveNodeOut:
    o = node.objective
    return ObjectiveNodeOut(
        id=o.pk, title=o.title, period=o.period, work=[feature_out(w) for w in node.work],
        children=[objective_node_out(c) for c in node.children],
    )  # fmt: skip


def brief(o: Objective) -> ObjectiveBrief:
    return ObjectiveBrief(id=o.pk, title=o.title, period=o.period)


def plain(f: Feature) -> FeatureOut:
    return FeatureOut(ref=f.ref, title=f.title, kind=f.kind, status=f.status)


@router.post(OBJ + "/links", response={201: ObjectiveBrief}, summary="Link a feature or initiative")
def link(
    request: HttpRequest, slug: str, objective_id: int, payload: LinkIn
) -> Status[ObjectiveBrief]:
    access = workspace_access(request, slug, WRITE)
    objective = access.get(Objective, pk=objective_id)
    service.link_feature(access, objective, payload.feature)
    return Status(201, brief(objective))


@router.delete(OBJ + "/links/{ref}", response={204: None}, summary="Unlink a feature")
def unlink(request: HttpRequest, slug: str, objective_id: int, ref: str) -> Status[None]:
    access = workspace_access(request, slug, WRITE)
    service.unlink_feature(access, access.get(Objective, pk=objective_id), ref)
    return Status(204, None)


@router.post(OBJ + "/initiatives", response={201: FeatureOut}, summary="New initiative for it")
def create_initiative(
    request: HttpRequest, slug: str, objective_id: int, payload: InitiativeIn
) -> Status[FeatureOut]:
    """A planning feature of kind "initiative", linked to the objective."""
    access = workspace_access(request, slug, WRITE)
    objective = access.get(Objective, pk=objective_id)
    return Status(
        201, plain(service.create_initiative(access, objective, payload.title, payload.description))
    )


@router.get(W + "/alignment", response=list[ProductNodeOut], summary="Alignment map")
def alignment_map(request: HttpRequest, slug: str, period: str = "") -> list[ProductNodeOut]:
    """Vision → objectives (cascaded) → linked initiatives → their features, per product."""
    access = workspace_access(request, slug)
    return [
        ProductNodeOut(
            id=p.product.pk,
            name=p.product.name,
            vision=p.vision,
            north_star=p.north_star,
            objectives=[objective_node_out(o) for o in p.objectives],
        )
        for p in service.alignment_map(access, period)
    ]


@router.get(W + "/alignment/gaps", response=GapsOut, summary="Work without objective and back")
def gaps(request: HttpRequest, slug: str) -> GapsOut:
    """Planned or in-progress features tied to no objective; objectives (not yet ended) with
    no linked work or no key result bound to a KPI."""
    found = service.gaps(workspace_access(request, slug))
    return GapsOut(
        unaligned=[plain(f) for f in found.unaligned],
        without_work=[brief(o) for o in found.without_work],
        not_measurable=[brief(o) for o in found.not_measurable],
    )
