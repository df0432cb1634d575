"""Pages of insights under /w/<slug>/insights/: the feedback inbox, a feedback item (quotes,
links to features, triage), the intake form, customers, companies and demand per feature."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from northline.core.access import Access
from northline.core.errors import DomainError, Invalid
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import WRITE

from . import views_text as text_views
from .forms import CompanyForm, CustomerForm, FeedbackForm, HighlightForm, LinkForm, TriageForm
from .models import Company, Customer, Feedback, Highlight
from .services import customers as people
from .services import demand as demand_service
from .services import feedback as service
from .services import links

PER_PAGE = 50
TAB_LABELS = {"open": "Open", **dict(Feedback.Status.choices), "all": "All"}
# Service fields that a form shows under another name.
FORM_FIELDS = {
    "customer.email": "customer_email",
    "customer.name": "customer_name",
    "company.domain": "company",
    "company.name": "company",
}


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    number: int
    pages: int
    total: int
    more: bool = False  # more rows than `total` (a capped count): pages go on while full
    open_ended: bool = False  # `more`, and this page is full: how many pages is not known


def paginate(
    rows: QuerySet[Any] | Sequence[Any], total: int, number: str | None, more: bool = False
) -> Page:
    """One page of `rows`, whose `total` the caller already counted (in SQL); `more`: the
    total is a cap that the rows exceed, so pages past it are still served."""
    pages = max(1, math.ceil(total / PER_PAGE))
    wanted = int(number) if number and number.isdigit() else 1
    page = max(wanted, 1) if more else min(max(wanted, 1), pages)
    start = (page - 1) * PER_PAGE
    found = list(rows[start : start + PER_PAGE])
    open_ended = more and len(found) == PER_PAGE
    if more:
        pages = max(pages, page + 1 if open_ended else page)
    return Page(found, page, pages, total, more, open_ended)


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string minus `names`, for links that change only those."""
    query: QueryDict = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def renamed(error: DomainError) -> DomainError:
    """The error with "customer.email: ..." put as "customer_email: ...", to sit by its field."""
    renamed_errors = []
    for message in error.errors or [error.message]:
        field, _, text = message.partition(": ")
        renamed_errors.append(f"{FORM_FIELDS[field]}: {text}" if field in FORM_FIELDS else message)
    return type(error)(*renamed_errors)


def page_context(access: Access, tab: str, **extra: Any) -> dict[str, Any]:
    return {"access": access, "nav": "insights", "tab": tab, "can_write": access.can(WRITE)} | extra


# --- inbox -----------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    get = request.GET
    status = get.get("status", "open")
    status = status if status in service.TABS else "open"
    problem = None
    try:
        chosen = service.filters(
            access, source=get.get("source", ""), tag=get.get("tag", ""),
            customer=get.get("customer"), company=get.get("company"),
            feature=get.get("feature", ""), assignee=get.get("assignee", ""), q=get.get("q", ""),
            kind=get.get("type", ""), sentiment=get.get("sentiment", ""),
            language=get.get("language", ""), theme=get.get("theme"),
        )  # fmt: skip
    except DomainError as error:
        chosen, problem = service.Filters(), error
    counts = service.status_counts(access, chosen)
    number = get.get("page")
    until = PER_PAGE * max(int(number) if number and number.isdigit() else 1, 1)  # at most
    rows = service.feedback_list(access, chosen, status, counts, until=until)
    page = paginate(rows, counts[status], number, more=status in counts.capped)
    context = page_context(
        access, "inbox", page=page, status=status, problem=problem, chosen=chosen,
        tabs=[(key, TAB_LABELS[key], shown(counts, key)) for key in service.TABS],
        count_shown=shown(counts, status),
        sources=Feedback.Source.choices, values=get,
        tab_query=query_without(request, "status", "page"),
        page_query=query_without(request, "page"),
        filtered=any(get.get(key) for key in FILTERS),
    ) | text_views.filter_choices(access)  # fmt: skip
    return render(request, "insights/inbox.html", context)


def shown(counts: service.TabCounts, tab: str) -> str:
    """A tab's count as the page shows it: "10,000+" past a search's cap."""
    return f"{counts[tab]:,}+" if tab in counts.capped else str(counts[tab])


