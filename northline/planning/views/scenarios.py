"""Pages of planning: scenarios (list, new, detail with quick edits) and their comparison."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from northline.core.access import Access
from northline.core.errors import DomainError
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import WRITE

from ..forms import choice
from ..models import Scenario, ScoringModel
from ..services import analysis, scenarios, scores
from ..services.features import feature_by_ref

PERIODS_HELP = (
    "One period per line with its capacity in person-weeks, e.g. 'Q1 2027: 40', optionally a "
    "team's cap: 'Q1 2027: 40 team=Mobile:10'."
)


class ScenarioForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    copy_from = forms.ChoiceField(required=False, label="Start from")
    periods = forms.CharField(
        required=False, label="Capacity", widget=forms.Textarea(attrs={"rows": 3}),
        help_text=PERIODS_HELP + " Empty: the capacity of the scenario it starts from.",
    )  # fmt: skip

    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice(self, "copy_from").choices = [
            ("", "Baseline"),
            *((s.pk, s.name) for s in scenarios.scenarios(access)),
        ]


class DetailsForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CapacityForm(forms.Form):
    periods = forms.CharField(
        required=False, label="Capacity", widget=forms.Textarea(attrs={"rows": 3}),
        help_text=PERIODS_HELP + " Empty: no capacity saved.",
    )  # fmt: skip


class WeightsForm(forms.Form):
    """One weight per driver of a weighted model, as this scenario uses them."""

    def __init__(self, *args: Any, model: ScoringModel, scenario: Scenario, **kwargs: Any) -> None:
        kwargs["prefix"] = f"m{model.pk}"
        super().__init__(*args, **kwargs)
        self.model = model
        own = {d["name"]: d["weight"] for d in model.drivers}
        for driver in scores.custom_drivers(model, scenario):
            self.fields[driver.name] = forms.FloatField(
                initial=driver.weight, label=driver.name.replace("_", " ").capitalize(),
                help_text=f"model: {own[driver.name]:g}",
                widget=forms.NumberInput(attrs={"class": "num", "step": "any"}),
            )  # fmt: skip


class InputForm(forms.Form):
    """One driver's estimate of one feature in the scenario."""

    feature = forms.CharField(help_text="e.g. F-12")
    driver = forms.ChoiceField()
    low = forms.FloatField(required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    likely = forms.FloatField(widget=forms.NumberInput(attrs={"step": "any"}))
    high = forms.FloatField(required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    distribution = forms.ChoiceField(choices=[("pert", "PERT"), ("triangular", "Triangular")])

    def __init__(self, *args: Any, model: ScoringModel, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice(self, "driver").choices = [
            (d.name, d.label) for d in scores.drivers_of(model, scenario)
        ]


def _model(access: Access, request: HttpRequest) -> ScoringModel | None:
    """The model named by ?model= (or the form's model), else the default; None if none."""
    chosen = request.POST.get("model") or request.GET.get("model")
    return access.get(ScoringModel, pk=chosen) if chosen else scores.default_model(access)


def _detail_url(scenario: Scenario, model: ScoringModel | None) -> str:
    url = reverse("planning:scenario", args=[scenario.workspace.slug, scenario.pk])
    return url + (f"?model={model.pk}" if model else "")


# --- list and new ----------------------------------------------------------------------------


@login_required
def scenario_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    context = {
        "access": access, "nav": "planning", "tab": "scenarios", "can_write": access.can(WRITE),
        "scenarios": scenarios.scenarios(access).select_related("created_by"),
    }  # fmt: skip
    return render(request, "planning/scenario_list.html", context)


@login_required
def scenario_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    form = ScenarioForm(request.POST or None, access=access)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source = access.get(Scenario, pk=data["copy_from"]) if data["copy_from"] else None
            scenario = scenarios.create_scenario(
                access, data["name"], description=data["description"], copy_from=source,
                periods=analysis.parse_periods(data["periods"].splitlines()) or None,
            )  # fmt: skip
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Created the scenario {scenario.name}.")
            return redirect("planning:scenario", slug, scenario.pk)
    status = 422 if request.method == "POST" else 200
    context = {"access": access, "nav": "planning", "tab": "scenarios", "form": form}
    return render(request, "planning/scenario_new.html", context, status=status)


# --- detail and quick edits ------------------------------------------------------------------


def _detail(
    request: HttpRequest, access: Access, scenario: Scenario, status: int = 200, **bound: Any
) -> HttpResponse:
    """The scenario page; `bound` replaces a blank form with one that carries errors."""
    model = _model(access, request)
    weighted = scores.models(access).filter(kind=ScoringModel.Kind.WEIGHTED)
    context: dict[str, Any] = {
        "access": access, "nav": "planning", "tab": "scenarios", "scenario": scenario,
        "can_write": access.can(WRITE), "model": model, "models": scores.models(access),
        "details_form": DetailsForm(
            initial={"name": scenario.name, "description": scenario.description}
        ),
        "capacity_form": CapacityForm(
            initial={"periods": analysis.period_lines(scenario.periods)}
        ),
        "weight_forms": [WeightsForm(model=m, scenario=scenario) for m in weighted],
    }  # fmt: skip
    if model is not None:
        context |= {
            "differences": scenarios.input_differences(access, model, None, scenario),
            "input_form": InputForm(model=model, scenario=scenario),
        }
    context |= bound
    return render(request, "planning/scenario_detail.html", context, status=status)


@login_required
def scenario_detail(request: HttpRequest, slug: str, scenario_id: int) -> HttpResponse:
    access = workspace_for(request, slug)
    return _detail(request, access, access.get(Scenario, pk=scenario_id))


@login_required
@require_POST
def scenario_edit(request: HttpRequest, slug: str, scenario_id: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    scenario = access.get(Scenario, pk=scenario_id)
    form = DetailsForm(request.POST)
    if form.is_valid():
        try:
            scenarios.update_scenario(access, scenario, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Saved the scenario {scenario.name}.")
            return redirect(_detail_url(scenario, _model(access, request)))
    scenario.refresh_from_db()
    return _detail(request, access, scenario, 422, details_form=form)


@login_required
@require_POST
def scenario_capacity(request: HttpRequest, slug: str, scenario_id: int) -> HttpResponse:
    """Set the scenario's periods and their capacity (what its plans use by default)."""
    access = workspace_for(request, slug, WRITE)
    scenario = access.get(Scenario, pk=scenario_id)
    form = CapacityForm(request.POST)
    if form.is_valid():
        try:
            periods = analysis.parse_periods(form.cleaned_data["periods"].splitlines())
            scenarios.update_scenario(access, scenario, periods=periods)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Saved the capacity of {scenario.name}.")
            return redirect(_detail_url(scenario, _model(access, request)))
    scenario.refresh_from_db()
    return _detail(request, access, scenario, 422, capacity_form=form)


@login_required
@require_POST
def scenario_weights(request: HttpRequest, slug: str, scenario_id: int) -> HttpResponse:
    """Set a weighted model's weights in this scenario (rescores the scenario)."""
    access = workspace_for(request, slug, WRITE)
    scenario = access.get(Scenario, pk=scenario_id)
    model = access.get(ScoringModel, pk=request.POST.get("weights_model"))
    form = WeightsForm(request.POST, model=model, scenario=scenario)
    if form.is_valid():
        try:
            scenarios.update_scenario(access, scenario, weights={str(model.pk): form.cleaned_data})
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Saved the weights of {model.name} in {scenario.name}.")
            return redirect(_detail_url(scenario, _model(access, request)))
    scenario.refresh_from_db()
    weighted = scores.models(access).filter(kind=ScoringModel.Kind.WEIGHTED)
    forms_ = [
        form if m.pk == model.pk else WeightsForm(model=m, scenario=scenario) for m in weighted
    ]
    return _detail(request, access, scenario, 422, weight_forms=forms_)


@login_required
@require_POST
def scenario_input(request: HttpRequest, slug: str, scenario_id: int) -> HttpResponse:
    """Set one estimate of one feature in the scenario; the baseline is not touched."""
    access = workspace_for(request, slug, WRITE)
    scenario = access.get(Scenario, pk=scenario_id)
    model = access.get(ScoringModel, pk=request.POST.get("model"))
    form = InputForm(request.POST, model=model, scenario=scenario)
    if form.is_valid():
        data = form.cleaned_data
        low = data["likely"] if data["low"] is None else data["low"]
        try:
            feature = feature_by_ref(access, data["feature"], "feature")
            scores.set_input(
                access, feature, model, data["driver"], low=low, likely=data["likely"],
                high=data["high"], distribution=data["distribution"], scenario=scenario,
            )  # fmt: skip
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Saved {feature.ref} {data['driver']} in {scenario.name}.")
            return redirect(_detail_url(scenario, model))
    return _detail(request, access, scenario, 422, input_form=form)


@login_required
@require_POST
def scenario_delete(request: HttpRequest, slug: str, scenario_id: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    scenario = access.get(Scenario, pk=scenario_id)
    scenarios.delete_scenario(access, scenario)
    messages.success(request, f"Deleted the scenario {scenario.name}.")
    return redirect("planning:scenarios", slug)


# --- compare ---------------------------------------------------------------------------------


@login_required
def scenario_compare(request: HttpRequest, slug: str) -> HttpResponse:
    """Two sides (scenarios or the baseline) next to each other under one model."""
    access = workspace_for(request, slug)
    all_scenarios = list(scenarios.scenarios(access))
    model = _model(access, request)
    a_id = request.GET.get("a", "")
    b_id = request.GET.get("b", str(all_scenarios[0].pk) if all_scenarios else "")
    side_a = access.get(Scenario, pk=a_id) if a_id else None
    side_b = access.get(Scenario, pk=b_id) if b_id else None
    only_changes = request.GET.get("changed") == "1"
    context: dict[str, Any] = {
        "access": access, "nav": "planning", "tab": "scenarios", "models": scores.models(access),
        "model": model, "scenarios": all_scenarios, "a": side_a, "b": side_b,
        "only_changes": only_changes,
        "label_a": scenarios.label(side_a), "label_b": scenarios.label(side_b),
    }  # fmt: skip
    if model is not None:
        result = scenarios.compare(access, model, side_a, side_b)
        context |= {
            "result": result,
            "rows": result.moved if only_changes else result.rows,
        }
    return render(request, "planning/scenario_compare.html", context)


urlpatterns = [
    path("w/<slug:slug>/planning/scenarios/", scenario_list, name="scenarios"),
    path("w/<slug:slug>/planning/scenarios/new/", scenario_new, name="scenario_new"),
    path("w/<slug:slug>/planning/scenarios/compare/", scenario_compare, name="scenario_compare"),
    path("w/<slug:slug>/planning/scenarios/<int:scenario_id>/", scenario_detail, name="scenario"),
    path(
        "w/<slug:slug>/planning/scenarios/<int:scenario_id>/edit/",
        scenario_edit,
        name="scenario_edit",
    ),
    path(
        "w/<slug:slug>/planning/scenarios/<int:scenario_id>/capacity/",
        scenario_capacity,
        name="scenario_capacity",
    ),
    path(
        "w/<slug:slug>/planning/scenarios/<int:scenario_id>/weights/",
        scenario_weights,
        name="scenario_weights",
    ),
    path(
        "w/<slug:slug>/planning/scenarios/<int:scenario_id>/inputs/",
        scenario_input,
        name="scenario_input",
    ),
    path(
        "w/<slug:slug>/planning/scenarios/<int:scenario_id>/delete/",
        scenario_delete,
        name="scenario_delete",
    ),
]
