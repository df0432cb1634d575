"""Demand per feature: how many feedback items ask for it, from how many customers and
companies, how much annual revenue those companies bring, how important they said it is, and
the trend over the last 12 months; filterable by segment, plan, source and dates; as CSV.

Items, importance and the trend are aggregated in SQL over `FeedbackLink` alone (it carries
copies of the feedback's customer, company, source, time and archived flag), through one
covering index, in one grouped query. Customers, companies and revenue count everyone who backs
the feature: the customers of its linked feedback, and the *supporters* other apps register
(`register_supporters`: the portal's voters for an idea linked to the feature, votes cast on
behalf included). Per feature, one correlated subquery takes the UNION of those customer (or
company) ids, so a customer who wrote feedback and voted counts once, and a company's revenue
is summed once however many of its people ask; one query annotates all four numbers for every
feature. Archived feedback does not count, nor do votes for an idea whose link is archived. The
demand table ranks all features by the one number it sorts by, then computes the rest for the
rows it shows.

Planning reads two of these numbers as evidence inputs ("reach = distinct customers or summed
revenue of linked feedback and votes"): `distinct_customers` and `linked_revenue` call the same
`_backing` query as the demand page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from northline.accounts.models import Workspace
from northline.core.access import Access
from northline.planning.models import Feature

from ..models import Company, Customer, Feedback, FeedbackLink
from . import fields as check
from .fields import Errors

MONTHS = 12
Importance = FeedbackLink.Importance
ORDERS = ("items", "customers", "companies", "revenue")
BACKING = ("customers", "companies", "revenue")


@dataclass(frozen=True)
class Demand:
    """One feature's demand. `customers` counts everyone who backs it once: the
    `feedback_customers` of its items and the `voters` of a portal idea linked to it (a
    customer may be both). `revenue` sums the annual revenue of the distinct companies of all
    of them; `trend` counts items per calendar month, the last 12 months, oldest first."""

    items: int = 0
    customers: int = 0
    companies: int = 0
    revenue: float = 0.0
    feedback_customers: int = 0
    voters: int = 0
    importance: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Importance.values, 0))
    trend: tuple[int, ...] = (0,) * MONTHS


@dataclass(frozen=True)
class DemandFilters:
    segment: str = ""
    plan: str = ""
    source: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(
        cls, *, segment: str = "", plan: str = "", source: str = "", since: Any = "",
        until: Any = "",
    ) -> DemandFilters:  # fmt: skip
        """Filters from query parameters; dates like 2024-05-01, both ends included."""
        errors = Errors()
        if source:
            errors.check(check.choice, source, "source", Feedback.Source.values)
        first = errors.check(check.day, since, "since")
        last = errors.check(check.day, until, "until")
        if first and last and first > last:
            errors.messages.append(f"until: {last} is before since ({first})")
        errors.raise_any()
        return cls(segment.strip(), plan.strip(), source, first, last)


def _start(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(datetime.combine(day, time.min))


def _links(
    workspace: Workspace,
    feature_ids: Iterable[int] | None,
    *,
    segment: str | None = None,
    plan: str | None = None,
    source: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> QuerySet[FeedbackLink]:
    """The counted links under the filters. A date `until` includes that whole day."""
    rows = FeedbackLink.objects.filter(workspace=workspace, archived=False)
    if feature_ids is not None:
        rows = rows.filter(feature_id__in=list(feature_ids))
    if segment:
        rows = rows.filter(company__segment=segment)
    if plan:
        rows = rows.filter(company__plan=plan)
    if source:
        rows = rows.filter(source=source)
    return within(rows, "received_at", since, until).order_by()


def within(
    rows: QuerySet[Any], field: str, since: date | datetime | None, until: date | datetime | None
) -> QuerySet[Any]:
    """The rows whose `field` (a time) lies between `since` and `until`; a date `until`
    includes that whole day."""
    if since:
        rows = rows.filter(**{f"{field}__gte": _start(since)})
    if isinstance(until, datetime):
        rows = rows.filter(**{f"{field}__lte": _start(until)})
    elif until:
        rows = rows.filter(**{f"{field}__lt": _start(until + timedelta(days=1))})
    return rows


# --- supporters: customers who back a feature without feedback of their own -----------------

# (workspace, feature, **filters) → rows annotated `supporter` (a customer id) and
# `supporter_company` (a company id or NULL) under the demand filters (segment, plan, source,
# since, until: the same keywords as `_links`): the backers of `feature` (an expression such as
# an OuterRef to the feature's id), or with feature None those of every feature, then also
# annotated `supported_feature`.
Supporters = Callable[..., QuerySet[Any]]
_supporters: list[Supporters] = []


def register_supporters(rows: Supporters) -> None:
    """Count another app's backers of a feature as demand (the portal registers its votes in
    its AppConfig.ready: insights never imports the portal)."""
    if rows not in _supporters:
        _supporters.append(rows)


def _backers(workspace: Workspace, filters: dict[str, Any], feature: Any) -> list[QuerySet[Any]]:
    return [rows(workspace, feature, **filters).order_by() for rows in _supporters]


def _ids(
    links: QuerySet[FeedbackLink] | None, workspace: Workspace, filters: dict[str, Any], own: str,
    theirs: str,
) -> Any:  # fmt: skip
    """The ids (`own` column of links, `theirs` of supporters) of everyone backing the outer
    feature: a UNION, so an id present on both sides counts once. Without links, the
    supporters' alone."""
    outer = OuterRef(OuterRef("pk"))
    parts = [] if links is None else [links.filter(feature=outer).values(own)]
    parts += [rows.values(theirs) for rows in _backers(workspace, filters, outer)]
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def _count(model: type[Customer] | type[Company], ids: Any) -> Subquery:
    rows = model.objects.filter(pk__in=ids).order_by()
    return Subquery(rows.annotate(n=Func("pk", function="COUNT")).values("n")[:1])


