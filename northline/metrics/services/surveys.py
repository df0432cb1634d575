"""Quality surveys: NPS, CSAT and CES. Answers come in through the API (an in-product widget),
the web form or a CSV import, all or nothing; each survey feeds its own KPI (one point per day
with that day's score) and sends the free-text comments to the insights inbox as feedback with
the source "survey". Scores and per-segment breakdowns come with confidence intervals
(northline.metrics.surveys_stats)."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import numpy as np
from django.db import transaction
from django.utils import timezone

from northline.accounts.services import digest
from northline.core import activity, ratelimit
from northline.core.access import Access, Actor
from northline.core.errors import Gone, Invalid
from northline.core.roles import WRITE, Role
from northline.insights.models import Feedback
from northline.insights.services import feedback as inbox
from northline.insights.services import fields as check

from .. import surveys_stats
from ..models import Survey, SurveyResponse
from .csv_import import MAX_BYTES, date_format
from .kpis import create_kpi
from .points import Clean, Problems, write

RESPONSE_FIELDS = {"score", "comment", "segment", "email", "date", "external_id"}
MAX_RESPONSES = 50_000


def create_survey(access: Access, name: Any, kind: Any, question: Any = "") -> Survey:
    """A survey and the KPI its scores feed (unit and direction set by the kind)."""
    access.require(WRITE)
    errors = check.Errors()
    title = errors.check(check.text, name, "name", 200, required=True)
    chosen = errors.check(check.choice, kind, "kind", Survey.Kind.values)
    asked = errors.check(check.text, question, "question", 300)
    errors.raise_any()
    assert title and chosen
    with transaction.atomic():
        kpi = create_kpi(
            access, name=title, aggregation="mean", unit=surveys_stats.UNITS[chosen],
            direction="lower" if chosen == "ces" else "higher", tags=["survey", chosen],
            definition=f"Daily {chosen.upper()} score of the survey {title!r}.",
        )  # fmt: skip
        survey = Survey.objects.create(
            workspace=access.workspace, name=title, kind=chosen, question=asked or "", kpi=kpi,
            created_by=access.user,
        )  # fmt: skip
        activity.record(access.workspace, access.user, "survey.created", survey)
    return survey


@dataclass(frozen=True)
class Added:
    responses: int
    comments: int
    dry_run: bool = False


def _response(survey: Survey, item: Any, where: str, today: date) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise Invalid(f"{where}: must be an object with a score, got {item!r}")
    extra = sorted(set(map(str, item)) - RESPONSE_FIELDS)
    if extra:
        raise Invalid(f"{where}: unknown field {', '.join(extra)}")
    low, high = surveys_stats.SCALES[survey.kind]
    errors = check.Errors()
    score = errors.check(check.whole, item.get("score"), f"{where}.score", low, high)
    if score is None and not errors.messages:
        errors.messages.append(f"{where}.score: is required (a whole number from {low} to {high})")
    day = errors.check(check.day, item.get("date"), f"{where}.date") or today
    if day > today:
        errors.messages.append(
            f"{where}.date: {day.isoformat()} is in the future (today is {today.isoformat()})"
        )
    values = {
        "score": score, "responded_on": day,
        "comment": errors.check(check.text, item.get("comment"), f"{where}.comment", inbox.MAX_TEXT),
        "segment": errors.check(check.text, item.get("segment"), f"{where}.segment", 80),
        "email": errors.check(check.email, item.get("email"), f"{where}.email"),
        "external_id": errors.check(check.text, item.get("external_id"), f"{where}.external_id", 200),
    }  # fmt: skip
    errors.raise_any()
    return values


def add_responses(
    access: Access, survey: Survey, items: Sequence[Any], *, dry_run: bool = False,
    prefix: str = "responses",
) -> Added:  # fmt: skip
    """Store answers (all or nothing; one with a known external_id is updated), send their
    comments to the inbox and update the survey's KPI for the days they fall on."""
    access.require(WRITE)
    if not items:
        raise Invalid(f"{prefix}: send at least one response")
    if len(items) > MAX_RESPONSES:
        raise Invalid(f"{prefix}: at most {MAX_RESPONSES} responses at once, got {len(items)}")
    today = timezone.localdate()
    problems = Problems()
    clean: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"{prefix}[{index}]"
        try:
            values = _response(survey, item, where, today)
        except Invalid as error:
            for message in error.errors:
                problems.add(message)
            continue
        key = values["external_id"]
        if key and key in seen:
            problems.add(f"{where}.external_id: {key!r} is already in {prefix}[{seen[key]}]")
            continue
        if key:
            seen[key] = index
        clean.append(values)
    problems.raise_any("response")
    comments = [v for v in clean if v["comment"]]
    if dry_run:
        return Added(len(clean), len(comments), True)
    with transaction.atomic():
        stored = [_upsert(access, survey, values) for values in clean]
        _to_inbox(access, survey, [r for r in stored if r.comment])
        _update_kpi(access, survey, {r.responded_on for r in stored})
        activity.record(
            access.workspace,
            access.user,
            "survey.responses_added",
            survey,
            {"responses": len(stored)},
        )
    return Added(len(stored), len(comments))


