"""Domain verbs of the vision board: products, edits of their board (each stored whole as a
new version), restoring an old version and comparing two."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from northline.accounts.services import clean_name
from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid, NotFound
from northline.core.roles import MANAGE, WRITE

from .. import board, textdiff
from ..models import Product, VisionVersion
from .objectives import kpi_by_ref


def products(access: Access) -> QuerySet[Product]:
    return Product.objects.filter(workspace=access.workspace)


def _unique_name(access: Access, name: str, product: Product | None = None) -> str:
    name = clean_name(name, "name", 120)
    clash = products(access).filter(name__iexact=name)
    if product is not None:
        clash = clash.exclude(pk=product.pk)
    if clash.exists():
        raise Conflict(f"name: a product named {name!r} already exists")
    return name


def create_product(access: Access, name: str, description: str = "") -> Product:
    """A product with an empty board at version 0 (nothing to compare yet)."""
    access.require(WRITE)
    product = Product(
        workspace=access.workspace,
        name=_unique_name(access, name),
        description=(description or "").strip(),
        content=board.empty(),
    )
    try:
        with transaction.atomic():
            product.save()
            activity.record(access.workspace, access.user, "product.created", product)
    except IntegrityError:
        raise Conflict(f"name: a product named {product.name!r} already exists") from None
    return product


def update_product(
    access: Access, product: Product, *, name: str | None = None, description: str | None = None
) -> Product:
    access.require(WRITE)
    before = {"name": product.name, "description": product.description}
    if name is not None:
        product.name = _unique_name(access, name, product)
    if description is not None:
        product.description = description.strip()
    changes = activity.diff(before, {"name": product.name, "description": product.description})
    if changes:
        with transaction.atomic():
            product.save()
            activity.record(access.workspace, access.user, "product.updated", product, changes)
    return product


def delete_product(access: Access, product: Product) -> None:
    """Delete the product with its board, versions, links and objectives (admins only)."""
    access.require(MANAGE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "product.deleted", product)
        product.delete()


def _north_star(access: Access, value: Any) -> dict[str, Any] | None:
    """The board's north star from a KPI id or key (or {"kpi": id}); None for none."""
    kpi = kpi_by_ref(
        access, value.get("kpi") if isinstance(value, Mapping) else value, "north_star"
    )
    return {"kpi": kpi.pk, "name": kpi.name} if kpi else None


def edit_board(
    access: Access,
    product: Product,
    changes: Mapping[str, Any],
    *,
    note: str = "",
    base_version: int | None = None,
) -> VisionVersion | None:
    """Change some sections of the board; the result is stored whole as the next version.

    `base_version` is the version the editor started from: if someone saved in between, the
    edit is refused rather than silently overwriting theirs. No change, no new version.
    """
    access.require(WRITE)
    if base_version is not None and base_version != product.version:
        raise Conflict(
            f"base_version: the board changed since version {base_version} "
            f"(now version {product.version}); reload and edit again"
        )
    merged = {**board.clean(product.content or {}), **changes}
    if "north_star" in changes:
        merged["north_star"] = _north_star(access, changes["north_star"])
    content = board.clean(merged)
    note = (note or "").strip()
    if len(note) > 300:
        raise Invalid(f"note: must be at most 300 characters, got {len(note)}")
    if content == board.clean(product.content or {}):
        return None
    return _save_version(access, product, content, note, "vision.edited")


def _save_version(
    access: Access, product: Product, content: dict[str, Any], note: str, verb: str
) -> VisionVersion:
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        number = locked.version + 1
        version = VisionVersion.objects.create(
            workspace=access.workspace, product=locked, number=number, content=content,
            note=note, author=access.user,
        )  # fmt: skip
        Product.objects.filter(pk=product.pk).update(content=content, version=number)
        sections = [k for k in board.SECTIONS if content.get(k) != (locked.content or {}).get(k)]
        activity.record(
            access.workspace, access.user, verb, product, {"version": number, "sections": sections}
        )
    product.content, product.version = content, number
    return version


def restore(access: Access, product: Product, number: int) -> VisionVersion:
    """Make an old version's content the newest version again (history is never rewritten)."""
    access.require(WRITE)
    old = version_of(product, number)
    if old.content == product.content:
        raise Conflict(f"version: {number} is the same as the current board")
    return _save_version(
        access, product, old.content, f"Restored version {number}", "vision.restored"
    )


def versions(product: Product) -> QuerySet[VisionVersion]:
    return product.versions.select_related("author")


def version_of(product: Product, number: int | str, field: str = "version") -> VisionVersion:
    found = (
        product.versions.select_related("author").filter(number=number).first()
        if str(number).isdigit()
        else None
    )
    if found is None:
        raise NotFound(f"{field}: {product.name} has no version {number}")
    return found


@dataclass(frozen=True)
class Comparison:
    old: VisionVersion | None  # None: the empty board before the first version
    new: VisionVersion
    rows: list[textdiff.Row]

    @property
    def changed(self) -> int:
        return textdiff.changed(self.rows)

    @property
    def inline(self) -> list[textdiff.Line]:
        return textdiff.inline(self.rows)

    @property
    def context(self) -> list[textdiff.Row | None]:
        return textdiff.context(self.rows)


def compare(product: Product, old: int | str, new: int | str) -> Comparison:
    """The line diff between versions `old` and `new` (0 is the empty board before v1)."""
    newer = version_of(product, new, "new")
    older = None if str(old) == "0" else version_of(product, old, "old")
    before = board.lines(older.content if older else board.empty())
    return Comparison(older, newer, textdiff.side_by_side(before, board.lines(newer.content)))
