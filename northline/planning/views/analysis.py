"""Pages of planning: Monte Carlo simulations (with a tornado per feature) and optimised plans.

Anyone in the workspace may look at stored runs; running one stores it, so it needs the editor
role. The forms only parse; the services validate.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from northline.core import charts
from northline.core.access import Access
from northline.core.errors import DomainError, NotFound
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import WRITE

from ..forms import choice
from ..models import PortfolioRun, Scenario, SimulationRun
from ..services import analysis, scores

PER_PAGE = 50


class RunForm(forms.Form):
    """The model and scenario a run works on."""

    model = forms.ChoiceField()
    scenario = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice(self, "model").choices = [(m.pk, m.name) for m in scores.models(access)]
        choice(self, "scenario").choices = [
            ("", "Baseline"),
            *((s.pk, s.name) for s in Scenario.objects.filter(workspace=access.workspace)),
        ]

    def chosen(self, access: Access) -> tuple[Any, Scenario | None]:
        return scores.choose(access, self.cleaned_data["model"], self.cleaned_data["scenario"])


def _number_input() -> forms.NumberInput:
    return forms.NumberInput(attrs={"class": "num"})


class SimulationForm(RunForm):
    samples = forms.IntegerField(
        initial=10_000, widget=_number_input(), help_text="100 to 100,000 draws"
    )
    top_n = forms.IntegerField(
        label="Top N", initial=10, widget=_number_input(), help_text="odds of making the top N"
    )
    seed = forms.IntegerField(
        initial=0, widget=_number_input(), help_text="the same seed gives the same run"
    )


VALUE_BASES = [
    ("mean", "Mean score (expected value)"),
    ("p10", "P10 (cautious)"),
    ("p50", "P50 (median)"),
    ("p90", "P90 (optimistic)"),
]


class PlanForm(RunForm):
    periods = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Q1 2027: 40 team=Mobile:10"}),
        help_text="One period per line with its capacity in person-weeks, optionally a team's "
        "cap (team=Mobile:10). Empty: the scenario's capacity.",
    )
    mandatory = forms.CharField(
        required=False, help_text="features that must be in, e.g. F-3, F-12"
    )
    excluded = forms.CharField(required=False, help_text="features to leave out, e.g. F-7")
    balance = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Growth: 30%"}),
        help_text="One product area per line with its minimum share of the planned effort.",
    )
    risk_budget = forms.FloatField(
        required=False,
        widget=forms.NumberInput(attrs={"class": "num", "step": "any"}),
        help_text="most person-weeks of estimate uncertainty (effort high - low) in the plan",
    )
    value_basis = forms.ChoiceField(choices=VALUE_BASES, initial="mean", label="Value")


def _refs(text: str) -> list[str]:
    return [ref for ref in re.split(r"[\s,;]+", text.strip()) if ref]


# --- simulations -----------------------------------------------------------------------------


def _simulation_initial(run: SimulationRun | None) -> dict[str, Any]:
    if run is None:
        return {}
    return {"model": run.model_id, "scenario": run.scenario_id or "", "samples": run.samples,
            "top_n": run.top_n, "seed": run.seed}  # fmt: skip


def _feature_link(access: Access, number: int, run: SimulationRun | PortfolioRun) -> str:
    query = f"?model={run.model_id}" + (f"&scenario={run.scenario_id}" if run.scenario_id else "")
    return reverse("planning:feature", args=[access.workspace.slug, number]) + query


@login_required
def simulate(request: HttpRequest, slug: str, run_id: int | None = None) -> HttpResponse:
    """The simulation form and a run's results (the latest when none is named)."""
    access = workspace_for(request, slug)
    runs = analysis.simulation_runs(access)
    run = access.get(SimulationRun, pk=run_id) if run_id else runs.first()
    form = SimulationForm(request.POST or None, access=access, initial=_simulation_initial(run))
    status = 200
    if request.method == "POST":
        access.require(WRITE)
        if form.is_valid():
            try:
                model, scenario = form.chosen(access)
                data = form.cleaned_data
                run = analysis.run_simulation(
                    access, model, scenario, samples=data["samples"], top_n=data["top_n"],
                    seed=data["seed"],
                )  # fmt: skip
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, f"Simulated {len(run.results['features'])} features.")
                return redirect("planning:simulation", slug, run.pk)
        status = 422
    context: dict[str, Any] = {
        "access": access, "nav": "planning", "tab": "simulate", "form": form, "run": run,
        "runs": runs[:10], "can_write": access.can(WRITE),
        "has_models": scores.models(access).exists(),
    }  # fmt: skip
    if run is not None:
        context |= _simulation_context(request, access, run)
    return render(request, "planning/simulation.html", context, status=status)


