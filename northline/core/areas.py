"""The product areas in the navigation, with what each will hold while it is still empty."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    promise: str
    holds: tuple[str, ...]
    home: str = ""  # the URL name (taking the workspace slug) of the area's page, once built


AREAS: tuple[Area, ...] = (
    Area("vision", "Vision", "Why the product exists and where it is going.",
         ("Vision board: purpose, audiences and personas, problems, value proposition",
          "Objectives and key results tied to measured KPIs",
          "Initiatives and the alignment map from vision to features"), "strategy:home"),
    Area("insights", "Insights", "What customers say, from every channel, sorted for you.",
         ("Feedback from forms, the API, CSV and e-mail imports and a public portal",
          "Automatic type, sentiment, duplicates and themes, computed offline",
          "Demand per feature: people, companies and revenue"), "insights:inbox"),
    Area("planning", "Planning", "What to build next, and why — with the evidence attached.",
         ("Ideas and features scored with RICE, ICE, WSJF or your own formula",
          "Estimates as ranges, Monte Carlo ranks, the best plan for your capacity",
          "Scenarios and a decision log"), "planning:home"),
    Area("roadmap", "Roadmap", "When it ships and how delivery is going.",
         ("Now / next / later board and a timeline by quarter",
          "Releases, iterations with capacity, velocity and burndown",
          "Delivery forecasts from past velocity")),
    Area("experiments", "Experiments", "Which bets paid off, with statistics you can trust.",
         ("Hypothesis backlog and experiment design with sample sizes",
          "Frequentist and Bayesian analysis, SRM checks, CUPED",
          "Ship, iterate or stop decisions")),
    Area("metrics", "Metrics", "Whether the strategy works, measured.",
         ("KPI catalogue with targets, charts and dashboards",
          "Data from manual entry, CSV, a push API or SQL on a schedule",
          "Anomaly alerts and the impact of shipped features"), "metrics:home"),
)  # fmt: skip

BY_KEY = {area.key: area for area in AREAS}
