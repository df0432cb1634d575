"""Domain verbs of planning: Kano surveys, their public link, answers (through the link or a
CSV import) and the results per feature.

A survey asks customers, for each of its features, the functional question ("if it is
available, how do you feel?") and the dysfunctional one ("if it is NOT available?"); the pure
`planning.kano` module classifies the answer pairs.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any, TypedDict

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, QuerySet
from django_stubs_ext import WithAnnotations

from northline.accounts.services import clean_email, clean_name, digest
from northline.core import activity, ratelimit
from northline.core.access import Access
from northline.core.errors import Conflict, Gone, Invalid, NotFound
from northline.core.roles import MANAGE, WRITE

from .. import kano
from ..models import Feature, KanoAnswer, KanoResponse, KanoSurvey
from .features import parse_ref

# Activity verbs of this module, as the feed phrases them ("feature.created" → "created").
PHRASES: dict[str, str] = {
    "kano_survey.created": "created the Kano survey",
    "kano_survey.updated": "changed the Kano survey",
    "kano_survey.opened": "opened the Kano survey",
    "kano_survey.closed": "closed the Kano survey",
    "kano_survey.link_created": "created a new public link for the Kano survey",
    "kano_survey.deleted": "deleted the Kano survey",
    "kano_survey.answered": "answered the Kano survey",
    "kano_survey.imported": "imported answers into the Kano survey",
}

# The five answers as the Kano literature words them (Berger et al. 1993).
ANSWER_LABELS: dict[kano.Answer, str] = {
    "like": "I like it",
    "expect": "I expect it",
    "neutral": "I am neutral",
    "live_with": "I can live with it",
    "dislike": "I dislike it",
}
# "O" is one-dimensional in the literature; product people know it as performance.
CATEGORY_LABELS: dict[kano.Category, str] = {
    **kano.CATEGORY_NAMES,
    "O": "performance (one-dimensional)",
}
COLUMNS = ("respondent", "feature", "functional", "dysfunctional")
SUBMISSIONS_PER_HOUR = 30  # per client address, through public links
INTRO_MAX = 5000
MAX_IMPORT_ROWS = 100_000
MAX_ERRORS = 50  # error messages listed for one import; the rest are counted
_ONE_OF = ", ".join(kano.ANSWERS)


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


# "live_with", "Live with" and "I can live with it" all read as live_with.
_ANSWER_KEYS: dict[str, kano.Answer] = {
    **{_normal(answer): answer for answer in kano.ANSWERS},
    **{_normal(label): answer for answer, label in ANSWER_LABELS.items()},
}


# --- surveys ---------------------------------------------------------------------------------


class _Counts(TypedDict):
    response_count: int
    feature_count: int


def surveys(access: Access) -> QuerySet[WithAnnotations[KanoSurvey, _Counts]]:
    """The workspace's surveys, newest first, each with `response_count` and `feature_count`."""
    return (
        KanoSurvey.objects.filter(workspace=access.workspace)
        .annotate(
            response_count=Count("responses", distinct=True),
            feature_count=Count("features", distinct=True),
        )
        .order_by("-id")
    )


def _features(access: Access, refs: Iterable[str | int], field: str = "features") -> list[Feature]:
    """The workspace's features for references like F-12 or 12, in the order given."""
    numbers = list(dict.fromkeys(parse_ref(ref, field) for ref in refs))
    if not numbers:
        raise Invalid(f"{field}: choose at least one feature")
    found = {
        f.number: f for f in Feature.objects.filter(workspace=access.workspace, number__in=numbers)
    }
    missing = [f"F-{n}" for n in numbers if n not in found]
    if missing:
        raise Invalid(f"{field}: {', '.join(missing)} not found")
    return [found[n] for n in numbers]


def _intro(text: str) -> str:
    text = (text or "").strip()
    if len(text) > INTRO_MAX:
        raise Invalid(f"intro: must be at most {INTRO_MAX} characters, got {len(text)}")
    return text


