"""Pages of planning: a feature (details, scores, estimates, history), new feature, areas."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from northline.core import charts
from northline.core.access import Access
from northline.core.errors import DomainError, Invalid
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import WRITE

from ..forms import AreaForm, DependencyForm, EstimatesForm, FeatureForm, RoundForm
from ..models import EstimationRound, Feature, ProductArea
from ..services import estimation, evidence, scores
from ..services import features as service
from ..services.decisions import decisions_for_feature


def _feature_form(access: Access, data: Any = None, initial: Any = None) -> FeatureForm:
    areas = list(
        ProductArea.objects.filter(workspace=access.workspace).values_list("name", flat=True)
    )
    members = list(access.workspace.memberships.values_list("user__email", flat=True))
    return FeatureForm(data, initial=initial, areas=areas, members=members)


def _fields(form: FeatureForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    return {**data, "parent": data["parent"] or None, "owner": data["owner"] or None}


@login_required
def feature_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    form = _feature_form(access, request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = _fields(form)
        try:
            feature = service.create_feature(access, fields.pop("title"), **fields)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Created {feature.ref}.")
            return redirect(feature)
    context = {"access": access, "nav": "planning", "tab": "ranked", "form": form}
    return render(request, "planning/feature_new.html", context)


@login_required
def feature_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The feature with its score under the chosen model (and scenario), inputs, history."""
    access = workspace_for(request, slug)
    feature = access.get(Feature, number=number)
    return _show(request, access, feature, request.GET.get("model"), request.GET.get("scenario"))


def _show(
    request: HttpRequest,
    access: Access,
    feature: Feature,
    model_id: str | None,
    scenario_id: str | None,
    *,
    posted: EstimatesForm | None = None,
) -> HttpResponse:
    """Render the feature page; `posted` is an estimates form that failed, shown as typed."""
    models = list(scores.models(access))
    chosen = scenario = None
    if models:
        chosen, scenario = scores.choose(access, model_id, scenario_id)
    inputs_form = round_form = None
    context: dict[str, Any] = {}
    if chosen is not None:
        estimates = scores.inputs_of(chosen, scenario, [feature.pk]).get(feature.pk, {})
        drivers = scores.drivers_of(chosen, scenario)
        inputs_form = posted or EstimatesForm(drivers=drivers, current=estimates)
        round_form = RoundForm(drivers=drivers)
        context = _score_context(feature, chosen, scenario, estimates)
    context |= {
        "access": access, "nav": "planning", "tab": "ranked", "feature": feature,
        "models": models, "model": chosen, "scenario": scenario,
        "form": _feature_form(access, initial=_initial(feature)),
        "inputs_form": inputs_form, "round_form": round_form,
        "dependency_form": DependencyForm(), "can_write": access.can(WRITE),
        "children": feature.children.all(), "requires": feature.requires.all(),
        "required_by": feature.required_by.all(),
        "rounds": _rounds(access, feature),
        "decisions": decisions_for_feature(access, feature),
        "rules": [(name, text) for name, (text, _) in evidence.RULES.items()],
    }  # fmt: skip
    status = 200 if posted is None else 422
    return render(request, "planning/feature.html", context, status=status)


def _initial(feature: Feature) -> dict[str, Any]:
    return {
        "title": feature.title, "description": feature.description, "kind": feature.kind,
        "status": feature.status, "parent": feature.parent.ref if feature.parent else "",
        "area": feature.area.name if feature.area else "",
        "owner": feature.owner.email if feature.owner else "", "team": feature.team,
    }  # fmt: skip


def _score_context(
    feature: Feature, model: Any, scenario: Any, estimates: dict[str, Any]
) -> dict[str, Any]:
    breakdown = scores.current(feature, model, scenario, estimates)
    history = list(scores.history(feature, model, scenario))
    points = [(h.created_at, h.score) for h in history if h.score is not None]
    ranks = [(h.created_at, float(h.rank)) for h in history if h.rank is not None]
    return {
        "breakdown": breakdown,
        "parts": scores.explain(breakdown) if breakdown else [],
        "rank": scores.ranks_of(model, scenario, [feature.pk]).get(feature.pk),
        "history": history[-20:][::-1],
        "score_chart": charts.line_chart([("Score", points)], y_label="score") if points else "",
        "rank_chart": (
            charts.line_chart([("Rank", ranks)], y_label="rank", invert_y=True) if ranks else ""
        ),
    }


def _rounds(access: Access, feature: Feature) -> list[dict[str, Any]]:
    """Open and revealed team estimates: my vote, the count, and the spread once revealed."""
    active = feature.rounds.exclude(status=EstimationRound.Status.SETTLED).select_related("model")
    rows = []
    for r in active:
        votes = list(r.votes.select_related("user"))
        revealed = r.status == EstimationRound.Status.REVEALED
        rows.append(
            {
                "round": r,
                "votes": votes if revealed else [],
                "count": len(votes),
                "mine": next((v for v in votes if v.user_id == access.user.pk), None),
                "spread": estimation.spread(r) if revealed else None,
            }
        )
    return rows


@login_required
@require_POST
def feature_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    feature = access.get(Feature, number=number)
    form = _feature_form(access, request.POST)
    if form.is_valid():
        try:
            service.update_feature(access, feature, **_fields(form))
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Saved {feature.ref}.")
            return redirect(feature)
    feature.refresh_from_db()
    context = {"access": access, "nav": "planning", "tab": "ranked", "form": form,
               "feature": feature}  # fmt: skip
    return render(request, "planning/feature_edit.html", context, status=422)


