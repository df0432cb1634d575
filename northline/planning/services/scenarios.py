"""Domain verbs of planning: scenarios, and comparing two of them (or one with the baseline).

A scenario starts as a full copy of the baseline's (or another scenario's) inputs and stored
scores, so its ranked list, simulations and plans work at once and edits never touch the
baseline. Its inputs are edited with `scores.set_input(..., scenario=...)`; its own weights for
weighted models and its capacity periods are edited here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid
from northline.core.roles import WRITE

from .. import scoring
from ..models import Feature, FeatureScore, PortfolioRun, Scenario, ScoreInput, ScoringModel
from . import scores
from .analysis import checked_number, clean_periods

# Activity verbs of this module, as the feed phrases them ("feature.created" → "created").
PHRASES: dict[str, str] = {
    "scenario.created": "created the scenario",
    "scenario.updated": "changed the scenario",
    "scenario.deleted": "deleted the scenario",
}


def scenarios(access: Access) -> QuerySet[Scenario]:
    return Scenario.objects.filter(workspace=access.workspace)


def scenario_by_name(access: Access, name: str, field: str = "scenario") -> Scenario:
    scenario = scenarios(access).filter(name__iexact=name.strip()).first()
    if scenario is None:
        known = ", ".join(scenarios(access).values_list("name", flat=True)) or "none yet"
        raise Invalid(f"{field}: no scenario named {name.strip()!r} (known: {known})")
    return scenario


def label(scenario: Scenario | None) -> str:
    return scenario.name if scenario else "Baseline"


def _scope(scenario: Scenario | None) -> Q:
    return Q(scenario=scenario) if scenario else Q(scenario__isnull=True)


def _name(access: Access, name: str, scenario: Scenario | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid("name: must not be empty")
    if len(name) > 100:
        raise Invalid(f"name: must be at most 100 characters, got {len(name)}")
    clash = scenarios(access).filter(name__iexact=name)
    if scenario is not None:
        clash = clash.exclude(pk=scenario.pk)
    if clash.exists() or name.lower() == "baseline":
        raise Conflict(f"name: a scenario named {name!r} already exists")
    return name


def create_scenario(
    access: Access,
    name: str,
    *,
    description: str = "",
    periods: Sequence[Mapping[str, Any]] | None = None,
    copy_from: Scenario | None = None,
) -> Scenario:
    """A copy of the baseline (or of `copy_from`): every input and stored score, its weights,
    and the `periods` given or else those of `copy_from`."""
    access.require(WRITE)
    name = _name(access, name)
    chosen = clean_periods(periods) if periods else list(copy_from.periods if copy_from else [])
    try:
        with transaction.atomic():
            scenario = Scenario.objects.create(
                workspace=access.workspace, name=name, description=(description or "").strip(),
                weights=dict(copy_from.weights) if copy_from else {}, periods=chosen,
                created_by=access.user,
            )  # fmt: skip
            _copy_rows(access, copy_from, scenario)
            activity.record(
                access.workspace, access.user, "scenario.created", scenario,
                {"copied from": [None, label(copy_from)]},
            )  # fmt: skip
    except IntegrityError:  # another request took the name in the meantime
        raise Conflict(f"name: a scenario named {name!r} already exists") from None
    return scenario


_INPUT_FIELDS = ("feature_id", "model_id", "driver", "low", "likely", "high", "distribution",
                 "source", "rule", "updated_by_id")  # fmt: skip


def _copy_rows(access: Access, source: Scenario | None, target: Scenario) -> None:
    """Copy every input and stored score of `source` (None: the baseline) into `target`."""
    inputs = ScoreInput.objects.filter(_scope(source), workspace=access.workspace)
    ScoreInput.objects.bulk_create(
        (
            ScoreInput(workspace=access.workspace, scenario=target, **row)
            for row in inputs.values(*_INPUT_FIELDS).iterator()
        ),
        batch_size=500,
    )
    stored = FeatureScore.objects.filter(_scope(source), workspace=access.workspace)
    FeatureScore.objects.bulk_create(
        (
            FeatureScore(workspace=access.workspace, scenario=target, **row)
            for row in stored.values("feature_id", "model_id", "score").iterator()
        ),
        batch_size=500,
    )


def _clean_weights(
    access: Access, weights: Mapping[str, Mapping[str, Any]]
) -> dict[ScoringModel, dict[str, float]]:
    """{model id: {driver: weight}} → validated weights by model (weighted models only)."""
    cleaned = {}
    for key, given in weights.items():
        model = scores.models(access).filter(pk=int(key)).first() if str(key).isdigit() else None
        if model is None:
            raise Invalid(f"weights.{key}: not a scoring model of this workspace")
        if model.kind != ScoringModel.Kind.WEIGHTED:
            raise Invalid(
                f"weights.{model.name}: {model.name} is {model.get_kind_display()};"
                " only weighted models have weights"
            )
        known = [d["name"] for d in model.drivers]
        for driver in given:
            if driver not in known:
                raise Invalid(
                    f"weights.{model.name}.{driver}: not a driver of {model.name}"
                    f" (drivers: {', '.join(known)})"
                )
        cleaned[model] = {
            driver: checked_number(scoring.NON_NEGATIVE, f"weights.{model.name}.{driver}", weight)
            for driver, weight in given.items()
        }
    return cleaned


def update_scenario(
    access: Access,
    scenario: Scenario,
    *,
    name: str | None = None,
    description: str | None = None,
    weights: Mapping[str, Mapping[str, Any]] | None = None,
    periods: Sequence[Mapping[str, Any]] | None = None,
) -> Scenario:
    """Rename, describe, set weighted models' weights (per model id; an empty mapping returns
    that model to its own weights; rescores the scenario under it) or set the periods."""
    access.require(WRITE)
    before = _snapshot(scenario)
    if name is not None:
        scenario.name = _name(access, name, scenario)
    if description is not None:
        scenario.description = description.strip()
    reweighted = []
    if weights is not None:
        for model, given in _clean_weights(access, weights).items():
            key = str(model.pk)
            if scenario.weights.get(key, {}) != given:
                reweighted.append(model)
            scenario.weights = {k: v for k, v in {**scenario.weights, key: given}.items() if v}
    if periods is not None:
        scenario.periods = clean_periods(periods) if periods else []
    changes = activity.diff(before, _snapshot(scenario))
    with transaction.atomic():
        scenario.save()
        for model in reweighted:
            scores.rescore(access, model, scenario, reason=f"weights changed in {scenario.name}")
        if changes:
            activity.record(access.workspace, access.user, "scenario.updated", scenario, changes)
    return scenario


def _snapshot(scenario: Scenario) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "description": scenario.description,
        "weights": scenario.weights,
        "periods": scenario.periods,
    }


def delete_scenario(access: Access, scenario: Scenario) -> None:
    """Delete the scenario with its inputs, scores, and the runs made on it."""
    access.require(WRITE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "scenario.deleted", scenario)
        scenario.delete()


# --- comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    """A feature's score and rank in A and in B (None where it has no score there)."""

    feature: Feature
    score_a: float | None
    rank_a: int | None
    score_b: float | None
    rank_b: int | None

    @property
    def move(self) -> int | None:
        """Places gained from A to B: positive moved up, negative moved down."""
        if self.rank_a is None or self.rank_b is None:
            return None
        return self.rank_a - self.rank_b

    @property
    def places(self) -> int:
        """How many places it moved, either way."""
        return abs(self.move or 0)

    @property
    def changed(self) -> bool:
        return self.rank_a != self.rank_b or self.score_a != self.score_b


