"""Domain verbs of planning: product areas, features and their hierarchy and dependencies."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet

from northline.accounts.models import User
from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid, NotFound
from northline.core.roles import WRITE

from ..models import Feature, ProductArea

# Activity verbs of this module, as the feed phrases them ("feature.created" → "created").
PHRASES: dict[str, str] = {
    "area.created": "created the product area",
    "area.updated": "changed the product area",
    "area.deleted": "deleted the product area",
    "feature.created": "created",
    "feature.updated": "changed",
    "feature.deleted": "deleted",
    "feature.dependency_added": "added a dependency to",
    "feature.dependency_removed": "removed a dependency from",
}

# A parent must sit on a higher level than its child: initiative > feature/idea > sub-feature.
LEVEL = {
    Feature.Kind.INITIATIVE: 0,
    Feature.Kind.IDEA: 1,
    Feature.Kind.FEATURE: 1,
    Feature.Kind.SUB_FEATURE: 2,
}
EDITABLE = ("title", "description", "kind", "status", "parent", "area", "owner", "team")


def _text(value: str | None, field: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"{field}: must not be empty")
    if len(value) > max_length:
        raise Invalid(f"{field}: must be at most {max_length} characters, got {len(value)}")
    return value


def _choice(value: str, field: str, choices: Iterable[str]) -> str:
    options = list(choices)
    if value not in options:
        raise Invalid(f"{field}: {value!r} is not one of {', '.join(options)}")
    return value


# --- product areas ---------------------------------------------------------------------------


def create_area(
    access: Access, name: str, *, parent: ProductArea | None = None, description: str = ""
) -> ProductArea:
    access.require(WRITE)
    name = _text(name, "name", 100)
    if ProductArea.objects.filter(workspace=access.workspace, name__iexact=name).exists():
        raise Conflict(f"name: a product area named {name!r} already exists")
    with transaction.atomic():
        area = ProductArea.objects.create(
            workspace=access.workspace, name=name, parent=parent, description=description.strip()
        )
        activity.record(access.workspace, access.user, "area.created", area)
    return area


def update_area(
    access: Access,
    area: ProductArea,
    *,
    name: str | None = None,
    description: str | None = None,
    parent: ProductArea | str | None = "keep",
) -> ProductArea:
    access.require(WRITE)
    before = {"name": area.name, "description": area.description, "parent": area.parent_id}
    if name is not None:
        name = _text(name, "name", 100)
        clash = ProductArea.objects.filter(workspace=access.workspace, name__iexact=name)
        if clash.exclude(pk=area.pk).exists():
            raise Conflict(f"name: a product area named {name!r} already exists")
        area.name = name
    if description is not None:
        area.description = description.strip()
    if not isinstance(parent, str):
        node = parent
        while node is not None:
            if node.pk == area.pk:
                raise Invalid(f"parent: {parent} is inside {area.name}; that would make a loop")
            node = node.parent
        area.parent = parent
    after = {"name": area.name, "description": area.description, "parent": area.parent_id}
    with transaction.atomic():
        area.save()
        activity.record(
            access.workspace, access.user, "area.updated", area, activity.diff(before, after)
        )
    return area


def delete_area(access: Access, area: ProductArea) -> None:
    """Delete an empty-of-children area; its features keep existing without an area."""
    access.require(WRITE)
    if area.children.exists():
        raise Conflict(f"area: {area.name!r} has sub-areas; move or delete them first")
    with transaction.atomic():
        activity.record(access.workspace, access.user, "area.deleted", area)
        area.delete()


def area_by_name(access: Access, name: str, field: str = "area") -> ProductArea:
    area = ProductArea.objects.filter(workspace=access.workspace, name__iexact=name.strip()).first()
    if area is None:
        raise Invalid(f"{field}: no product area named {name.strip()!r}")
    return area


# --- features --------------------------------------------------------------------------------


def parse_ref(value: str | int, field: str = "feature") -> int:
    """12, "12", "F-12" or "f12" → 12."""
    text = str(value).strip().upper().removeprefix("F").lstrip("-").strip()
    if not text.isdigit() or int(text) < 1:
        raise Invalid(f"{field}: {str(value)!r} is not a feature reference like F-12")
    return int(text)


def feature_by_ref(access: Access, value: str | int, field: str = "feature") -> Feature:
    number = parse_ref(value, field)
    feature = Feature.objects.filter(workspace=access.workspace, number=number).first()
    if feature is None:  # a missing subject is a 404; a missing reference inside input is a 422
        message = f"{field}: F-{number} not found"
        raise NotFound(message) if field == "feature" else Invalid(message)
    return feature


def features(access: Access) -> QuerySet[Feature]:
    return Feature.objects.filter(workspace=access.workspace)


def _a(noun: str) -> str:
    noun = noun.lower()
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _check_parent(feature: Feature, parent: Feature | None) -> None:
    if parent is None:
        return
    if parent.pk is not None and parent.pk == feature.pk:
        raise Invalid(f"parent: {feature.ref} cannot be its own parent")
    if LEVEL[Feature.Kind(parent.kind)] >= LEVEL[Feature.Kind(feature.kind)]:
        raise Invalid(
            f"parent: {_a(feature.get_kind_display())} cannot sit under "
            f"{parent.ref}, {_a(parent.get_kind_display())}"
        )
    node: Feature | None = parent
    while node is not None and feature.pk is not None:
        if node.pk == feature.pk:
            raise Invalid(f"parent: {parent.ref} is inside {feature.ref}; that would make a loop")
        node = node.parent


def _apply(access: Access, feature: Feature, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise Invalid(f"{sorted(unknown)[0]}: not a feature field")
    if "title" in fields:
        feature.title = _text(fields["title"], "title", 200)
    if "description" in fields:
        feature.description = (fields["description"] or "").strip()
    if "kind" in fields:
        feature.kind = _choice(fields["kind"], "kind", Feature.Kind.values)
    if "status" in fields:
        feature.status = _choice(fields["status"], "status", Feature.Status.values)
    if "team" in fields:
        feature.team = _text(fields["team"], "team", 80, required=False)
    if "area" in fields:
        area = fields["area"]
        feature.area = (
            area_by_name(access, area) if isinstance(area, str) and area else area or None
        )
    if "owner" in fields:
        feature.owner = _member(access, fields["owner"])
    if "parent" in fields:
        parent = fields["parent"]
        if isinstance(parent, (str, int)) and parent != "":
            parent = feature_by_ref(access, parent, "parent")
        feature.parent = parent or None
    _check_parent(feature, feature.parent)


def _member(access: Access, owner: User | str | None) -> User | None:
    """A workspace member given as a user or an e-mail address; None or "" for nobody."""
    if not owner:
        return None
    email = owner if isinstance(owner, str) else owner.email
    membership = access.workspace.memberships.filter(user__email__iexact=email.strip()).first()
    if membership is None:
        raise Invalid(f"owner: {email!r} is not a member of this workspace")
    return membership.user


def create_feature(access: Access, title: str, **fields: Any) -> Feature:
    """A new feature numbered after the workspace's highest; `fields` as in EDITABLE."""
    access.require(WRITE)
    feature = Feature(workspace=access.workspace)
    _apply(access, feature, {"title": title, **fields})
    for _attempt in range(3):
        try:
            with transaction.atomic():
                top = features(access).aggregate(top=Max("number"))["top"] or 0
                feature.number = top + 1
                feature.save()
                activity.record(access.workspace, access.user, "feature.created", feature)
                return feature
        except IntegrityError:  # another request took the number: take the next one
            feature.pk = None
    raise Conflict("number: could not allocate a feature number; try again")


