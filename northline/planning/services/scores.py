"""Domain verbs of planning: scoring models, score inputs, current scores, ranks and history.

A feature's score under a model is the model's formula over the likely value of each input
(`planning.scoring`); ranges feed the Monte Carlo run (`services.analysis`). Scores are
absolute, so changing one feature's input rewrites that feature's `FeatureScore` only; a change
of a model's definition rescores every feature of that model at once, vectorised.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import Rank

from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid, NotFound
from northline.core.roles import WRITE

from .. import scoring
from ..models import Feature, FeatureScore, Scenario, ScoreChange, ScoreInput, ScoringModel

PHRASES: dict[str, str] = {
    "scoring_model.created": "created the scoring model",
    "scoring_model.updated": "changed the scoring model",
    "scoring_model.deleted": "deleted the scoring model",
    "input.set": "estimated",
    "input.cleared": "cleared an estimate of",
}

Kind = ScoringModel.Kind


@dataclass(frozen=True)
class DriverInfo:
    """A driver as a form or a table shows it."""

    name: str
    label: str
    help: str
    domain: scoring.Domain


_BUILT_IN: dict[str, tuple[tuple[str, str, str], ...]] = {
    Kind.RICE: (
        ("reach", "Reach", "people or accounts affected per quarter"),
        ("impact", "Impact", "per person: 0.25 minimal, 0.5 low, 1 medium, 2 high, 3 massive"),
        ("confidence", "Confidence", "0 to 1: 1 high, 0.8 medium, 0.5 low"),
        ("effort", "Effort", "person-weeks"),
    ),
    Kind.ICE: (
        ("impact", "Impact", "1 to 10"),
        ("confidence", "Confidence", "1 to 10"),
        ("ease", "Ease", "1 to 10; 10 is easiest"),
    ),
    Kind.WSJF: (
        ("business_value", "Business value", "relative, e.g. 1 to 20"),
        ("time_criticality", "Time criticality", "relative, e.g. 1 to 20"),
        ("risk_reduction", "Risk reduction / opportunity", "relative, e.g. 1 to 20"),
        ("job_size", "Job size", "person-weeks"),
    ),
    Kind.VALUE_EFFORT: (
        ("value", "Value", "any non-negative scale, e.g. 1 to 10"),
        ("effort", "Effort", "person-weeks"),
    ),
}
EFFORT_DRIVERS = ("effort", "job_size")  # read as person-weeks by the portfolio


# --- models and formulas ---------------------------------------------------------------------


def custom_drivers(model: ScoringModel, scenario: Scenario | None = None) -> list[scoring.Driver]:
    """A weighted model's drivers, with the scenario's weights where it changes them."""
    weights = (scenario.weights if scenario else {}).get(str(model.pk), {})
    return [
        scoring.Driver(
            name=d["name"],
            weight=float(weights.get(d["name"], d["weight"])),
            minimum=float(d["minimum"]),
            maximum=float(d["maximum"]),
            direction=d.get("direction", "higher"),
        )
        for d in model.drivers
    ]


def formula_for(model: ScoringModel, scenario: Scenario | None = None) -> scoring.Formula:
    if model.kind == Kind.WEIGHTED:
        return scoring.weighted_formula(custom_drivers(model, scenario))
    return scoring.FORMULAS[model.kind]


def drivers_of(model: ScoringModel, scenario: Scenario | None = None) -> list[DriverInfo]:
    domains = formula_for(model, scenario).domains
    if model.kind == Kind.WEIGHTED:
        return [
            DriverInfo(
                d.name,
                d.name.replace("_", " ").capitalize(),
                f"{scoring.format_number(d.minimum)} to {scoring.format_number(d.maximum)}, "
                f"{d.direction} is better, weight {scoring.format_number(d.weight)}",
                domains[d.name],
            )
            for d in custom_drivers(model, scenario)
        ]
    return [DriverInfo(n, label, hint, domains[n]) for n, label, hint in _BUILT_IN[model.kind]]


def effort_driver(model: ScoringModel) -> str | None:
    """The driver that holds effort in person-weeks, if the model has one."""
    names = formula_for(model).domains
    return next((name for name in EFFORT_DRIVERS if name in names), None)


@dataclass(frozen=True)
class Part:
    """One driver's part in a score, as a person reads it: "times 2", "÷ 4" or "+ 0.8"."""

    driver: str
    value: float
    effect: str
    raises: bool
    width: float  # 0..100: this driver's share of the largest effect, for a bar


