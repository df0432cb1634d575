"""Domain verbs of planning: Monte Carlo runs over ranged estimates and optimised plans.

Both work on the open features (not shipped, not dropped) that have every input of the model
(in the baseline or a scenario). A run is stored with what it was asked and what it found, with
features named by number or ref (never database ids), so a page, the API, the CLI or a decision
can show it again without recomputing.

Plan rules, as the plan page states them: a feature's value is its simulated mean score (or the
chosen percentile) over `PLAN_SAMPLES` draws; its effort is the likely value of the model's
effort driver in person-weeks; its risk is that estimate's width (high - low person-weeks), and
the risk budget caps the total; its strategic group is its product area and its team is its
team. A prerequisite that is shipped is satisfied; one that cannot be planned (dropped, or
without every input) keeps the dependent out.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from django.db import transaction
from django.db.models import QuerySet

from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Invalid
from northline.core.roles import WRITE

from .. import portfolio, scoring, simulation
from ..models import Feature, PortfolioRun, Scenario, ScoreInput, ScoringModel, SimulationRun
from . import scores
from .features import area_by_name, feature_by_ref

# Activity verbs of this module, as the feed phrases them ("feature.created" → "created").
PHRASES: dict[str, str] = {
    "simulation.ran": "ran a Monte Carlo simulation",
    "portfolio.ran": "optimised a plan",
}

MIN_SAMPLES, MAX_SAMPLES = 100, 100_000
MAX_SEED = 2**63 - 1
RANK_SAMPLES = 2_000  # rank intervals come from the first draws: ample for a P10/P90 of ranks
PLAN_SAMPLES, PLAN_SEED = 2_000, 0
VALUE_BASES = ("mean", "p10", "p50", "p90")
MAX_TIME_LIMIT = 60.0
CLOSED = (Feature.Status.SHIPPED, Feature.Status.DROPPED)


def uncertain_span(features: int) -> int:
    """How many places a P10-P90 rank interval must span to count as uncertain: 3, or a tenth
    of the backlog when that is more."""
    return max(3, math.ceil(features / 10))


# --- the sample: open features with every input ----------------------------------------------


@dataclass(frozen=True)
class Backlog:
    """The open features of a model (and scenario): those with every input, in number order,
    with their inputs, and the others with the drivers they miss."""

    model: ScoringModel
    scenario: Scenario | None
    features: list[Feature]
    inputs: dict[int, dict[str, ScoreInput]]
    missing: dict[Feature, list[str]]  # open features without every input → what they miss

    @property
    def refs(self) -> list[str]:
        return [f.ref for f in self.features]

    @property
    def formula(self) -> scoring.Formula:
        return scores.formula_for(self.model, self.scenario)

    def estimates(self) -> dict[str, list[scoring.Estimate]]:
        """Per driver, one estimate per feature in `features` order (what the engine takes)."""
        return {
            name: [_estimate(self.inputs[f.pk][name]) for f in self.features]
            for name in self.formula.domains
        }


def _estimate(row: ScoreInput) -> scoring.Estimate:
    distribution = cast(scoring.Distribution, row.distribution)
    return scoring.Estimate(row.low, row.likely, row.high, distribution)


def backlog(access: Access, model: ScoringModel, scenario: Scenario | None = None) -> Backlog:
    """Split the open features into those with every input of the model and the others."""
    names = list(scores.formula_for(model, scenario).domains)
    rows = (
        Feature.objects.filter(workspace=access.workspace)
        .exclude(status__in=CLOSED)
        .select_related("area")
        .prefetch_related("requires")
        .order_by("number")
    )
    inputs = scores.inputs_of(model, scenario)
    complete, missing = [], {}
    for f in rows:
        absent = [n for n in names if n not in inputs.get(f.pk, {})]
        if absent:
            missing[f] = absent
        else:
            complete.append(f)
    return Backlog(model, scenario, complete, dict(inputs), missing)


def _require_features(found: Backlog) -> None:
    if not found.features:
        names = ", ".join(found.formula.domains)
        raise Invalid(
            f"features: no open feature has every input of {found.model.name} ({names}) yet;"
            " estimate some first"
        )


def _number(value: float) -> float:
    """A stored score: six significant digits (the draws are float32, good to about seven)."""
    return float(f"{float(value):.6g}")


# --- Monte Carlo -----------------------------------------------------------------------------


def _check_range(field: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise Invalid(f"{field}: must be between {low} and {high}, got {value}")


def run_simulation(
    access: Access,
    model: ScoringModel,
    scenario: Scenario | None = None,
    *,
    samples: int = 10_000,
    top_n: int = 10,
    seed: int = 0,
) -> SimulationRun:
    """Simulate the scores of every open, fully estimated feature and store what they show.

    `results` = {"features": {number: {p10, p50, p90, mean, score (at the likely values),
    p_top, rank_p10, rank_p90, dominant, swing: {driver: [score at low, score at high]}}},
    "skipped": [{number, missing}], "uncertain": [numbers, widest first], "uncertain_span",
    "drivers"}. Rank intervals come from the first `RANK_SAMPLES` draws (a full sort per
    draw); a rank interval is uncertain when it spans `uncertain_span` places or more.
    """
    access.require(WRITE)
    _check_range("samples", samples, MIN_SAMPLES, MAX_SAMPLES)
    if top_n < 1:
        raise Invalid(f"top_n: must be at least 1, got {top_n}")
    _check_range("seed", seed, 0, MAX_SEED)
    found = backlog(access, model, scenario)
    _require_features(found)
    if top_n > len(found.features):
        raise Invalid(
            f"top_n: must be at most {len(found.features)}, the number of scored features,"
            f" got {top_n}"
        )
    started = time.perf_counter()
    estimates = found.estimates()
    try:
        result = simulation.simulate(
            found.formula, found.refs, estimates, samples=samples, top_n=top_n, seed=seed
        )
        sensitivity = simulation.tornado(found.formula, found.refs, estimates)
    except ValueError as error:
        raise Invalid(str(error)) from None
    results = _summarise(found, estimates, result, sensitivity)
    seconds = time.perf_counter() - started
    with transaction.atomic():
        run = SimulationRun.objects.create(
            workspace=access.workspace, model=model, scenario=scenario, samples=samples,
            top_n=top_n, seed=seed, seconds=round(seconds, 3), results=results,
            created_by=access.user,
        )  # fmt: skip
        activity.record(
            access.workspace, access.user, "simulation.ran", run,
            {"model": [None, model.name], "features": [None, len(found.features)]},
        )  # fmt: skip
    return run


def _summarise(
    found: Backlog,
    estimates: Mapping[str, Sequence[scoring.Estimate]],
    result: simulation.SimulationResult,
    sensitivity: simulation.Sensitivity,
) -> dict[str, Any]:
    ranks = simulation.sample_ranks(result.scores[:, :RANK_SAMPLES])
    rank_p10, rank_p90 = np.quantile(ranks, [0.1, 0.9], axis=1, method="nearest")
    mean = result.scores.mean(axis=1, dtype=np.float64)
    likely = {name: np.array([e.likely for e in column]) for name, column in estimates.items()}
    at_likely = np.asarray(found.formula.evaluate(likely), dtype=float)
    features = {}
    for i, f in enumerate(found.features):
        features[str(f.number)] = {
            "p10": _number(result.p10[i]),
            "p50": _number(result.p50[i]),
            "p90": _number(result.p90[i]),
            "mean": _number(mean[i]),
            "score": _number(at_likely[i]),
            "p_top": round(float(result.p_top[i]), 4),
            "rank_p10": int(rank_p10[i]),
            "rank_p90": int(rank_p90[i]),
            "dominant": sensitivity.dominant[i],
            "swing": {
                driver: [_number(sensitivity.at_low[i, j]), _number(sensitivity.at_high[i, j])]
                for j, driver in enumerate(sensitivity.drivers)
            },
        }
    span = uncertain_span(len(found.features))
    wide = [(int(rank_p90[i] - rank_p10[i]), f.number) for i, f in enumerate(found.features)]
    uncertain = [number for width, number in sorted(wide, key=lambda w: -w[0]) if width >= span]
    skipped = [{"number": f.number, "missing": drivers} for f, drivers in found.missing.items()]
    return {
        "features": features, "skipped": skipped, "uncertain": uncertain,
        "uncertain_span": span, "drivers": list(sensitivity.drivers),
    }  # fmt: skip


# --- a simulation as pages, the API and the CLI show it ---------------------------------------


@dataclass(frozen=True)
class SimulatedFeature:
    number: int
    title: str
    p10: float
    p50: float
    p90: float
    mean: float
    score: float
    p_top: float
    rank_p10: int
    rank_p90: int
    dominant: str | None
    swing: dict[str, list[float]]

    @property
    def ref(self) -> str:
        return f"F-{self.number}"

    def tornado(self) -> list[tuple[str, float, float, float]]:
        """(driver, score at its low, score at its high, swing), the widest swing first; ties by
        driver name, so that the order does not depend on how the database keeps JSON keys."""
        bars = [(d, low, high, abs(high - low)) for d, (low, high) in self.swing.items()]
        return sorted(bars, key=lambda bar: (-bar[3], bar[0]))


@dataclass(frozen=True)
class Skipped:
    number: int
    title: str
    missing: list[str]

    @property
    def ref(self) -> str:
        return f"F-{self.number}"


@dataclass(frozen=True)
class SimulationView:
    run: SimulationRun
    rows: list[SimulatedFeature]  # by P50, highest first
    skipped: list[Skipped]
    uncertain: list[SimulatedFeature]  # widest rank interval first
    span: int


def _titles(access: Access, numbers: Iterable[int]) -> dict[int, str]:
    """Current titles by feature number; a feature deleted since the run reads "(deleted)"."""
    rows = Feature.objects.filter(workspace=access.workspace, number__in=list(numbers))
    return dict(rows.values_list("number", "title"))


def view_simulation(access: Access, run: SimulationRun) -> SimulationView:
    results = run.results
    skipped = results.get("skipped", [])
    numbers = [int(n) for n in results.get("features", {})] + [s["number"] for s in skipped]
    titles = _titles(access, numbers)
    by_number = {
        int(n): SimulatedFeature(int(n), titles.get(int(n), "(deleted)"), **values)
        for n, values in results.get("features", {}).items()
    }
    rows = sorted(by_number.values(), key=lambda r: (-r.p50, r.number))
    return SimulationView(
        run=run,
        rows=rows,
        skipped=[
            Skipped(s["number"], titles.get(s["number"], "(deleted)"), s["missing"])
            for s in skipped
        ],
        uncertain=[by_number[n] for n in results.get("uncertain", []) if n in by_number],
        span=int(results.get("uncertain_span", 0)),
    )


def simulation_runs(access: Access) -> QuerySet[SimulationRun]:
    """The workspace's simulations, newest first."""
    return SimulationRun.objects.filter(workspace=access.workspace).select_related(
        "model", "scenario", "created_by"
    )


