"""Pages of OKRs under /w/<slug>/objectives/: the period's objectives with progress read from
their KPIs, one objective with its key results, charts, check-ins and linked work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from northline.core.access import Access
from northline.core.charts import line_chart
from northline.core.errors import DomainError, Invalid
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import WRITE

from .. import periods, progress
from ..forms import CheckInForm, InitiativeForm, KeyResultForm, LinkForm, ObjectiveForm
from ..models import KeyResult, Objective
from ..services import alignment, vision
from ..services import objectives as service
from .common import chosen_period, kpi_choices, page_context

Node = tuple[service.ObjectiveProgress, list[Any]]


def _members(access: Access) -> list[tuple[str, str]]:
    rows = access.workspace.memberships.select_related("user").order_by("user__name", "user__email")
    return [(m.user.email, str(m.user)) for m in rows]


def _parents(access: Access, exclude: Objective | None = None) -> list[tuple[str, str]]:
    rows = Objective.objects.filter(workspace=access.workspace).order_by("-starts_on", "title")
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return [(str(o.pk), f"{o.period} · {o.title}") for o in rows]


def _objective_form(
    access: Access, data: Any = None, objective: Objective | None = None, period: str = ""
) -> ObjectiveForm:
    initial: dict[str, Any] = {"period": period}
    if objective is not None:
        initial = {
            "title": objective.title, "period": objective.period,
            "description": objective.description, "parent": objective.parent_id or "",
            "owner": objective.owner.email if objective.owner else "",
        }  # fmt: skip
    return ObjectiveForm(
        data, initial=initial, members=_members(access), parents=_parents(access, objective)
    )


def _tree(measured: list[service.ObjectiveProgress]) -> list[Node]:
    """Objectives nested under their parents when those are on the same page."""
    by_id: dict[int, Node] = {m.objective.pk: (m, []) for m in measured}
    roots: list[Node] = []
    for m in measured:
        parent = by_id.get(m.objective.parent_id or 0)
        (parent[1] if parent else roots).append(by_id[m.objective.pk])
    return roots


@login_required
def objective_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The objectives overlapping a period (the current quarter unless ?period= says)."""
    access = workspace_for(request, slug)
    period, problem = chosen_period(request.GET.get("period"))
    products = list(vision.products(access))
    chosen = next((p for p in products if str(p.pk) == request.GET.get("product")), None)
    today = timezone.localdate()
    rows = service.objectives(access, product=chosen, period=period.label)
    measured = [service.objective_progress(o, today) for o in rows]
    context = page_context(
        access, "objectives", period=period, problem=problem, tree=_tree(measured),
        rule=progress.RULE, previous=periods.previous(period), following=periods.following(period),
        products=products, chosen=chosen, count=len(measured),
        form=_objective_form(access, period=period.label),
    )  # fmt: skip
    return render(request, "strategy/objectives.html", context)