def explain(result: scoring.Breakdown) -> list[Part]:
    """Each driver's effect on the score, in the breakdown's own terms."""
    effects = dict(result.contributions)
    largest = max((abs(c) for c in effects.values() if math.isfinite(c)), default=0.0) or 1.0
    parts = []
    for driver, value in result.inputs.items():
        if driver not in effects:  # WSJF's job size divides every term; it has no term of its own
            parts.append(
                Part(driver, value, f"÷ {scoring.format_number(value)} (every term)", False, 0)
            )
            continue
        c = effects[driver]
        shown = scoring.format_number(round(value, 4))
        if result.mode == "sum":
            effect = f"+ {scoring.format_number(round(c, 4))}"
        elif not math.isfinite(c):
            effect = "zeroes the score"
        else:
            divides = value > 0 and not math.isclose(c, math.log(value), abs_tol=1e-12)
            effect = f"÷ {shown}" if divides else f"\u00d7 {shown}"
        width = 100.0 if not math.isfinite(c) else 100.0 * abs(c) / largest
        parts.append(Part(driver, value, effect, c > 0, round(width, 1)))
    return parts


def breakdown(
    model: ScoringModel, values: Mapping[str, float], scenario: Scenario | None = None
) -> scoring.Breakdown:
    """The score and each driver's part in it (raises ValueError naming a bad driver)."""
    if model.kind == Kind.WEIGHTED:
        return scoring.weighted(custom_drivers(model, scenario), values)
    formulas: dict[str, Callable[..., scoring.Breakdown]] = {
        Kind.RICE: scoring.rice,
        Kind.ICE: scoring.ice,
        Kind.WSJF: scoring.wsjf,
        Kind.VALUE_EFFORT: scoring.value_effort,
    }
    return formulas[model.kind](**values)