def _simulation_context(request: HttpRequest, access: Access, run: SimulationRun) -> dict[str, Any]:
    view = analysis.view_simulation(access, run)
    page = Paginator(view.rows, PER_PAGE).get_page(request.GET.get("page"))
    uncertain = {r.number for r in view.uncertain}
    chart = charts.interval_chart(
        [
            (f"{r.ref} {r.title}", r.p10, r.p50, r.p90, _feature_link(access, r.number, run),
             r.number in uncertain)
            for r in page
        ],
        value_label=f"{run.model.name} score",
    )  # fmt: skip
    return {"view": view, "page": page, "chart": chart, "uncertain_numbers": uncertain}


@login_required
def simulation_feature(request: HttpRequest, slug: str, run_id: int, number: int) -> HttpResponse:
    """One feature of a run: which inputs' uncertainty moves its score most (a tornado)."""
    access = workspace_for(request, slug)
    run = access.get(SimulationRun, pk=run_id)
    view = analysis.view_simulation(access, run)
    row = next((r for r in view.rows if r.number == number), None)
    if row is None:
        raise NotFound(f"feature: F-{number} was not in this simulation")
    bars = row.tornado()
    chart = charts.tornado_chart(
        [(driver, low, high) for driver, low, high, _ in bars],
        base=row.score,
        value_label=f"{run.model.name} score",
    )
    context = {
        "access": access, "nav": "planning", "tab": "simulate", "run": run, "row": row,
        "bars": bars, "chart": chart, "feature_url": _feature_link(access, number, run),
    }  # fmt: skip
    return render(request, "planning/simulation_feature.html", context)


# --- plans -----------------------------------------------------------------------------------


def _plan_initial(run: PortfolioRun | None) -> dict[str, Any]:
    if run is None:
        return {}
    c = run.constraints
    balance = "\n".join(f"{b['area']}: {round(100 * b['min_share'], 2):g}%" for b in c["balance"])
    return {
        "model": run.model_id, "scenario": run.scenario_id or "",
        "periods": analysis.period_lines(c["periods"]), "mandatory": ", ".join(c["mandatory"]),
        "excluded": ", ".join(c["excluded"]), "balance": balance,
        "risk_budget": c["risk_budget"], "value_basis": c["value_basis"],
    }  # fmt: skip


def _run_plan(access: Access, form: PlanForm) -> PortfolioRun:
    model, scenario = form.chosen(access)
    data = form.cleaned_data
    periods = analysis.parse_periods(data["periods"].splitlines())
    return analysis.run_portfolio(
        access, model, scenario, periods=periods or None, mandatory=_refs(data["mandatory"]),
        excluded=_refs(data["excluded"]),
        balance=analysis.parse_balance(data["balance"].splitlines()),
        risk_budget=data["risk_budget"], value_basis=data["value_basis"],
    )  # fmt: skip


@login_required
def plan(request: HttpRequest, slug: str, run_id: int | None = None) -> HttpResponse:
    """The plan form and a plan's result (the latest when none is named)."""
    access = workspace_for(request, slug)
    runs = analysis.portfolio_runs(access)
    run = access.get(PortfolioRun, pk=run_id) if run_id else runs.first()
    form = PlanForm(request.POST or None, access=access, initial=_plan_initial(run))
    status = 200
    if request.method == "POST":
        access.require(WRITE)
        if form.is_valid():
            try:
                run = _run_plan(access, form)
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, f"Planned {len(run.result['selected'])} features.")
                return redirect("planning:plan_run", slug, run.pk)
        status = 422
    context: dict[str, Any] = {
        "access": access, "nav": "planning", "tab": "plan", "form": form, "run": run,
        "runs": runs[:10], "can_write": access.can(WRITE),
        "has_models": scores.models(access).exists(),
    }  # fmt: skip
    if run is not None:
        view = analysis.view_plan(access, run)
        context |= {
            "view": view,
            "chart": charts.capacity_chart([(p.name, p.used, p.capacity) for p in view.periods]),
        }
    return render(request, "planning/portfolio.html", context, status=status)


urlpatterns = [
    path("w/<slug:slug>/planning/simulate/", simulate, name="simulate"),
    path("w/<slug:slug>/planning/simulate/<int:run_id>/", simulate, name="simulation"),
    path(
        "w/<slug:slug>/planning/simulate/<int:run_id>/<int:number>/",
        simulation_feature,
        name="simulation_feature",
    ),
    path("w/<slug:slug>/planning/plan/", plan, name="plan"),
    path("w/<slug:slug>/planning/plan/<int:run_id>/", plan, name="plan_run"),
]
