"""Domain verbs of planning: score inputs that come from customer evidence.

A driver (typically RICE's reach) can be bound to a rule over the feedback linked to the
feature in `insights`. The input then holds the rule's current value as a certain estimate
(low = likely = high), its source is "evidence" and its `rule` names the rule, so every page
shows where the number came from. `refresh` recomputes every evidence input of the workspace
(after new feedback is linked), one SQL aggregate per rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from django.db import transaction

from northline.accounts.models import Workspace
from northline.core.access import Access
from northline.core.errors import Invalid
from northline.core.roles import WRITE
from northline.insights.services import demand

from ..models import Feature, ScoreInput, ScoringModel
from . import scores

PHRASES: dict[str, str] = {}  # its changes are recorded as "input.set" by scores.set_input

# rule → (what it counts, as the page explains it; the aggregate over linked feedback)
RULES: dict[str, tuple[str, Callable[[Workspace, list[int]], Mapping[int, float]]]] = {
    "distinct_customers": (
        "distinct customers who gave feedback linked to the feature or voted for a linked "
        "portal idea, each once",
        demand.distinct_customers,
    ),
    "linked_revenue": (
        "summed yearly revenue of the companies behind the linked feedback and votes, each "
        "company once",
        demand.linked_revenue,
    ),
}


def value(access: Access, rule: str, features: Iterable[Feature]) -> dict[int, float]:
    if rule not in RULES:
        raise Invalid(f"rule: {rule!r} is not one of {', '.join(RULES)}")
    ids = [f.pk for f in features]
    found = RULES[rule][1](access.workspace, ids)
    return {fid: float(found.get(fid, 0.0)) for fid in ids}


def bind(
    access: Access, feature: Feature, model: ScoringModel, driver: str, rule: str
) -> ScoreInput:
    """Set the driver from the rule's current value and remember the rule."""
    access.require(WRITE)
    amount = value(access, rule, [feature])[feature.pk]
    return scores.set_input(
        access, feature, model, driver, low=amount, source=ScoreInput.Source.EVIDENCE, rule=rule
    )


def refresh(access: Access) -> int:
    """Recompute every evidence-bound input whose value changed; returns how many changed."""
    access.require(WRITE)
    bound = list(
        ScoreInput.objects.filter(
            workspace=access.workspace, source=ScoreInput.Source.EVIDENCE
        ).select_related("feature", "model", "scenario")
    )
    changed = 0
    with transaction.atomic():
        for rule in {row.rule for row in bound}:
            rows = [row for row in bound if row.rule == rule]
            current = value(access, rule, {row.feature for row in rows})
            for row in rows:
                if row.likely != current[row.feature_id]:
                    scores.set_input(
                        access, row.feature, row.model, row.driver, low=current[row.feature_id],
                        scenario=row.scenario, source=ScoreInput.Source.EVIDENCE, rule=rule,
                    )  # fmt: skip
                    changed += 1
    return changed
