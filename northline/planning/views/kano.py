"""Pages of planning: Kano surveys (list, edit, share link, import, results) under
/w/<slug>/planning/kano/, and the public questionnaire customers answer at /kano/<secret>/."""

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
from django.views.decorators.http import require_POST

from northline.core import charts
from northline.core.access import Access
from northline.core.errors import DomainError, Invalid
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import MANAGE, WRITE

from .. import kano
from ..models import Feature, KanoSurvey
from ..services import kano as service

REQUIRED = {"required": True}


# --- forms: they only shape input; the service validates it --------------------------------


class SurveyForm(forms.Form):
    title = forms.CharField(required=False, widget=forms.TextInput(attrs=REQUIRED))
    intro = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to respondents above the questions.",
    )
    features = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs=REQUIRED),
        help_text="The features to ask about, e.g. F-3, F-7, F-12",
    )

    def refs(self) -> list[str]:
        return [ref for ref in re.split(r"[\s,;]+", self.cleaned_data["features"]) if ref]


class FeatureAddForm(forms.Form):
    feature = forms.CharField(
        label="Add a feature", widget=forms.TextInput(attrs={"placeholder": "F-12"})
    )


class ImportForm(forms.Form):
    file = forms.FileField(required=False, label="CSV file")
    text = forms.CharField(
        required=False,
        label="…or paste the CSV",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    dry_run = forms.BooleanField(required=False, initial=True, label="Preview only (dry run)")


class AnswersForm(forms.Form):
    """Two radio groups per feature, named "F-3.functional" and "F-3.dysfunctional" like the
    service's error messages, so each message lands beside its question."""

    respondent = forms.CharField(
        required=False,
        label="Your e-mail (optional)",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # The honeypot: hidden from people by the stylesheet, filled in by bots.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, features: list[Feature], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.features = features
        choices = list(service.ANSWER_LABELS.items())
        for feature in features:
            for side, question in (
                ("functional", f"If {feature.title} is available, how do you feel?"),
                ("dysfunctional", f"If {feature.title} is NOT available, how do you feel?"),
            ):
                self.fields[f"{feature.ref}.{side}"] = forms.CharField(
                    required=False, label=question, widget=forms.RadioSelect(choices=choices)
                )

    def questions(self) -> list[tuple[Feature, list[forms.BoundField]]]:
        return [
            (f, [self[f"{f.ref}.functional"], self[f"{f.ref}.dysfunctional"]])
            for f in self.features
        ]

    def answers(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {
            f.number: (data[f"{f.ref}.functional"], data[f"{f.ref}.dysfunctional"])
            for f in self.features
        }

    def show(self, error: DomainError) -> None:
        """Each "F-3.functional: ..." message beside its question, the rest above the form."""
        for message in error.errors or [error.message]:
            field, sep, text = message.partition(": ")
            if sep and field in self.fields:
                self.add_error(field, text)
            else:
                self.add_error(None, message)


# --- team pages ------------------------------------------------------------------------------


def _context(access: Access, **extra: Any) -> dict[str, Any]:
    return {"access": access, "nav": "planning", "tab": "kano", "can_write": access.can(WRITE),
            "can_manage": access.can(MANAGE), **extra}  # fmt: skip


def _status(form: forms.Form) -> int:
    return 422 if form.errors else 200


@login_required
def survey_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    rows = service.surveys(access).select_related("created_by")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "planning/kano_list.html", _context(access, page=page))


@login_required
def survey_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = service.create_survey(
                access, form.cleaned_data["title"], intro=form.cleaned_data["intro"],
                features=form.refs(),
            )  # fmt: skip
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Created the survey “{survey.title}”.")
            return redirect("planning:kano_survey", slug, survey.pk)
    context = _context(access, form=form, survey=None)
    return render(request, "planning/kano_form.html", context, status=_status(form))


@login_required
def survey_edit(request: HttpRequest, slug: str, survey_id: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    survey = access.get(KanoSurvey, pk=survey_id)
    refs = ", ".join(f.ref for f in survey.features.all())
    initial = {"title": survey.title, "intro": survey.intro, "features": refs}
    form = SurveyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service.update_survey(
                access, survey, title=form.cleaned_data["title"],
                intro=form.cleaned_data["intro"], features=form.refs(),
            )  # fmt: skip
        except DomainError as error:
            show_errors(form, error)
            survey.refresh_from_db()
        else:
            messages.success(request, "Survey saved.")
            return redirect("planning:kano_survey", slug, survey.pk)
    context = _context(access, form=form, survey=survey)
    return render(request, "planning/kano_form.html", context, status=_status(form))


def _detail(
    request: HttpRequest, access: Access, survey: KanoSurvey, new_link: str | None = None
) -> HttpResponse:
    context = _context(
        access, survey=survey, new_link=new_link, add_form=FeatureAddForm(),
        features=survey.features.all(), counts=service.response_counts(survey),
        recent=survey.responses.order_by("-id")[:20],
    )  # fmt: skip
    return render(request, "planning/kano_survey.html", context)


@login_required
def survey_page(request: HttpRequest, slug: str, survey_id: int) -> HttpResponse:
    access = workspace_for(request, slug)
    return _detail(request, access, access.get(KanoSurvey, pk=survey_id))


@login_required
@require_POST
def survey_link(request: HttpRequest, slug: str, survey_id: int) -> HttpResponse:
    """A new public link, shown on this page only (only its hash is stored)."""
    access = workspace_for(request, slug, WRITE)
    survey = access.get(KanoSurvey, pk=survey_id)
    secret = service.create_link(access, survey)
    url = request.build_absolute_uri(reverse("planning:kano_public", args=[secret]))
    return _detail(request, access, survey, new_link=url)


@login_required
@require_POST
def survey_open(request: HttpRequest, slug: str, survey_id: int, is_open: bool) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    survey = service.set_open(access, access.get(KanoSurvey, pk=survey_id), is_open)
    state = "open to answers" if is_open else "closed; its link no longer takes answers"
    messages.success(request, f"The survey is {state}.")
    return redirect("planning:kano_survey", slug, survey.pk)


@login_required
@require_POST
def feature_add(request: HttpRequest, slug: str, survey_id: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    survey = access.get(KanoSurvey, pk=survey_id)
    try:
        feature = service.add_feature(access, survey, request.POST.get("feature", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Added {feature.ref} to the survey.")
    return redirect("planning:kano_survey", slug, survey.pk)


@login_required
@require_POST
def feature_remove(request: HttpRequest, slug: str, survey_id: int, number: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    survey = access.get(KanoSurvey, pk=survey_id)
    feature = access.get(Feature, number=number)
    try:
        service.remove_feature(access, survey, feature)
    except Invalid as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Removed {feature.ref} from the survey.")
    return redirect("planning:kano_survey", slug, survey.pk)


@login_required
@require_POST
def survey_delete(request: HttpRequest, slug: str, survey_id: int) -> HttpResponse:
    access = workspace_for(request, slug, MANAGE)
    survey = access.get(KanoSurvey, pk=survey_id)
    service.delete_survey(access, survey)
    messages.success(request, f"Deleted the survey “{survey.title}” and its answers.")
    return redirect("planning:kano_list", slug)


@login_required
def survey_import(request: HttpRequest, slug: str, survey_id: int) -> HttpResponse:
    """Upload or paste a CSV; a dry run previews the counts (or the errors by row) and offers
    to import the same text for real."""
    access = workspace_for(request, slug, WRITE)
    survey = access.get(KanoSurvey, pk=survey_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    preview = text = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = service.read_upload(upload) if upload else form.cleaned_data["text"]
            preview = service.import_csv(access, survey, text, dry_run=form.cleaned_data["dry_run"])
        except DomainError as error:
            show_errors(form, error)
        else:
            if not preview.dry_run:
                messages.success(
                    request,
                    f"Imported {preview.answers} answers: {preview.responses} new respondents, "
                    f"{preview.replaced} replaced.",
                )
                return redirect("planning:kano_results", slug, survey.pk)
    context = _context(access, survey=survey, form=form, preview=preview, text=text,
                       columns=service.COLUMNS, answers=service.ANSWER_LABELS)  # fmt: skip
    return render(request, "planning/kano_import.html", context, status=_status(form))


@login_required
def survey_results(request: HttpRequest, slug: str, survey_id: int) -> HttpResponse:
    access = workspace_for(request, slug)
    survey = access.get(KanoSurvey, pk=survey_id)
    outcome = service.results(survey)
    plotted = [r for r in outcome.features if r.summary.better is not None]
    chart = None
    if plotted:
        chart = charts.quadrant_chart(
            [
                charts.QuadrantPoint(
                    label=f"{r.feature.ref} {r.feature.title}",
                    x=abs(r.summary.worse or 0.0),
                    y=r.summary.better,
                    href=reverse("planning:feature", args=[slug, r.feature.number]),
                )
                for r in plotted
            ],
            x_label="Dissatisfaction when missing (|worse|)",
            y_label="Satisfaction when present (better)",
            x_split=0.5,
            y_split=0.5,
            quadrant_labels=("Attractive", "Performance", "Indifferent", "Must-be"),
        )
    context = _context(
        access, survey=survey, outcome=outcome, chart=chart, unplotted=len(outcome.features) - len(plotted),
        categories=[(c, service.CATEGORY_LABELS[c]) for c in kano.CATEGORIES],
    )  # fmt: skip
    return render(request, "planning/kano_results.html", context)


# --- the public questionnaire ----------------------------------------------------------------


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def survey_public(request: HttpRequest, secret: str) -> HttpResponse:
    """The questionnaire behind a public link: no login; 404 for an unknown link, 410 once the
    survey is closed, 429 past the per-address limit (raised to the error page)."""
    survey = service.open_survey(secret)
    form = AnswersForm(request.POST or None, features=list(survey.features.order_by("number")))
    if request.method == "POST" and form.is_valid():
        try:
            service.submit_response(
                secret, form.answers(), client=_client(request),
                respondent=form.cleaned_data["respondent"], website=form.cleaned_data["website"],
            )  # fmt: skip
        except Invalid as error:
            form.show(error)
        else:
            return redirect("planning:kano_thanks", secret)
    context = {"survey": survey, "form": form, "answers": service.ANSWER_LABELS}
    return render(request, "planning/kano_public.html", context, status=_status(form))


def survey_thanks(request: HttpRequest, secret: str) -> HttpResponse:
    survey = service.survey_by_secret(secret)
    return render(request, "planning/kano_thanks.html", {"survey": survey})


_S = "w/<slug:slug>/planning/kano/<int:survey_id>/"
urlpatterns = [
    path("w/<slug:slug>/planning/kano/", survey_list, name="kano_list"),
    path("w/<slug:slug>/planning/kano/new/", survey_new, name="kano_new"),
    path(_S, survey_page, name="kano_survey"),
    path(_S + "edit/", survey_edit, name="kano_edit"),
    path(_S + "link/", survey_link, name="kano_link"),
    path(_S + "open/", survey_open, {"is_open": True}, name="kano_open"),
    path(_S + "close/", survey_open, {"is_open": False}, name="kano_close"),
    path(_S + "features/", feature_add, name="kano_feature_add"),
    path(_S + "features/<int:number>/remove/", feature_remove, name="kano_feature_remove"),
    path(_S + "delete/", survey_delete, name="kano_delete"),
    path(_S + "import/", survey_import, name="kano_import"),
    path(_S + "results/", survey_results, name="kano_results"),
    path("kano/<str:secret>/", survey_public, name="kano_public"),
    path("kano/<str:secret>/thanks/", survey_thanks, name="kano_thanks"),
]
