"""The strategy part of the demo workspace: a complete vision board (two versions, personas,
competitors, the north star), two quarters of OKRs (the last one and the current one) whose key
results read the metrics demo's KPIs, check-ins, initiatives linked to the planning demo's
features, a share link.

Targets are set from the KPIs' data so that the current quarter shows a key result on track,
one at risk and one off track, and one not measurable, whatever the day the demo is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from northline.accounts.models import User
from northline.core.access import Access, Actor
from northline.core.access import load as load_access
from northline.metrics import demo as metrics_demo
from northline.metrics.models import Kpi
from northline.metrics.services import series
from northline.planning.models import Feature

from . import periods, progress
from .models import CheckIn, KeyResult, Objective, Product
from .services import alignment, objectives, sharing, vision

FIRST_BOARD = {
    "purpose": "Help product teams answer their own questions about their customers.",
    "vision": "Every product decision at a growing company is made with data the team trusts.",
    "value_proposition": "Self-serve analytics that a product manager sets up in an afternoon.",
    "problems": ["Reports take days because every question goes through an analyst"],
}
BOARD = {
    "purpose": "Help product teams answer their own questions about their customers, in minutes.",
    "vision": "Every product decision at a growing company is made with data the team trusts, "
    "by the people who make the decision.",
    "value_proposition": "Self-serve analytics that a product manager sets up in an afternoon, "
    "with answers that analysts can check and trust.",
    "audiences": [
        {"name": "Pat, product manager at a scale-up", "description": "Runs a team of eight; owns activation.",
         "goals": ["Know which features move activation", "Show progress to leadership every month"],
         "pains": ["Waits a week for every report", "Numbers differ between tools"],
         "jobs": ["Check this week's activation before the Monday review", "Size an opportunity before planning"]},
        {"name": "Ana, data analyst", "description": "The only analyst for four product teams.",
         "goals": ["Spend time on deep questions, not ad-hoc requests"],
         "pains": ["Rebuilds the same funnel for every team"],
         "jobs": ["Publish trusted definitions once", "Review what teams built themselves"]},
        {"name": "Lee, head of product", "description": "Sets the strategy and the quarter's objectives.",
         "goals": ["See whether the strategy works"], "pains": ["OKR progress typed in by hand"],
         "jobs": ["Review objectives with the leadership team"]},
    ],
    "problems": [
        "Reports take days because every question goes through an analyst",
        "Teams argue about whose number is right",
        "Nobody sees whether shipped features changed anything",
    ],
    "differentiators": [
        "Set up in an afternoon, without SQL",
        "One metric definition shared by every chart",
        "Self-hosted: the data never leaves the company",
    ],
    "business_goals": ["€2M ARR by the end of next year", "Net revenue retention above 110%"],
    "trends": [
        "Product-led growth makes activation a board-level number",
        "Warehouses became the source of truth; tools must read them",
        "AI assistants raise the expectation of instant answers",
    ],
    "competitors": [
        {"name": "Mixpanel", "url": "https://mixpanel.com", "notes": "Strong event analytics; pricey at volume."},
        {"name": "Amplitude", "url": "https://amplitude.com", "notes": "Deep product analytics; long setup."},
        {"name": "Spreadsheets", "url": "", "notes": "What most of our prospects use today."},
    ],
}  # fmt: skip


@dataclass(frozen=True)
class Goal:
    """A demo key result on a metrics demo KPI. Its target is set from the KPI's data so that
    the key result shows `status` whatever day the demo is loaded: progress is put at
    `pace` × expected − `lag` (the past quarter is over: expected is 1)."""

    key: str
    title: str  # formatted with the start and target
    pace: float
    lag: float = 0.0


PAST = (
    Goal("weekly-active-accounts", "Weekly active accounts from {start:,.0f} to {target:,.0f}", 1.0),
    Goal("dashboard-load-p95", "Dashboard load time (p95) from {start:,.0f} ms to {target:,.0f} ms", 0.95),
    Goal("trial-conversion-rate", "Trial conversion from {start:.1%} to {target:.1%}", 0.8),
)  # fmt: skip
CURRENT = (
    Goal("weekly-active-accounts", "Weekly active accounts from {start:,.0f} to {target:,.0f}", 1.05),
    Goal("dashboard-load-p95", "Dashboards load in {target:,.0f} ms (p95), from {start:,.0f}", 0.3),
)  # fmt: skip
ONBOARDING = Goal(
    "trial-conversion-rate", "Trial conversion from {start:.1%} to {target:.1%}", 1.0, 0.18
)


def _bounds(kpi: Kpi, period: periods.Period, today: date) -> tuple[float, float]:
    """The KPI's first and latest value in the period (up to yesterday)."""
    window = series(kpi, period.start, min(period.end, today - timedelta(days=1)))
    values = [p.value for p in window.points if p.value is not None]
    if not values:
        raise ValueError(f"the demo KPI {kpi.key!r} has no data in {period.label}")
    return values[0], values[-1]


