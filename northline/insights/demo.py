"""The insights part of the demo workspace: a few hundred feedback items from support, app-store
reviews, sales calls, NPS comments, Jira and e-mail, written by fifteen companies' people over
the last six months, so that the inbox, themes, trends, demand and prioritisation look like a
real product's. Deterministic: the same rows, dates and links on every load.

The texts live in `fixtures/demo_feedback.csv` (written for the demo; none is in the seed set
that trains the default models, so the demo shows how they do on text they never saw). Each row
names a customer need; a need maps to a planning feature, and most of its items are linked to
it with an importance that follows the customer's plan. Some needs are recent (a slow-dashboard
regression five weeks ago, a mobile crash three weeks ago), so their themes' trends rise.

The items are processed in the load itself (type, sentiment, duplicates, similar features,
themes): a few hundred items take seconds, and the demo is complete without a worker.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from northline.core.access import Access
from northline.planning.models import Feature

from .models import Customer, Feedback
from .services import feedback, links, processing, themes
from .services.customers import customer_for, upsert_company

DEMO_FILE = Path(__file__).resolve().parent / "fixtures" / "demo_feedback.csv"
SEED = 7
MONTHS = 6


@dataclass(frozen=True)
class Need:
    feature: str  # the planning feature its items are linked to ("" for none)
    recent_days: int  # its items arrived within this many days (newer needs trend up)
    linked_share: float  # the share of its items the team has linked so far


NEEDS = {
    "dark": Need("Dark mode", 180, 0.7), "sso": Need("Single sign-on (SAML)", 180, 0.8),
    "slack": Need("Slack alerts", 75, 0.7), "schedule": Need("Scheduled e-mail reports", 150, 0.7),
    "salesforce": Need("Salesforce sync", 160, 0.8), "funnel": Need("Funnel reports", 180, 0.6),
    "cohort": Need("Cohort retention chart", 120, 0.6), "api": Need("Public API v2", 180, 0.6),
    "audit": Need("Audit log export", 180, 0.8), "billing": Need("Usage-based billing", 120, 0.5),
    "setup": Need("Guided setup checklist", 180, 0.6),
    "sample": Need("Sample data for new workspaces", 90, 0.6),
    "slow": Need("", 35, 0), "mobile": Need("", 21, 0), "export": Need("", 180, 0),
    "pptx": Need("", 180, 0), "pricing": Need("", 90, 0), "praise": Need("", 180, 0),
    "howto": Need("", 180, 0), "other": Need("", 180, 0),
}  # fmt: skip
SOURCES = {
    "support": Feedback.Source.SUPPORT, "review": Feedback.Source.REVIEW,
    "sales": Feedback.Source.SALES, "survey": Feedback.Source.SURVEY,
    "import": Feedback.Source.IMPORT, "email": Feedback.Source.EMAIL,
}  # fmt: skip
# name, domain, segment, plan, ARR, attributes; the first three are the portal demo's companies
COMPANIES = (
    ("Globex", "globex.example", "Enterprise", "Enterprise", 120_000, "North America", "Manufacturing"),
    ("Initech", "initech.example", "Mid-market", "Business", 48_000, "EMEA", "Software"),
    ("Umbrella", "umbrella.example", "SMB", "Team", 9_600, "EMEA", "Healthcare"),
    ("Hooli", "hooli.example", "Enterprise", "Enterprise", 210_000, "North America", "Technology"),
    ("Stark Logistics", "stark-logistics.example", "Enterprise", "Enterprise", 95_000, "North America", "Logistics"),
    ("Nordwind Bank", "nordwind.example", "Enterprise", "Enterprise", 180_000, "EMEA", "Finance"),
    ("Cyberdyne Health", "cyberdyne.example", "Enterprise", "Enterprise", 150_000, "EMEA", "Healthcare"),
    ("Wayne Retail", "wayneretail.example", "Mid-market", "Business", 36_000, "North America", "Retail"),
    ("Soylent Foods", "soylent.example", "Mid-market", "Business", 27_000, "EMEA", "Food"),
    ("Tyrell Media", "tyrell.example", "Mid-market", "Business", 42_000, "APAC", "Media"),
    ("Oceanic Travel", "oceanic.example", "Mid-market", "Business", 30_000, "APAC", "Travel"),
    ("Vandelay Imports", "vandelay.example", "SMB", "Team", 4_800, "North America", "Wholesale"),
    ("Pied Piper", "piedpiper.example", "SMB", "Team", 7_200, "North America", "Software"),
    ("Blue Sun Games", "bluesun.example", "SMB", "Starter", 1_800, "APAC", "Gaming"),
    ("Kiwi Coffee Co", "kiwicoffee.example", "SMB", "Starter", 1_200, "APAC", "Food"),
)  # fmt: skip
FIRST = ("Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Greta", "Hiro", "Imke", "Jonas", "Kemi",
         "Luis", "Mona", "Nils", "Olu", "Paula", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera")  # fmt: skip
LAST = ("Andersen", "Baker", "Costa", "Dubois", "Eze", "Fischer", "Gupta", "Haddad", "Ito", "Jensen",
        "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov", "Reyes", "Sato")  # fmt: skip
# Follow-ups that turn an item into a near-duplicate from another customer of the same need
FOLLOW_UPS = ("Same request from our side: {text}", "{text} Any news on this?",
              "We are asking again: {text}", "+1 from our team. {text}")  # fmt: skip
IMPORTANCE = {"Enterprise": "critical", "Business": "important"}  # other plans: nice to have


@dataclass(frozen=True)
class Row:
    need: str
    source: str
    rating: int | None
    title: str
    text: str


def rows() -> list[Row]:
    with DEMO_FILE.open(encoding="utf-8", newline="") as handle:
        return [
            Row(r["need"], SOURCES[r["channel"]], int(r["rating"]) if r["rating"] else None,
                r["title"], r["text"])
            for r in csv.DictReader(handle)
        ]  # fmt: skip


def _people(access: Access, rng: random.Random) -> list[Customer]:
    """Two to four people per company, named from the lists above (no one twice)."""
    names = [(first, last) for first in FIRST for last in LAST]
    rng.shuffle(names)
    people: list[Customer] = []
    for name, domain, segment, plan, revenue, region, industry in COMPANIES:
        company, _ = upsert_company(access, {
            "name": name, "domain": domain, "segment": segment, "plan": plan, "revenue": revenue,
            "attributes": {"region": region, "industry": industry},
        })  # fmt: skip
        for _ in range(2 if plan in ("Starter", "Team") else 4):
            first, last = names.pop()
            ref = {"name": f"{first} {last}", "email": f"{first}.{last}@{domain}".lower()}
            person = customer_for(access, ref, company)
            assert person is not None
            people.append(person)
    return people


def _author(rng: random.Random, row: Row, people: list[Customer]) -> Customer | None:
    """Reviews are anonymous; sales calls are with larger accounts; anyone writes the rest."""
    if row.source == Feedback.Source.REVIEW:
        return None
    pool = people
    if row.source == Feedback.Source.SALES:
        pool = [p for p in people if p.company and p.company.segment != "SMB"]
    return rng.choice(pool)


def _item(rng: random.Random, index: int, row: Row, author: Customer | None) -> dict[str, Any]:
    days = rng.uniform(0.2, NEEDS[row.need].recent_days)
    item: dict[str, Any] = {
        "text": row.text, "title": row.title, "source": row.source, "rating": row.rating,
        "received_at": timezone.now() - timedelta(days=days), "external_id": f"demo-{index}",
        "customer": author, "tags": [row.need],
    }  # fmt: skip
    if row.source == Feedback.Source.IMPORT:
        key = f"ACME-{1200 + index}"
        item |= {"external_id": key, "external_url": f"https://acme.atlassian.net/browse/{key}",
                 "tags": [row.need, "jira"]}  # fmt: skip
    return item


def items(people: list[Customer]) -> list[tuple[str, dict[str, Any]]]:
    """(need, intake item) for every row, plus a near-duplicate follow-up (another customer,
    by e-mail) of every fifth row of a need with a feature."""
    rng = random.Random(SEED)
    made: list[tuple[str, dict[str, Any]]] = []
    for index, row in enumerate(rows()):
        made.append((row.need, _item(rng, index, row, _author(rng, row, people))))
        if NEEDS[row.need].feature and index % 5 == 0 and row.source != Feedback.Source.SALES:
            again = Row(row.need, Feedback.Source.EMAIL, None, "",
                        rng.choice(FOLLOW_UPS).format(text=row.text))  # fmt: skip
            made.append((row.need, _item(rng, 1000 + index, again, rng.choice(people))))
    return made


def load(access: Access, features: dict[str, Feature]) -> list[Feedback]:
    """Load the demo feedback after the planning and portal demos (it links to their features
    and enriches their companies), triage part of it, then process the whole inbox."""
    rng = random.Random(SEED)
    needs = items(_people(access, rng))
    result = feedback.import_feedback(
        access, [item for _, item in needs], default_source=Feedback.Source.IMPORT
    )
    loaded = Feedback.objects.select_related("company").in_bulk(result.ids)
    for (name, _), pk in zip(needs, result.ids, strict=True):
        need, item = NEEDS[name], loaded[pk]
        if need.feature and rng.random() < need.linked_share:
            plan = item.company.plan if item.company else ""
            importance = IMPORTANCE.get(plan, "nice_to_have")
            links.link_feature(access, item, features[need.feature], importance=importance)
        elif not need.feature and rng.random() < 0.3:
            feedback.set_status(access, item, Feedback.Status.TRIAGED)
    inbox = Feedback.objects.filter(workspace=access.workspace).values_list("pk", flat=True)
    processing.process(access.workspace, list(inbox))
    themes.recluster(access.workspace)
    return list(loaded.values())