def _upsert(access: Access, survey: Survey, values: dict[str, Any]) -> SurveyResponse:
    if values["external_id"]:
        found, _ = SurveyResponse.objects.update_or_create(
            survey=survey, external_id=values["external_id"],
            defaults={**values, "workspace": access.workspace},
        )  # fmt: skip
        return found
    return SurveyResponse.objects.create(workspace=access.workspace, survey=survey, **values)


def _to_inbox(access: Access, survey: Survey, responses: list[SurveyResponse]) -> None:
    """Each comment as feedback (source survey), keyed so that a re-import updates it."""
    if not responses:
        return
    items = [
        {
            "text": r.comment, "source": Feedback.Source.SURVEY,
            "title": f"{survey.name}: {r.score}", "external_id": f"survey-{survey.pk}-{r.pk}",
            "received_at": timezone.make_aware(datetime.combine(r.responded_on, datetime.min.time())),
            "tags": [survey.kind, *([r.segment] if r.segment else [])],
            **({"customer": {"email": r.email}} if r.email else {}),
        }
        for r in responses
    ]  # fmt: skip
    inbox.import_feedback(access, items, default_source=Feedback.Source.SURVEY)
    ids = Feedback.objects.filter(
        workspace=access.workspace, source=Feedback.Source.SURVEY,
        external_id__in=[i["external_id"] for i in items],
    ).values_list("external_id", "pk")  # fmt: skip
    by_key = dict(ids)
    for r in responses:
        SurveyResponse.objects.filter(pk=r.pk).update(
            feedback_id=by_key.get(f"survey-{survey.pk}-{r.pk}")
        )


def _update_kpi(access: Access, survey: Survey, days: set[date]) -> None:
    rows = SurveyResponse.objects.filter(survey=survey, responded_on__in=days).values_list(
        "responded_on", "score"
    )
    by_day: dict[date, list[int]] = {}
    for day, value in rows:
        by_day.setdefault(day, []).append(value)
    kind = cast(surveys_stats.Kind, survey.kind)
    points = [
        Clean(survey.kpi, day, found.score, None)
        for day, answers in sorted(by_day.items())
        if (found := surveys_stats.score(kind, answers)).score is not None
    ]
    write(access.workspace, access.user, points, via="survey")