@login_required
def objective_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    products = list(vision.products(access))
    form = _objective_form(access, request.POST or None, period=request.GET.get("period", ""))
    product_id = request.POST.get("product") or request.GET.get("product") or ""
    if request.method == "POST" and form.is_valid():
        try:
            product = next((p for p in products if str(p.pk) == product_id), None)
            if product is None:
                raise Invalid(
                    f"product: {product_id!r} not found; add a product on the vision board first"
                )
            fields = dict(form.cleaned_data)
            objective = service.create_objective(
                access, product, fields.pop("title"), fields.pop("period"), **fields
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Objective added; give it key results next.")
            return redirect(objective)
    context = page_context(
        access, "objectives", form=form, products=products, product_id=product_id
    )
    status = 422 if request.method == "POST" else 200
    return render(request, "strategy/objective_form.html", context, status=status)


def _chart(reading: service.Reading) -> SafeString:
    """The KPI's values in the key result's window against the straight line from start to
    target: the pace the status rule measures against."""
    kr = reading.key_result
    actual = [(p.time, p.value) for p in reading.points if p.value is not None]
    plan = [(kr.objective.starts_on, kr.start), (kr.due_on, kr.target)]
    unit = kr.kpi.unit if kr.kpi else ""
    return line_chart(
        [(kr.kpi.name if kr.kpi else "KPI", actual), ("Plan (start → target)", plan)],
        y_label=unit or "value",
    )


def _detail(
    request: HttpRequest, access: Access, objective: Objective, status: int = 200, **forms: Any
) -> HttpResponse:
    objective = service.objectives(access).get(pk=objective.pk)
    measured = service.objective_progress(objective)
    failed, failed_for = forms.get("check_in_form"), forms.get("check_in_for")
    rows = [
        (r, _chart(r) if r.key_result.kpi else None,
         failed if failed_for == r.key_result.pk else CheckInForm(auto_id=f"kr{r.key_result.pk}_%s"))
        for r in measured.readings
    ]  # fmt: skip
    links = objective.links.select_related("feature").order_by("feature__number")
    context = page_context(
        access, "objectives", objective=objective, measured=measured, rows=rows, rule=progress.RULE,
        links=links, children=objective.children.order_by("starts_on", "title"),
        kr_form=forms.get("kr_form") or KeyResultForm(kpis=kpi_choices(access)),
        link_form=forms.get("link_form") or LinkForm(),
        initiative_form=forms.get("initiative_form") or InitiativeForm(),
    )  # fmt: skip
    return render(request, "strategy/objective.html", context, status=status)


def _load(
    request: HttpRequest, slug: str, pk: int, write: bool = False
) -> tuple[Access, Objective]:
    access = workspace_for(request, slug, WRITE) if write else workspace_for(request, slug)
    return access, access.get(Objective, pk=pk)


@login_required
def objective_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, objective = _load(request, slug, pk)
    return _detail(request, access, objective)


@login_required
def objective_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, objective = _load(request, slug, pk, write=True)
    form = _objective_form(access, request.POST or None, objective)
    if request.method == "POST" and form.is_valid():
        try:
            service.update_objective(access, objective, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Objective saved.")
            return redirect(objective)
    context = page_context(access, "objectives", form=form, objective=objective)
    status = 422 if request.method == "POST" else 200
    return render(request, "strategy/objective_form.html", context, status=status)


@login_required
@require_POST
def objective_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, objective = _load(request, slug, pk, write=True)
    period = objective.period
    service.delete_objective(access, objective)
    messages.success(request, f"Deleted the objective {objective.title!r}.")
    return redirect(reverse("strategy:objectives", args=[slug]) + f"?period={period}")


@login_required
@require_POST
def key_result_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, objective = _load(request, slug, pk, write=True)
    form = KeyResultForm(request.POST, kpis=kpi_choices(access))
    if form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            service.create_key_result(access, objective, fields.pop("title"), **fields)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Key result added.")
            return redirect(objective)
    return _detail(request, access, objective, 422, kr_form=form)


@login_required
def key_result_edit(request: HttpRequest, slug: str, pk: int, kr_id: int) -> HttpResponse:
    access, objective = _load(request, slug, pk, write=True)
    kr = access.get(KeyResult, pk=kr_id, objective=objective)
    initial = {
        "title": kr.title, "kpi": str(kr.kpi_id or ""), "start": f"{kr.start:g}",
        "target": f"{kr.target:g}", "direction": kr.direction, "due_on": kr.due_on.isoformat(),
    }  # fmt: skip
    form = KeyResultForm(request.POST or None, initial=initial, kpis=kpi_choices(access))
    if request.method == "POST" and form.is_valid():
        try:
            service.update_key_result(access, kr, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
            kr.refresh_from_db()
        else:
            messages.success(request, "Key result saved.")
            return redirect(objective)
    context = page_context(access, "objectives", form=form, objective=objective, kr=kr)
    status = 422 if request.method == "POST" else 200
    return render(request, "strategy/key_result_form.html", context, status=status)


@login_required
@require_POST
def key_result_delete(request: HttpRequest, slug: str, pk: int, kr_id: int) -> HttpResponse:
    access, objective = _load(request, slug, pk, write=True)
    service.delete_key_result(access, access.get(KeyResult, pk=kr_id, objective=objective))
    messages.success(request, "Key result deleted.")
    return redirect(objective)


@login_required
@require_POST
def check_in(request: HttpRequest, slug: str, pk: int, kr_id: int) -> HttpResponse:
    access, objective = _load(request, slug, pk, write=True)
    kr = access.get(KeyResult, pk=kr_id, objective=objective)
    form = CheckInForm(request.POST, auto_id=f"kr{kr.pk}_%s")
    if form.is_valid():
        try:
            service.check_in(
                access, kr, form.cleaned_data["confidence"], form.cleaned_data["comment"]
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Checked in on {kr.title!r}.")
            return redirect(objective)
    return _detail(request, access, objective, 422, check_in_form=form, check_in_for=kr.pk)


@login_required
@require_POST
def link_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, objective = _load(request, slug, pk, write=True)
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            link = alignment.link_feature(access, objective, form.cleaned_data["feature_ref"])
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Linked {link.feature}.")
            return redirect(objective)
    return _detail(request, access, objective, 422, link_form=form)


@login_required
@require_POST
def link_remove(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    access, objective = _load(request, slug, pk, write=True)
    try:
        alignment.unlink_feature(access, objective, number)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Unlinked F-{number}.")
    return redirect(objective)


@login_required
@require_POST
def initiative_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, objective = _load(request, slug, pk, write=True)
    form = InitiativeForm(request.POST)
    if form.is_valid():
        try:
            made = alignment.create_initiative(access, objective, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(
                request, f"Created the initiative {made.ref} in planning and linked it."
            )
            return redirect(objective)
    return _detail(request, access, objective, 422, initiative_form=form)


_O = "w/<slug:slug>/objectives/<int:pk>/"
_K = _O + "key-results/<int:kr_id>/"
urlpatterns = [
    path("w/<slug:slug>/objectives/", objective_list, name="objectives"),
    path("w/<slug:slug>/objectives/new/", objective_new, name="objective_new"),
    path(_O, objective_page, name="objective"),
    path(_O + "edit/", objective_edit, name="objective_edit"),
    path(_O + "delete/", objective_delete, name="objective_delete"),
    path(_O + "key-results/", key_result_add, name="key_result_add"),
    path(_K + "edit/", key_result_edit, name="key_result_edit"),
    path(_K + "delete/", key_result_delete, name="key_result_delete"),
    path(_K + "check-ins/", check_in, name="check_in"),
    path(_O + "links/", link_add, name="link_add"),
    path(_O + "links/<int:number>/remove/", link_remove, name="link_remove"),
    path(_O + "initiatives/", initiative_add, name="initiative_add"),
]
