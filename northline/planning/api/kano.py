"""JSON API of planning: Kano surveys, their public link, answer imports and results.

Customers answer through the public link's page (see views.kano); the API manages surveys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pydantic
from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status
from ninja.errors import ValidationError

from northline.core.api import workspace_access
from northline.core.errors import Invalid
from northline.core.roles import MANAGE, WRITE

from ..kano import Category
from ..models import Feature, KanoSurvey
from ..services import kano as service
from ..services.features import parse_ref

router = Router(tags=["planning: kano"])
SURVEYS = "/workspaces/{slug}/kano/surveys"
SURVEY = SURVEYS + "/{survey_id}"


class SurveyIn(Schema):
    title: str
    intro: str = ""
    features: list[str | int]


class SurveyPatch(Schema):
    title: str | None = None
    intro: str | None = None
    features: list[str | int] | None = None
    is_open: bool | None = None


class SurveyOut(Schema):
    id: int
    title: str
    intro: str
    features: list[str]
    is_open: bool
    has_link: bool
    responses: int
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    url: str | None = None  # the public link: only in the answer that creates it


class FeatureRefIn(Schema):
    feature: str | int


class ImportIn(Schema):
    rows: list[dict[str, Any]]


class ImportOut(Schema):
    dry_run: bool
    responses: int
    replaced: int
    answers: int


class FeatureResultOut(Schema):
    ref: str
    title: str
    responses: int
    counts: dict[Category, int]
    dominant: Category | None
    dominant_name: str | None
    better: float | None
    worse: float | None


class ResultsOut(Schema):
    survey: int
    title: str
    responses: int
    by_source: dict[str, int]
    categories: dict[Category, str]
    features: list[FeatureResultOut]


def survey_out(survey: KanoSurvey, responses: int, url: str | None = None) -> SurveyOut:
    return SurveyOut(
        id=survey.pk, title=survey.title, intro=survey.intro,
        features=[f.ref for f in survey.features.all()], is_open=survey.is_open,
        has_link=survey.link_hash is not None, responses=responses,
        created_by=survey.created_by.email if survey.created_by else None,
        created_at=survey.created_at, updated_at=survey.updated_at, url=url,
    )  # fmt: skip


def _one(survey: KanoSurvey, url: str | None = None) -> SurveyOut:
    return survey_out(survey, survey.responses.count(), url)


@router.get(SURVEYS, response=list[SurveyOut], summary="Kano surveys, newest first")
def list_surveys(request: HttpRequest, slug: str, offset: int = 0, limit: int = 100) -> Any:
    access = workspace_access(request, slug)
    rows = service.surveys(access).select_related("created_by").prefetch_related("features")
    start = max(offset, 0)
    return [survey_out(s, s.response_count) for s in rows[start : start + min(max(limit, 1), 500)]]


@router.post(SURVEYS, response={201: SurveyOut}, summary="Create a survey over some features")
def create_survey(request: HttpRequest, slug: str, payload: SurveyIn) -> Status[SurveyOut]:
    access = workspace_access(request, slug, WRITE)
    survey = service.create_survey(
        access, payload.title, intro=payload.intro, features=payload.features
    )
    return Status(201, _one(survey))


@router.get(SURVEY, response=SurveyOut, summary="One survey")
def get_survey(request: HttpRequest, slug: str, survey_id: int) -> SurveyOut:
    access = workspace_access(request, slug)
    return _one(access.get(KanoSurvey, pk=survey_id))


@router.patch(SURVEY, response=SurveyOut, summary="Change, open or close a survey")
def update_survey(
    request: HttpRequest, slug: str, survey_id: int, payload: SurveyPatch
) -> SurveyOut:
    """`features` replaces the survey's features; answers already given are kept."""
    access = workspace_access(request, slug, WRITE)
    survey = access.get(KanoSurvey, pk=survey_id)
    fields = payload.dict(exclude_unset=True)
    return _one(service.update_survey(access, survey, **fields))


@router.delete(SURVEY, response={204: None}, summary="Delete a survey and its answers (admin)")
def delete_survey(request: HttpRequest, slug: str, survey_id: int) -> Status[None]:
    access = workspace_access(request, slug, MANAGE)
    service.delete_survey(access, access.get(KanoSurvey, pk=survey_id))
    return Status(204, None)