def _backing(
    workspace: Workspace, links: QuerySet[FeedbackLink], filters: dict[str, Any],
    feature_ids: list[int] | None, wanted: Iterable[str] = (*BACKING, "voters"),
) -> dict[int, dict[str, Any]]:  # fmt: skip
    """Per feature (the ids given, else every one with links or supporters under the filters),
    the `wanted` numbers over feedback and supporters together: distinct customers, distinct
    companies, their summed revenue; and the distinct supporters alone (`voters`). One query:
    per feature, correlated subqueries over the UNION of ids, with SUM and COUNT as plain
    functions (one row each, no GROUP BY)."""
    features = Feature.objects.filter(workspace=workspace)
    if feature_ids is not None:
        features = features.filter(pk__in=feature_ids)
    else:
        having = Q(pk__in=links.values("feature_id"))
        for rows in _backers(workspace, filters, None):
            having |= Q(pk__in=rows.values("supported_feature"))
        features = features.filter(having)
    ids = partial(_ids, workspace=workspace, filters=filters)
    companies = Company.objects.filter(
        pk__in=ids(links, own="company_id", theirs="supporter_company")
    )
    revenue = companies.order_by().annotate(total=Func("revenue", function="SUM")).values("total")
    numbers: dict[str, Any] = {
        "customers": _count(Customer, ids(links, own="customer_id", theirs="supporter")),
        "companies": _count(Company, ids(links, own="company_id", theirs="supporter_company")),
        "revenue": Subquery(revenue[:1], output_field=DecimalField()),
        "voters": _count(Customer, ids(None, own="customer_id", theirs="supporter"))
        if _supporters else Value(0, output_field=IntegerField()),
    }  # fmt: skip
    chosen = {name: numbers[name] for name in wanted}
    rows = features.order_by().annotate(**chosen).values("pk", *chosen)
    return {
        row.pop("pk"): {name: float(v or 0) if name == "revenue" else v or 0
                        for name, v in row.items()}
        for row in rows
    }  # fmt: skip


def months(until: date | datetime | None = None) -> list[date]:
    """The first days of the 12 trend months ending with the month of `until` (or now), and
    of the month after them: 13 boundaries, oldest first."""
    moment = until or timezone.now()
    day = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
    last = day.replace(day=1)
    firsts = [last]
    while len(firsts) < MONTHS:
        firsts.append((firsts[-1] - timedelta(days=1)).replace(day=1))
    return [*reversed(firsts), (last + timedelta(days=32)).replace(day=1)]


def month_names(until: date | datetime | None = None) -> list[str]:
    """ "2024-06" for each of the 12 trend months, oldest first."""
    return [day.strftime("%Y-%m") for day in months(until)[:MONTHS]]