def _snapshot(survey: KanoSurvey) -> dict[str, Any]:
    refs = [f.ref for f in survey.features.order_by("number")]
    return {"title": survey.title, "intro": survey.intro, "features": refs}


def create_survey(
    access: Access, title: str, *, features: Iterable[str | int], intro: str = ""
) -> KanoSurvey:
    access.require(WRITE)
    survey = KanoSurvey(
        workspace=access.workspace,
        title=clean_name(title, "title", 200),
        intro=_intro(intro),
        created_by=access.user,
    )
    chosen = _features(access, features)
    with transaction.atomic():
        survey.save()
        survey.features.set(chosen)
        activity.record(access.workspace, access.user, "kano_survey.created", survey)
    return survey


def update_survey(
    access: Access,
    survey: KanoSurvey,
    *,
    title: str | None = None,
    intro: str | None = None,
    features: Iterable[str | int] | None = None,
    is_open: bool | None = None,
) -> KanoSurvey:
    """Change what is given; `features` replaces the survey's features (answers are kept)."""
    access.require(WRITE)
    before = _snapshot(survey)
    if title is not None:
        survey.title = clean_name(title, "title", 200)
    if intro is not None:
        survey.intro = _intro(intro)
    chosen = _features(access, features) if features is not None else None
    refs = sorted((f.ref for f in chosen), key=parse_ref) if chosen else before["features"]
    changes = activity.diff(
        before, {"title": survey.title, "intro": survey.intro, "features": refs}
    )
    with transaction.atomic():
        if changes:
            survey.save()
            if chosen is not None:
                survey.features.set(chosen)
            activity.record(access.workspace, access.user, "kano_survey.updated", survey, changes)
        if is_open is not None:
            set_open(access, survey, is_open)
    return survey


def add_feature(access: Access, survey: KanoSurvey, ref: str | int) -> Feature:
    access.require(WRITE)
    (feature,) = _features(access, [ref], "feature")
    if survey.features.filter(pk=feature.pk).exists():
        raise Conflict(f"feature: {feature.ref} is already in this survey")
    refs = _snapshot(survey)["features"]
    with transaction.atomic():
        survey.features.add(feature)
        changes = {"features": [refs, sorted([*refs, feature.ref], key=parse_ref)]}
        activity.record(access.workspace, access.user, "kano_survey.updated", survey, changes)
    return feature


def remove_feature(access: Access, survey: KanoSurvey, feature: Feature) -> None:
    """Take a feature out of the survey; its answers stay and count again if it comes back."""
    access.require(WRITE)
    refs = _snapshot(survey)["features"]
    if feature.ref not in refs:
        raise NotFound(f"feature: {feature.ref} is not in this survey")
    if len(refs) == 1:
        raise Invalid(f"features: {feature.ref} is the last feature; a survey needs at least one")
    with transaction.atomic():
        survey.features.remove(feature)
        changes = {"features": [refs, [r for r in refs if r != feature.ref]]}
        activity.record(access.workspace, access.user, "kano_survey.updated", survey, changes)


def set_open(access: Access, survey: KanoSurvey, is_open: bool) -> KanoSurvey:
    """Open or close the survey to answers through its public link."""
    access.require(WRITE)
    if survey.is_open != is_open:
        with transaction.atomic():
            survey.is_open = is_open
            survey.save(update_fields=["is_open", "updated_at"])
            verb = "kano_survey.opened" if is_open else "kano_survey.closed"
            activity.record(access.workspace, access.user, verb, survey)
    return survey


def create_link(access: Access, survey: KanoSurvey) -> str:
    """A new secret for the survey's public link, returned once; only its hash is kept, so an
    earlier link stops working."""
    access.require(WRITE)
    secret = secrets.token_urlsafe(24)
    with transaction.atomic():
        survey.link_hash = digest(secret)
        survey.save(update_fields=["link_hash", "updated_at"])
        activity.record(access.workspace, access.user, "kano_survey.link_created", survey)
    return secret