@router.post(SURVEY + "/features", response={201: SurveyOut}, summary="Add a feature")
def add_feature(
    request: HttpRequest, slug: str, survey_id: int, payload: FeatureRefIn
) -> Status[SurveyOut]:
    access = workspace_access(request, slug, WRITE)
    survey = access.get(KanoSurvey, pk=survey_id)
    service.add_feature(access, survey, payload.feature)
    return Status(201, _one(survey))


@router.delete(SURVEY + "/features/{ref}", response={204: None}, summary="Remove a feature")
def remove_feature(request: HttpRequest, slug: str, survey_id: int, ref: str) -> Status[None]:
    access = workspace_access(request, slug, WRITE)
    survey = access.get(KanoSurvey, pk=survey_id)
    number = parse_ref(ref)
    service.remove_feature(access, survey, access.get(Feature, number=number))
    return Status(204, None)


@router.post(
    SURVEY + "/link",
    response={201: SurveyOut},
    summary="Create the public link (shown once; a new one replaces the old)",
)
def create_link(request: HttpRequest, slug: str, survey_id: int) -> Status[SurveyOut]:
    access = workspace_access(request, slug, WRITE)
    survey = access.get(KanoSurvey, pk=survey_id)
    secret = service.create_link(access, survey)
    url = request.build_absolute_uri(reverse("planning:kano_public", args=[secret]))
    return Status(201, _one(survey, url))


IMPORT_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {"schema": ImportIn.model_json_schema()},
        }
    }
}


@router.post(
    SURVEY + "/import",
    response=ImportOut,
    summary="Import answers: a CSV file or JSON rows, all or nothing",
    openapi_extra=IMPORT_BODY,
)
def import_answers(
    request: HttpRequest, slug: str, survey_id: int, dry_run: bool = False
) -> ImportOut:
    """Send a CSV file as the multipart field `file` with the columns respondent, feature (F-12
    or 12), functional, dysfunctional; or JSON `{"rows": [{"respondent": ..., "feature": ...,
    "functional": ..., "dysfunctional": ...}]}`. One row per respondent and feature; answers are
    like, expect, neutral, live_with or dislike. A respondent imported before has their answers
    replaced. With `?dry_run=true` nothing is stored and the answer says what would be."""
    access = workspace_access(request, slug, WRITE)
    survey = access.get(KanoSurvey, pk=survey_id)
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise Invalid("file: attach the CSV file as the form field 'file'")
        text = service.read_upload(upload)
        result = service.import_csv(access, survey, text, dry_run=dry_run)
    else:
        try:
            body = ImportIn.model_validate_json(request.body or b"{}")
        except pydantic.ValidationError as error:
            raise ValidationError([dict(e) for e in error.errors(include_url=False)]) from None
        result = service.import_rows(access, survey, body.rows, dry_run=dry_run)
    return ImportOut(
        dry_run=result.dry_run,
        responses=result.responses,
        replaced=result.replaced,
        answers=result.answers,
    )


def result_out(r: service.FeatureResult) -> FeatureResultOut:
    return FeatureResultOut(
        ref=r.feature.ref, title=r.feature.title, responses=r.summary.responses,
        counts=dict(r.summary.counts), dominant=r.summary.dominant,
        dominant_name=r.dominant_label, better=r.summary.better, worse=r.summary.worse,
    )  # fmt: skip


@router.get(SURVEY + "/results", response=ResultsOut, summary="Kano category per feature")
def get_results(request: HttpRequest, slug: str, survey_id: int) -> ResultsOut:
    """Per feature: answers per category (A attractive, O performance / one-dimensional,
    M must-be, I indifferent, R reverse, Q questionable), the dominant category, and the
    better (satisfaction) and worse (dissatisfaction) coefficients."""
    access = workspace_access(request, slug)
    survey = access.get(KanoSurvey, pk=survey_id)
    outcome = service.results(survey)
    return ResultsOut(
        survey=survey.pk, title=survey.title, responses=outcome.responses,
        by_source=outcome.by_source, categories=dict(service.CATEGORY_LABELS),
        features=[result_out(r) for r in outcome.features],
    )  # fmt: skip
