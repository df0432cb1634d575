"""Survey pages: the list with a form for a new survey, and one survey (score with its interval,
per-segment breakdown, answers, a form to record one and a CSV import)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from northline.accounts.views import client_address
from northline.core import charts
from northline.core.access import Access
from northline.core.errors import DomainError
from northline.core.pages import error_page, show_errors, workspace_for
from northline.core.roles import WRITE

from .forms import ResponseForm, SurveyCsvForm, SurveyForm
from .models import Survey
from .services import surveys as service
from .services.csv_import import MAX_BYTES
from .surveys_stats import SCALES, UNITS
from .views import page_context


@login_required
def survey_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    form = SurveyForm(request.POST or None)
    if request.method == "POST":
        access.require(WRITE)
        if form.is_valid():
            try:
                survey = service.create_survey(access, **form.cleaned_data)
            except DomainError as error:
                show_errors(form, error)
            else:
                return redirect(survey)
    rows = [
        (s, service.results(s).overall) for s in Survey.objects.filter(workspace=access.workspace)
    ]
    context = page_context(access, "surveys", surveys=rows, form=form)
    return render(request, "metrics/surveys.html", context, status=422 if form.errors else 200)


def detail(
    request: HttpRequest, access: Access, survey: Survey, status: int = 200, **extra: Any
) -> HttpResponse:
    found = service.results(survey)
    unit = UNITS[survey.kind]
    chart = charts.bar_chart(
        [(name, s.score) for name, s in found.segments],
        value_label=f"{survey.get_kind_display()} by segment ({unit})",
    )
    context = page_context(
        access, "surveys", survey=survey, results=found, unit=unit, segment_chart=chart,
        responses=survey.responses.select_related("feedback")[:50],
        response_form=extra.get("response_form") or ResponseForm(),
        csv_form=extra.get("csv_form") or SurveyCsvForm(), csv_result=extra.get("csv_result"),
        new_link=extra.get("new_link"),
    )  # fmt: skip
    return render(request, "metrics/survey.html", context, status=status)


def load(request: HttpRequest, slug: str, pk: int, write: bool = False) -> tuple[Access, Survey]:
    access = workspace_for(request, slug, WRITE) if write else workspace_for(request, slug)
    return access, access.get(Survey, pk=pk)


@login_required
def survey_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, survey = load(request, slug, pk)
    return detail(request, access, survey)


@login_required
@require_POST
def response_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, survey = load(request, slug, pk, write=True)
    form = ResponseForm(request.POST)
    if form.is_valid():
        item = {k: v for k, v in form.cleaned_data.items() if v != ""}
        try:
            service.add_responses(access, survey, [item], prefix="response")
        except DomainError as error:
            show_errors(form, type(error)(*(m.removeprefix("response[0].") for m in error.errors)))
        else:
            messages.success(request, "Response recorded.")
            return redirect(survey)
    return detail(request, access, survey, 422, response_form=form)


@login_required
@require_POST
def survey_import(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, survey = load(request, slug, pk, write=True)
    form = SurveyCsvForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload is None:
            form.add_error("file", "choose a CSV file")
        else:
            try:
                added = service.import_csv(
                    access, survey, upload.read(MAX_BYTES + 1), dry_run=form.cleaned_data["dry_run"]
                )
            except DomainError as error:
                for message in error.errors or [error.message]:
                    form.add_error("file", message)
            else:
                if added.dry_run:
                    return detail(request, access, survey, csv_form=form, csv_result=added)
                messages.success(
                    request,
                    f"{added.responses} responses imported, {added.comments} comments sent to the inbox.",
                )
                return redirect(survey)
    return detail(request, access, survey, 422, csv_form=form)


@login_required
@require_POST
def survey_link(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, survey = load(request, slug, pk, write=True)
    secret = service.open_link(access, survey)
    url = request.build_absolute_uri(reverse("metrics:survey_public", args=[secret]))
    return detail(request, access, survey, new_link=url)


@login_required
@require_POST
def survey_link_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, survey = load(request, slug, pk, write=True)
    service.close_link(access, survey)
    messages.success(request, "The answer link is closed.")
    return redirect(survey)


def survey_public(request: HttpRequest, secret: str) -> HttpResponse:
    """The public answer form: no account, one answer per submission, rate-limited."""
    try:
        survey = service.survey_by_link(secret)
    except DomainError as error:
        return error_page(request, error)
    low, high = SCALES[survey.kind]
    problem = None
    if request.method == "POST":
        try:
            service.answer(
                secret, request.POST.dict(), client=client_address(request),
                website=request.POST.get("website", ""),
            )  # fmt: skip
        except DomainError as error:
            if error.status != 422:
                return error_page(request, error)
            problem = error.message.removeprefix("answer.")
        else:
            return render(request, "metrics/survey_thanks.html", {"survey": survey})
    context = {
        "survey": survey,
        "scale": range(low, high + 1),
        "problem": problem,
        "values": request.POST,
    }
    return render(request, "metrics/survey_public.html", context, status=422 if problem else 200)