def _target(kpi: Kpi, goal: Goal, period: periods.Period, today: date) -> tuple[float, float]:
    """(start, target) that put the key result at the goal's progress. The start is the
    period's first value, or 2% worse than the latest where noise left it no worse, so that
    the KPI has moved the right way."""
    first, current = _bounds(kpi, period, today)
    better = -1.0 if kpi.direction == Kpi.Direction.LOWER else 1.0
    start = (
        first
        if (current - first) * better >= 0.01 * abs(current)
        else current * (1 - 0.02 * better)
    )
    start = float(f"{start:.3g}")
    wanted = max(goal.pace * progress.elapsed(period.start, period.end, today) - goal.lag, 0.05)
    return start, float(f"{start + (current - start) / wanted:.3g}")


def _as(access: Access, email: str) -> Access:
    user = User.objects.get(email=email)
    return load_access(Actor(user), access.workspace.slug)


def _board(access: Access, kpi: Kpi) -> Product:
    product = vision.create_product(access, "Acme Analytics", "Self-serve product analytics.")
    vision.edit_board(access, product, FIRST_BOARD, note="First draft")
    priya = _as(access, "priya@northline.local")
    vision.edit_board(
        priya,
        product,
        {**BOARD, "north_star": kpi.pk},
        note="Personas, competitors and the north star",
    )
    sharing.create_link(access, product, label="Board meeting pack")
    return product


def _check_ins(access: Access, kr: KeyResult, confidence: list[tuple[int, str]]) -> None:
    """Check-ins six, three and zero weeks ago (oldest first)."""
    for weeks_ago, (level, comment) in zip((6, 3, 0), confidence, strict=False):
        made = objectives.check_in(access, kr, level, comment)
        earlier = made.created_at - timedelta(weeks=weeks_ago)
        CheckIn.objects.filter(pk=made.pk).update(created_at=earlier)


def _key_result(
    access: Access, objective: Objective, goal: Goal, kpis: dict[str, Kpi], today: date,
    confidence: list[tuple[int, str]],
) -> KeyResult:  # fmt: skip
    kpi = kpis[goal.key]
    span = periods.parse(objective.period)
    start, target = _target(kpi, goal, span, today)
    title = goal.title.format(start=start, target=target)
    kr = objectives.create_key_result(
        access, objective, title, kpi=kpi.key, start=start, target=target
    )
    _check_ins(access, kr, confidence)
    return kr


def load(access: Access, made: dict[str, Feature]) -> Product:
    """Build the strategy demo on the planning demo's features (`made`, by title) and the
    metrics demo's KPIs (load that first)."""
    today = timezone.localdate()
    this_q = periods.quarter_of(today)
    last_q = periods.previous(this_q)
    kpis = metrics_demo.demo_kpis(access.workspace)
    product = _board(access, kpis[metrics_demo.NORTH_STAR])
    priya = _as(access, "priya@northline.local")
    past = objectives.create_objective(
        access, product, "Make dashboards fast enough to use in a meeting", last_q.label,
        owner="eli@northline.local", description="Slow dashboards were the first reason for churn.",
    )  # fmt: skip
    notes = ([(5, "Caching lands next sprint"), (8, "The query cache shipped")],
             [(6, "Checklist experiment running"), (4, "Stalled below target")],
             [(7, "Ahead of plan")])  # fmt: skip
    speed_notes, conversion_notes, growth_notes = notes
    _key_result(access, past, PAST[0], kpis, today, growth_notes)
    _key_result(access, past, PAST[1], kpis, today, speed_notes)
    _key_result(access, past, PAST[2], kpis, today, conversion_notes)
    grow = objectives.create_objective(
        priya, product, "Win self-serve adoption", this_q.label, owner="priya@northline.local",
        description="Teams should get value without talking to us.",
    )  # fmt: skip
    _key_result(priya, grow, CURRENT[0], kpis, today,
                [(6, "Good start"), (7, "Self-serve launch helped"), (8, "On pace")])  # fmt: skip
    _key_result(priya, grow, CURRENT[1], kpis, today,
                [(6, "Needs the new query engine"), (3, "Engine slipped a month")])  # fmt: skip
    onboarding = objectives.create_objective(
        access, product, "Make onboarding convert", this_q.label, owner="eli@northline.local",
        parent=grow,
    )  # fmt: skip
    _key_result(access, onboarding, ONBOARDING, kpis, today,
                [(6, "Checklist in review"), (5, "Behind: the checklist shipped late")])  # fmt: skip
    habit = objectives.create_objective(  # left without work: the alignment report flags it
        access, product, "Become the team's weekly habit", this_q.label, parent=grow,
        description="Key results to be agreed at the next review.",
    )  # fmt: skip
    objectives.create_key_result(
        access, habit, "Half of accounts open a scheduled report each week", start=10, target=50
    )
    initiative = Feature.objects.get(
        workspace=access.workspace, kind=Feature.Kind.INITIATIVE, title="Self-serve analytics"
    )
    alignment.link_feature(access, grow, initiative.ref)
    alignment.link_feature(priya, grow, made["Public API v2"].ref)
    alignment.link_feature(access, onboarding, made["Guided setup checklist"].ref)
    alignment.link_feature(access, onboarding, made["Sample data for new workspaces"].ref)
    alignment.create_initiative(
        access, past, "Dashboard performance sprint", "Caching and a faster query path."
    )
    return product
