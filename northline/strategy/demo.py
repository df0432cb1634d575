"""The strategy part of the demo workspace: a complete vision board (two versions, personas,
competitors), two quarters of OKRs (the last one and the current one) whose key results read
the demo KPIs, check-ins, initiatives linked to the planning demo's features, a share link.

The KPIs are the metrics demo's when it made them (same keys); otherwise they are created
here with daily data, shaped so that the current quarter shows one key result on track, one
at risk and one off track whatever the date the demo is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from northline.accounts.models import User
from northline.core.access import Access, Actor
from northline.core.access import load as load_access
from northline.metrics.models import Kpi
from northline.metrics.services import kpis as metrics_kpis
from northline.metrics.services import points as metrics_points
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
class Shape:
    """A demo KPI and the path of its daily values: the value at the start of the last
    quarter, at its end, and the progress it makes in the current quarter relative to time
    (1 = exactly on pace)."""

    key: str
    name: str
    unit: str
    direction: str
    aggregation: str
    before: float
    after: float
    pace: float  # progress in the current quarter = pace × elapsed − lag
    lag: float
    current_target: float


SHAPES = (
    Shape("weekly-active-teams", "Weekly active teams", "teams", "higher", "last",
          300, 420, 1.05, 0.0, 600),
    Shape("activation-rate", "Activation rate", "%", "higher", "mean", 30, 38, 1.0, 0.18, 45),
    Shape("report-load-time", "Report load time (p95)", "s", "lower", "mean",
          4.0, 2.1, 0.3, 0.0, 1.5),
)  # fmt: skip


def _values(
    shape: Shape, days: list[date], last_q: periods.Period, this_q: periods.Period
) -> np.ndarray:
    """Daily values: flat before the last quarter, a straight line through it, then the
    current quarter's pace, with a little deterministic noise."""
    today = days[-1]
    elapsed = progress.elapsed(this_q.start, this_q.end, today)
    done = max(shape.pace * elapsed - shape.lag, 0.0)
    now = shape.after + (shape.current_target - shape.after) * done
    anchors = [last_q.start, last_q.end, this_q.start, today]
    x = np.array([(d - days[0]).days for d in days], dtype=np.float64)
    xp = np.array([(d - days[0]).days for d in anchors], dtype=np.float64)
    line = np.interp(x, xp, [shape.before, shape.after, shape.after, now])
    noise = np.random.default_rng(len(shape.key)).normal(0, 0.003, len(days))
    return np.round(line * (1 + noise), 2)


def _kpi(access: Access, shape: Shape, last_q: periods.Period, this_q: periods.Period) -> Kpi:
    found = Kpi.objects.filter(workspace=access.workspace, key=shape.key).first()
    if found is not None:
        return found
    kpi = metrics_kpis.create_kpi(
        access, name=shape.name, key=shape.key, unit=shape.unit, direction=shape.direction,
        aggregation=shape.aggregation, granularity="week",
    )  # fmt: skip
    yesterday = date.today() - timedelta(days=1)
    first = last_q.start - timedelta(days=28)
    days = [first + timedelta(days=n) for n in range((yesterday - first).days + 1)]
    values = _values(shape, days, last_q, this_q)
    items = [
        {"kpi": kpi.key, "date": d, "value": float(v)} for d, v in zip(days, values, strict=True)
    ]
    metrics_points.push(access, items, via="demo")
    return kpi


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


def _key_result(access: Access, objective: Objective, title: str, kpi: Kpi | None, start: float, target: float,
                confidence: list[tuple[int, str]]) -> KeyResult:  # fmt: skip
    kr = objectives.create_key_result(
        access, objective, title, kpi=kpi.key if kpi else None, start=start, target=target
    )
    for weeks_ago, (level, comment) in zip((6, 3, 0), confidence, strict=False):
        made = objectives.check_in(access, kr, level, comment)
        CheckIn.objects.filter(pk=made.pk).update(
            created_at=made.created_at - timedelta(weeks=weeks_ago)
        )
    return kr


def load(access: Access, made: dict[str, Feature]) -> Product:
    """Build the strategy demo on the planning demo's features (`made`, by title)."""
    today = date.today()
    this_q = periods.quarter_of(today)
    last_q = periods.previous(this_q)
    teams, activation, speed = (_kpi(access, s, last_q, this_q) for s in SHAPES)
    product = _board(access, teams)
    priya = _as(access, "priya@northline.local")
    past = objectives.create_objective(
        access, product, "Make reports fast enough to use in a meeting", last_q.label,
        owner="eli@northline.local", description="Slow reports were the first reason for churn.",
    )  # fmt: skip
    _key_result(access, past, "Report load time (p95) down to 2 s", speed, 4.0, 2.0,
                [(5, "Caching lands next sprint"), (8, "Down to 2.4 s")])  # fmt: skip
    _key_result(access, past, "Activation rate from 30% to 40%", activation, 30, 40,
                [(6, "Checklist experiment running"), (4, "Stalled at 38%")])  # fmt: skip
    _key_result(
        access, past, "300 to 400 weekly active teams", teams, 300, 400, [(7, "Ahead of plan")]
    )
    grow = objectives.create_objective(
        priya, product, "Win self-serve adoption", this_q.label, owner="priya@northline.local",
        description="Teams should get value without talking to us.",
    )  # fmt: skip
    _key_result(priya, grow, "Weekly active teams from 420 to 600", teams, 420, 600,
                [(6, "Good start"), (7, "Self-serve launch helped"), (8, "On pace")])  # fmt: skip
    _key_result(priya, grow, "Reports load in under 1.5 s (p95)", speed, 2.1, 1.5,
                [(6, "Needs the new query engine"), (3, "Engine slipped a month")])  # fmt: skip
    onboarding = objectives.create_objective(
        access, product, "Make onboarding convert", this_q.label, owner="eli@northline.local",
        parent=grow,
    )  # fmt: skip
    _key_result(access, onboarding, "Activation rate from 38% to 45%", activation, 38, 45,
                [(6, "Checklist in review"), (5, "Behind: the checklist shipped late")])  # fmt: skip
    habit = objectives.create_objective(  # left without work: the alignment report flags it
        access, product, "Become the team's weekly habit", this_q.label, parent=grow,
        description="Key results to be agreed at the next review.",
    )  # fmt: skip
    _key_result(access, habit, "Half of teams open a scheduled report each week", None, 10, 50, [])
    alignment.link_feature(priya, grow, made["Public API v2"].ref)
    initiative = Feature.objects.get(
        workspace=access.workspace, kind=Feature.Kind.INITIATIVE, title="Self-serve analytics"
    )
    alignment.link_feature(access, grow, initiative.ref)
    alignment.link_feature(access, onboarding, made["Guided setup checklist"].ref)
    alignment.link_feature(access, onboarding, made["Sample data for new workspaces"].ref)
    alignment.create_initiative(
        access, past, "Report performance sprint", "Caching and a faster query path."
    )
    return product