def delete_survey(access: Access, survey: KanoSurvey) -> None:
    """Delete the survey with all its responses (admins only)."""
    access.require(MANAGE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "kano_survey.deleted", survey)
        survey.delete()


# --- answers through the public link ---------------------------------------------------------


def survey_by_secret(secret: str) -> KanoSurvey:
    survey = KanoSurvey.objects.select_related("workspace").filter(link_hash=digest(secret)).first()
    if survey is None:
        raise NotFound("survey not found; check the link you were sent")
    return survey


def open_survey(secret: str) -> KanoSurvey:
    """The survey behind a public link, if it still takes answers."""
    survey = survey_by_secret(secret)
    if not survey.is_open:
        raise Gone("this survey is closed and no longer takes answers; thank you for your interest")
    return survey


def parse_answer(value: object, field: str) -> kano.Answer:
    """One of ANSWERS, also given as its label ("I can live with it") or spelled "live with"."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise Invalid(f"{field}: choose an answer")
    answer = _ANSWER_KEYS.get(_normal(text))
    if answer is None:
        raise Invalid(f"{field}: {text!r} is not one of {_ONE_OF}")
    return answer


def _pair(
    functional: object, dysfunctional: object, prefix: str, errors: list[str]
) -> tuple[kano.Answer, kano.Answer] | None:
    """Both answers of a pair, or None after adding each problem to `errors`."""
    parsed = []
    for side, value in (("functional", functional), ("dysfunctional", dysfunctional)):
        try:
            parsed.append(parse_answer(value, prefix + side))
        except Invalid as error:
            errors.extend(error.errors)
    return (parsed[0], parsed[1]) if len(parsed) == 2 else None


def submit_response(
    secret: str,
    answers: Mapping[int, tuple[str, str]],
    *,
    client: str,
    respondent: str = "",
    website: str = "",
) -> KanoResponse | None:
    """Store one respondent's answers: a (functional, dysfunctional) pair for every feature of
    the survey, keyed by feature number. Submissions are limited per `client` address.

    `website` is the honeypot: a form input that people never see, so only bots fill it in. A
    filled honeypot returns None and stores nothing, while the page answers exactly as for a
    real submission, so the bot learns nothing to adapt to.
    """
    survey = open_survey(secret)
    ratelimit.hit(f"kano:client:{client}", SUBMISSIONS_PER_HOUR, 3600)
    if website.strip():
        return None
    features = list(survey.features.order_by("number"))
    errors = [
        f"F-{n}: is not in this survey" for n in sorted(set(answers) - {f.number for f in features})
    ]
    pairs = []
    for feature in features:
        functional, dysfunctional = answers.get(feature.number, ("", ""))
        pair = _pair(functional, dysfunctional, f"{feature.ref}.", errors)
        if pair is not None:
            pairs.append((feature, pair))
    email = ""
    if respondent.strip():
        try:
            email = clean_email(respondent, "respondent")
        except Invalid as error:
            errors.extend(error.errors)
    if errors:
        raise Invalid(*errors)
    with transaction.atomic():
        response = KanoResponse.objects.create(
            workspace=survey.workspace, survey=survey, respondent=email
        )
        KanoAnswer.objects.bulk_create(
            KanoAnswer(response=response, feature=f, functional=a, dysfunctional=b)
            for f, (a, b) in pairs
        )
        activity.record(survey.workspace, None, "kano_survey.answered", survey)
    return response


# --- import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import stored (or, in a dry run, would store)."""

    responses: int  # new respondents
    replaced: int  # respondents whose earlier imported answers the import replaced
    answers: int
    dry_run: bool


@dataclass(frozen=True)
class _Row:
    number: int
    respondent: str
    feature: int
    pair: tuple[kano.Answer, kano.Answer]


