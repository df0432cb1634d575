"""Demand per feature: how many feedback items ask for it, from how many customers and
companies, how much annual revenue those companies bring, how important they said it is, and
the trend over the last 12 months; filterable by segment, plan, source and dates; as CSV.

Everything is aggregated in SQL over `FeedbackLink` alone (it carries copies of the feedback's
customer, company, source, time and archived flag), through one covering index: one grouped
query for the counts and the trend, and one for revenue, whose subquery sums each company once
however many of its items ask for the feature. Archived feedback does not count. The demand
table ranks all features by the one number it sorts by, then computes the rest for the rows
it shows.

Planning reads two of these numbers as evidence inputs ("reach = distinct customers or summed
revenue of linked feedback"): see `distinct_customers` and `linked_revenue`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, DecimalField, Func, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from northline.accounts.models import Workspace
from northline.core.access import Access
from northline.planning.models import Feature

from ..models import Company, Feedback, FeedbackLink
from . import fields as check
from .fields import Errors

MONTHS = 12
Importance = FeedbackLink.Importance
ORDERS = ("items", "customers", "companies", "revenue")
METRICS = {
    "items": Count("pk"),
    "customers": Count("customer", distinct=True),
    "companies": Count("company", distinct=True),
}


@dataclass(frozen=True)
class Demand:
    """One feature's demand. `revenue` sums the annual revenue of the distinct companies;
    `trend` counts items per calendar month, the last 12 months, oldest first."""

    items: int = 0
    customers: int = 0
    companies: int = 0
    revenue: float = 0.0
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
    if since:
        rows = rows.filter(received_at__gte=_start(since))
    if isinstance(until, datetime):
        rows = rows.filter(received_at__lte=_start(until))
    elif until:
        rows = rows.filter(received_at__lt=_start(until + timedelta(days=1)))
    return rows.order_by()


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


def _revenue(links: QuerySet[FeedbackLink]) -> dict[int, float]:
    """Summed revenue of the distinct companies behind each feature's links: per feature, a
    correlated subquery sums the companies whose id is IN that feature's links, so a company
    counts once however many of its items ask (SUM as a plain function: one row, no GROUP BY)."""
    companies = Company.objects.filter(
        pk__in=links.filter(feature=OuterRef(OuterRef("pk"))).values("company_id")
    )
    total = companies.order_by().annotate(total=Func("revenue", function="SUM")).values("total")
    rows = (
        Feature.objects.filter(pk__in=links.values("feature_id"))
        .annotate(revenue=Subquery(total[:1], output_field=DecimalField()))
        .order_by()
        .values_list("pk", "revenue")
    )
    return {pk: float(revenue or 0) for pk, revenue in rows}


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
    feature with at least one counted link. Two queries, whatever the number of feedback."""
    ids = None if feature_ids is None else list(feature_ids)
    links = _links(
        workspace, ids, segment=segment, plan=plan, source=source, since=since, until=until
    )
    bounds = [_start(day) for day in months(until)]
    counts: dict[str, Any] = dict(METRICS)
    for level in Importance.values:
        counts[level] = Count("pk", filter=Q(importance=level))
    for i in range(MONTHS):
        window = Q(received_at__gte=bounds[i], received_at__lt=bounds[i + 1])
        counts[f"month{i}"] = Count("pk", filter=window)
    rows = {row.pop("feature_id"): row for row in links.values("feature_id").annotate(**counts)}
    revenue = _revenue(links) if rows else {}
    result = dict.fromkeys(ids, Demand()) if ids is not None else {}
    for pk, row in rows.items():
        result[pk] = Demand(
            items=row["items"], customers=row["customers"], companies=row["companies"],
            revenue=revenue.get(pk, 0.0),
            importance={level: row[level] for level in Importance.values},
            trend=tuple(row[f"month{i}"] for i in range(MONTHS)),
        )  # fmt: skip
    return result


def distinct_customers(workspace: Workspace, feature_ids: Iterable[int]) -> dict[int, int]:
    """For planning's evidence inputs: per feature id, the number of distinct customers whose
    (not archived) feedback is linked to it; 0 for a feature nobody asked for. One query."""
    ids = list(feature_ids)
    rows = (
        _links(workspace, ids)
        .values("feature_id")
        .annotate(n=METRICS["customers"])
        .values_list("feature_id", "n")
    )
    return dict.fromkeys(ids, 0) | dict(rows)


def linked_revenue(workspace: Workspace, feature_ids: Iterable[int]) -> dict[int, float]:
    """For planning's evidence inputs: per feature id, the summed annual revenue of the
    distinct companies whose (not archived) feedback is linked to it, each company counted
    once; 0.0 for a feature nobody asked for. One query."""
    ids = list(feature_ids)
    return dict.fromkeys(ids, 0.0) | _revenue(_links(workspace, ids))


# --- the demand table and its CSV ------------------------------------------------------------


@dataclass(frozen=True)
class DemandRow:
    feature: Feature
    demand: Demand


def _ranking(links: QuerySet[FeedbackLink], order: str) -> list[int]:
    """Ids of the features with demand, highest `order` first: one query for that number."""
    check.choice(order, "order", ORDERS)
    if order == "revenue":
        scores = _revenue(links)
    else:
        rows = links.values("feature_id").annotate(n=METRICS[order]).values_list("feature_id", "n")
        scores = dict(rows)
    return sorted(scores, key=lambda pk: (-scores[pk], pk))


def demand_table(
    access: Access, chosen: DemandFilters, order: str = "items", offset: int = 0,
    limit: int | None = None,
) -> tuple[list[DemandRow], int]:  # fmt: skip
    """The features with demand under the filters, highest `order` first: the rows from
    `offset` (all of them without `limit`), and how many there are. Ranks with the one number
    it sorts by, then computes the whole demand of the rows shown only."""
    filters = asdict(chosen)
    ranked = _ranking(_links(access.workspace, None, **filters), order)
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
         *Importance.values, *month_names(chosen.until)]
    )  # fmt: skip
    for row in rows:
        d = row.demand
        writer.writerow(
            [row.feature.ref, _cell(row.feature.title), row.feature.status, d.items, d.customers,
             d.companies, f"{d.revenue:.2f}", *(d.importance[k] for k in Importance.values),
             *d.trend]
        )  # fmt: skip
    return out.getvalue()