# --- plan constraints as people write them ----------------------------------------------------

_TEAM = re.compile(r"team\s*=\s*([^:=]+?)\s*:\s*(\S+)", re.IGNORECASE)


def _lines(lines: Iterable[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip()]


def parse_periods(lines: Iterable[str]) -> list[dict[str, Any]]:
    """'Q1 2027: 40' or 'Q1 2027: 40 team=Mobile:10 team=Web:8' per line → periods to clean."""
    periods = []
    for index, line in enumerate(_lines(lines)):
        name, colon, rest = line.partition(":")
        capacity, _, tail = rest.strip().partition(" ")
        if not colon or not name.strip() or _TEAM.sub("", tail).strip(" ,;"):
            raise Invalid(
                f"periods[{index}]: cannot read {line!r}; write 'Q1 2027: 40',"
                " optionally followed by team=Mobile:10"
            )
        teams = {team.strip(): weeks for team, weeks in _TEAM.findall(tail)}
        periods.append({"name": name.strip(), "capacity": capacity, "team_capacity": teams})
    return periods


def parse_balance(lines: Iterable[str]) -> list[dict[str, Any]]:
    """'Growth: 30%' or 'Growth: 0.3' per line → [{"area", "min_share"}] (shares 0..1)."""
    goals = []
    for index, line in enumerate(_lines(lines)):
        area, colon, share = line.rpartition(":")
        share = share.strip()
        if not colon or not area.strip() or not share:
            raise Invalid(f"balance[{index}]: cannot read {line!r}; write 'Growth: 30%'")
        percent = share.endswith("%")
        value = _float(share.removesuffix("%").strip(), f"balance[{index}].min_share")
        if not percent and value > 1:
            raise Invalid(
                f"balance[{index}].min_share: write a share between 0 and 1 or a percentage"
                f" like 30%, got {share}"
            )
        goals.append({"area": area.strip(), "min_share": value / 100 if percent else value})
    return goals


def period_lines(periods: Sequence[Mapping[str, Any]]) -> str:
    """Periods back as the text `parse_period` reads, one per line."""
    lines = []
    for p in periods:
        teams = "".join(
            f" team={team}:{scoring.format_number(weeks)}"
            for team, weeks in p.get("team_capacity", {}).items()
        )
        lines.append(f"{p['name']}: {scoring.format_number(p['capacity'])}{teams}")
    return "\n".join(lines)


def _float(value: Any, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid(f"{field}: must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise Invalid(f"{field}: must be a finite number, got {value!r}")
    return number


def checked_number(domain: scoring.Domain, field: str, value: Any) -> float:
    """`value` as a float within `domain`, or Invalid naming `field` and the value."""
    number = _float(value, field)
    try:
        domain.check(field, number)
    except ValueError as error:
        raise Invalid(str(error)) from None
    return number


def clean_periods(raw: Sequence[Mapping[str, Any]], field: str = "periods") -> list[dict[str, Any]]:
    """Validated periods [{"name", "capacity", "team_capacity": {team: weeks}}]."""
    if not raw:
        raise Invalid(f"{field}: at least one period is required")
    cleaned: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        where = f"{field}[{index}]"
        name = str(item.get("name") or "").strip()
        if not name:
            raise Invalid(f"{where}.name: must not be empty")
        if len(name) > 60:
            raise Invalid(f"{where}.name: must be at most 60 characters, got {len(name)}")
        if name.lower() in (p["name"].lower() for p in cleaned):
            raise Invalid(f"{where}.name: {name!r} is used by another period")
        teams = {
            str(team).strip(): checked_number(
                scoring.NON_NEGATIVE, f"{where}.team_capacity.{team}", weeks
            )
            for team, weeks in (item.get("team_capacity") or {}).items()
        }
        capacity = checked_number(scoring.POSITIVE, f"{where}.capacity", item.get("capacity"))
        cleaned.append({"name": name, "capacity": capacity, "team_capacity": teams})
    return cleaned


# --- the optimised plan ----------------------------------------------------------------------


def _refs(access: Access, refs: Iterable[str], field: str) -> list[Feature]:
    found: dict[int, Feature] = {}
    for ref in refs:
        feature = feature_by_ref(access, ref, field)
        found[feature.pk] = feature
    return sorted(found.values(), key=lambda f: f.number)


def _goals(access: Access, balance: Sequence[Mapping[str, Any]]) -> list[portfolio.Balance]:
    goals = []
    for index, item in enumerate(balance):
        where = f"balance[{index}]"
        area = area_by_name(access, str(item.get("area") or ""), f"{where}.area")
        share = checked_number(scoring.UNIT, f"{where}.min_share", item.get("min_share"))
        measure = item.get("measure") or "effort"
        if measure not in ("effort", "value"):
            raise Invalid(f"{where}.measure: must be 'effort' or 'value', got {measure!r}")
        goals.append(portfolio.Balance(area.name, share, cast(portfolio.Measure, measure)))
    return goals


class _Eligibility:
    """Which fully estimated features can be planned, and why the others cannot.

    A shipped prerequisite is satisfied; one that is dropped, lacks an input, or cannot be
    planned itself keeps its dependents out (worked out to a fixed point).
    """

    def __init__(self, found: Backlog) -> None:
        self.found = found
        self.blocked: dict[int, str] = {}
        planned = {f.pk for f in found.features}
        changed = True
        while changed:
            changed = False
            for f in found.features:
                if f.pk in self.blocked:
                    continue
                for g in f.requires.all():
                    if g.status == Feature.Status.SHIPPED:
                        continue
                    if g.pk not in planned or g.pk in self.blocked:
                        self.blocked[f.pk] = f"needs {g.ref}, which {self.state(g)}"
                        changed = True
                        break

    def state(self, g: Feature) -> str:
        """Why prerequisite `g` cannot be planned, as the end of "needs F-3, which ..."."""
        if g.status == Feature.Status.DROPPED:
            return "is dropped"
        if g in self.found.missing:
            return f"has no estimate of {', '.join(self.found.missing[g])}"
        return "cannot be planned either"

    @property
    def candidates(self) -> list[Feature]:
        return [f for f in self.found.features if f.pk not in self.blocked]

    def why_not(self, f: Feature) -> str | None:
        """Why `f` cannot be planned at all, or None when it is a candidate."""
        if f.status in CLOSED:
            return f"it is {f.get_status_display().lower()}"
        if f in self.found.missing:
            return f"it has no estimate of {', '.join(self.found.missing[f])}"
        if f.pk in self.blocked:
            return f"it {self.blocked[f.pk]}"
        return None


def run_portfolio(
    access: Access,
    model: ScoringModel,
    scenario: Scenario | None = None,
    *,
    periods: Sequence[Mapping[str, Any]] | None = None,
    mandatory: Iterable[str] = (),
    excluded: Iterable[str] = (),
    balance: Sequence[Mapping[str, Any]] = (),
    risk_budget: float | None = None,
    value_basis: str = "mean",
    time_limit: float = 10.0,
) -> PortfolioRun:
    """Choose the features and periods that maximise value within capacity, and store it.

    `periods` default to the scenario's; `mandatory` and `excluded` are feature refs;
    `balance` is [{"area", "min_share" (0..1), "measure": "effort"|"value"}]. The stored
    `result` names features by ref: status, selected {ref: period}, total value, capacity used,
    gap, seconds, candidates {ref: value, effort, risk, area, team} and reasons {ref: why left
    out}. Raises Invalid naming the field, or "infeasible: ..."; nothing is stored then.
    """
    access.require(WRITE)
    effort = scores.effort_driver(model)
    if effort is None:
        raise Invalid(
            f"model: {model.name} has no effort driver (effort or job_size);"
            " the plan needs effort in person-weeks"
        )
    if value_basis not in VALUE_BASES:
        raise Invalid(f"value_basis: {value_basis!r} is not one of {', '.join(VALUE_BASES)}")
    if not 0 < time_limit <= MAX_TIME_LIMIT:
        raise Invalid(
            f"time_limit: must be more than 0 and at most {MAX_TIME_LIMIT:g} seconds,"
            f" got {scoring.format_number(time_limit)}"
        )
    if risk_budget is not None:
        risk_budget = checked_number(scoring.NON_NEGATIVE, "risk_budget", risk_budget)
    cleaned = clean_periods(
        periods if periods is not None else scenario.periods if scenario else []
    )
    must, never = _refs(access, mandatory, "mandatory"), _refs(access, excluded, "excluded")
    goals = _goals(access, balance)
    found = backlog(access, model, scenario)
    _require_features(found)
    eligibility = _Eligibility(found)
    for f in must:
        reason = eligibility.why_not(f)
        if reason:
            raise Invalid(f"mandatory: {f.ref} cannot be planned: {reason}")
    candidates = _candidates(found, eligibility.candidates, effort, value_basis)
    ids = {c.id for c in candidates}
    try:
        plan = portfolio.select_portfolio(
            candidates,
            [portfolio.Period(**p) for p in cleaned],
            mandatory=[f.ref for f in must],
            excluded=[f.ref for f in never if f.ref in ids],
            balance=goals,
            risk_budget=risk_budget,
            time_limit=time_limit,
        )
    except ValueError as error:
        raise Invalid(str(error)) from None
    constraints = {
        "periods": cleaned, "mandatory": [f.ref for f in must],
        "excluded": [f.ref for f in never],
        "balance": [
            {"area": g.group, "min_share": g.min_share, "measure": g.measure} for g in goals
        ],
        "risk_budget": risk_budget, "value_basis": value_basis, "time_limit": time_limit,
    }  # fmt: skip
    result = _plan_result(plan, candidates, found, eligibility)
    with transaction.atomic():
        run = PortfolioRun.objects.create(
            workspace=access.workspace, model=model, scenario=scenario,
            constraints=constraints, result=result, created_by=access.user,
        )  # fmt: skip
        activity.record(
            access.workspace, access.user, "portfolio.ran", run,
            {"model": [None, model.name], "selected": [None, len(plan.selected)]},
        )  # fmt: skip
    return run


def _candidates(
    found: Backlog, features: list[Feature], effort: str, value_basis: str
) -> list[portfolio.Candidate]:
    """Candidates valued by a fixed-seed simulation (so a rerun gives the same values)."""
    if not features:
        return []
    subset = Backlog(found.model, found.scenario, features, found.inputs, {})
    try:
        result = simulation.simulate(
            subset.formula, subset.refs, subset.estimates(), samples=PLAN_SAMPLES, top_n=1,
            seed=PLAN_SEED,
        )  # fmt: skip
    except ValueError as error:
        raise Invalid(str(error)) from None
    values = {
        "mean": result.scores.mean(axis=1, dtype=np.float64),
        "p10": result.p10, "p50": result.p50, "p90": result.p90,
    }[value_basis]  # fmt: skip
    candidates = []
    for f, value in zip(features, values, strict=True):
        size = found.inputs[f.pk][effort]
        candidates.append(
            portfolio.Candidate(
                id=f.ref,
                value=max(0.0, _number(value)),
                effort=size.likely,
                group=f.area.name if f.area else None,
                team=f.team or None,
                risk=size.high - size.low,
                requires=tuple(
                    g.ref for g in f.requires.all() if g.status != Feature.Status.SHIPPED
                ),
            )
        )
    return candidates


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _plan_result(
    plan: portfolio.Plan,
    candidates: list[portfolio.Candidate],
    found: Backlog,
    eligibility: _Eligibility,
) -> dict[str, Any]:
    reasons = dict(plan.reasons)
    for f in found.features:
        if f.pk in eligibility.blocked:
            reasons[f.ref] = eligibility.blocked[f.pk]
    for f, drivers in found.missing.items():
        reasons[f.ref] = f"has no estimate of {', '.join(drivers)}"
    return {
        "status": plan.status,
        "selected": plan.selected,
        "total_value": _number(plan.total_value),
        "capacity_used": {name: round(used, 4) for name, used in plan.capacity_used.items()},
        "gap": _finite(plan.gap),
        "seconds": round(plan.solve_seconds, 4),
        "candidates": {
            c.id: {
                "value": c.value,
                "effort": c.effort,
                "risk": c.risk,
                "area": c.group,
                "team": c.team,
            }
            for c in candidates
        },
        "reasons": dict(sorted(reasons.items(), key=lambda item: int(item[0][2:]))),
    }


# --- a plan as pages, the API and the CLI show it ---------------------------------------------


@dataclass(frozen=True)
class PlannedFeature:
    ref: str
    title: str
    value: float
    effort: float
    risk: float
    area: str | None
    team: str | None

    @property
    def number(self) -> int:
        return int(self.ref[2:])


@dataclass(frozen=True)
class PlannedPeriod:
    name: str
    capacity: float
    used: float
    team_capacity: dict[str, float]
    features: list[PlannedFeature]

    @property
    def value(self) -> float:
        return sum(f.value for f in self.features)


@dataclass(frozen=True)
class LeftOut:
    ref: str
    title: str
    reason: str


@dataclass(frozen=True)
class PlanView:
    run: PortfolioRun
    status: str
    gap: float | None
    seconds: float
    total_value: float
    periods: list[PlannedPeriod]
    left_out: list[LeftOut]

    @property
    def selected(self) -> int:
        return sum(len(p.features) for p in self.periods)

    @property
    def gap_percent(self) -> float | None:
        return None if self.gap is None else 100 * self.gap


def view_plan(access: Access, run: PortfolioRun) -> PlanView:
    result, constraints = run.result, run.constraints
    candidates = result.get("candidates", {})
    refs = [*candidates, *result.get("reasons", {})]
    titles = _titles(access, (int(ref[2:]) for ref in refs))

    def title(ref: str) -> str:
        return titles.get(int(ref[2:]), "(deleted)")

    periods = []
    for p in constraints.get("periods", []):
        chosen = [ref for ref, name in result.get("selected", {}).items() if name == p["name"]]
        items = [PlannedFeature(ref, title(ref), **candidates[ref]) for ref in chosen]
        items.sort(key=lambda item: -item.value)
        used = result.get("capacity_used", {}).get(p["name"], 0.0)
        periods.append(PlannedPeriod(p["name"], p["capacity"], used, p["team_capacity"], items))
    return PlanView(
        run=run,
        status=result.get("status", ""),
        gap=result.get("gap"),
        seconds=result.get("seconds", 0.0),
        total_value=result.get("total_value", 0.0),
        periods=periods,
        left_out=[LeftOut(ref, title(ref), why) for ref, why in result.get("reasons", {}).items()],
    )


def portfolio_runs(access: Access) -> QuerySet[PortfolioRun]:
    """The workspace's plans, newest first."""
    return PortfolioRun.objects.filter(workspace=access.workspace).select_related(
        "model", "scenario", "created_by"
    )