@dataclass(frozen=True)
class InputDifference:
    feature: Feature
    driver: str
    a: ScoreInput | None
    b: ScoreInput | None


@dataclass(frozen=True)
class WeightDifference:
    driver: str
    a: float
    b: float


@dataclass(frozen=True)
class PlanDifference:
    """The latest plan of each side, and the features that enter or leave it from A to B."""

    a: PortfolioRun | None
    b: PortfolioRun | None
    entering: list[Feature]
    leaving: list[Feature]


@dataclass(frozen=True)
class Comparison:
    model: ScoringModel
    a: Scenario | None
    b: Scenario | None
    rows: list[RankRow]  # by rank in B, then in A
    inputs: list[InputDifference]
    weights: list[WeightDifference]
    plans: PlanDifference

    @property
    def moved(self) -> list[RankRow]:
        return [row for row in self.rows if row.changed]


def _estimate(row: ScoreInput | None) -> tuple[float, float, float, str] | None:
    return None if row is None else (row.low, row.likely, row.high, row.distribution)


def input_differences(
    access: Access, model: ScoringModel, a: Scenario | None, b: Scenario | None
) -> list[InputDifference]:
    """The inputs of the model that differ between A and B (or exist in only one), by feature
    number and driver order."""
    in_a, in_b = scores.inputs_of(model, a), scores.inputs_of(model, b)
    ids = set(in_a) | set(in_b)
    found = Feature.objects.filter(workspace=access.workspace, pk__in=list(ids)).in_bulk()
    order = list(scores.formula_for(model, b).domains)
    differences = []
    for fid in ids:
        drivers = set(in_a.get(fid, {})) | set(in_b.get(fid, {}))
        for driver in sorted(drivers, key=lambda d: order.index(d) if d in order else len(order)):
            x, y = in_a.get(fid, {}).get(driver), in_b.get(fid, {}).get(driver)
            if _estimate(x) != _estimate(y):
                differences.append(InputDifference(found[fid], driver, x, y))
    differences.sort(key=lambda d: d.feature.number)
    return differences