def update_feature(access: Access, feature: Feature, **fields: Any) -> Feature:
    access.require(WRITE)
    before = _snapshot(feature)
    _apply(access, feature, fields)
    changes = activity.diff(before, _snapshot(feature))
    if changes:
        with transaction.atomic():
            feature.save()
            activity.record(access.workspace, access.user, "feature.updated", feature, changes)
    return feature


def _snapshot(feature: Feature) -> dict[str, Any]:
    return {
        "title": feature.title,
        "description": feature.description,
        "kind": feature.kind,
        "status": feature.status,
        "parent": feature.parent.ref if feature.parent else None,
        "area": feature.area.name if feature.area else None,
        "owner": feature.owner.email if feature.owner else None,
        "team": feature.team,
    }


def delete_feature(access: Access, feature: Feature) -> None:
    access.require(WRITE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "feature.deleted", feature)
        feature.delete()


# --- dependencies ----------------------------------------------------------------------------


def _path(start: Feature, goal: Feature) -> list[Feature] | None:
    """A chain of prerequisites from `start` to `goal`, if one exists (depth-first)."""
    stack: list[list[Feature]] = [[start]]
    seen = {start.pk}
    while stack:
        chain = stack.pop()
        if chain[-1].pk == goal.pk:
            return chain
        for nxt in chain[-1].requires.all():
            if nxt.pk not in seen:
                seen.add(nxt.pk)
                stack.append([*chain, nxt])
    return None


def add_dependency(access: Access, feature: Feature, prerequisite: Feature) -> None:
    """`feature` can only be delivered with (or after) `prerequisite`."""
    access.require(WRITE)
    if prerequisite.pk == feature.pk:
        raise Invalid(f"requires: {feature.ref} cannot require itself")
    cycle = _path(prerequisite, feature)
    if cycle is not None:
        loop = " → ".join(f.ref for f in [feature, *cycle])
        raise Invalid(f"requires: {loop} would make a dependency cycle")
    with transaction.atomic():
        feature.requires.add(prerequisite)
        activity.record(
            access.workspace, access.user, "feature.dependency_added", feature,
            {"requires": [None, prerequisite.ref]},
        )  # fmt: skip


def remove_dependency(access: Access, feature: Feature, prerequisite: Feature) -> None:
    access.require(WRITE)
    if not feature.requires.filter(pk=prerequisite.pk).exists():
        raise NotFound(f"requires: {feature.ref} does not require {prerequisite.ref}")
    with transaction.atomic():
        feature.requires.remove(prerequisite)
        activity.record(
            access.workspace, access.user, "feature.dependency_removed", feature,
            {"requires": [prerequisite.ref, None]},
        )  # fmt: skip


def search(query: str) -> Q:
    """A filter on title or reference for the query text."""
    query = query.strip()
    condition = Q(title__icontains=query)
    with contextlib.suppress(Invalid):
        condition |= Q(number=parse_ref(query))
    return condition
