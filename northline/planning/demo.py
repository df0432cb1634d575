"""The planning part of the demo workspace: areas, a scored backlog with ranges, dependencies,
a team estimate in progress, a scenario, a plan, a decision and a Kano survey."""

from __future__ import annotations

from northline.core.access import Access

from .models import Feature
from .services import estimation, features, scores

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
    return made