def _ranks(model: ScoringModel, scenario: Scenario | None) -> dict[int, tuple[float, int]]:
    """{feature id: (score, rank)} for the features scored under the model (and scenario)."""
    stored = FeatureScore.objects.filter(_scope(scenario), model=model, score__isnull=False)
    by_feature = {fid: s for fid, s in stored.values_list("feature_id", "score") if s is not None}
    positions = scores.ranks_of(model, scenario, by_feature)
    return {fid: (score, positions[fid]) for fid, score in by_feature.items()}


def _latest_plan(
    access: Access, model: ScoringModel, scenario: Scenario | None
) -> PortfolioRun | None:
    runs = PortfolioRun.objects.filter(_scope(scenario), workspace=access.workspace, model=model)
    return runs.first()


def _plan_difference(
    access: Access, model: ScoringModel, a: Scenario | None, b: Scenario | None
) -> PlanDifference:
    plan_a, plan_b = _latest_plan(access, model, a), _latest_plan(access, model, b)
    if plan_a is None or plan_b is None:
        return PlanDifference(plan_a, plan_b, [], [])
    chosen_a = set(plan_a.result.get("selected", {}))
    chosen_b = set(plan_b.result.get("selected", {}))
    numbers = {int(ref[2:]) for ref in chosen_a ^ chosen_b}
    found = Feature.objects.filter(workspace=access.workspace, number__in=numbers)
    return PlanDifference(
        plan_a,
        plan_b,
        entering=[f for f in found if f.ref in chosen_b],
        leaving=[f for f in found if f.ref in chosen_a],
    )


def _pair(found: tuple[float, int] | None) -> tuple[float | None, int | None]:
    return found if found is not None else (None, None)


def compare(
    access: Access, model: ScoringModel, a: Scenario | None, b: Scenario | None
) -> Comparison:
    """Scenario B next to scenario A (None is the baseline) under one model: each feature's
    score and rank in both, the inputs and weights that differ, and the latest plans."""
    ranks_a, ranks_b = _ranks(model, a), _ranks(model, b)
    found = Feature.objects.filter(
        workspace=access.workspace, pk__in=list(set(ranks_a) | set(ranks_b))
    ).in_bulk()
    rows = [
        RankRow(feature, *_pair(ranks_a.get(fid)), *_pair(ranks_b.get(fid)))
        for fid, feature in found.items()
    ]
    rows.sort(key=lambda r: (r.rank_b or math.inf, r.rank_a or math.inf, r.feature.number))
    weights = []
    if model.kind == ScoringModel.Kind.WEIGHTED:
        weights_a = {d.name: d.weight for d in scores.custom_drivers(model, a)}
        weights_b = {d.name: d.weight for d in scores.custom_drivers(model, b)}
        weights = [
            WeightDifference(name, weights_a[name], weight)
            for name, weight in weights_b.items()
            if weights_a.get(name) != weight
        ]
    return Comparison(
        model=model,
        a=a,
        b=b,
        rows=rows,
        inputs=input_differences(access, model, a, b),
        weights=weights,
        plans=_plan_difference(access, model, a, b),
    )