def import_csv(access: Access, survey: Survey, content: bytes, *, dry_run: bool = False) -> Added:
    """Columns score (required), comment, segment, email, date (one format per file) and
    external_id, in any order; rows are named as in a spreadsheet (header = row 1)."""
    access.require(WRITE)
    if len(content) > MAX_BYTES:
        raise Invalid(f"file: larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Invalid(f"file: not UTF-8 text (byte {error.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "score" not in header:
        raise Invalid(
            "file: the header must name a score column (and optionally comment, segment, email, date, external_id)"
        )
    unknown = sorted(set(header) - RESPONSE_FIELDS)
    if unknown:
        raise Invalid(f"file: unknown column {', '.join(unknown)}")
    rows = [
        (n, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k})
        for n, row in enumerate(reader, start=2)
    ]
    rows = [(n, r) for n, r in rows if any(r.values())]
    if not rows:
        raise Invalid("file: no data rows below the header")
    dated = [(n, r["date"]) for n, r in rows if r.get("date")]
    if dated:
        pattern = date_format(dated)
        for _, row in rows:
            if row.get("date"):
                row["date"] = datetime.strptime(row["date"], pattern).date().isoformat()
    items = [{k: v for k, v in r.items() if v != ""} for _, r in rows]
    try:
        return add_responses(access, survey, items, dry_run=dry_run, prefix="rows")
    except Invalid as error:
        first = rows[0][0]
        renamed = [_row_name(m, first) for m in error.errors]
        raise Invalid(
            *renamed, message=renamed[0] if len(renamed) == 1 else error.message
        ) from None


def _row_name(message: str, first: int) -> str:
    """ "rows[3].score: ..." → "row 5: score: ..." (the spreadsheet's row number)."""
    if not message.startswith("rows["):
        return message
    index, _, rest = message[len("rows[") :].partition("]")
    return f"row {int(index) + first}: {rest.lstrip('.')}"


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    overall: surveys_stats.Score
    segments: list[tuple[str, surveys_stats.Score]]


def results(survey: Survey, start: date | None = None, end: date | None = None) -> Results:
    rows = SurveyResponse.objects.filter(survey=survey)
    if start:
        rows = rows.filter(responded_on__gte=start)
    if end:
        rows = rows.filter(responded_on__lte=end)
    pairs = list(rows.values_list("segment", "score"))
    kind = cast(surveys_stats.Kind, survey.kind)
    scores = np.array([p[1] for p in pairs], dtype=np.int64)
    segments = np.array([p[0] for p in pairs], dtype=object)
    overall = surveys_stats.score(kind, scores)
    by_segment = [
        (str(name), surveys_stats.score(kind, scores[segments == name]))
        for name in sorted({p[0] for p in pairs if p[0]})
    ]
    return Results(overall, by_segment)


# --- the public answer link ------------------------------------------------------------------

LINK_PREFIX = "nls_"
ANSWERS_PER_HOUR = 30


def open_link(access: Access, survey: Survey) -> str:
    """A new public link for answering (any earlier link stops working); the secret is
    returned once, only its hash is kept."""
    access.require(WRITE)
    secret = LINK_PREFIX + secrets.token_urlsafe(24)
    with transaction.atomic():
        survey.link_hash = digest(secret)
        survey.save(update_fields=["link_hash", "updated_at"])
        activity.record(access.workspace, access.user, "survey.link_opened", survey)
    return secret


def close_link(access: Access, survey: Survey) -> None:
    access.require(WRITE)
    with transaction.atomic():
        survey.link_hash = ""
        survey.save(update_fields=["link_hash", "updated_at"])
        activity.record(access.workspace, access.user, "survey.link_closed", survey)


def survey_by_link(secret: str) -> Survey:
    survey = (
        Survey.objects.select_related("workspace", "kpi").filter(link_hash=digest(secret)).first()
        if secret
        else None
    )
    if survey is None:
        raise Gone("This survey link is closed or not valid.")
    return survey


def answer(
    secret: str, fields: Mapping[str, Any], *, client: str, website: str = ""
) -> SurveyResponse | None:
    """One answer through the public link, limited per client address. `website` is a honeypot
    field people never see: when filled, nothing is stored and the page answers as usual."""
    survey = survey_by_link(secret)
    ratelimit.hit(f"survey:client:{client}", ANSWERS_PER_HOUR, 3600)
    if website.strip():
        return None
    values = _response(
        survey,
        {k: v for k, v in fields.items() if k in ("score", "comment", "segment")},
        "answer",
        timezone.localdate(),
    )
    with transaction.atomic():
        stored = SurveyResponse.objects.create(workspace=survey.workspace, survey=survey, **values)
        owner = (
            survey.workspace.memberships.filter(role="owner")
            .order_by("id")
            .select_related("user")
            .first()
        )
        if owner is not None:
            system = Access(survey.workspace, Actor(owner.user), Role.OWNER, owner.pk)
            if stored.comment:
                _to_inbox(system, survey, [stored])
            _update_kpi(system, survey, {stored.responded_on})
        activity.record(survey.workspace, None, "survey.answered", survey, {"score": stored.score})
    return stored