def read_upload(upload: UploadedFile) -> str:
    """An uploaded CSV file as text; the size limit is the one for request bodies."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and (upload.size or 0) > limit:
        raise Invalid(f"file: {upload.size} bytes is more than the limit of {limit} bytes")
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("file: is not UTF-8 text; save the CSV as UTF-8") from None


def _csv_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for each data line; the header is line 1."""
    text = text.lstrip("\ufeff")
    delimiter = max(",;\t", key=text.split("\n", 1)[0].count)  # what separates the column names
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        names = [name.strip().lower() for name in next(reader, [])]
        missing = [column for column in COLUMNS if column not in names]
        if missing:
            raise Invalid(
                f"file: the header has no column {missing[0]!r}; expected {', '.join(COLUMNS)}"
            )
        return [(reader.line_num, dict(zip(names, values, strict=False))) for values in reader]
    except csv.Error as error:
        raise Invalid(f"row {reader.line_num}: {error}") from None


def import_csv(
    access: Access, survey: KanoSurvey, text: str, *, dry_run: bool = False
) -> ImportResult:
    """Import CSV lines "respondent, feature, functional, dysfunctional" (see `import_rows`);
    errors name the line, counting the header as row 1 as a spreadsheet does."""
    access.require(WRITE)
    if not text.strip():
        raise Invalid(f"file: is empty; expected a header ({', '.join(COLUMNS)}) and answer rows")
    return _import(access, survey, _csv_rows(text), dry_run)


def import_rows(
    access: Access,
    survey: KanoSurvey,
    rows: Sequence[Mapping[str, object]],
    *,
    dry_run: bool = False,
) -> ImportResult:
    """Import answers, one row per respondent and feature, all or nothing.

    Rows with the same respondent form one response. A respondent already imported into this
    survey has their earlier answers replaced, so importing the same file twice changes nothing.
    With `dry_run`, everything is checked and counted but nothing is stored.
    """
    access.require(WRITE)
    return _import(access, survey, list(enumerate(rows, start=1)), dry_run)


def _import(
    access: Access,
    survey: KanoSurvey,
    numbered: Sequence[tuple[int, Mapping[str, object]]],
    dry_run: bool,
) -> ImportResult:
    if len(numbered) > MAX_IMPORT_ROWS:
        raise Invalid(f"rows: {len(numbered)} rows; at most {MAX_IMPORT_ROWS} per import")
    in_survey = {f.number: f for f in survey.features.all()}
    errors: list[str] = []
    grouped: dict[str, dict[int, _Row]] = defaultdict(dict)
    for number, values in numbered:
        row = _read_row(number, values, in_survey, errors)
        if row is None:
            continue
        earlier = grouped[row.respondent].get(row.feature)
        if earlier is not None:
            errors.append(
                f"row {number}: feature: F-{row.feature} was already answered by "
                f"{row.respondent!r} in row {earlier.number}"
            )
        grouped[row.respondent][row.feature] = row
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(f"rows: {len(errors) - MAX_ERRORS} more errors not shown")
        raise Invalid(*shown)
    if not grouped:
        raise Invalid(f"rows: no answers found; expected {', '.join(COLUMNS)} in each row")
    earlier_ids = dict(
        survey.responses.filter(source=KanoResponse.Source.IMPORT).values_list("respondent", "id")
    )
    replaced = [earlier_ids[r] for r in grouped if r in earlier_ids]
    result = ImportResult(
        responses=len(grouped) - len(replaced),
        replaced=len(replaced),
        answers=sum(len(answers) for answers in grouped.values()),
        dry_run=dry_run,
    )
    if not dry_run:
        _store(access, survey, grouped, in_survey, replaced, result)
    return result


