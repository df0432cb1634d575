"""Metrics of the demo workspace: a year of daily data (seeded, so every load is the same
relative to today), a north-star metric, dimensions, targets, notes, one clear anomaly (the
sign-up outage three days ago), a dashboard and an NPS survey.

`load(access)` returns the KPIs by key; `demo_kpis(workspace)` finds them again later (the
strategy app's demo binds its key results to them).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from django.utils import timezone

from northline.accounts.models import Workspace
from northline.core.access import Access

from .models import Kpi
from .services import alerts, dashboards, kpis, surveys
from .services.points import Clean, write
from .services.readings import period_bounds

SEED = 2026
DAYS = 365
NORTH_STAR = "weekly-active-accounts"
KEYS = (
    NORTH_STAR,
    "signups",
    "trial-conversions",
    "trial-conversion-rate",
    "dashboard-load-p95",
    "nps",
)
PLATFORMS = {"web": 0.62, "ios": 0.23, "android": 0.15}
PLANS = {"free": 0.55, "pro": 0.35, "enterprise": 0.10}
OUTAGE_DAYS_AGO = 3


def demo_kpis(workspace: Workspace) -> dict[str, Kpi]:
    """The demo's KPIs by key (those present)."""
    return {k.key: k for k in Kpi.objects.filter(workspace=workspace, key__in=KEYS)}


def load(access: Access) -> dict[str, Kpi]:
    today = timezone.localdate()
    end = today - timedelta(days=1)
    days = np.arange(np.datetime64(end - timedelta(days=DAYS - 1)), np.datetime64(end) + 1)
    rng = np.random.default_rng(SEED)
    t = np.arange(DAYS)
    weekday = (days.astype(np.int64) + 3) % 7  # Monday 0
    weekly = np.where(weekday >= 5, 0.7, 1.0) * (1 + 0.05 * np.sin(2 * np.pi * weekday / 7))

    made = {
        NORTH_STAR: kpis.create_kpi(
            access, name="Weekly active accounts", key=NORTH_STAR, unit="accounts",
            aggregation="last", granularity="week", north_star=True, tags=["growth", "north star"],
            definition="Accounts with at least one dashboard view in the last 7 days, counted daily.",
        ),
        "signups": kpis.create_kpi(
            access, name="Sign-ups", key="signups", unit="accounts", tags=["growth", "acquisition"],
            definition="New workspaces created, by platform of the first visit.",
        ),
        "trial-conversions": kpis.create_kpi(
            access, name="Trial conversions", key="trial-conversions", unit="accounts",
            tags=["growth", "revenue"], definition="Trials that became paying accounts.",
        ),
        "dashboard-load-p95": kpis.create_kpi(
            access, name="Dashboard load time (p95)", key="dashboard-load-p95", unit="ms",
            aggregation="mean", direction="lower", tags=["quality"],
            definition="95th percentile of dashboard page load time, per day.",
        ),
    }  # fmt: skip
    made["trial-conversion-rate"] = kpis.create_kpi(
        access, name="Trial conversion rate", key="trial-conversion-rate", aggregation="ratio",
        numerator="trial-conversions", denominator="signups", granularity="week", tags=["growth"],
        definition="Trial conversions per sign-up.",
    )  # fmt: skip

    dates = [d.item() for d in days]
    signups = (120 + 0.25 * t) * weekly * rng.lognormal(0, 0.08, DAYS)
    signups[-OUTAGE_DAYS_AGO] *= 0.25  # the sign-up form was down for most of the day
    active = 2400 + 9 * t + 60 * np.sin(2 * np.pi * t / 91) + rng.normal(0, 25, DAYS)
    conversions = signups * (0.16 + 0.00012 * t) * rng.lognormal(0, 0.15, DAYS)
    load_ms = 820 - 0.6 * t + rng.normal(0, 30, DAYS)
    load_ms[200:] -= 90  # the caching release
    points = [
        Clean(made["signups"], d, round(float(v * share)), ("platform", name))
        for name, share in PLATFORMS.items()
        for d, v in zip(dates, signups, strict=True)
    ]
    points += [
        Clean(made[NORTH_STAR], d, round(float(v * share)), ("plan", name))
        for name, share in PLANS.items()
        for d, v in zip(dates, active, strict=True)
    ]
    points += [
        Clean(made["trial-conversions"], d, round(float(v)), None)
        for d, v in zip(dates, conversions, strict=True)
    ]
    points += [Clean(made["dashboard-load-p95"], d, round(float(v), 1), None) for d, v in zip(dates, load_ms, strict=True)]  # fmt: skip
    write(access.workspace, access.user, points, via="demo")

    this_quarter, _ = period_bounds(today, "quarter")
    last_quarter, last_end = period_bounds(this_quarter - timedelta(days=1), "quarter")
    _, this_end = period_bounds(today, "quarter")
    kpis.add_target(
        access, made[NORTH_STAR], start=last_quarter, end=last_end, value=5000, tolerance=250
    )
    kpis.add_target(
        access, made[NORTH_STAR], start=this_quarter, end=this_end, value=5600, tolerance=250
    )
    kpis.add_target(
        access,
        made["dashboard-load-p95"],
        start=this_quarter,
        end=this_end,
        value=600,
        tolerance=50,
    )
    kpis.add_annotation(
        access, made["dashboard-load-p95"], day=dates[200], text="Release: query cache"
    )
    kpis.add_annotation(access, None, day=dates[-OUTAGE_DAYS_AGO], text="Sign-up form outage")

    made["nps"] = _survey(access, rng, end).kpi
    for kpi in made.values():
        alerts.detect(kpi)
    board = dashboards.create_dashboard(
        access, "Growth", "The numbers the leadership team reviews weekly."
    )
    for key, kind in ((NORTH_STAR, "number"), ("signups", "number"), ("trial-conversion-rate", "number"),
                      (NORTH_STAR, "chart"), ("signups", "chart"), ("dashboard-load-p95", "chart")):  # fmt: skip
        dashboards.add_tile(access, board, made[key], kind, "1y" if kind == "chart" else "90d")
    return made


COMMENTS = (
    "The roadmap view is exactly what our board wanted.",
    "Dashboards are slow to load on Monday mornings.",
    "Please add Slack alerts for anomalies.",
    "Great support, but the CSV import is confusing.",
)


def _survey(access: Access, rng: np.random.Generator, end: date) -> surveys.Survey:
    survey = surveys.create_survey(
        access, "NPS", "nps", "How likely are you to recommend Acme Analytics?"
    )
    scores = rng.choice(
        11, size=240, p=[0.02, 0.01, 0.02, 0.03, 0.03, 0.05, 0.07, 0.12, 0.2, 0.25, 0.2]
    )
    segments = rng.choice(list(PLANS), size=240, p=list(PLANS.values()))
    offsets = rng.integers(0, 120, size=240)
    items = [
        {"score": int(s), "segment": str(g), "date": (end - timedelta(days=int(o))).isoformat(),
         "external_id": f"demo-{i}", **({"comment": COMMENTS[i % len(COMMENTS)]} if i % 40 == 0 else {})}
        for i, (s, g, o) in enumerate(zip(scores, segments, offsets, strict=True))
    ]  # fmt: skip
    surveys.add_responses(access, survey, items)
    return survey
