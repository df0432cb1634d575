"""JSON API of insights: feedback intake (one item or many, idempotent by source and external
id), triage, highlights and links to features; customers and companies; demand per feature."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from northline.core.access import Access
from northline.core.api import workspace_access
from northline.core.roles import READ, WRITE, Role

from .models import Company, Customer, Feedback, FeedbackLink, Highlight
from .services import customers as people
from .services import demand as demand_service
from .services import feedback as service
from .services import fields as check
from .services import links

router = Router(tags=["insights"])
W = "/workspaces/{slug}"
MAX_LIMIT = 200


# --- schemas ---------------------------------------------------------------------------------


class CompanyPatch(Schema):
    name: str | None = None
    domain: str | None = None
    segment: str | None = None
    plan: str | None = None
    revenue: Decimal | None = None
    attributes: dict[str, Any] | None = None
    external_id: str | None = None


class CompanyIn(CompanyPatch):
    name: str


class CompanyRef(CompanyPatch):
    """An existing company by id, or one found by external_id, domain or name (created from
    these fields when none matches)."""

    id: int | None = None


class CustomerPatch(Schema):
    name: str | None = None
    email: str | None = None
    external_id: str | None = None
    company: CompanyRef | None = None


class CustomerRef(CustomerPatch):
    """An existing customer by id, or one found by external_id or email (created when none
    matches)."""

    id: int | None = None


class FeedbackPatch(Schema):
    text: str | None = None
    title: str | None = None
    source: str | None = None
    received_at: datetime | None = None
    rating: int | None = None
    external_url: str | None = None
    external_id: str | None = None
    tags: list[str] | None = None
    customer: CustomerRef | None = None
    company: CompanyRef | None = None
    status: str | None = None
    assignee: str | None = None


class FeedbackIn(FeedbackPatch):
    text: str


class BulkIn(Schema):
    """`items`: objects with the fields of a single item (checked here, so that errors name
    the item: "items[3].rating: ...")."""

    items: list[Any]


class BulkOut(Schema):
    created: int
    updated: int
    ids: list[int]


class CompanyBrief(Schema):
    id: int
    name: str
    domain: str


class CustomerBrief(Schema):
    id: int
    name: str
    email: str
    external_id: str


class HighlightIn(Schema):
    """Offsets into the text (Unicode code points), or only a quote to find in it."""

    start: int | None = None
    end: int | None = None
    quote: str = ""


class HighlightOut(Schema):
    id: int
    start: int
    end: int
    quote: str


class LinkIn(Schema):
    feature: str
    importance: str = FeedbackLink.Importance.IMPORTANT.value
    highlight: int | None = None


class LinkOut(Schema):
    feature: str
    title: str
    importance: str
    highlight: int | None


class FeedbackOut(Schema):
    id: int
    title: str
    text: str
    source: str
    status: str
    received_at: datetime
    created_at: datetime
    updated_at: datetime
    rating: int | None
    external_url: str
    external_id: str
    tags: list[str]
    customer: CustomerBrief | None
    company: CompanyBrief | None
    assignee: str | None
    highlights: list[HighlightOut]
    links: list[LinkOut]
    url: str
    # What processing found (details and "why": /feedback/{id}/related).
    type: str
    sentiment: str
    language: str
    theme: int | None


class FeedbackPage(Schema):
    count: int
    count_capped: bool = False  # more than `count` match: a search counts up to the cap
    offset: int
    limit: int
    items: list[FeedbackOut]


class CompanyOut(Schema):
    id: int
    name: str
    domain: str
    segment: str
    plan: str
    revenue: float
    attributes: dict[str, Any]
    external_id: str
    feedback: int


class CompanyPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[CompanyOut]


class CustomerOut(Schema):
    id: int
    name: str
    email: str
    external_id: str
    company: CompanyBrief | None
    feedback: int


class CustomerPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[CustomerOut]


class DemandOut(Schema):
    feature: str
    number: int
    title: str
    status: str
    items: int
    customers: int
    companies: int
    revenue: float
    feedback_customers: int
    voters: int
    importance: dict[str, int]
    trend: list[int]


class DemandTable(Schema):
    count: int
    offset: int
    limit: int
    months: list[str]
    rows: list[DemandOut]


# --- shaping ---------------------------------------------------------------------------------


def company_brief(c: Company | None) -> CompanyBrief | None:
    return CompanyBrief(id=c.pk, name=c.name, domain=c.domain) if c else None


def customer_brief(c: Customer | None) -> CustomerBrief | None:
    if c is None:
        return None
    return CustomerBrief(id=c.pk, name=c.name, email=c.email, external_id=c.external_id)


def highlight_out(h: Highlight) -> HighlightOut:
    return HighlightOut(id=h.pk, start=h.start, end=h.end, quote=h.quote)


def link_out(link: FeedbackLink) -> LinkOut:
    return LinkOut(
        feature=link.feature.ref, title=link.feature.title, importance=link.importance,
        highlight=link.highlight_id,
    )  # fmt: skip


def feedback_out(f: Feedback, request: HttpRequest) -> FeedbackOut:
    return FeedbackOut(
        id=f.pk, title=f.title, text=f.text, source=f.source, status=f.status,
        received_at=f.received_at, created_at=f.created_at, updated_at=f.updated_at,
        rating=f.rating, external_url=f.external_url, external_id=f.external_id,
        tags=[t.name for t in f.tags.all()], customer=customer_brief(f.customer),
        company=company_brief(f.company), assignee=f.assignee.email if f.assignee else None,
        highlights=[highlight_out(h) for h in f.highlights.all()],
        links=[link_out(link) for link in f.links.all()],
        url=request.build_absolute_uri(f.get_absolute_url()),
        type=f.kind, sentiment=f.sentiment, language=f.language, theme=f.theme_id,
    )  # fmt: skip


def with_details(rows: QuerySet[Feedback]) -> QuerySet[Feedback]:
    """The related rows a FeedbackOut shows, in a fixed number of queries."""
    return rows.select_related("workspace", "customer", "company", "assignee").prefetch_related(
        "tags", "highlights", Prefetch("links", FeedbackLink.objects.select_related("feature"))
    )


def one_feedback(
    request: HttpRequest, slug: str, feedback_id: int, needed: Role = READ
) -> tuple[Access, Feedback]:
    access = workspace_access(request, slug, needed)
    return access, access.get(Feedback, pk=feedback_id)


def fresh(request: HttpRequest, feedback: Feedback) -> FeedbackOut:
    return feedback_out(with_details(Feedback.objects.filter(pk=feedback.pk)).get(), request)


def company_out(c: Company, feedback: int) -> CompanyOut:
    return CompanyOut(
        id=c.pk, name=c.name, domain=c.domain, segment=c.segment, plan=c.plan,
        revenue=float(c.revenue), attributes=c.attributes, external_id=c.external_id,
        feedback=feedback,
    )  # fmt: skip


def customer_out(c: Customer, feedback: int) -> CustomerOut:
    return CustomerOut(
        id=c.pk, name=c.name, email=c.email, external_id=c.external_id,
        company=company_brief(c.company), feedback=feedback,
    )  # fmt: skip


def window(offset: int, limit: int) -> tuple[int, int]:
    return max(offset, 0), min(max(limit, 1), MAX_LIMIT)


def sent(payload: Schema) -> dict[str, Any]:
    """The fields the client sent (nested references too)."""
    return payload.dict(exclude_unset=True)


# --- feedback --------------------------------------------------------------------------------


@router.get(W + "/feedback", response=FeedbackPage, summary="Feedback, newest first")
def list_feedback(
    request: HttpRequest,
    slug: str,
    status: str = "open",
    source: str = "",
    tag: str = "",
    customer: int | None = None,
    company: int | None = None,
    feature: str = "",
    assignee: str = "",
    q: str = "",
    type: str = "",
    sentiment: str = "",
    language: str = "",
    theme: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> FeedbackPage:
    """`status`: open (all but archived), new, triaged, linked, archived or all; `feature`:
    F-12; `assignee`: an e-mail or "me"; `q`: every word begins a word of the title or text
    (its count stops at 10,000: `count_capped` is then true, more items match than `count`);
    `type`, `sentiment`, `language`, `theme`: what processing found (or the team corrected)."""
    access = workspace_access(request, slug)
    chosen = service.filters(
        access, source=source, tag=tag, customer=customer, company=company, feature=feature,
        assignee=assignee, q=q, kind=type, sentiment=sentiment, language=language, theme=theme,
    )  # fmt: skip
    counts = service.status_counts(access, chosen)
    start, size = window(offset, limit)
    rows = service.feedback_list(access, chosen, status, counts, until=start + size)
    items = [feedback_out(f, request) for f in with_details(rows)[start : start + size]]
    return FeedbackPage(
        count=counts[status], count_capped=status in counts.capped, offset=start, limit=size,
        items=items,
    )  # fmt: skip


@router.post(W + "/feedback", response={200: FeedbackOut, 201: FeedbackOut},
             summary="Send one item (201); an item with a known source + external_id updates it (200)")  # fmt: skip
def create_feedback(request: HttpRequest, slug: str, payload: FeedbackIn) -> Status[FeedbackOut]:
    access = workspace_access(request, slug, WRITE)
    feedback, created = service.add_feedback(access, sent(payload), default_source="api")
    return Status(201 if created else 200, fresh(request, feedback))


@router.post(W + "/feedback/bulk", response=BulkOut,
             summary="Send up to 1000 items, all or nothing, idempotent by source + external_id")  # fmt: skip
def bulk_feedback(request: HttpRequest, slug: str, payload: BulkIn) -> BulkOut:
    access = workspace_access(request, slug, WRITE)
    result = service.import_feedback(access, payload.items, default_source="api")
    return BulkOut(created=result.created, updated=result.updated, ids=result.ids)


@router.get(W + "/feedback/{feedback_id}", response=FeedbackOut, summary="One item")
def get_feedback(request: HttpRequest, slug: str, feedback_id: int) -> FeedbackOut:
    _, feedback = one_feedback(request, slug, feedback_id)
    return fresh(request, feedback)


@router.patch(W + "/feedback/{feedback_id}", response=FeedbackOut, summary="Change, triage")
def update_feedback(
    request: HttpRequest, slug: str, feedback_id: int, payload: FeedbackPatch
) -> FeedbackOut:
    access, feedback = one_feedback(request, slug, feedback_id, WRITE)
    service.update_feedback(access, feedback, **sent(payload))
    return fresh(request, feedback)


@router.delete(W + "/feedback/{feedback_id}", response={204: None}, summary="Archive")
def archive_feedback(request: HttpRequest, slug: str, feedback_id: int) -> Status[None]:
    access, feedback = one_feedback(request, slug, feedback_id, WRITE)
    service.archive_feedback(access, feedback)
    return Status(204, None)


@router.post(W + "/feedback/{feedback_id}/links", response={200: LinkOut, 201: LinkOut},
             summary="Link to a feature (201); linking again changes the importance (200)")  # fmt: skip
def link_feedback(
    request: HttpRequest, slug: str, feedback_id: int, payload: LinkIn
) -> Status[LinkOut]:
    access, feedback = one_feedback(request, slug, feedback_id, WRITE)
    link, created = links.link_feature(
        access, feedback, payload.feature, importance=payload.importance,
        highlight=payload.highlight,
    )  # fmt: skip
    return Status(201 if created else 200, link_out(link))


@router.delete(W + "/feedback/{feedback_id}/links/{ref}", response={204: None},
               summary="Unlink from a feature (F-12)")  # fmt: skip
def unlink_feedback(request: HttpRequest, slug: str, feedback_id: int, ref: str) -> Status[None]:
    access, feedback = one_feedback(request, slug, feedback_id, WRITE)
    links.unlink_feature(access, feedback, ref)
    return Status(204, None)


@router.get(W + "/feedback/{feedback_id}/highlights", response=list[HighlightOut])
def list_highlights(request: HttpRequest, slug: str, feedback_id: int) -> list[HighlightOut]:
    _, feedback = one_feedback(request, slug, feedback_id)
    return [highlight_out(h) for h in feedback.highlights.all()]


@router.post(W + "/feedback/{feedback_id}/highlights", response={201: HighlightOut},
             summary="Highlight a quote")  # fmt: skip
def add_highlight(
    request: HttpRequest, slug: str, feedback_id: int, payload: HighlightIn
) -> Status[HighlightOut]:
    access, feedback = one_feedback(request, slug, feedback_id, WRITE)
    highlight = links.add_highlight(
        access, feedback, start=payload.start, end=payload.end, quote=payload.quote
    )
    return Status(201, highlight_out(highlight))


@router.delete(W + "/feedback/{feedback_id}/highlights/{highlight_id}", response={204: None})
def remove_highlight(
    request: HttpRequest, slug: str, feedback_id: int, highlight_id: int
) -> Status[None]:
    access, feedback = one_feedback(request, slug, feedback_id, WRITE)
    links.remove_highlight(access, access.get(Highlight, pk=highlight_id, feedback=feedback))
    return Status(204, None)


# --- companies -------------------------------------------------------------------------------


@router.get(W + "/companies", response=CompanyPage, summary="Companies by name")
def list_companies(
    request: HttpRequest, slug: str, q: str = "", segment: str = "", plan: str = "",
    offset: int = 0, limit: int = 50,
) -> CompanyPage:  # fmt: skip
    access = workspace_access(request, slug)
    rows = people.companies(access, q=q, segment=segment, plan=plan)
    start, size = window(offset, limit)
    page = list(rows[start : start + size])
    counts = people.feedback_counts("company", [c.pk for c in page])
    items = [company_out(c, counts.get(c.pk, 0)) for c in page]
    return CompanyPage(count=rows.count(), offset=start, limit=size, items=items)


@router.post(W + "/companies", response={201: CompanyOut}, summary="Create a company")
def create_company(request: HttpRequest, slug: str, payload: CompanyIn) -> Status[CompanyOut]:
    access = workspace_access(request, slug, WRITE)
    fields = sent(payload)
    company = people.create_company(access, fields.pop("name"), **fields)
    return Status(201, company_out(company, 0))


@router.post(W + "/companies/bulk", response=BulkOut,
             summary="Create or update up to 1000 companies, all or nothing (by external_id, else domain)")  # fmt: skip
def bulk_companies(request: HttpRequest, slug: str, payload: BulkIn) -> BulkOut:
    result = people.import_companies(workspace_access(request, slug, WRITE), payload.items)
    return BulkOut(created=result.created, updated=result.updated, ids=result.ids)


def _company(company: Company) -> CompanyOut:
    return company_out(company, people.feedback_counts("company", [company.pk]).get(company.pk, 0))


@router.get(W + "/companies/{company_id}", response=CompanyOut)
def get_company(request: HttpRequest, slug: str, company_id: int) -> CompanyOut:
    access = workspace_access(request, slug)
    return _company(access.get(Company, pk=company_id))


@router.patch(W + "/companies/{company_id}", response=CompanyOut)
def update_company(
    request: HttpRequest, slug: str, company_id: int, payload: CompanyPatch
) -> CompanyOut:
    access = workspace_access(request, slug, WRITE)
    company = people.update_company(access, access.get(Company, pk=company_id), **sent(payload))
    return _company(company)


@router.delete(W + "/companies/{company_id}", response={204: None})
def delete_company(request: HttpRequest, slug: str, company_id: int) -> Status[None]:
    access = workspace_access(request, slug, WRITE)
    people.delete_company(access, access.get(Company, pk=company_id))
    return Status(204, None)


# --- customers -------------------------------------------------------------------------------


@router.get(W + "/customers", response=CustomerPage, summary="Customers by name")
def list_customers(
    request: HttpRequest, slug: str, q: str = "", company: int | None = None,
    offset: int = 0, limit: int = 50,
) -> CustomerPage:  # fmt: skip
    access = workspace_access(request, slug)
    owner = access.get(Company, pk=company) if company is not None else None
    rows = people.customers(access, q=q, company=owner)
    start, size = window(offset, limit)
    page = list(rows[start : start + size])
    counts = people.feedback_counts("customer", [c.pk for c in page])
    items = [customer_out(c, counts.get(c.pk, 0)) for c in page]
    return CustomerPage(count=rows.count(), offset=start, limit=size, items=items)


@router.post(W + "/customers", response={201: CustomerOut}, summary="Create a customer")
def create_customer(request: HttpRequest, slug: str, payload: CustomerPatch) -> Status[CustomerOut]:
    access = workspace_access(request, slug, WRITE)
    return Status(201, customer_out(people.create_customer(access, **sent(payload)), 0))


@router.post(W + "/customers/bulk", response=BulkOut,
             summary="Create or update up to 1000 customers, all or nothing (by external_id, else email)")  # fmt: skip
def bulk_customers(request: HttpRequest, slug: str, payload: BulkIn) -> BulkOut:
    result = people.import_customers(workspace_access(request, slug, WRITE), payload.items)
    return BulkOut(created=result.created, updated=result.updated, ids=result.ids)


def _customer(customer: Customer) -> CustomerOut:
    count = people.feedback_counts("customer", [customer.pk]).get(customer.pk, 0)
    return customer_out(customer, count)


@router.get(W + "/customers/{customer_id}", response=CustomerOut)
def get_customer(request: HttpRequest, slug: str, customer_id: int) -> CustomerOut:
    access = workspace_access(request, slug)
    return _customer(access.get(Customer, pk=customer_id))


@router.patch(W + "/customers/{customer_id}", response=CustomerOut)
def update_customer(
    request: HttpRequest, slug: str, customer_id: int, payload: CustomerPatch
) -> CustomerOut:
    access = workspace_access(request, slug, WRITE)
    customer = access.get(Customer, pk=customer_id)
    return _customer(people.update_customer(access, customer, **sent(payload)))


@router.delete(W + "/customers/{customer_id}", response={204: None})
def delete_customer(request: HttpRequest, slug: str, customer_id: int) -> Status[None]:
    access = workspace_access(request, slug, WRITE)
    people.delete_customer(access, access.get(Customer, pk=customer_id))
    return Status(204, None)


# --- demand ----------------------------------------------------------------------------------


@router.get(W + "/demand", response=DemandTable,
            summary="Demand per feature; ?format=csv for all rows as a spreadsheet")  # fmt: skip
def get_demand(
    request: HttpRequest, slug: str, segment: str = "", plan: str = "", source: str = "",
    since: str = "", until: str = "", order: str = "items", format: str = "json",
    offset: int = 0, limit: int = 100,
) -> Any:  # fmt: skip
    """Features with linked feedback (archived left out) or portal votes, highest `order`
    (items, customers, companies or revenue) first: items, distinct customers (of the items
    and voters of linked portal ideas, each once: `feedback_customers` and `voters` say where
    they come from) and companies, revenue of those companies (each once), importance, items
    per month (`months`). Dates like 2024-05-01, both included."""
    access = workspace_access(request, slug)
    check.choice(format, "format", ("json", "csv"))
    chosen = demand_service.DemandFilters.parse(
        segment=segment, plan=plan, source=source, since=since, until=until
    )
    if format == "csv":
        name, text = demand_service.export_csv(access, chosen, order)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    start, size = window(offset, limit)
    rows, total = demand_service.demand_table(access, chosen, order, start, size)
    return DemandTable(
        count=total, offset=start, limit=size, months=demand_service.month_names(chosen.until),
        rows=[
            DemandOut(
                feature=r.feature.ref, number=r.feature.number, title=r.feature.title,
                status=r.feature.status, items=r.demand.items, customers=r.demand.customers,
                companies=r.demand.companies, revenue=r.demand.revenue,
                feedback_customers=r.demand.feedback_customers, voters=r.demand.voters,
                importance=r.demand.importance, trend=list(r.demand.trend),
            )
            for r in rows
        ],
    )  # fmt: skip