def _read_row(
    number: int, values: Mapping[str, object], in_survey: Mapping[int, Feature], errors: list[str]
) -> _Row | None:
    """One import row, or None when it is blank or wrong (each problem added to `errors`)."""
    cells = {c: "" if values.get(c) is None else str(values.get(c)).strip() for c in COLUMNS}
    if not any(cells.values()):
        return None
    prefix = f"row {number}: "
    found: list[str] = []
    respondent = feature = None
    try:
        respondent = clean_name(cells["respondent"], "respondent", 254)
    except Invalid as error:
        found.append(prefix + error.message)
    try:
        feature = parse_ref(cells["feature"]) if cells["feature"] else None
        if feature is None:
            found.append(prefix + "feature: must not be empty")
        elif feature not in in_survey:
            found.append(prefix + f"feature: F-{feature} is not in this survey")
    except Invalid as error:
        found.append(prefix + error.message)
    pair = _pair(cells["functional"], cells["dysfunctional"], prefix, found)
    errors.extend(found)
    if found or pair is None or respondent is None or feature is None:
        return None
    return _Row(number, respondent, feature, pair)


def _store(
    access: Access,
    survey: KanoSurvey,
    grouped: Mapping[str, Mapping[int, _Row]],
    in_survey: Mapping[int, Feature],
    replaced: Sequence[int],
    result: ImportResult,
) -> None:
    with transaction.atomic():
        for start in range(0, len(replaced), 500):
            KanoResponse.objects.filter(pk__in=replaced[start : start + 500]).delete()
        responses = KanoResponse.objects.bulk_create(
            [
                KanoResponse(
                    workspace=survey.workspace,
                    survey=survey,
                    respondent=respondent,
                    source=KanoResponse.Source.IMPORT,
                )
                for respondent in grouped
            ],
            batch_size=500,
        )
        KanoAnswer.objects.bulk_create(
            (
                KanoAnswer(
                    response=response,
                    feature=in_survey[row.feature],
                    functional=row.pair[0],
                    dysfunctional=row.pair[1],
                )
                for response, rows in zip(responses, grouped.values(), strict=True)
                for row in rows.values()
            ),
            batch_size=1000,
        )
        counts = {"responses": result.responses, "replaced": result.replaced,
                  "answers": result.answers}  # fmt: skip
        activity.record(access.workspace, access.user, "kano_survey.imported", survey, counts)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureResult:
    feature: Feature
    summary: kano.KanoSummary

    @property
    def dominant_label(self) -> str | None:
        dominant = self.summary.dominant
        return CATEGORY_LABELS[dominant] if dominant else None

    @property
    def counts(self) -> list[int]:
        """The category counts in `kano.CATEGORIES` order."""
        return [self.summary.counts[c] for c in kano.CATEGORIES]


@dataclass(frozen=True)
class SurveyResults:
    responses: int
    by_source: dict[str, int]
    features: list[FeatureResult]


def response_counts(survey: KanoSurvey) -> dict[str, int]:
    """Responses by source: {"link": 12, "import": 40}, every source present."""
    rows = survey.responses.order_by().values_list("source").annotate(n=Count("id"))
    found = dict(rows)
    return {source: found.get(source, 0) for source in KanoResponse.Source.values}


def results(survey: KanoSurvey) -> SurveyResults:
    """Each feature's Kano summary over all responses; answer pairs are counted in SQL."""
    tallies: dict[int, list[tuple[tuple[str, str], int]]] = defaultdict(list)
    rows = (
        KanoAnswer.objects.filter(response__survey=survey)
        .order_by()
        .values_list("feature_id", "functional", "dysfunctional")
        .annotate(n=Count("id"))
    )
    for feature_id, functional, dysfunctional, n in rows:
        tallies[feature_id].append(((functional, dysfunctional), n))
    features = [
        FeatureResult(
            feature,
            kano.summarize(chain.from_iterable(repeat(pair, n) for pair, n in tallies[feature.pk])),
        )
        for feature in survey.features.order_by("number")
    ]
    by_source = response_counts(survey)
    return SurveyResults(sum(by_source.values()), by_source, features)
