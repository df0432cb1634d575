"""The planning part of the demo workspace: areas, a scored backlog with ranges, dependencies,
a team estimate in progress, a scenario, a plan, a decision and a Kano survey."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from northline.core.access import Access

from .models import Feature, ScoringModel
from .services import analysis, decisions, estimation, features, kano, scenarios, scores

AREAS = ("Onboarding", "Analytics", "Integrations", "Platform")

# title, area, status, team, RICE (reach, impact, confidence, effort as (low, likely, high))
BACKLOG: tuple[tuple[str, str, str, str, tuple[tuple[float, float, float], ...]], ...] = (
    ("Guided setup checklist", "Onboarding", "planned", "Growth",
     ((800, 1200, 2000), (1, 1, 1), (0.8, 0.8, 0.8), (2, 3, 5))),
    ("Sample data for new workspaces", "Onboarding", "discovery", "Growth",
     ((600, 900, 1500), (0.5, 0.5, 0.5), (0.5, 0.8, 1), (1, 2, 3))),
    ("Funnel reports", "Analytics", "idea", "Insights",
     ((300, 700, 1200), (2, 2, 2), (0.5, 0.5, 0.5), (4, 6, 12))),
    ("Cohort retention chart", "Analytics", "idea", "Insights",
     ((200, 500, 900), (2, 2, 2), (0.8, 0.8, 0.8), (3, 5, 8))),
    ("Scheduled e-mail reports", "Analytics", "discovery", "Insights",
     ((400, 600, 800), (1, 1, 1), (1, 1, 1), (2, 2, 3))),
    ("Salesforce sync", "Integrations", "idea", "Platform",
     ((50, 150, 400), (3, 3, 3), (0.5, 0.5, 0.5), (6, 10, 20))),
    ("Slack alerts", "Integrations", "planned", "Platform",
     ((500, 800, 1000), (0.5, 0.5, 0.5), (1, 1, 1), (1, 1, 2))),
    ("Public API v2", "Platform", "discovery", "Platform",
     ((100, 300, 600), (2, 2, 2), (0.8, 0.8, 0.8), (8, 12, 20))),
    ("Single sign-on (SAML)", "Platform", "idea", "Platform",
     ((80, 120, 200), (3, 3, 3), (1, 1, 1), (4, 6, 9))),
    ("Audit log export", "Platform", "idea", "Platform",
     ((40, 80, 150), (1, 1, 1), (0.8, 0.8, 0.8), (1, 2, 4))),
    ("Dark mode", "Onboarding", "idea", "Growth",
     ((1000, 1500, 2500), (0.25, 0.25, 0.25), (1, 1, 1), (2, 3, 6))),
    ("Usage-based billing", "Platform", "idea", "Platform",
     ((150, 300, 500), (2, 2, 2), (0.5, 0.5, 0.5), (6, 8, 16))),
)  # fmt: skip
DEPENDENCIES = (("Funnel reports", "Cohort retention chart"), ("Salesforce sync", "Public API v2"))


def load(access: Access) -> dict[str, Feature]:
    """Build the demo backlog under a RICE model (the default) and a WSJF model."""
    areas = {name: features.create_area(access, name) for name in AREAS}
    rice = scores.create_model(access, "RICE", "rice", is_default=True)
    made = {}
    for title, area, status, team, ranges in BACKLOG:
        f = features.create_feature(access, title, area=areas[area], status=status, team=team)
        for driver, (low, likely, high) in zip(
            ("reach", "impact", "confidence", "effort"), ranges, strict=True
        ):
            scores.set_input(access, f, rice, driver, low=low, likely=likely, high=high)
        made[title] = f
    for dependent, prerequisite in DEPENDENCIES:
        features.add_dependency(access, made[dependent], made[prerequisite])
    initiative = features.create_feature(
        access, "Self-serve analytics", kind="initiative", status="discovery",
        description="Let every customer answer their own questions without an analyst.",
    )  # fmt: skip
    for title in ("Funnel reports", "Cohort retention chart", "Scheduled e-mail reports"):
        features.update_feature(access, made[title], parent=initiative)
    round_ = estimation.open_round(access, made["Public API v2"], rice, "effort")
    estimation.vote(access, round_, low=8, likely=12, high=20)
    _plans(access, rice, made)
    _kano(access, made)
    return made


QUARTERS = [{"name": "Q1 2027", "capacity": 24}, {"name": "Q2 2027", "capacity": 24}]


def _plans(access: Access, rice: ScoringModel, made: dict[str, Feature]) -> None:
    """A scenario, a Monte Carlo run, a plan for each, and the decision they led to."""
    bigger = scenarios.create_scenario(
        access, "Two more engineers", description="Hire two engineers in Q1: 40 weeks a quarter.",
        periods=[{"name": "Q1 2027", "capacity": 40}, {"name": "Q2 2027", "capacity": 40}],
    )  # fmt: skip
    simulation = analysis.run_simulation(access, rice, samples=5000, top_n=5)
    baseline = analysis.run_portfolio(access, rice, periods=QUARTERS, value_basis="p50")
    analysis.run_portfolio(access, rice, bigger, value_basis="p50")
    decision = decisions.create_decision(
        access, "Plan H1 2027 with the current team",
        context="Monte Carlo ranks put the setup checklist and Slack alerts on top whatever the "
        "estimates; Salesforce sync waits on the API.",
        options=[
            {"name": "Current team, optimised plan", "chosen": True},
            {"name": "Hire two engineers first", "notes": "see the scenario"},
        ],
        status="decided", revisit_on=timezone.localdate() + timedelta(days=45),
        features=[made["Guided setup checklist"].ref, made["Slack alerts"].ref],
        scenarios=[bigger.pk], simulation=simulation.pk, portfolio=baseline.pk,
    )  # fmt: skip
    decisions.add_risk(
        access, decision, "Public API v2 slips and blocks Salesforce sync", 0.4, 4,
        mitigation="Re-plan at the Q1 review",
    )  # fmt: skip


def _kano(access: Access, made: dict[str, Feature]) -> None:
    titles = ("Dark mode", "Single sign-on (SAML)", "Scheduled e-mail reports")
    survey = kano.create_survey(
        access, "What matters in Acme Analytics?", features=[made[t].ref for t in titles],
        intro="Two quick questions per feature.",
    )  # fmt: skip
    answers = {  # per respondent: (functional, dysfunctional) for each title, in order
        "ana@example.com": (("like", "neutral"), ("expect", "dislike"), ("like", "dislike")),
        "bo@example.com": (("like", "live_with"), ("neutral", "dislike"), ("like", "dislike")),
        "cy@example.com": (("neutral", "neutral"), ("expect", "dislike"), ("like", "live_with")),
    }
    rows = [
        {"respondent": who, "feature": made[title].ref, "functional": f, "dysfunctional": d}
        for who, pairs in answers.items()
        for title, (f, d) in zip(titles, pairs, strict=True)
    ]
    kano.import_rows(access, survey, rows)
