"""Pages of planning: the decision log, a decision with its evidence, risks and revisits.

The forms live here because only these pages use them; like every form they only parse,
and the services validate, so a page shows the same messages as the API.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from northline.core.access import Access
from northline.core.errors import DomainError
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import MANAGE, WRITE

from ..forms import choice
from ..models import Decision, Feature, PortfolioRun, Scenario, SimulationRun
from ..services import decisions as service

PER_PAGE = 50
RUN_CHOICES = 25  # the latest simulation and portfolio runs offered as evidence
DAY = {"type": "date"}


def _area(label: str, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        required=False, label=label, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )  # fmt: skip


def _date(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        required=False, label=label, help_text=help_text,
        widget=forms.DateInput(attrs=DAY, format="%Y-%m-%d"),
    )  # fmt: skip


class DecisionForm(forms.Form):
    title = forms.CharField(required=False, widget=forms.TextInput(attrs={"required": True}))
    status = forms.ChoiceField(choices=Decision.Status.choices, initial=Decision.Status.DECIDED)
    context = _area("Context", help_text="The problem, and why it needed a decision.")
    options = _area(
        "Options considered", 4,
        "One option per line; start the chosen one with *; notes after |, "
        "e.g. '* Build in-house | three months, full control'.",
    )  # fmt: skip
    outcome = _area("Outcome", help_text="What was decided and why; revisit notes add up here.")
    decided_by = forms.ChoiceField(required=False, label="Decided by")
    decided_on = _date("Decided on", "Today when left empty on a decided decision.")
    revisit_on = _date("Revisit on", "When to look at it again; not before the decision.")
    features = forms.CharField(
        required=False, label="Features (evidence)", help_text="e.g. F-3, F-12"
    )
    scenarios = forms.MultipleChoiceField(
        required=False, label="Scenarios (evidence)", widget=forms.CheckboxSelectMultiple
    )
    simulation = forms.ChoiceField(required=False, label="Simulation run (evidence)")
    portfolio = forms.ChoiceField(required=False, label="Portfolio plan (evidence)")

    def __init__(self, *args: Any, access: Access, decision: Decision | None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        workspace = access.workspace
        members = list(
            workspace.memberships.order_by("user__email").values_list("user__email", flat=True)
        )
        if decision and decision.decided_by and decision.decided_by.email not in members:
            members.append(decision.decided_by.email)  # a decider who has left the workspace
        choice(self, "decided_by").choices = [("", "—"), *((m, m) for m in members)]
        scenarios = Scenario.objects.filter(workspace=workspace)
        choice(self, "scenarios").choices = [(str(s.pk), s.name) for s in scenarios]
        runs = {
            "simulation": SimulationRun.objects.filter(workspace=workspace),
            "portfolio": PortfolioRun.objects.filter(workspace=workspace),
        }
        for name, rows in runs.items():
            current = getattr(decision, f"{name}_id", None)
            choice(self, name).choices = [("", "—"), *_runs(rows, current)]


def _runs(rows: QuerySet[Any], current: int | None) -> list[tuple[str, str]]:
    """(id, label) of the latest runs, and of the linked one when it is older."""
    rows = rows.select_related("model", "scenario")
    runs = list(rows.order_by("-id")[:RUN_CHOICES])
    if current is not None and current not in {r.pk for r in runs}:
        runs += list(rows.filter(pk=current))
    return [(str(r.pk), _run_label(r)) for r in runs]


def _run_label(run: SimulationRun | PortfolioRun) -> str:
    scenario = run.scenario.name if run.scenario else "baseline"
    return f"{run} · {run.model.name} · {scenario} · {run.created_at:%Y-%m-%d}"


class FilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *Decision.Status.choices])
    feature = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "F-12"}))
    due = forms.BooleanField(required=False, label="Due for revisit")


class RiskForm(forms.Form):
    description = forms.CharField(required=False, label="Risk")
    probability = forms.FloatField(
        label="Probability (0–1)", widget=forms.NumberInput(attrs={"step": "0.05", "class": "num"})
    )
    impact = forms.FloatField(
        label="Impact (1–5)", widget=forms.NumberInput(attrs={"step": "1", "class": "num"})
    )
    mitigation = forms.CharField(required=False)


class RevisitForm(forms.Form):
    status = forms.ChoiceField(
        label="Result",
        choices=[
            (Decision.Status.REVISITED, "It still stands (revisited)"),
            (Decision.Status.REVERSED, "Reversed"),
        ],
    )
    note = _area("What did we learn?")
    revisit_on = _date("Next revisit", "Leave empty for no further revisit.")


class FeatureLinkForm(forms.Form):
    features = forms.CharField(
        label="Feature", widget=forms.TextInput(attrs={"placeholder": "F-12"})
    )


class ScenarioLinkForm(forms.Form):
    scenarios = forms.ChoiceField(label="Scenario")


def parse_options(text: str) -> list[dict[str, Any]]:
    """'* Build in-house | three months' lines → options; '*' marks the chosen one."""
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        marked = line.strip()
        name, _, notes = marked.removeprefix("*").partition("|")
        options.append({"name": name.strip(), "notes": notes.strip(), "chosen": marked[0] == "*"})
    return options


def options_text(options: list[dict[str, Any]]) -> str:
    return "\n".join(
        ("* " if o["chosen"] else "") + o["name"] + (f" | {o['notes']}" if o["notes"] else "")
        for o in options
    )


def _fields(form: DecisionForm) -> dict[str, Any]:
    """The service's fields from a valid form."""
    data = form.cleaned_data
    return {
        **data,
        "options": parse_options(data["options"]),
        "decided_by": data["decided_by"] or None,
        "features": [ref for ref in re.split(r"[\s,;]+", data["features"]) if ref],
        "scenarios": [int(pk) for pk in data["scenarios"]],
        "simulation": int(data["simulation"]) if data["simulation"] else None,
        "portfolio": int(data["portfolio"]) if data["portfolio"] else None,
    }