FILTERS = (
    "q", "source", "tag", "customer", "company", "feature", "assignee", "type", "sentiment",
    "language", "theme",
)  # fmt: skip


# --- one feedback item -----------------------------------------------------------------------


def marked(text: str, highlights: list[Highlight]) -> list[tuple[str, bool]]:
    """The text cut into (piece, highlighted) runs; overlapping highlights merge."""
    cuts = sorted({0, len(text), *(h.start for h in highlights), *(h.end for h in highlights)})
    runs: list[tuple[str, bool]] = []
    for start, end in pairwise(cuts):
        inside = any(h.start <= start and end <= h.end for h in highlights)
        if runs and runs[-1][1] == inside:
            runs[-1] = (runs[-1][0] + text[start:end], inside)
        else:
            runs.append((text[start:end], inside))
    return runs


def members(access: Access) -> list[tuple[str, str]]:
    rows = access.workspace.memberships.select_related("user").order_by("user__name", "user__email")
    return [(m.user.email, str(m.user)) for m in rows]


def detail(
    request: HttpRequest, access: Access, feedback: Feedback, status: int = 200, **forms: Any
) -> HttpResponse:
    """The feedback page; `forms` are bound forms to show with their errors."""
    highlights = list(feedback.highlights.all())
    initial = {
        "status": feedback.status,
        "assignee": feedback.assignee.email if feedback.assignee else "",
    }
    context = page_context(
        access, "inbox", feedback=feedback, runs=marked(feedback.text, highlights),
        highlights=highlights, tags=feedback.tags.all(),
        links=feedback.links.select_related("feature", "highlight"),
        triage_form=forms.get("triage_form") or TriageForm(initial=initial, members=members(access)),
        highlight_form=forms.get("highlight_form") or HighlightForm(),
        link_form=forms.get("link_form") or LinkForm(highlights=highlights),
    ) | text_views.text_context(access, feedback, forms.get("processing_problem"))  # fmt: skip
    return render(request, "insights/feedback.html", context, status=status)


def load(request: HttpRequest, slug: str, pk: int, write: bool = False) -> tuple[Access, Feedback]:
    access = workspace_for(request, slug, WRITE) if write else workspace_for(request, slug)
    return access, access.get(Feedback, pk=pk)


@login_required
def feedback_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, feedback = load(request, slug, pk)
    return detail(request, access, feedback)


@login_required
def feedback_new(request: HttpRequest, slug: str) -> HttpResponse:
    """The web form intake: one item, typed or pasted by a member of the team."""
    access = workspace_for(request, slug, WRITE)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            feedback, _ = service.add_feedback(access, form.fields_for_service())
        except DomainError as error:
            show_errors(form, renamed(error))
        else:
            messages.success(request, "Feedback added.")
            if "another" in request.POST:
                return redirect("insights:feedback_new", slug)
            return redirect(feedback)
    context = page_context(access, "inbox", form=form)
    return render(request, "insights/feedback_form.html", context)


@login_required
def feedback_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, feedback = load(request, slug, pk, write=True)
    form = FeedbackForm(request.POST or None, initial=FeedbackForm.initial_of(feedback))
    if request.method == "POST" and form.is_valid():
        try:
            service.update_feedback(access, feedback, **form.fields_for_service(form.changed_data))
        except DomainError as error:
            show_errors(form, renamed(error))
            feedback.refresh_from_db()
        else:
            messages.success(request, "Feedback saved.")
            return redirect(feedback)
    context = page_context(access, "inbox", form=form, feedback=feedback)
    return render(request, "insights/feedback_form.html", context)


