"""JSON API of strategy: products, their vision board, its versions and diffs, share links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from northline.core.access import Access
from northline.core.api import workspace_access
from northline.core.roles import WRITE

from ..models import Product, ShareLink, VisionVersion
from ..services import sharing
from ..services import vision as service

router = Router(tags=["strategy: vision"])
P = "/workspaces/{slug}/products/{product_id}"


class ProductIn(Schema):
    name: str
    description: str = ""


class ProductPatch(Schema):
    name: str | None = None
    description: str | None = None


class ProductOut(Schema):
    id: int
    name: str
    description: str
    version: int
    url: str


class PersonaIn(Schema):
    name: str
    description: str = ""
    goals: list[str] = []
    pains: list[str] = []
    jobs: list[str] = []


class CompetitorIn(Schema):
    name: str
    url: str = ""
    notes: str = ""


class NorthStar(Schema):
    kpi: int
    name: str


class BoardPatch(Schema):
    """The sections to change (the others keep their content); `north_star` is a KPI id or
    key, or null for none. `base_version`: the version you edited, to refuse lost updates."""

    purpose: str | None = None
    vision: str | None = None
    value_proposition: str | None = None
    audiences: list[PersonaIn] | None = None
    problems: list[str] | None = None
    differentiators: list[str] | None = None
    business_goals: list[str] | None = None
    trends: list[str] | None = None
    competitors: list[CompetitorIn] | None = None
    north_star: int | str | None = None
    note: str = ""
    base_version: int | None = None


class Board(Schema):
    purpose: str
    vision: str
    value_proposition: str
    audiences: list[PersonaIn]
    problems: list[str]
    differentiators: list[str]
    business_goals: list[str]
    trends: list[str]
    competitors: list[CompetitorIn]
    north_star: NorthStar | None


class BoardOut(Schema):
    product: int
    version: int
    board: Board


class VersionOut(Schema):
    number: int
    note: str
    author: str | None
    created_at: datetime
    board: Board


class VersionBrief(Schema):
    number: int
    note: str
    author: str | None
    created_at: datetime


class DiffRow(Schema):
    tag: str
    old_number: int | None
    old: str | None
    new_number: int | None
    new: str | None


class DiffOut(Schema):
    old: int
    new: int
    changed: int
    rows: list[DiffRow]


class ShareIn(Schema):
    label: str = ""
    expires_at: datetime | None = None


class ShareOut(Schema):
    id: int
    label: str
    active: bool
    expires_at: datetime | None
    revoked_at: datetime | None
    views: int
    created_at: datetime


class ShareCreated(ShareOut):
    url: str  # shown only in this answer: the secret is not stored


def product_out(request: HttpRequest, p: Product) -> ProductOut:
    url = request.build_absolute_uri(p.get_absolute_url())
    return ProductOut(id=p.pk, name=p.name, description=p.description, version=p.version, url=url)


def version_brief(v: VisionVersion) -> VersionBrief:
    author = v.author.email if v.author else None
    return VersionBrief(number=v.number, note=v.note, author=author, created_at=v.created_at)


def share_out(link: ShareLink) -> dict[str, Any]:
    return {
        "id": link.pk, "label": link.label, "active": link.active,
        "expires_at": link.expires_at, "revoked_at": link.revoked_at, "views": link.views,
        "created_at": link.created_at,
    }  # fmt: skip


def _product(
    request: HttpRequest, slug: str, product_id: int, write: bool = False
) -> tuple[Access, Product]:
    access = workspace_access(request, slug, WRITE) if write else workspace_access(request, slug)
    return access, access.get(Product, pk=product_id)


@router.get("/workspaces/{slug}/products", response=list[ProductOut], summary="Products")
def list_products(request: HttpRequest, slug: str) -> list[ProductOut]:
    access = workspace_access(request, slug)
    return [product_out(request, p) for p in service.products(access)]


@router.post("/workspaces/{slug}/products", response={201: ProductOut}, summary="Add a product")
def create_product(request: HttpRequest, slug: str, payload: ProductIn) -> Status[ProductOut]:
    access = workspace_access(request, slug, WRITE)
    product = service.create_product(access, payload.name, payload.description)
    return Status(201, product_out(request, product))


@router.get(P, response=ProductOut, summary="One product")
def get_product(request: HttpRequest, slug: str, product_id: int) -> ProductOut:
    return product_out(request, _product(request, slug, product_id)[1])


@router.patch(P, response=ProductOut, summary="Rename or describe a product")
def update_product(
    request: HttpRequest, slug: str, product_id: int, payload: ProductPatch
) -> ProductOut:
    access, product = _product(request, slug, product_id, write=True)
    return product_out(
        request, service.update_product(access, product, **payload.dict(exclude_unset=True))
    )


@router.delete(P, response={204: None}, summary="Delete a product and its strategy (admin)")
def delete_product(request: HttpRequest, slug: str, product_id: int) -> Status[None]:
    access, product = _product(request, slug, product_id, write=True)
    service.delete_product(access, product)
    return Status(204, None)


@router.get(P + "/vision", response=BoardOut, summary="The vision board")
def get_board(request: HttpRequest, slug: str, product_id: int) -> BoardOut:
    product = _product(request, slug, product_id)[1]
    return BoardOut(product=product.pk, version=product.version, board=product.content)


@router.patch(P + "/vision", response=BoardOut, summary="Edit the vision board (a new version)")
def edit_board(request: HttpRequest, slug: str, product_id: int, payload: BoardPatch) -> BoardOut:
    access, product = _product(request, slug, product_id, write=True)
    changes = payload.dict(exclude_unset=True)
    note, base = changes.pop("note", ""), changes.pop("base_version", None)
    service.edit_board(access, product, changes, note=note, base_version=base)
    return BoardOut(product=product.pk, version=product.version, board=product.content)


@router.get(P + "/versions", response=list[VersionBrief], summary="Vision history, newest first")
def list_versions(request: HttpRequest, slug: str, product_id: int) -> list[VersionBrief]:
    product = _product(request, slug, product_id)[1]
    return [version_brief(v) for v in service.versions(product)]


@router.get(P + "/versions/{number}", response=VersionOut, summary="One version, whole")
def get_version(request: HttpRequest, slug: str, product_id: int, number: int) -> VersionOut:
    v = service.version_of(_product(request, slug, product_id)[1], number)
    return VersionOut(**version_brief(v).dict(), board=v.content)


@router.post(P + "/versions/{number}/restore", response=BoardOut, summary="Restore a version")
def restore_version(request: HttpRequest, slug: str, product_id: int, number: int) -> BoardOut:
    access, product = _product(request, slug, product_id, write=True)
    service.restore(access, product, number)
    return BoardOut(product=product.pk, version=product.version, board=product.content)


@router.get(P + "/diff", response=DiffOut, summary="Line diff between two versions")
def diff(request: HttpRequest, slug: str, product_id: int, old: int, new: int) -> DiffOut:
    """`old` may be 0: the empty board before the first version."""
    comparison = service.compare(_product(request, slug, product_id)[1], old, new)
    rows = [DiffRow(**vars(row)) for row in comparison.rows]
    return DiffOut(old=old, new=new, changed=comparison.changed, rows=rows)


@router.get(P + "/share-links", response=list[ShareOut], summary="Share links")
def list_links(request: HttpRequest, slug: str, product_id: int) -> list[dict[str, Any]]:
    return [share_out(link) for link in sharing.links(_product(request, slug, product_id)[1])]


@router.post(P + "/share-links", response={201: ShareCreated}, summary="Create a share link")
def create_link(
    request: HttpRequest, slug: str, product_id: int, payload: ShareIn
) -> Status[dict[str, Any]]:
    """The answer's `url` holds the secret; it is not stored and cannot be shown again."""
    from django.urls import reverse

    access, product = _product(request, slug, product_id, write=True)
    link, secret = sharing.create_link(access, product, **payload.dict())
    url = request.build_absolute_uri(reverse("strategy:shared", args=[secret]))
    return Status(201, {**share_out(link), "url": url})


@router.delete(P + "/share-links/{link_id}", response={204: None}, summary="Revoke a share link")
def revoke_link(request: HttpRequest, slug: str, product_id: int, link_id: int) -> Status[None]:
    access, product = _product(request, slug, product_id, write=True)
    sharing.revoke(access, access.get(ShareLink, pk=link_id, product=product))
    return Status(204, None)
