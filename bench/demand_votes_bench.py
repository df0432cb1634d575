"""Demand per feature with portal votes counted (decision 0016): the cost of the UNION of
feedback customers and voters, against the same aggregates over feedback alone, on SQLite.

Builds a throw-away data directory with one workspace: 2,000 companies, 20,000 customers, 200
features, 50,000 feedback items each linked to one feature, and 1,000 portal ideas (each its
own feedback item, linked to a feature) with 50 voters each (50,000 votes). Then times, best of
5 (milliseconds, in process, no HTTP): the demand table (first 25 rows) ordered by items, by
customers and by revenue, and planning's two evidence inputs for all 200 features — with the
votes counted, and with the portal's supporters unregistered (feedback only).

    python bench/demand_votes_bench.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import django_bench


def build(scale: float) -> Any:
    from django.core.management import call_command
    from django.utils import timezone

    from northline.accounts.models import User
    from northline.accounts.services import create_workspace
    from northline.core.access import Actor, load
    from northline.insights.models import Company, Customer, Feedback, FeedbackLink
    from northline.planning.models import Feature
    from northline.portal.models import Idea, Vote

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    owner = User.objects.create_user("bench@example.com", "x" * 12)
    ws = create_workspace(owner, "Bench")
    n_companies, n_customers = int(2000 * scale), int(20000 * scale)
    n_feedback, n_ideas = int(50000 * scale), int(1000 * scale)
    companies = Company.objects.bulk_create(
        Company(workspace=ws, name=f"C{i}", domain=f"c{i}.io", revenue=rng.randint(1, 10**6),
                segment=rng.choice(["smb", "enterprise"]), plan=rng.choice(["free", "pro"]))
        for i in range(n_companies)
    )  # fmt: skip
    customers = Customer.objects.bulk_create(
        Customer(workspace=ws, name=f"P{i}", email=f"p{i}@x.io", company=rng.choice(companies))
        for i in range(n_customers)
    )
    features = Feature.objects.bulk_create(
        Feature(workspace=ws, number=i + 1, title=f"Feature {i}") for i in range(200)
    )
    now = timezone.now()
    people = [rng.choice(customers) for _ in range(n_feedback + n_ideas)]
    items = Feedback.objects.bulk_create(
        Feedback(workspace=ws, text="we need it", customer=c, company_id=c.company_id,
                 source="portal" if i >= n_feedback else rng.choice(["email", "support"]),
                 received_at=now - timedelta(days=rng.randint(0, 400)))
        for i, c in enumerate(people)
    )  # fmt: skip
    FeedbackLink.objects.bulk_create(
        FeedbackLink(workspace=ws, feedback=f, feature=rng.choice(features),
                     customer_id=f.customer_id, company_id=f.company_id, source=f.source,
                     received_at=f.received_at)
        for f in items
    )  # fmt: skip
    ideas = Idea.objects.bulk_create(
        Idea(workspace=ws, title=f"Idea {i}", feedback=f, author_id=f.customer_id)
        for i, f in enumerate(items[n_feedback:])
    )
    Vote.objects.bulk_create(
        Vote(workspace=ws, idea=idea, customer=c)
        for idea in ideas
        for c in rng.sample(customers, 50)
    )
    return load(Actor(owner), ws.slug), [f.pk for f in features]


def best(run: Callable[[], object]) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    django_bench.start()
    from northline.insights.services import demand

    access, ids = build(args.scale)
    none = demand.DemandFilters()
    cases: dict[str, Callable[[], object]] = {
        "table by items": lambda: demand.demand_table(access, none, "items", 0, 25),
        "table by customers": lambda: demand.demand_table(access, none, "customers", 0, 25),
        "table by revenue": lambda: demand.demand_table(access, none, "revenue", 0, 25),
        "table, segment smb": lambda: demand.demand_table(
            access, demand.DemandFilters(segment="smb"), "customers", 0, 25
        ),
        "distinct_customers x200": lambda: demand.distinct_customers(access.workspace, ids),
        "linked_revenue x200": lambda: demand.linked_revenue(access.workspace, ids),
    }
    with_votes = {name: best(run) for name, run in cases.items()}
    registered = list(demand._supporters)
    demand._supporters.clear()
    alone = {name: best(run) for name, run in cases.items()}
    demand._supporters.extend(registered)
    print(f"{'case':<26} {'with votes ms':>13} {'feedback only ms':>16}")
    for name in cases:
        print(f"{name:<26} {with_votes[name]:>13.0f} {alone[name]:>16.0f}")


if __name__ == "__main__":
    main()