def demand(
    workspace: Workspace,
    feature_ids: Iterable[int] | None = None,
    *,
    segment: str | None = None,
    plan: str | None = None,
    source: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> dict[int, Demand]:
    """Demand per feature id: every id given (zeros where nobody asked), or, without ids, each
    feature with at least one counted link or supporter. Two queries, whatever the number of
    feedback and votes."""
    ids = None if feature_ids is None else list(feature_ids)
    filters: dict[str, Any] = {
        "segment": segment,
        "plan": plan,
        "source": source,
        "since": since,
        "until": until,
    }
    links = _links(workspace, ids, **filters)
    bounds = [_start(day) for day in months(until)]
    counts: dict[str, Any] = {"items": Count("pk"), "customers": Count("customer", distinct=True)}
    for level in Importance.values:
        counts[level] = Count("pk", filter=Q(importance=level))
    for i in range(MONTHS):
        window = Q(received_at__gte=bounds[i], received_at__lt=bounds[i + 1])
        counts[f"month{i}"] = Count("pk", filter=window)
    rows = {row.pop("feature_id"): row for row in links.values("feature_id").annotate(**counts)}
    backing = _backing(workspace, links, filters, ids)
    result = dict.fromkeys(ids, Demand()) if ids is not None else {}
    for pk, backed in backing.items():
        row = rows.get(pk, {})
        result[pk] = Demand(
            items=row.get("items", 0), customers=backed["customers"],
            companies=backed["companies"], revenue=backed["revenue"],
            feedback_customers=row.get("customers", 0), voters=backed["voters"],
            importance={level: row.get(level, 0) for level in Importance.values},
            trend=tuple(row.get(f"month{i}", 0) for i in range(MONTHS)),
        )  # fmt: skip
    return result


def _evidence(workspace: Workspace, feature_ids: Iterable[int], name: str) -> dict[int, Any]:
    """One of `_backing`'s numbers per feature id (0 where nobody backs it): one query."""
    ids = list(feature_ids)
    backing = _backing(workspace, _links(workspace, ids), {}, ids, (name,))
    return {pk: backing.get(pk, {}).get(name, 0) for pk in ids}


def distinct_customers(workspace: Workspace, feature_ids: Iterable[int]) -> dict[int, int]:
    """For planning's evidence inputs: per feature id, the number of distinct customers who
    back it, through (not archived) linked feedback or a vote for a linked portal idea, each
    customer once; 0 for a feature nobody asked for. One query, the demand page's."""
    return _evidence(workspace, feature_ids, "customers")


def linked_revenue(workspace: Workspace, feature_ids: Iterable[int]) -> dict[int, float]:
    """For planning's evidence inputs: per feature id, the summed annual revenue of the
    distinct companies of those customers, each company counted once; 0.0 for a feature
    nobody asked for. One query, the demand page's."""
    return {pk: float(v) for pk, v in _evidence(workspace, feature_ids, "revenue").items()}


# --- the demand table and its CSV ------------------------------------------------------------


@dataclass(frozen=True)
class DemandRow:
    feature: Feature
    demand: Demand


def _ranking(
    workspace: Workspace, links: QuerySet[FeedbackLink], filters: dict[str, Any], order: str
) -> list[int]:
    """Ids of the features with demand, highest `order` first: one query for that number."""
    check.choice(order, "order", ORDERS)
    if order in BACKING:
        backing = _backing(workspace, links, filters, None, (order,))
        scores = {pk: numbers[order] for pk, numbers in backing.items()}
    else:  # features backed by supporters alone rank after every one with items
        items = links.values("feature_id").annotate(n=Count("pk")).values_list("feature_id", "n")
        scores = dict.fromkeys(_backing(workspace, links, filters, None, ()), 0) | dict(items)
    return sorted(scores, key=lambda pk: (-scores[pk], pk))


def demand_table(
    access: Access, chosen: DemandFilters, order: str = "items", offset: int = 0,
    limit: int | None = None,
) -> tuple[list[DemandRow], int]:  # fmt: skip
    """The features with demand under the filters, highest `order` first: the rows from
    `offset` (all of them without `limit`), and how many there are. Ranks with the one number
    it sorts by, then computes the whole demand of the rows shown only."""
    filters = asdict(chosen)
    ranked = _ranking(access.workspace, _links(access.workspace, None, **filters), filters, order)
    shown = ranked[offset:] if limit is None else ranked[offset : offset + limit]
    table = demand(access.workspace, None if limit is None else shown, **filters)
    features = Feature.objects.filter(workspace=access.workspace).in_bulk(shown)
    return [DemandRow(features[pk], table[pk]) for pk in shown], len(ranked)


def _cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(access: Access, chosen: DemandFilters, order: str = "items") -> tuple[str, str]:
    """(file name, CSV text) of the whole demand table under the filters."""
    rows, _ = demand_table(access, chosen, order)
    name = f"{access.workspace.slug}-demand-{timezone.localdate():%Y-%m-%d}.csv"
    return name, demand_csv(rows, chosen)


def demand_csv(rows: Iterable[DemandRow], chosen: DemandFilters) -> str:
    """The demand table as CSV: one row per feature, a column per trend month."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["feature", "title", "status", "items", "customers", "companies", "revenue",
         *Importance.values, *month_names(chosen.until), "feedback_customers", "voters"]
    )  # fmt: skip
    for row in rows:
        d = row.demand
        writer.writerow(
            [row.feature.ref, _cell(row.feature.title), row.feature.status, d.items, d.customers,
             d.companies, f"{d.revenue:.2f}", *(d.importance[k] for k in Importance.values),
             *d.trend, d.feedback_customers, d.voters]
        )  # fmt: skip
    return out.getvalue()
