"""JSON API of processing: similar feedback for a new text, what processing found about an
item, the team's corrections (type, sentiment, duplicates, theme), themes (list, detail with
trend, rename, split, merge, re-cluster) and the workspace's processing settings."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from northline.accounts.api import TaskOut, task_out
from northline.core.access import Access
from northline.core.api import workspace_access
from northline.core.roles import MANAGE, READ, WRITE, Role

from .models import Feedback, TextModel, Theme
from .services import encoders, processing, retraining, similarity, themes

router = Router(tags=["insights"])
W = "/workspaces/{slug}"


class SimilarIn(Schema):
    text: str
    k: int = processing.SIMILAR_K


class SimilarOut(Schema):
    id: int
    title: str
    text: str
    score: float
    duplicate: bool
    status: str
    url: str


class FeatureMatch(Schema):
    feature: str
    title: str
    score: float


class Label(Schema):
    value: str
    confidence: float | None
    by_team: bool


class RelatedOut(Schema):
    id: int
    type: Label
    sentiment: Label
    language: Label
    theme: int | None
    duplicate_of: int | None
    processed_at: datetime | None
    duplicate_threshold: float
    similar: list[SimilarOut]
    features: list[FeatureMatch]


class TypeIn(Schema):
    type: str


class SentimentIn(Schema):
    sentiment: str


class OriginalIn(Schema):
    original: int


class OtherIn(Schema):
    other: int


class ThemeChoice(Schema):
    theme: int | None


class ThemeLabel(Schema):
    label: str


class IntoIn(Schema):
    into: int


class ThemeOut(Schema):
    id: int
    label: str
    terms: list[str]
    size: int
    curated: bool
    representative: str | None
    url: str


class TrendPoint(Schema):
    period: date
    items: int


class ThemeDetail(ThemeOut):
    trend: list[TrendPoint]
    items: list[SimilarOut]


class ModelOut(Schema):
    task: str
    tier: str
    version: int
    labels: list[str]
    team_labels: int
    seed_labels: int
    clusters: int
    adapted: int  # an encoder: the workspace's own texts it adapted to (decision 0057)
    trained_by: str | None
    trained_at: datetime


class EncoderOut(Schema):
    version: int  # in use; 0: the base model
    merges_since_training: int
    retrain_after_merges: int
    min_clusters: int
    min_items: int  # items from which it adapts to their own texts, merges or not
    adapted_items: int  # items indexed when it last adapted (again at ADAPT_GROWTH times)
    problem: str  # why it cannot be retrained now ("" when it can)


class SettingsOut(Schema):
    tier: str
    semantic_available: bool
    semantic_problem: str
    duplicate_threshold: float
    categories: list[str]
    corrections_since_training: dict[str, int]  # per task ("type", "sentiment")
    retrain_after: int  # corrections of a task that start its retraining
    retraining: list[TaskOut]  # retrainings queued or running, oldest first
    encoder: EncoderOut
    models: list[ModelOut]


class SettingsIn(Schema):
    tier: str


class QueuedOut(Schema):
    queued: int


# --- shaping ---------------------------------------------------------------------------------


def similar_out(s: processing.Similar, request: HttpRequest) -> SimilarOut:
    f = s.feedback
    return SimilarOut(
        id=f.pk, title=f.title, text=f.text[:500], score=round(s.score, 4), duplicate=s.duplicate,
        status=f.status, url=request.build_absolute_uri(f.get_absolute_url()),
    )  # fmt: skip


def related_out(access: Access, f: Feedback, request: HttpRequest) -> RelatedOut:
    similar, features = processing.related(access, f)
    return RelatedOut(
        id=f.pk,
        type=Label(value=f.kind, confidence=f.kind_confidence, by_team=f.kind_by_team),
        sentiment=Label(
            value=f.sentiment, confidence=f.sentiment_confidence, by_team=f.sentiment_by_team
        ),
        language=Label(value=f.language, confidence=f.language_confidence, by_team=False),
        theme=f.theme_id, duplicate_of=f.duplicate_of_id, processed_at=f.processed_at,
        duplicate_threshold=similarity.settings_of(access.workspace).duplicate_threshold,
        similar=[similar_out(s, request) for s in similar],
        features=[
            FeatureMatch(feature=m.feature.ref, title=m.feature.title, score=m.score)
            for m in features
        ],
    )  # fmt: skip


def theme_out(t: Theme, request: HttpRequest) -> ThemeOut:
    return ThemeOut(
        id=t.pk, label=t.label, terms=list(t.terms), size=t.size, curated=t.curated,
        representative=t.representative.text[:300] if t.representative else None,
        url=request.build_absolute_uri(t.get_absolute_url()),
    )  # fmt: skip


def one(
    request: HttpRequest, slug: str, feedback_id: int, needed: Role = READ
) -> tuple[Access, Feedback]:
    access = workspace_access(request, slug, needed)
    return access, access.get(Feedback, pk=feedback_id)


def one_theme(
    request: HttpRequest, slug: str, theme_id: int, needed: Role = READ
) -> tuple[Access, Theme]:
    access = workspace_access(request, slug, needed)
    return access, access.get(Theme, pk=theme_id)


# --- similar feedback ------------------------------------------------------------------------


@router.get(W + "/feedback/similar", response=list[SimilarOut],
            summary="Open feedback that reads like a text (as a new item is typed)")  # fmt: skip
def similar_get(
    request: HttpRequest, slug: str, text: str = "", k: int = processing.SIMILAR_K
) -> list[SimilarOut]:
    access = workspace_access(request, slug)
    return [similar_out(s, request) for s in processing.similar_to_text(access, text, k)]


@router.post(W + "/feedback/similar", response=list[SimilarOut],
             summary="The same, with the text in the body (long texts)")  # fmt: skip
def similar_post(request: HttpRequest, slug: str, payload: SimilarIn) -> list[SimilarOut]:
    access = workspace_access(request, slug)
    found = processing.similar_to_text(access, payload.text, payload.k)
    return [similar_out(s, request) for s in found]


# --- one item --------------------------------------------------------------------------------


@router.get(W + "/feedback/{feedback_id}/related", response=RelatedOut,
            summary="What processing found: type, sentiment, language (with confidences), "
                    "theme, similar items and features with scores")  # fmt: skip
def get_related(request: HttpRequest, slug: str, feedback_id: int) -> RelatedOut:
    access, feedback = one(request, slug, feedback_id)
    return related_out(access, feedback, request)


@router.put(W + "/feedback/{feedback_id}/type", response=RelatedOut,
            summary="Correct the type (a new category is added); retrains after a few")  # fmt: skip
def put_type(request: HttpRequest, slug: str, feedback_id: int, payload: TypeIn) -> RelatedOut:
    access, feedback = one(request, slug, feedback_id, WRITE)
    retraining.correct(access, feedback, "type", payload.type)
    return related_out(access, feedback, request)


@router.put(W + "/feedback/{feedback_id}/sentiment", response=RelatedOut,
            summary="Correct the sentiment")  # fmt: skip
def put_sentiment(
    request: HttpRequest, slug: str, feedback_id: int, payload: SentimentIn
) -> RelatedOut:
    access, feedback = one(request, slug, feedback_id, WRITE)
    retraining.correct(access, feedback, "sentiment", payload.sentiment)
    return related_out(access, feedback, request)


@router.post(W + "/feedback/{feedback_id}/duplicate-of", response=RelatedOut,
             summary="Merge: this item duplicates `original` (it is archived)")  # fmt: skip
def merge(request: HttpRequest, slug: str, feedback_id: int, payload: OriginalIn) -> RelatedOut:
    access, feedback = one(request, slug, feedback_id, WRITE)
    original = access.get(Feedback, pk=payload.original)
    retraining.merge_duplicate(access, feedback, original)
    return related_out(access, feedback, request)


@router.post(W + "/feedback/{feedback_id}/not-duplicate", response=RelatedOut,
             summary="Dismiss a similar item: the pair is not a duplicate")  # fmt: skip
def dismiss(request: HttpRequest, slug: str, feedback_id: int, payload: OtherIn) -> RelatedOut:
    access, feedback = one(request, slug, feedback_id, WRITE)
    retraining.dismiss_duplicate(access, feedback, access.get(Feedback, pk=payload.other))
    return related_out(access, feedback, request)


@router.put(W + "/feedback/{feedback_id}/theme", response=RelatedOut,
            summary="Move the item to another theme (or none)")  # fmt: skip
def put_theme(
    request: HttpRequest, slug: str, feedback_id: int, payload: ThemeChoice
) -> RelatedOut:
    access, feedback = one(request, slug, feedback_id, WRITE)
    theme = access.get(Theme, pk=payload.theme) if payload.theme is not None else None
    themes.move_to_theme(access, feedback, theme)
    return related_out(access, feedback, request)


# --- themes ----------------------------------------------------------------------------------


@router.get(W + "/themes", response=list[ThemeOut], summary="Themes, largest first")
def list_themes(request: HttpRequest, slug: str, min_size: int = 2) -> list[ThemeOut]:
    access = workspace_access(request, slug)
    return [theme_out(t, request) for t in themes.theme_list(access, min_size=max(min_size, 1))]


@router.post(W + "/themes/recluster", response={202: TaskOut},
             summary="Cluster the feedback again in the background")  # fmt: skip
def recluster(request: HttpRequest, slug: str) -> Status[TaskOut]:
    access = workspace_access(request, slug, WRITE)
    return Status(202, task_out(themes.start_recluster(access), request))


@router.get(W + "/themes/{theme_id}", response=ThemeDetail,
            summary="A theme with its trend (unit: week or month) and newest items")  # fmt: skip
def get_theme(request: HttpRequest, slug: str, theme_id: int, unit: str = "week") -> ThemeDetail:
    _, theme = one_theme(request, slug, theme_id)
    points = [TrendPoint(period=p, items=n) for p, n in themes.trend(theme, unit)]
    newest = theme.feedback.exclude(status=Feedback.Status.ARCHIVED).order_by("-received_at", "-id")
    items = [similar_out(processing.Similar(f, 0.0, False), request) for f in newest[:20]]
    return ThemeDetail(**theme_out(theme, request).dict(), trend=points, items=items)


@router.patch(
    W + "/themes/{theme_id}", response=ThemeOut, summary="Rename (kept when re-clustered)"
)
def rename(request: HttpRequest, slug: str, theme_id: int, payload: ThemeLabel) -> ThemeOut:
    access, theme = one_theme(request, slug, theme_id, WRITE)
    return theme_out(themes.rename_theme(access, theme, payload.label), request)


@router.post(W + "/themes/{theme_id}/split", response=list[ThemeOut],
             summary="Split in two by clustering the theme's items")  # fmt: skip
def split(request: HttpRequest, slug: str, theme_id: int) -> list[ThemeOut]:
    access, theme = one_theme(request, slug, theme_id, WRITE)
    return [theme_out(t, request) for t in themes.split_theme(access, theme)]


@router.post(W + "/themes/{theme_id}/merge", response=ThemeOut,
             summary="Merge this theme into `into`")  # fmt: skip
def merge_theme(request: HttpRequest, slug: str, theme_id: int, payload: IntoIn) -> ThemeOut:
    access, theme = one_theme(request, slug, theme_id, WRITE)
    into = access.get(Theme, pk=payload.into)
    return theme_out(themes.merge_themes(access, theme, into), request)


# --- settings --------------------------------------------------------------------------------


def settings_out(access: Access, request: HttpRequest) -> SettingsOut:
    state = similarity.settings_of(access.workspace)
    problem = processing.semantic_problem()
    models = TextModel.objects.filter(workspace=access.workspace).select_related("trained_by")
    return SettingsOut(
        tier=state.tier, semantic_available=not problem, semantic_problem=problem,
        duplicate_threshold=state.duplicate_threshold, categories=list(state.categories),
        corrections_since_training=retraining.corrections(state),
        retrain_after=retraining.RETRAIN_AFTER,
        retraining=[task_out(t, request) for t in retraining.in_flight(access.workspace)],
        encoder=EncoderOut(
            version=state.encoder_version, merges_since_training=state.merges_since_training,
            retrain_after_merges=encoders.RETRAIN_AFTER_MERGES, min_clusters=encoders.MIN_CLUSTERS,
            min_items=encoders.MIN_ITEMS, adapted_items=state.adapted_items,
            problem=retraining.encoder_problem(access.workspace, state),
        ),
        models=[
            ModelOut(
                task=m.task, tier=m.tier, version=m.version, labels=list(m.labels),
                team_labels=m.team_labels, seed_labels=m.seed_labels, clusters=m.clusters,
                adapted=m.adapted, trained_by=m.trained_by.email if m.trained_by else None,
                trained_at=m.created_at,
            )
            for m in models[:20]
        ],
    )  # fmt: skip


@router.get(W + "/processing", response=SettingsOut, summary="Tier, learnt threshold, models")
def get_settings(request: HttpRequest, slug: str) -> SettingsOut:
    return settings_out(workspace_access(request, slug), request)


@router.patch(W + "/processing", response=SettingsOut,
              summary="Choose the text tier (admins); every item is processed again")  # fmt: skip
def patch_settings(request: HttpRequest, slug: str, payload: SettingsIn) -> SettingsOut:
    access = workspace_access(request, slug, MANAGE)
    processing.set_tier(access, payload.tier)
    return settings_out(access, request)


class RetrainIn(Schema):
    task: str = "type"


@router.post(W + "/processing/retrain", response={202: TaskOut},
             summary="Retrain the type or sentiment model on the team's labels")  # fmt: skip
def retrain(request: HttpRequest, slug: str, payload: RetrainIn) -> Status[TaskOut]:
    access = workspace_access(request, slug, WRITE)
    return Status(202, task_out(retraining.start_retraining(access, payload.task), request))


@router.post(W + "/processing/retrain-encoder", response={202: TaskOut},
             summary="Retrain the semantic encoder on the merged duplicates (admins)")  # fmt: skip
def retrain_encoder(request: HttpRequest, slug: str) -> Status[TaskOut]:
    access = workspace_access(request, slug, MANAGE)
    return Status(202, task_out(retraining.start_encoder_retraining(access), request))


@router.post(W + "/processing/reprocess", response={202: QueuedOut},
             summary="Process every item again (admins)")  # fmt: skip
def reprocess(request: HttpRequest, slug: str) -> Status[QueuedOut]:
    access = workspace_access(request, slug, MANAGE)
    return Status(202, QueuedOut(queued=processing.reprocess(access)))