def _initial(decision: Decision) -> dict[str, Any]:
    return {
        "title": decision.title, "status": decision.status, "context": decision.context,
        "options": options_text(decision.options), "outcome": decision.outcome,
        "decided_by": decision.decided_by.email if decision.decided_by else "",
        "decided_on": decision.decided_on, "revisit_on": decision.revisit_on,
        "features": ", ".join(f.ref for f in decision.features.all()),
        "scenarios": [str(s.pk) for s in decision.scenarios.all()],
        "simulation": decision.simulation_id or "", "portfolio": decision.portfolio_id or "",
    }  # fmt: skip


def _load(request: HttpRequest, slug: str, decision_id: int) -> tuple[Access, Decision]:
    """The decision for a write; the service asks for more than WRITE where it needs it."""
    access = workspace_for(request, slug, WRITE)
    return access, access.get(Decision, pk=decision_id)


# --- the log ---------------------------------------------------------------------------------


@login_required
def decision_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The log: filters, a badge on decisions due for revisit, total exposure per decision."""
    access = workspace_for(request, slug)
    filters = FilterForm(request.GET)
    rows = Decision.objects.none()
    if filters.is_valid():
        try:
            rows = service.decision_log(access, **filters.cleaned_data)
        except DomainError as error:
            show_errors(filters, error)
    page = Paginator(rows.prefetch_related("features"), PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "access": access, "nav": "planning", "tab": "decisions", "filters": filters,
        "page": page, "can_write": access.can(WRITE),
        "rows": [_row(d, today) for d in page],
    }  # fmt: skip
    return render(request, "planning/decision_list.html", context)


def _row(decision: Decision, today: Any) -> dict[str, Any]:
    total = service.total_exposure(decision)
    return {
        "decision": decision, "exposure": total, "level": service.risk_level(total),
        "due": service.is_due(decision, today),
    }  # fmt: skip


@login_required
def decision_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    initial = {"decided_by": access.user.email}
    form = DecisionForm(request.POST or None, initial=initial, access=access, decision=None)
    if request.method == "POST" and form.is_valid():
        fields = _fields(form)
        try:
            decision = service.create_decision(access, fields.pop("title"), **fields)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Recorded the decision “{decision.title}”.")
            return redirect("planning:decision", slug, decision.pk)
    return _form_page(request, access, form, None)


@login_required
def decision_edit(request: HttpRequest, slug: str, decision_id: int) -> HttpResponse:
    access, decision = _load(request, slug, decision_id)
    form = DecisionForm(
        request.POST or None, initial=_initial(decision), access=access, decision=decision
    )
    if request.method == "POST" and form.is_valid():
        try:
            service.update_decision(access, decision, **_fields(form))
        except DomainError as error:
            show_errors(form, error)
            decision.refresh_from_db()
        else:
            messages.success(request, f"Saved the decision “{decision.title}”.")
            return redirect("planning:decision", slug, decision.pk)
    return _form_page(request, access, form, decision)


def _form_page(
    request: HttpRequest, access: Access, form: DecisionForm, decision: Decision | None
) -> HttpResponse:
    context = {"access": access, "nav": "planning", "tab": "decisions", "form": form,
               "decision": decision}  # fmt: skip
    status = 422 if form.errors else 200
    return render(request, "planning/decision_form.html", context, status=status)


# --- one decision ----------------------------------------------------------------------------


@login_required
def decision_page(request: HttpRequest, slug: str, decision_id: int) -> HttpResponse:
    access = workspace_for(request, slug)
    return _detail(request, access, access.get(Decision, pk=decision_id))


def _scenario_form(access: Access, decision: Decision, data: Any = None) -> ScenarioLinkForm:
    """Offers the scenarios not linked yet."""
    form = ScenarioLinkForm(data)
    unlinked = Scenario.objects.filter(workspace=access.workspace).exclude(decisions=decision)
    choice(form, "scenarios").choices = [(str(s.pk), s.name) for s in unlinked]
    return form


def _detail(
    request: HttpRequest, access: Access, decision: Decision, status: int = 200, **posted: Any
) -> HttpResponse:
    """The decision page; `posted` carries a posted form back with its errors."""
    prefetch_related_objects(
        [decision], "risks", "scenarios",
        Prefetch("features", queryset=Feature.objects.select_related("workspace")),
    )  # fmt: skip
    total = service.total_exposure(decision)
    scenario_form = posted.get("scenario_form") or _scenario_form(access, decision)
    context = {
        "access": access, "nav": "planning", "tab": "decisions", "decision": decision,
        "risks": [(r, service.risk_level(r.exposure)) for r in decision.risks.all()],
        "exposure": total, "level": service.risk_level(total), "due": service.is_due(decision),
        "can_write": access.can(WRITE), "can_delete": access.can(MANAGE),
        "risk_form": posted.get("risk_form") or RiskForm(),
        "revisit_form": posted.get("revisit_form") or RevisitForm(),
        "feature_form": posted.get("feature_form") or FeatureLinkForm(),
        "scenario_form": scenario_form,
        "has_scenarios": bool(choice(scenario_form, "scenarios").choices),
    }  # fmt: skip
    return render(request, "planning/decision_detail.html", context, status=status)


@login_required
@require_POST
def decision_delete(request: HttpRequest, slug: str, decision_id: int) -> HttpResponse:
    access, decision = _load(request, slug, decision_id)
    service.delete_decision(access, decision)
    messages.success(request, f"Deleted the decision “{decision.title}”.")
    return redirect("planning:decisions", slug)


@login_required
@require_POST
def risk_add(request: HttpRequest, slug: str, decision_id: int) -> HttpResponse:
    access, decision = _load(request, slug, decision_id)
    form = RiskForm(request.POST)
    if form.is_valid():
        try:
            service.add_risk(access, decision, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Risk added.")
            return redirect("planning:decision", slug, decision.pk)
    return _detail(request, access, decision, 422, risk_form=form)


@login_required
@require_POST
def risk_remove(request: HttpRequest, slug: str, decision_id: int, risk_id: int) -> HttpResponse:
    access, decision = _load(request, slug, decision_id)
    service.remove_risk(access, decision, risk_id)
    messages.success(request, "Risk removed.")
    return redirect("planning:decision", slug, decision.pk)


@login_required
@require_POST
def decision_revisit(request: HttpRequest, slug: str, decision_id: int) -> HttpResponse:
    access, decision = _load(request, slug, decision_id)
    form = RevisitForm(request.POST)
    if form.is_valid():
        try:
            service.revisit(access, decision, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
            decision.refresh_from_db()
        else:
            messages.success(request, f"Marked as {decision.get_status_display().lower()}.")
            return redirect("planning:decision", slug, decision.pk)
    return _detail(request, access, decision, 422, revisit_form=form)


@login_required
@require_POST
def feature_link(request: HttpRequest, slug: str, decision_id: int) -> HttpResponse:
    access, decision = _load(request, slug, decision_id)
    form = FeatureLinkForm(request.POST)
    if form.is_valid():
        try:
            feature = service.link_feature(access, decision, form.cleaned_data["features"])
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Linked {feature.ref}.")
            return redirect("planning:decision", slug, decision.pk)
    return _detail(request, access, decision, 422, feature_form=form)


@login_required
@require_POST
def feature_unlink(request: HttpRequest, slug: str, decision_id: int, number: int) -> HttpResponse:
    access, decision = _load(request, slug, decision_id)
    service.unlink_feature(access, decision, number)
    return redirect("planning:decision", slug, decision.pk)


@login_required
@require_POST
def scenario_link(request: HttpRequest, slug: str, decision_id: int) -> HttpResponse:
    access, decision = _load(request, slug, decision_id)
    form = _scenario_form(access, decision, request.POST)
    if form.is_valid():
        try:
            scenario = service.link_scenario(access, decision, int(form.cleaned_data["scenarios"]))
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Linked the scenario {scenario.name}.")
            return redirect("planning:decision", slug, decision.pk)
    return _detail(request, access, decision, 422, scenario_form=form)


@login_required
@require_POST
def scenario_unlink(
    request: HttpRequest, slug: str, decision_id: int, scenario_id: int
) -> HttpResponse:
    access, decision = _load(request, slug, decision_id)
    service.unlink_scenario(access, decision, scenario_id)
    return redirect("planning:decision", slug, decision.pk)


_D = "w/<slug:slug>/planning/decisions/"
_ONE = _D + "<int:decision_id>/"
urlpatterns = [
    path(_D, decision_list, name="decisions"),
    path(_D + "new/", decision_new, name="decision_new"),
    path(_ONE, decision_page, name="decision"),
    path(_ONE + "edit/", decision_edit, name="decision_edit"),
    path(_ONE + "delete/", decision_delete, name="decision_delete"),
    path(_ONE + "risks/", risk_add, name="decision_risk_add"),
    path(_ONE + "risks/<int:risk_id>/remove/", risk_remove, name="decision_risk_remove"),
    path(_ONE + "revisit/", decision_revisit, name="decision_revisit"),
    path(_ONE + "features/", feature_link, name="decision_feature_link"),
    path(_ONE + "features/<int:number>/unlink/", feature_unlink, name="decision_feature_unlink"),
    path(_ONE + "scenarios/", scenario_link, name="decision_scenario_link"),
    path(
        _ONE + "scenarios/<int:scenario_id>/unlink/",
        scenario_unlink,
        name="decision_scenario_unlink",
    ),
]
