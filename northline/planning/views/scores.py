"""Pages of planning: the ranked list, the value vs effort chart, and scoring models."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from northline.core import charts
from northline.core.errors import DomainError
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import WRITE

from ..forms import ModelForm, drivers_text, parse_drivers
from ..models import Feature, ProductArea, Scenario, ScoringModel
from ..services import scores


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "1")
    return int(text) if text.isdigit() else 1


@login_required
def home(request: HttpRequest, slug: str) -> HttpResponse:
    """Features ranked by score under the chosen model and scenario, with breakdowns."""
    access = workspace_for(request, slug)
    models = list(scores.models(access))
    context: dict[str, Any] = {
        "access": access, "nav": "planning", "tab": "ranked", "models": models,
        "scenarios": Scenario.objects.filter(workspace=access.workspace),
        "product_areas": ProductArea.objects.filter(workspace=access.workspace),
        "statuses": Feature.Status.choices, "can_write": access.can(WRITE),
        "status": request.GET.get("status", ""), "area_filter": request.GET.get("area", ""),
        "q": request.GET.get("q", ""),
    }  # fmt: skip
    if models:
        model, scenario = scores.choose(
            access, request.GET.get("model"), request.GET.get("scenario")
        )
        area = context["area_filter"]
        page = scores.ranked(
            access, model, scenario, status=context["status"],
            area=int(area) if area.isdigit() else None, query=context["q"],
            page=_page_number(request),
        )  # fmt: skip
        rows = [(row, scores.explain(row.breakdown) if row.breakdown else []) for row in page.rows]
        context |= {"model": model, "scenario": scenario, "page": page, "rows": rows,
                    "drivers": scores.drivers_of(model, scenario)}  # fmt: skip
    return render(request, "planning/home.html", context)


CHART_LIMIT = 150  # points on the two-by-two: beyond that labels and whiskers become noise


@login_required
def chart(request: HttpRequest, slug: str) -> HttpResponse:
    """Value (the score's numerator) against effort, with whiskers over the estimate ranges."""
    access = workspace_for(request, slug)
    context: dict[str, Any] = {"access": access, "nav": "planning", "tab": "chart",
                               "models": list(scores.models(access))}  # fmt: skip
    if context["models"]:
        model, scenario = scores.choose(
            access, request.GET.get("model"), request.GET.get("scenario")
        )
        effort = scores.effort_driver(model)
        points = scores.value_effort(access, model, scenario, limit=CHART_LIMIT) if effort else []
        context |= {
            "model": model, "scenario": scenario, "effort": effort, "count": len(points),
            "limit": CHART_LIMIT,
            "chart": charts.quadrant_chart(
                [(p.feature.ref + " " + p.feature.title, p.effort, p.value, p.effort_low,
                  p.effort_high, p.value_low, p.value_high, p.feature.get_absolute_url())
                 for p in points],
                x_label="effort (person-weeks)", y_label="value",
            ) if points else "",
        }  # fmt: skip
    return render(request, "planning/chart.html", context)


@login_required
def models_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    form = ModelForm(request.POST or None)
    if request.method == "POST":
        access.require(WRITE)
        if form.is_valid():
            data = form.cleaned_data
            try:
                scores.create_model(
                    access, data["name"], data["kind"], drivers=parse_drivers(data["drivers"]),
                    is_default=data["is_default"],
                )  # fmt: skip
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, f"Created the scoring model {data['name']}.")
                return redirect("planning:models", slug)
    rows = [
        (m, scores.drivers_of(m), drivers_text(m.drivers) if m.drivers else "")
        for m in scores.models(access)
    ]
    context = {"access": access, "nav": "planning", "tab": "models", "form": form, "rows": rows,
               "can_write": access.can(WRITE)}  # fmt: skip
    return render(request, "planning/models.html", context)


@login_required
@require_POST
def model_update(request: HttpRequest, slug: str, model_id: int) -> HttpResponse:
    """Make default, or change a weighted model's drivers (rescores every feature)."""
    access = workspace_for(request, slug, WRITE)
    model = access.get(ScoringModel, pk=model_id)
    try:
        if "drivers" in request.POST:
            scores.update_model(access, model, drivers=parse_drivers(request.POST["drivers"]))
        else:
            scores.update_model(access, model, is_default=True)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Saved {model.name}.")
    return redirect("planning:models", slug)


@login_required
@require_POST
def model_delete(request: HttpRequest, slug: str, model_id: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    model = access.get(ScoringModel, pk=model_id)
    scores.delete_model(access, model)
    messages.success(request, f"Deleted the scoring model {model.name}.")
    return redirect("planning:models", slug)


urlpatterns = [
    path("w/<slug:slug>/planning/", home, name="home"),
    path("w/<slug:slug>/planning/chart/", chart, name="chart"),
    path("w/<slug:slug>/planning/models/", models_page, name="models"),
    path("w/<slug:slug>/planning/models/<int:model_id>/", model_update, name="model_update"),
    path("w/<slug:slug>/planning/models/<int:model_id>/delete/", model_delete, name="model_delete"),
]
