"""JSON API of planning: product areas, features and their dependencies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from northline.core.api import workspace_access
from northline.core.roles import WRITE

from ..models import Feature, ProductArea
from ..services import features as service

router = Router(tags=["planning: features"])


class AreaIn(Schema):
    name: str
    description: str = ""
    parent: int | None = None


class AreaPatch(Schema):
    name: str | None = None
    description: str | None = None


class AreaOut(Schema):
    id: int
    name: str
    description: str
    parent: int | None
    features: int


class FeatureIn(Schema):
    title: str
    description: str = ""
    kind: str = Feature.Kind.FEATURE.value
    status: str = Feature.Status.IDEA.value
    parent: str | None = None
    area: str | None = None
    owner: str | None = None
    team: str = ""


class FeaturePatch(Schema):
    title: str | None = None
    description: str | None = None
    kind: str | None = None
    status: str | None = None
    parent: str | None = None
    area: str | None = None
    owner: str | None = None
    team: str | None = None


class FeatureOut(Schema):
    ref: str
    number: int
    title: str
    description: str
    kind: str
    status: str
    parent: str | None
    area: str | None
    owner: str | None
    team: str
    requires: list[str]
    created_at: datetime
    updated_at: datetime


class DependencyIn(Schema):
    requires: str


def area_out(area: ProductArea) -> AreaOut:
    return AreaOut(
        id=area.pk, name=area.name, description=area.description, parent=area.parent_id,
        features=area.features.count(),
    )  # fmt: skip


def feature_out(f: Feature) -> FeatureOut:
    return FeatureOut(
        ref=f.ref, number=f.number, title=f.title, description=f.description, kind=f.kind,
        status=f.status, parent=f.parent.ref if f.parent else None,
        area=f.area.name if f.area else None, owner=f.owner.email if f.owner else None,
        team=f.team, requires=[r.ref for r in f.requires.all()], created_at=f.created_at,
        updated_at=f.updated_at,
    )  # fmt: skip


def _fields(payload: Schema) -> dict[str, Any]:
    """The fields the client sent; an empty parent, area or owner clears it."""
    fields = payload.dict(exclude_unset=True)
    for key in ("parent", "area", "owner"):
        if key in fields and not fields[key]:
            fields[key] = None
    return fields


@router.get("/workspaces/{slug}/areas", response=list[AreaOut], summary="Product areas")
def list_areas(request: HttpRequest, slug: str) -> list[AreaOut]:
    access = workspace_access(request, slug)
    return [area_out(a) for a in ProductArea.objects.filter(workspace=access.workspace)]


@router.post("/workspaces/{slug}/areas", response={201: AreaOut}, summary="Create an area")
def create_area(request: HttpRequest, slug: str, payload: AreaIn) -> Status[AreaOut]:
    access = workspace_access(request, slug, WRITE)
    parent = access.get(ProductArea, pk=payload.parent) if payload.parent else None
    area = service.create_area(access, payload.name, parent=parent, description=payload.description)
    return Status(201, area_out(area))


@router.patch("/workspaces/{slug}/areas/{area_id}", response=AreaOut)
def update_area(request: HttpRequest, slug: str, area_id: int, payload: AreaPatch) -> AreaOut:
    access = workspace_access(request, slug, WRITE)
    area = access.get(ProductArea, pk=area_id)
    return area_out(
        service.update_area(access, area, name=payload.name, description=payload.description)
    )


@router.delete("/workspaces/{slug}/areas/{area_id}", response={204: None})
def delete_area(request: HttpRequest, slug: str, area_id: int) -> Status[None]:
    access = workspace_access(request, slug, WRITE)
    service.delete_area(access, access.get(ProductArea, pk=area_id))
    return Status(204, None)


@router.get("/workspaces/{slug}/features", response=list[FeatureOut], summary="Features")
def list_features(
    request: HttpRequest,
    slug: str,
    status: str = "",
    area: str = "",
    q: str = "",
    offset: int = 0,
    limit: int = 100,
) -> list[FeatureOut]:
    """Features by number; filter by status, area name and text (title or F-12)."""
    access = workspace_access(request, slug)
    rows = service.features(access).select_related("parent", "area", "owner")
    if status:
        rows = rows.filter(status=status)
    if area:
        rows = rows.filter(area=service.area_by_name(access, area))
    if q:
        rows = rows.filter(service.search(q))
    limit = min(max(limit, 1), 500)
    page = rows.prefetch_related("requires")[max(offset, 0) : max(offset, 0) + limit]
    return [feature_out(f) for f in page]


@router.post("/workspaces/{slug}/features", response={201: FeatureOut}, summary="Create")
def create_feature(request: HttpRequest, slug: str, payload: FeatureIn) -> Status[FeatureOut]:
    access = workspace_access(request, slug, WRITE)
    fields = _fields(payload)
    feature = service.create_feature(access, fields.pop("title"), **fields)
    return Status(201, feature_out(feature))


@router.get("/workspaces/{slug}/features/{ref}", response=FeatureOut, summary="One feature")
def get_feature(request: HttpRequest, slug: str, ref: str) -> FeatureOut:
    access = workspace_access(request, slug)
    return feature_out(service.feature_by_ref(access, ref))


@router.patch("/workspaces/{slug}/features/{ref}", response=FeatureOut, summary="Change")
def update_feature(request: HttpRequest, slug: str, ref: str, payload: FeaturePatch) -> FeatureOut:
    access = workspace_access(request, slug, WRITE)
    feature = service.feature_by_ref(access, ref)
    return feature_out(service.update_feature(access, feature, **_fields(payload)))


@router.delete("/workspaces/{slug}/features/{ref}", response={204: None}, summary="Delete")
def delete_feature(request: HttpRequest, slug: str, ref: str) -> Status[None]:
    access = workspace_access(request, slug, WRITE)
    service.delete_feature(access, service.feature_by_ref(access, ref))
    return Status(204, None)


@router.post(
    "/workspaces/{slug}/features/{ref}/dependencies",
    response={201: FeatureOut},
    summary="Add a prerequisite",
)
def add_dependency(
    request: HttpRequest, slug: str, ref: str, payload: DependencyIn
) -> Status[FeatureOut]:
    access = workspace_access(request, slug, WRITE)
    feature = service.feature_by_ref(access, ref)
    service.add_dependency(
        access, feature, service.feature_by_ref(access, payload.requires, "requires")
    )
    return Status(201, feature_out(feature))


@router.delete(
    "/workspaces/{slug}/features/{ref}/dependencies/{requires}",
    response={204: None},
    summary="Remove a prerequisite",
)
def remove_dependency(request: HttpRequest, slug: str, ref: str, requires: str) -> Status[None]:
    access = workspace_access(request, slug, WRITE)
    feature = service.feature_by_ref(access, ref)
    service.remove_dependency(access, feature, service.feature_by_ref(access, requires, "requires"))
    return Status(204, None)