@login_required
@require_POST
def feedback_triage(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, feedback = load(request, slug, pk, write=True)
    form = TriageForm(request.POST, members=members(access))
    if form.is_valid():
        try:
            service.update_feedback(access, feedback, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Feedback is {feedback.get_status_display().lower()}.")
            return redirect(feedback)
    feedback.refresh_from_db()
    return detail(request, access, feedback, 422, triage_form=form)


@login_required
@require_POST
def highlight_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, feedback = load(request, slug, pk, write=True)
    form = HighlightForm(request.POST)
    if form.is_valid():
        try:
            links.add_highlight(access, feedback, quote=form.cleaned_data["quote"])
        except DomainError as error:
            show_errors(form, error)
        else:
            return redirect(feedback)
    return detail(request, access, feedback, 422, highlight_form=form)


@login_required
@require_POST
def highlight_remove(request: HttpRequest, slug: str, pk: int, highlight_id: int) -> HttpResponse:
    access, feedback = load(request, slug, pk, write=True)
    links.remove_highlight(access, access.get(Highlight, pk=highlight_id, feedback=feedback))
    return redirect(feedback)


@login_required
@require_POST
def link_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, feedback = load(request, slug, pk, write=True)
    form = LinkForm(request.POST, highlights=feedback.highlights.all())
    if form.is_valid():
        data = form.cleaned_data
        try:
            link, _ = links.link_feature(
                access, feedback, data["feature"], importance=data["importance"],
                highlight=data["highlight"] or None,
            )  # fmt: skip
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Linked to {link.feature.ref} {link.feature.title}.")
            return redirect(feedback)
    return detail(request, access, feedback, 422, link_form=form)


@login_required
@require_POST
def link_remove(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    access, feedback = load(request, slug, pk, write=True)
    links.unlink_feature(access, feedback, number)
    messages.success(request, f"Unlinked from F-{number}.")
    return redirect(feedback)


# --- customers and companies -----------------------------------------------------------------


def _with_counts(request: HttpRequest, rows: QuerySet[Any], field: str) -> Page:
    """One page of customers or companies, each paired with its feedback count."""
    page = paginate(rows, rows.count(), request.GET.get("page"))
    counts = people.feedback_counts(field, [row.pk for row in page.rows])
    return Page(
        [(row, counts.get(row.pk, 0)) for row in page.rows], page.number, page.pages, page.total
    )


def _recent_feedback(**lookup: Any) -> QuerySet[Feedback]:
    rows = Feedback.objects.filter(**lookup).exclude(status=Feedback.Status.ARCHIVED)
    return rows.select_related("customer").order_by("-received_at", "-id")[:20]


@login_required
def customers_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    form = CustomerForm(request.POST or None)
    if request.method == "POST":
        access.require(WRITE)
        if form.is_valid() and (customer := _save_customer(access, form)) is not None:
            messages.success(request, f"Added {customer}.")
            return redirect(customer)
    q = request.GET.get("q", "")
    page = _with_counts(request, people.customers(access, q=q), "customer")
    context = page_context(
        access, "customers", form=form, page=page, q=q,
        page_query=query_without(request, "page"),
    )  # fmt: skip
    return render(request, "insights/customers.html", context)


def _save_customer(access: Access, form: CustomerForm, customer: Customer | None = None) -> Any:
    """Create or update from the form; None (with errors on the form) when the service refuses."""
    data = dict(form.cleaned_data)
    try:
        data["company"] = people.find_company(access, data["company"])
        if customer is None:
            if data["company"] is None:  # a new customer joins the company of their e-mail
                data.pop("company")
            return people.create_customer(access, **data)
        return people.update_customer(access, customer, **data)
    except DomainError as error:
        show_errors(form, error)
        return None


@login_required
def customer_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug)
    customer = access.get(Customer, pk=pk)
    company = customer.company
    initial = {
        "name": customer.name, "email": customer.email, "external_id": customer.external_id,
        "company": (company.domain or company.name) if company else "",
    }  # fmt: skip
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST":
        access.require(WRITE)
        if form.is_valid() and _save_customer(access, form, customer) is not None:
            messages.success(request, "Customer saved.")
            return redirect(customer)
        customer.refresh_from_db()
    context = page_context(
        access, "customers", customer=customer, form=form,
        feedback=_recent_feedback(customer=customer),
        count=people.feedback_counts("customer", [customer.pk]).get(customer.pk, 0),
    )  # fmt: skip
    return render(request, "insights/customer.html", context)


@login_required
@require_POST
def customer_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    customer = access.get(Customer, pk=pk)
    people.delete_customer(access, customer)
    messages.success(request, f"Deleted {customer}; their feedback stays.")
    return redirect("insights:customers", slug)


@login_required
def companies_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    form = CompanyForm(request.POST or None)
    if request.method == "POST":
        access.require(WRITE)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            try:
                company = people.create_company(access, fields.pop("name"), **fields)
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, f"Added {company}.")
                return redirect(company)
    get = request.GET
    rows = people.companies(
        access, q=get.get("q", ""), segment=get.get("segment", ""), plan=get.get("plan", "")
    )
    page = _with_counts(request, rows, "company")
    segments, plans = people.segments_and_plans(access)
    context = page_context(
        access, "companies", form=form, page=page, values=get,
        segments=segments, plans=plans, page_query=query_without(request, "page"),
    )  # fmt: skip
    return render(request, "insights/companies.html", context)


@login_required
def company_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug)
    company = access.get(Company, pk=pk)
    initial = {
        name: getattr(company, name)
        for name in ("name", "domain", "segment", "plan", "revenue", "external_id")
    } | {"attributes": CompanyForm.attributes_text(company.attributes)}
    form = CompanyForm(request.POST or None, initial=initial)
    if request.method == "POST":
        access.require(WRITE)
        if form.is_valid():
            try:
                people.update_company(access, company, **form.cleaned_data)
            except DomainError as error:
                show_errors(form, error)
                company.refresh_from_db()
            else:
                messages.success(request, "Company saved.")
                return redirect(company)
    members_of = people.customers(access, company=company)
    context = page_context(
        access, "companies", company=company, form=form,
        customers=members_of[:50], customer_count=members_of.count(),
        feedback=_recent_feedback(company=company),
        count=people.feedback_counts("company", [company.pk]).get(company.pk, 0),
    )  # fmt: skip
    return render(request, "insights/company.html", context)


