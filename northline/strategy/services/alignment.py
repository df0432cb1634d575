"""Domain verbs of alignment: linking objectives to planning's features (an initiative, or
any feature), the map vision → objectives → initiatives → features, and the gaps report:
work tied to no objective, objectives with no work or with no measurable key result.

A feature counts as tied when it, or a feature above it (its initiative), is linked to an
objective (docs/decisions/0006-initiatives.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid
from northline.core.roles import WRITE
from northline.planning.models import Feature
from northline.planning.services import features as planning

from .. import board
from ..models import Objective, ObjectiveLink, Product
from .objectives import objectives as objectives_of

# Work that should serve an objective: what the team is doing or has committed to.
ACTIVE_WORK = (Feature.Status.PLANNED, Feature.Status.IN_PROGRESS)


def link_feature(access: Access, objective: Objective, ref: str | int) -> ObjectiveLink:
    access.require(WRITE)
    feature = planning.feature_by_ref(access, ref, "feature_ref")
    try:
        with transaction.atomic():
            link = ObjectiveLink.objects.create(
                workspace=access.workspace, objective=objective, feature=feature,
                created_by=access.user,
            )  # fmt: skip
            activity.record(
                access.workspace,
                access.user,
                "objective.linked",
                objective,
                {"feature": feature.ref},
            )
    except IntegrityError:
        raise Conflict(f"feature_ref: {feature.ref} is already linked to {objective}") from None
    return link


def unlink_feature(access: Access, objective: Objective, ref: str | int) -> None:
    access.require(WRITE)
    number = planning.parse_ref(ref, "feature_ref")
    with transaction.atomic():
        deleted, _ = objective.links.filter(feature__number=number).delete()
        if not deleted:
            raise Invalid(f"feature_ref: F-{number} is not linked to {objective}")
        activity.record(
            access.workspace,
            access.user,
            "objective.unlinked",
            objective,
            {"feature": f"F-{number}"},
        )


def create_initiative(
    access: Access, objective: Objective, title: str, description: str = ""
) -> Feature:
    """A new planning initiative that serves the objective, in one step."""
    access.require(WRITE)
    with transaction.atomic():
        initiative = planning.create_feature(
            access, title, kind=Feature.Kind.INITIATIVE, description=description
        )
        link_feature(access, objective, initiative.number)
    return initiative


def objectives_for(feature: Feature) -> list[Objective]:
    """The objectives a feature serves, directly or through a feature above it."""
    chain: list[int] = []
    node: Feature | None = feature
    while node is not None and len(chain) < 10:
        chain.append(node.pk)
        node = node.parent
    return list(
        Objective.objects.filter(links__feature_id__in=chain).distinct().order_by("starts_on", "id")
    )


# --- the map ---------------------------------------------------------------------------------


@dataclass
class FeatureNode:
    feature: Feature
    children: list[FeatureNode] = field(default_factory=list)


@dataclass
class ObjectiveNode:
    objective: Objective
    work: list[FeatureNode] = field(default_factory=list)
    children: list[ObjectiveNode] = field(default_factory=list)


@dataclass
class ProductNode:
    product: Product
    vision: str
    north_star: str
    objectives: list[ObjectiveNode]


def _feature_tree(access: Access) -> tuple[dict[int, Feature], dict[int | None, list[int]]]:
    rows = planning.features(access).only("id", "number", "title", "kind", "status", "parent_id")
    by_id = {f.pk: f for f in rows}
    below: dict[int | None, list[int]] = defaultdict(list)
    for f in by_id.values():
        below[f.parent_id].append(f.pk)
    return by_id, below


def _feature_node(
    pk: int, by_id: dict[int, Feature], below: dict[int | None, list[int]], depth: int = 0
) -> FeatureNode:
    kids = (
        [] if depth > 4 else [_feature_node(k, by_id, below, depth + 1) for k in below.get(pk, [])]
    )
    return FeatureNode(by_id[pk], sorted(kids, key=lambda n: n.feature.number))


def alignment_map(access: Access, period: str = "") -> list[ProductNode]:
    """Each product's vision with its objectives (cascaded under their parents), the work
    linked to each objective and that work's features below it."""
    by_id, below = _feature_tree(access)
    rows = list(objectives_of(access, period=period).prefetch_related("links"))
    nodes = {
        o.pk: ObjectiveNode(
            o, [_feature_node(link.feature_id, by_id, below) for link in o.links.all()]
        )
        for o in rows
    }
    roots: dict[int, list[ObjectiveNode]] = defaultdict(list)
    for o in rows:
        if o.parent_id in nodes:
            nodes[o.parent_id].children.append(nodes[o.pk])
        else:
            roots[o.product_id].append(nodes[o.pk])
    tree = []
    for product in Product.objects.filter(workspace=access.workspace):
        content = board.clean(product.content or {})
        north = content["north_star"]["name"] if content["north_star"] else ""
        tree.append(
            ProductNode(
                product, content["vision"] or content["purpose"], north, roots.get(product.pk, [])
            )
        )
    return tree


# --- gaps ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gaps:
    unaligned: list[Feature]  # planned or in-progress work that serves no objective
    without_work: list[Objective]
    not_measurable: list[Objective]  # no key result bound to a KPI


def gaps(access: Access, today: date | None = None) -> Gaps:
    """What does not line up, for objectives that have not ended by `today`."""
    today = today or timezone.localdate()
    by_id, _ = _feature_tree(access)
    linked = set(
        ObjectiveLink.objects.filter(workspace=access.workspace).values_list(
            "feature_id", flat=True
        )
    )

    def tied(f: Feature) -> bool:
        seen = 0
        node: Feature | None = f
        while node is not None and seen < 10:
            if node.pk in linked:
                return True
            node, seen = by_id.get(node.parent_id) if node.parent_id else None, seen + 1
        return False

    unaligned = [f for f in by_id.values() if f.status in ACTIVE_WORK and not tied(f)]
    live = list(objectives_of(access).filter(ends_on__gte=today).prefetch_related("links"))
    return Gaps(
        unaligned=sorted(unaligned, key=lambda f: f.number),
        without_work=[o for o in live if not o.links.all()],
        not_measurable=[o for o in live if not any(kr.kpi_id for kr in o.key_results.all())],
    )
