"""Demand per feature against numbers computed by hand: distinct customers and companies,
revenue counting each company once, importance, the 12-month trend, filters and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from northline.core.errors import Invalid
from northline.insights.models import Company, Feedback
from northline.insights.services import customers as people
from northline.insights.services import demand as service
from northline.insights.services import feedback, links
from northline.planning.models import Feature
from northline.planning.services import features
from tests.conftest import Team

pytestmark = pytest.mark.django_db


def start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


@pytest.fixture
def world(team: Team) -> dict[str, Any]:
    """Acme (1000, enterprise, pro), Globex (500, smb, free), Initech (200, smb, pro).

    F-1 SSO: ann@acme (this month, email, critical), ann@acme (3 months ago, support),
    al@acme (13 months ago, email), bob@globex (this month, sales, nice to have), someone
    unknown (this month, app). F-2 Dark mode: cy@initech (last month, email, critical), the
    first item of ann again, and bob's archived item. F-3 Audit log: nothing.
    """
    access = team.access("editor")
    people.create_company(
        access, "Acme", domain="acme.com", revenue=1000, segment="enterprise", plan="pro"
    )
    people.create_company(
        access, "Globex", domain="globex.com", revenue=500, segment="smb", plan="free"
    )
    people.create_company(
        access, "Initech", domain="initech.com", revenue=200, segment="smb", plan="pro"
    )
    f1, f2, f3 = (
        features.create_feature(access, title) for title in ("SSO", "Dark mode", "Audit log")
    )
    bounds = [start(day) for day in service.months()]

    def item(
        email: str | None, source: str, received: datetime, *targets: tuple[Feature, str]
    ) -> Feedback:
        fields: dict[str, Any] = {"text": "We need this", "source": source, "received_at": received}
        if email:
            fields["customer"] = {"email": email}
        created, _ = feedback.add_feedback(access, fields)
        for feature, importance in targets:
            links.link_feature(access, created, feature, importance=importance)
        return created

    first = item("ann@acme.com", "email", bounds[11], (f1, "critical"), (f2, "important"))
    item("ann@acme.com", "support", bounds[9] + timedelta(days=1), (f1, "important"))
    item("al@acme.com", "email", bounds[0] - timedelta(days=1), (f1, "important"))
    bob = item("bob@globex.com", "sales", bounds[11], (f1, "nice_to_have"))
    item(None, "app", bounds[11], (f1, "important"))
    item("cy@initech.com", "email", bounds[10], (f2, "critical"))
    archived = item("bob@globex.com", "email", bounds[11], (f2, "critical"))
    feedback.archive_feedback(access, archived)
    return {
        "access": access,
        "f1": f1,
        "f2": f2,
        "f3": f3,
        "bounds": bounds,
        "bob": bob,
        "first": first,
    }


def trend(**months: int) -> tuple[int, ...]:
    """A 12-month trend with the given counts at indexes named m0..m11."""
    return tuple(months.get(f"m{i}", 0) for i in range(12))


def test_demand_counts_each_customer_and_company_once(team: Team, world: dict[str, Any]) -> None:
    table = service.demand(team.workspace)
    f1, f2 = world["f1"].pk, world["f2"].pk
    assert set(table) == {f1, f2}
    assert table[f1] == service.Demand(
        items=5, customers=3, companies=2, revenue=1500.0, feedback_customers=3,
        importance={"nice_to_have": 1, "important": 3, "critical": 1},
        trend=trend(m9=1, m11=3),
    )  # fmt: skip
    assert table[f2] == service.Demand(
        items=2, customers=2, companies=2, revenue=1200.0, feedback_customers=2,
        importance={"nice_to_have": 0, "important": 1, "critical": 1},
        trend=trend(m10=1, m11=1),
    )  # fmt: skip


def test_a_company_asking_three_times_counts_its_revenue_once(
    team: Team, world: dict[str, Any]
) -> None:
    only_acme = service.demand(team.workspace, [world["f1"].pk], plan="pro")[world["f1"].pk]
    assert (only_acme.items, only_acme.customers, only_acme.companies, only_acme.revenue) == (
        3,
        2,
        1,
        1000.0,
    )


def test_features_nobody_asked_for_have_zeros(team: Team, world: dict[str, Any]) -> None:
    f3 = world["f3"].pk
    assert service.demand(team.workspace, [f3]) == {f3: service.Demand()}


@pytest.mark.parametrize(
    ("filters", "f1", "f2"),
    [
        ({"segment": "smb"}, (1, 1, 1, 500.0), (1, 1, 1, 200.0)),
        ({"segment": "enterprise"}, (3, 2, 1, 1000.0), (1, 1, 1, 1000.0)),
        ({"plan": "free"}, (1, 1, 1, 500.0), None),
        ({"source": "email"}, (2, 2, 1, 1000.0), (2, 2, 2, 1200.0)),
        ({"source": "sales", "segment": "smb"}, (1, 1, 1, 500.0), None),
        ({"segment": "nobody"}, None, None),
    ],
)
def test_demand_filters(
    team: Team, world: dict[str, Any], filters: dict[str, str], f1: Any, f2: Any
) -> None:
    table = service.demand(team.workspace, **filters)
    got = {pk: (d.items, d.customers, d.companies, d.revenue) for pk, d in table.items()}
    expected = {world["f1"].pk: f1, world["f2"].pk: f2}
    assert got == {pk: value for pk, value in expected.items() if value is not None}


def test_demand_between_dates_includes_both_days(team: Team, world: dict[str, Any]) -> None:
    bounds = world["bounds"]
    third_month = bounds[9] + timedelta(days=1)  # the support item of ann
    table = service.demand(team.workspace, since=third_month.date(), until=third_month.date())
    assert {pk: d.items for pk, d in table.items()} == {world["f1"].pk: 1}
    since_then = service.demand(team.workspace, since=bounds[9].date())
    assert since_then[world["f1"].pk].items == 4  # the item of 13 months ago is left out


def test_demand_follows_changes_of_feedback_and_companies(
    team: Team, world: dict[str, Any]
) -> None:
    access, f1 = world["access"], world["f1"].pk
    feedback.update_feedback(access, world["bob"], company={"domain": "acme.com"})
    assert service.demand(team.workspace, [f1])[f1].companies == 1
    people.update_company(access, Company.objects.get(domain="acme.com"), revenue=3000)
    assert service.demand(team.workspace, [f1])[f1].revenue == 3000.0
    feedback.archive_feedback(access, world["first"])
    after = service.demand(team.workspace, [f1])[f1]
    assert (after.items, after.importance["critical"]) == (4, 0)


def test_planning_inputs(team: Team, world: dict[str, Any]) -> None:
    ids = [world["f1"].pk, world["f2"].pk, world["f3"].pk]
    assert service.distinct_customers(team.workspace, ids) == dict(zip(ids, [3, 2, 0], strict=True))
    assert service.linked_revenue(team.workspace, ids) == dict(
        zip(ids, [1500.0, 1200.0, 0.0], strict=True)
    )


def test_demand_runs_two_queries_however_many_items(
    team: Team, world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):
        service.demand(team.workspace)
    with django_assert_num_queries(1):
        service.distinct_customers(team.workspace, [world["f1"].pk])
    with django_assert_num_queries(1):
        service.linked_revenue(team.workspace, [world["f1"].pk])


def test_demand_stays_in_its_workspace(team: Team, world: dict[str, Any]) -> None:
    from northline.accounts.models import Workspace

    other = Workspace.objects.get(slug="elsewhere")
    assert service.demand(other) == {}
    assert service.distinct_customers(other, [world["f1"].pk]) == {world["f1"].pk: 0}


@pytest.mark.parametrize(
    ("order", "offset", "limit", "refs", "total"),
    [
        ("items", 0, None, ["F-1", "F-2"], 2),
        ("revenue", 0, 1, ["F-1"], 2),
        ("companies", 1, 1, ["F-2"], 2),  # a tie: the older feature first
        ("customers", 5, 10, [], 2),
    ],
)
def test_demand_table(
    team: Team, world: dict[str, Any], order: str, offset: int, limit: int | None,
    refs: list[str], total: int,
) -> None:  # fmt: skip
    rows, count = service.demand_table(
        world["access"], service.DemandFilters(), order, offset, limit
    )
    assert ([r.feature.ref for r in rows], count) == (refs, total)


def test_csv_export(team: Team, world: dict[str, Any]) -> None:
    features.update_feature(world["access"], world["f2"], title='=HYPERLINK("http://x")')
    name, text = service.export_csv(world["access"], service.DemandFilters())
    assert name == f"acme-demand-{timezone.localdate():%Y-%m-%d}.csv"
    header, first, second = list(csv.reader(io.StringIO(text)))
    assert header[:10] == [
        "feature", "title", "status", "items", "customers", "companies", "revenue",
        "nice_to_have", "important", "critical",
    ]  # fmt: skip
    assert header[10:22] == service.month_names()
    assert header[22:] == ["feedback_customers", "voters"]
    assert first == [
        "F-1",
        "SSO",
        "idea",
        "5",
        "3",
        "2",
        "1500.00",
        "1",
        "3",
        "1",
        *map(str, trend(m9=1, m11=3)),
        "3",
        "0",
    ]
    assert second[:2] == ["F-2", '\'=HYPERLINK("http://x")']


BAD_FILTERS = [
    ({"since": "2024-13-01"}, ["since: '2024-13-01' is not a date like 2024-05-01"]),
    ({"until": "soon"}, ["until: 'soon' is not a date like 2024-05-01"]),
    ({"since": "2024-05-02", "until": "2024-05-01"}, ["until: 2024-05-01 is before since (2024-05-02)"]),
    ({"source": "fax"}, ["source: 'fax' is not one of app, email, api, import, portal, support, sales, review, survey, other"]),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "errors"), BAD_FILTERS)
def test_bad_demand_filters(raw: dict[str, str], errors: list[str]) -> None:
    with pytest.raises(Invalid) as caught:
        service.DemandFilters.parse(**raw)
    assert caught.value.errors == errors


def test_months_end_with_the_month_of_until() -> None:
    assert service.month_names(datetime(2024, 3, 15).date()) == [
        "2023-04", "2023-05", "2023-06", "2023-07", "2023-08", "2023-09", "2023-10", "2023-11",
        "2023-12", "2024-01", "2024-02", "2024-03",
    ]  # fmt: skip