@login_required
@require_POST
def company_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    company = access.get(Company, pk=pk)
    people.delete_company(access, company)
    messages.success(request, f"Deleted {company}; its customers and feedback stay.")
    return redirect("insights:companies", slug)


# --- demand ----------------------------------------------------------------------------------


def _demand_filters(request: HttpRequest) -> tuple[demand_service.DemandFilters, str]:
    get = request.GET
    order = get.get("order", "items")
    chosen = demand_service.DemandFilters.parse(
        segment=get.get("segment", ""), plan=get.get("plan", ""), source=get.get("source", ""),
        since=get.get("since", ""), until=get.get("until", ""),
    )  # fmt: skip
    return chosen, order if order in demand_service.ORDERS else "items"


def sparkline(trend: tuple[int, ...], names: list[str]) -> list[tuple[str, int, int]]:
    """(month, items, bar height in %) per month of a trend."""
    top = max(trend) or 1
    return [(name, n, round(100 * n / top)) for name, n in zip(names, trend, strict=True)]


@login_required
def demand_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    number = request.GET.get("page", "")
    page_number = max(int(number), 1) if number.isdigit() else 1
    problem: Invalid | None = None
    rows: list[demand_service.DemandRow] = []
    total = 0
    try:
        chosen, order = _demand_filters(request)
        rows, total = demand_service.demand_table(
            access, chosen, order, offset=(page_number - 1) * PER_PAGE, limit=PER_PAGE
        )
    except Invalid as error:
        chosen, order, problem = demand_service.DemandFilters(), "items", error
    names = demand_service.month_names(chosen.until)
    page = Page(rows, page_number, max(1, math.ceil(total / PER_PAGE)), total)
    segments, plans = people.segments_and_plans(access)
    context = page_context(
        access, "demand", page=page, problem=problem, order=order, values=request.GET,
        segments=segments, plans=plans, sources=Feedback.Source.choices,
        orders=[(key, key.capitalize()) for key in demand_service.ORDERS],
        lines=[(row, sparkline(row.demand.trend, names)) for row in rows],
        first_month=names[0], last_month=names[-1],
        export_query=query_without(request, "page"), page_query=query_without(request, "page"),
    )  # fmt: skip
    return render(request, "insights/demand.html", context)


@login_required
def demand_export(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    name, text = demand_service.export_csv(access, *_demand_filters(request))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