@login_required
@require_POST
def feature_delete(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    feature = access.get(Feature, number=number)
    service.delete_feature(access, feature)
    messages.success(request, f"Deleted {feature.ref} {feature.title}.")
    return redirect("planning:home", slug)


@login_required
@require_POST
def dependency_add(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    feature = access.get(Feature, number=number)
    try:
        prerequisite = service.feature_by_ref(access, request.POST.get("requires", ""), "requires")
        service.add_dependency(access, feature, prerequisite)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{feature.ref} now requires {prerequisite.ref}.")
    return redirect(feature)


@login_required
@require_POST
def dependency_remove(request: HttpRequest, slug: str, number: int, requires: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    feature = access.get(Feature, number=number)
    service.remove_dependency(access, feature, access.get(Feature, number=requires))
    return redirect(feature)


def _back(feature: Feature, request: HttpRequest) -> str:
    query = request.POST.get("query", "")
    return feature.get_absolute_url() + (f"?{query}" if query else "")


@login_required
@require_POST
def inputs_save(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Save every driver's estimate at once: all or nothing."""
    access = workspace_for(request, slug, WRITE)
    feature = access.get(Feature, number=number)
    model, scenario = scores.choose(access, request.POST.get("model"), request.POST.get("scenario"))
    current = scores.inputs_of(model, scenario, [feature.pk]).get(feature.pk, {})
    form = EstimatesForm(request.POST, drivers=scores.drivers_of(model, scenario), current=current)
    try:
        if not form.is_valid():
            raise Invalid("estimates: every value must be a number")
        with transaction.atomic():
            for driver, values in form.estimates().items():
                scores.set_input(access, feature, model, driver, scenario=scenario, **values)
    except DomainError as error:  # show the page again with what was typed, nothing saved
        form.add_error(None, error.message)
        scenario_id = str(scenario.pk) if scenario else None
        return _show(request, access, feature, str(model.pk), scenario_id, posted=form)
    messages.success(request, f"Saved the estimates of {feature.ref}.")
    return redirect(_back(feature, request))


@login_required
@require_POST
def evidence_bind(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Take one driver from the feedback linked to the feature, by a named rule."""
    access = workspace_for(request, slug, WRITE)
    feature = access.get(Feature, number=number)
    model, _ = scores.choose(access, request.POST.get("model"))
    try:
        row = evidence.bind(
            access, feature, model, request.POST.get("driver", ""), request.POST.get("rule", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{row.driver} now follows {evidence.RULES[row.rule][0]}.")
    return redirect(_back(feature, request))


@login_required
@require_POST
def round_open(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    feature = access.get(Feature, number=number)
    model, _ = scores.choose(access, request.POST.get("model"))
    try:
        estimation.open_round(access, feature, model, request.POST.get("driver", ""))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(_back(feature, request))


@login_required
@require_POST
def round_act(
    request: HttpRequest, slug: str, number: int, round_id: int, act: str
) -> HttpResponse:
    """vote, reveal or settle a team estimate."""
    if act not in ("vote", "reveal", "settle"):
        raise Http404
    access = workspace_for(request, slug, WRITE)
    feature = access.get(Feature, number=number)
    r = access.get(EstimationRound, pk=round_id, feature=feature)
    try:
        if act == "reveal":
            estimation.reveal(access, r)
        else:
            values = {k: _number(request.POST.get(k, ""), k) for k in ("low", "likely", "high")}
            if act == "vote":
                estimation.vote(access, r, **values)
            else:
                distribution = request.POST.get("distribution", "pert")
                estimation.settle(access, r, distribution=distribution, **values)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(_back(feature, request))


def _number(text: str, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise Invalid(f"{field}: {text!r} is not a number") from None


@login_required
def areas_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    form = AreaForm(request.POST or None)
    if request.method == "POST":
        access.require(WRITE)
        if form.is_valid():
            try:
                service.create_area(access, **form.cleaned_data)
            except DomainError as error:
                show_errors(form, error)
            else:
                return redirect("planning:areas", slug)
    areas = ProductArea.objects.filter(workspace=access.workspace).select_related("parent")
    context = {"access": access, "nav": "planning", "tab": "areas", "form": form,
               "product_areas": areas, "can_write": access.can(WRITE)}  # fmt: skip
    return render(request, "planning/areas.html", context)


@login_required
@require_POST
def area_delete(request: HttpRequest, slug: str, area_id: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    try:
        service.delete_area(access, access.get(ProductArea, pk=area_id))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("planning:areas", slug)


_F = "w/<slug:slug>/planning/features/<int:number>/"
urlpatterns = [
    path("w/<slug:slug>/planning/features/new/", feature_new, name="feature_new"),
    path(_F, feature_page, name="feature"),
    path(_F + "edit/", feature_edit, name="feature_edit"),
    path(_F + "delete/", feature_delete, name="feature_delete"),
    path(_F + "requires/", dependency_add, name="dependency_add"),
    path(_F + "requires/<int:requires>/remove/", dependency_remove, name="dependency_remove"),
    path(_F + "inputs/", inputs_save, name="inputs"),
    path(_F + "evidence/", evidence_bind, name="evidence"),
    path(_F + "rounds/", round_open, name="round_open"),
    path(_F + "rounds/<int:round_id>/<str:act>/", round_act, name="round_act"),
    path("w/<slug:slug>/planning/areas/", areas_page, name="areas"),
    path("w/<slug:slug>/planning/areas/<int:area_id>/delete/", area_delete, name="area_delete"),
]