def clean_drivers(raw: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate a weighted model's driver list; names become snake_case identifiers."""
    drivers = []
    for index, item in enumerate(raw):
        name = str(item.get("name", "")).strip().lower().replace(" ", "_").replace("-", "_")
        if not name.isidentifier():
            raise Invalid(f"drivers[{index}].name: {item.get('name')!r} is not a usable name")
        try:
            driver = scoring.Driver(
                name=name,
                weight=float(item.get("weight", 1)),
                minimum=float(item.get("minimum", 0)),
                maximum=float(item.get("maximum", 10)),
                direction=item.get("direction", "higher"),
            )
        except (TypeError, ValueError):
            raise Invalid(
                f"drivers[{index}]: weight, minimum and maximum must be numbers"
            ) from None
        drivers.append(driver)
    try:
        scoring.weighted_formula(drivers)
    except ValueError as error:
        raise Invalid(f"drivers: {error}") from None
    return [
        {"name": d.name, "weight": d.weight, "minimum": d.minimum, "maximum": d.maximum,
         "direction": d.direction}
        for d in drivers
    ]  # fmt: skip


def models(access: Access) -> QuerySet[ScoringModel]:
    return ScoringModel.objects.filter(workspace=access.workspace)


def default_model(access: Access) -> ScoringModel | None:
    return models(access).order_by("-is_default", "name").first()


def choose(
    access: Access, model: int | str | None, scenario: int | str | None = None
) -> tuple[ScoringModel, Scenario | None]:
    """The model asked for by id (the default when absent) and the scenario by id (baseline
    when absent)."""
    chosen = access.get(ScoringModel, pk=model) if model else default_model(access)
    if chosen is None:
        raise Invalid("model: this workspace has no scoring model yet; create one first")
    return chosen, access.get(Scenario, pk=scenario) if scenario else None


def model_by_name(access: Access, name: str, field: str = "model") -> ScoringModel:
    model = models(access).filter(name__iexact=name.strip()).first()
    if model is None:
        known = ", ".join(models(access).values_list("name", flat=True)) or "none yet"
        raise Invalid(f"{field}: no scoring model named {name.strip()!r} (known: {known})")
    return model


def create_model(
    access: Access,
    name: str,
    kind: str,
    *,
    drivers: Sequence[Mapping[str, Any]] = (),
    is_default: bool = False,
) -> ScoringModel:
    access.require(WRITE)
    name = (name or "").strip()
    if not name:
        raise Invalid("name: must not be empty")
    if len(name) > 100:
        raise Invalid(f"name: must be at most 100 characters, got {len(name)}")
    if kind not in Kind.values:
        raise Invalid(f"kind: {kind!r} is not one of {', '.join(Kind.values)}")
    cleaned = clean_drivers(drivers) if kind == Kind.WEIGHTED else []
    if models(access).filter(name__iexact=name).exists():
        raise Conflict(f"name: a scoring model named {name!r} already exists")
    with transaction.atomic():
        first = not models(access).exists()
        if is_default:
            models(access).update(is_default=False)
        model = ScoringModel.objects.create(
            workspace=access.workspace, name=name, kind=kind, drivers=cleaned,
            is_default=is_default or first,
        )  # fmt: skip
        activity.record(access.workspace, access.user, "scoring_model.created", model)
    return model


def update_model(
    access: Access,
    model: ScoringModel,
    *,
    name: str | None = None,
    drivers: Sequence[Mapping[str, Any]] | None = None,
    is_default: bool | None = None,
) -> ScoringModel:
    """Rename, make default, or redefine a weighted model's drivers (rescoring every feature)."""
    access.require(WRITE)
    before = {"name": model.name, "drivers": model.drivers, "is_default": model.is_default}
    if name is not None:
        name = name.strip()
        if not name:
            raise Invalid("name: must not be empty")
        if models(access).filter(name__iexact=name).exclude(pk=model.pk).exists():
            raise Conflict(f"name: a scoring model named {name!r} already exists")
        model.name = name
    if drivers is not None:
        if model.kind != Kind.WEIGHTED:
            raise Invalid(
                f"drivers: only a weighted model has its own drivers; {model} is {model.kind}"
            )
        model.drivers = clean_drivers(drivers)
    with transaction.atomic():
        if is_default:
            models(access).exclude(pk=model.pk).update(is_default=False)
            model.is_default = True
        model.save()
        after = {"name": model.name, "drivers": model.drivers, "is_default": model.is_default}
        changes = activity.diff(before, after)
        if "drivers" in changes:
            known = {d["name"] for d in model.drivers}
            ScoreInput.objects.filter(model=model).exclude(driver__in=known).delete()
            rescore(access, model, None, reason="model changed")
            for scenario in Scenario.objects.filter(workspace=access.workspace):
                rescore(access, model, scenario, reason="model changed")
        activity.record(access.workspace, access.user, "scoring_model.updated", model, changes)
    return model


def delete_model(access: Access, model: ScoringModel) -> None:
    access.require(WRITE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "scoring_model.deleted", model)
        was_default = model.is_default
        model.delete()
        if was_default:
            successor = models(access).order_by("name").first()
            if successor is not None:
                models(access).filter(pk=successor.pk).update(is_default=True)


# --- inputs and scores -----------------------------------------------------------------------


def _scope(model: ScoringModel, scenario: Scenario | None) -> Q:
    return Q(model=model) & (Q(scenario=scenario) if scenario else Q(scenario__isnull=True))


def inputs_of(
    model: ScoringModel, scenario: Scenario | None, feature_ids: Iterable[int] | None = None
) -> dict[int, dict[str, ScoreInput]]:
    """{feature id: {driver: input}} for a model (and scenario)."""
    rows = ScoreInput.objects.filter(_scope(model, scenario))
    if feature_ids is not None:
        rows = rows.filter(feature_id__in=list(feature_ids))
    found: dict[int, dict[str, ScoreInput]] = defaultdict(dict)
    for row in rows:
        found[row.feature_id][row.driver] = row
    return found


def current(
    feature: Feature,
    model: ScoringModel,
    scenario: Scenario | None = None,
    inputs: Mapping[str, ScoreInput] | None = None,
) -> scoring.Breakdown | None:
    """The feature's breakdown at the likely values, or None while an input is missing."""
    if inputs is None:
        inputs = inputs_of(model, scenario, [feature.pk]).get(feature.pk, {})
    names = formula_for(model, scenario).domains
    if any(name not in inputs for name in names):
        return None
    return breakdown(model, {name: inputs[name].likely for name in names}, scenario)


def rank(model: ScoringModel, scenario: Scenario | None, score: float | None) -> int | None:
    """1 + the number of features scoring strictly higher (ties share a rank)."""
    if score is None:
        return None
    higher = FeatureScore.objects.filter(_scope(model, scenario), score__gt=score)
    return higher.count() + 1


def checked_estimate(
    field: str,
    domain: scoring.Domain,
    low: float,
    likely: float | None = None,
    high: float | None = None,
    distribution: str = "pert",
) -> scoring.Estimate:
    """The estimate (`likely` and `high` default to `low`), or Invalid naming `field`."""
    likely = low if likely is None else likely
    high = likely if high is None else high
    estimate = scoring.Estimate(float(low), float(likely), float(high), distribution)  # type: ignore[arg-type]
    try:
        estimate.validate(field, domain)
    except ValueError as error:
        raise Invalid(str(error)) from None
    return estimate


def set_input(
    access: Access,
    feature: Feature,
    model: ScoringModel,
    driver: str,
    *,
    low: float,
    likely: float | None = None,
    high: float | None = None,
    distribution: str = "pert",
    scenario: Scenario | None = None,
    source: str = ScoreInput.Source.MANUAL,
    rule: str = "",
) -> ScoreInput:
    """Set one driver's estimate: a number (`low` alone) or a range low ≤ likely ≤ high.

    Rescores the feature and appends the new score and rank to its history.
    """
    access.require(WRITE)
    domains = formula_for(model, scenario).domains
    if driver not in domains:
        raise Invalid(f"driver: {driver!r} is not one of {', '.join(domains)} of {model.name}")
    estimate = checked_estimate(
        f"{feature.ref}.{driver}", domains[driver], low, likely, high, distribution
    )
    values = {
        "low": estimate.low, "likely": estimate.likely, "high": estimate.high,
        "distribution": estimate.distribution, "source": source, "rule": rule,
        "updated_by": access.user,
    }  # fmt: skip
    with transaction.atomic():
        row = ScoreInput.objects.filter(_scope(model, scenario), feature=feature, driver=driver)
        existing = row.select_for_update().first()
        before = existing.as_dict() if existing else None
        if existing is None:
            existing = ScoreInput.objects.create(
                workspace=access.workspace, feature=feature, model=model, scenario=scenario,
                driver=driver, **values,
            )  # fmt: skip
        else:
            for key, value in values.items():
                setattr(existing, key, value)
            existing.save()
        _record(access, feature, model, scenario, driver, before, existing.as_dict())
        activity.record(
            access.workspace, access.user, "input.set", feature,
            {f"{model.name}.{driver}": [_short(before), _short(existing.as_dict())]},
        )  # fmt: skip
    return existing


def clear_input(
    access: Access,
    feature: Feature,
    model: ScoringModel,
    driver: str,
    scenario: Scenario | None = None,
) -> None:
    access.require(WRITE)
    with transaction.atomic():
        row = ScoreInput.objects.filter(_scope(model, scenario), feature=feature, driver=driver)
        existing = row.first()
        if existing is None:
            raise NotFound(f"{feature.ref}.{driver}: has no estimate under {model.name}")
        before = existing.as_dict()
        existing.delete()
        _record(access, feature, model, scenario, driver, before, None)
        activity.record(
            access.workspace, access.user, "input.cleared", feature,
            {f"{model.name}.{driver}": [_short(before), None]},
        )  # fmt: skip


def _short(estimate: Mapping[str, Any] | None) -> str | None:
    if estimate is None:
        return None
    low, likely, high = (scoring.format_number(estimate[k]) for k in ("low", "likely", "high"))
    return likely if low == high else f"{low} to {high}, likely {likely}"


def _record(
    access: Access,
    feature: Feature,
    model: ScoringModel,
    scenario: Scenario | None,
    driver: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Store the feature's new score and append it, with its rank, to the history."""
    result = current(feature, model, scenario)
    score = None if result is None else _finite(result.score)
    FeatureScore.objects.update_or_create(
        workspace=access.workspace, feature=feature, model=model, scenario=scenario,
        defaults={"score": score},
    )  # fmt: skip
    ScoreChange.objects.create(
        workspace=access.workspace, feature=feature, model=model, scenario=scenario,
        driver=driver, before=before, after=after, score=score,
        rank=rank(model, scenario, score), actor=access.user,
    )  # fmt: skip


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def rescore(access: Access, model: ScoringModel, scenario: Scenario | None, reason: str) -> int:
    """Recompute every feature's score under the model at once (after the model changed);
    appends a history row for each feature whose score moved. Returns how many moved."""
    formula = formula_for(model, scenario)
    by_feature = inputs_of(model, scenario)
    ids = [fid for fid, found in by_feature.items() if all(n in found for n in formula.domains)]
    scores: dict[int, float | None] = dict.fromkeys(by_feature)
    if ids:
        likely = {
            name: np.array([by_feature[fid][name].likely for fid in ids])
            for name in formula.domains
        }
        values = np.asarray(formula.evaluate(likely), dtype=float)
        scores.update({fid: _finite(float(v)) for fid, v in zip(ids, values, strict=True)})
    stored = {s.feature_id: s for s in FeatureScore.objects.filter(_scope(model, scenario))}
    moved = [fid for fid, s in scores.items() if fid not in stored or stored[fid].score != s]
    with transaction.atomic():
        for fid in moved:
            FeatureScore.objects.update_or_create(
                workspace=access.workspace, feature_id=fid, model=model, scenario=scenario,
                defaults={"score": scores[fid]},
            )  # fmt: skip
        positions = ranks_of(model, scenario, moved)
        changes = [
            ScoreChange(
                workspace=access.workspace,
                feature_id=fid,
                model=model,
                scenario=scenario,
                driver="",
                before=None,
                after={"reason": reason},
                score=scores[fid],
                rank=positions.get(fid),
                actor=access.user,
            )
            for fid in moved
        ]
        ScoreChange.objects.bulk_create(changes)
    return len(moved)


# --- ranked list and history -----------------------------------------------------------------


@dataclass(frozen=True)
class RankedRow:
    feature: Feature
    rank: int | None
    score: float | None
    breakdown: scoring.Breakdown | None
    inputs: dict[str, ScoreInput]
    missing: list[str]

    @property
    def ranged(self) -> bool:
        return any(i.is_range for i in self.inputs.values())


@dataclass(frozen=True)
class RankedPage:
    rows: list[RankedRow]
    total: int
    page: int
    pages: int


def ranked(
    access: Access,
    model: ScoringModel,
    scenario: Scenario | None = None,
    *,
    status: str = "",
    area: int | None = None,
    query: str = "",
    page: int = 1,
    per_page: int = 50,
) -> RankedPage:
    """Features ordered by score (unscored last), one page, with breakdowns for that page.

    Runs a fixed number of queries whatever the backlog size; ranks are over all features of
    the model (and scenario), not only those the filters keep.
    """
    from .features import search

    rows = Feature.objects.filter(workspace=access.workspace).select_related("area", "owner")
    if status:
        rows = rows.filter(status=status)
    if area:
        rows = rows.filter(area_id=area)
    if query:
        rows = rows.filter(search(query))
    score_filter = _scope(model, scenario)
    scored = FeatureScore.objects.filter(score_filter, feature_id__in=rows.values("pk"))
    total = rows.count()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    ordered = list(
        scored.exclude(score__isnull=True).order_by("-score", "feature__number")
        .values_list("feature_id", "score")[start : start + per_page]
    )  # fmt: skip
    if len(ordered) < per_page:
        n_scored = scored.exclude(score__isnull=True).count()
        skip = max(0, start - n_scored)
        unscored = rows.exclude(pk__in=scored.exclude(score__isnull=True).values("feature_id"))
        ids = unscored.order_by("number").values_list("pk", flat=True)
        ordered += [(fid, None) for fid in ids[skip : skip + per_page - len(ordered)]]
    by_id = rows.in_bulk([fid for fid, _ in ordered])
    inputs = inputs_of(model, scenario, by_id)
    names = list(formula_for(model, scenario).domains)
    positions = ranks_of(model, scenario, by_id)
    result = [
        RankedRow(
            feature=by_id[fid],
            rank=positions.get(fid),
            score=score,
            breakdown=current(by_id[fid], model, scenario, inputs.get(fid, {})),
            inputs=inputs.get(fid, {}),
            missing=[n for n in names if n not in inputs.get(fid, {})],
        )
        for fid, score in ordered
    ]
    return RankedPage(result, total, page, pages)


def ranks_of(
    model: ScoringModel, scenario: Scenario | None, feature_ids: Iterable[int]
) -> dict[int, int]:
    """{feature id: rank} among all scored features of the model, in one windowed query."""
    ranked_scores = (
        FeatureScore.objects.filter(_scope(model, scenario), score__isnull=False)
        .annotate(position=Window(Rank(), order_by=F("score").desc()))
        .filter(feature_id__in=list(feature_ids))
    )
    return {fid: position for fid, position in ranked_scores.values_list("feature_id", "position")}


@dataclass(frozen=True)
class ValuePoint:
    """A feature on the value vs effort chart: value is the score's numerator (score × effort);
    the lows and highs come from the ends of the ranges (effort), or of the other drivers'
    ranges with effort at its likely value (value)."""

    feature: Feature
    value: float
    effort: float
    value_low: float
    value_high: float
    effort_low: float
    effort_high: float


def value_effort(
    access: Access, model: ScoringModel, scenario: Scenario | None = None, *, limit: int = 150
) -> list[ValuePoint]:
    """The `limit` best-scored features as value vs effort points (the model needs an effort
    driver; every built-in model with one is numerator ÷ effort)."""
    effort = effort_driver(model)
    if effort is None:
        return []
    formula = formula_for(model, scenario)
    top = (
        FeatureScore.objects.filter(_scope(model, scenario), score__isnull=False)
        .order_by("-score")
        .select_related("feature", "feature__workspace")[:limit]
    )
    rows = {s.feature_id: s.feature for s in top}
    inputs = inputs_of(model, scenario, rows)
    points = []
    for fid, feature in rows.items():
        found = inputs[fid]
        work = found[effort]

        def numerator(point: str, found: dict[str, ScoreInput] = found) -> float:
            values = {n: getattr(found[n], point) if n != effort else found[n].likely
                      for n in formula.domains}  # fmt: skip
            return float(formula.evaluate(values)) * found[effort].likely

        points.append(
            ValuePoint(
                feature,
                numerator("likely"),
                work.likely,
                numerator("low"),
                numerator("high"),
                work.low,
                work.high,
            )
        )
    return points


def history(
    feature: Feature, model: ScoringModel, scenario: Scenario | None = None
) -> QuerySet[ScoreChange]:
    return ScoreChange.objects.filter(_scope(model, scenario), feature=feature).select_related(
        "actor"
    )
