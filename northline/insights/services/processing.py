"""Text processing of feedback (type, sentiment, language, near-duplicates, similar features,
themes), queued as a background task whenever feedback arrives: one item from the form or the
API, many after an import. Every intake path calls `queue`; it enqueues once the caller's
transaction has committed, so a task never sees rows that were rolled back.

Processing is batched (`BATCH` items per task, classified in one call per model) and
idempotent: an item's labels depend only on its text and the workspace's models, an item
whose text is already indexed is not indexed again, and a corrected label is never
overwritten, so a retried or repeated task stores the same result.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from northline.accounts.models import Workspace
from northline.core import activity
from northline.core import tasks as background
from northline.core.access import Access
from northline.core.errors import Invalid
from northline.core.roles import MANAGE
from northline.insights.text.classifier import ISSUE_TYPE
from northline.insights.text.labels import batch_parts
from northline.insights.text.parallel import Kept, beside
from northline.insights.text.preprocess import cleaning_once
from northline.insights.text.tiers import (
    LEXICAL,
    SEMANTIC,
    TIERS,
    TierUnavailable,
    make_classifier,
    make_similarity_index,
)
from northline.planning.models import Feature

from ..models import (
    DuplicateVerdict,
    Feedback,
    SimilarFeature,
    SimilarFeedback,
    TextSettings,
    new_token,
)
from . import fields as check
from . import learning, similarity, themes
from .bulk_insert import update_feedback
from .rows import existing, insert_rows, update_rows

logger = logging.getLogger(__name__)
# The encoder retrained by a member, and adapted by Northline itself (`retraining.settle_encoder`).
RETRAINED, ADAPTED = "processing.encoder_trained", "processing.encoder_adapted"
PHRASES: dict[str, str] = {
    "feedback.type_corrected": "corrected the type of",
    "feedback.sentiment_corrected": "corrected the sentiment of",
    "feedback.merged": "merged as a duplicate:",
    "feedback.not_duplicate": "marked as not a duplicate:",
    "feedback.theme_changed": "moved to another theme:",
    "theme.renamed": "renamed the theme",
    "theme.merged": "merged a theme into",
    "theme.split": "split the theme",
    "processing.tier_changed": "changed the text tier of",
    RETRAINED: "retrained the encoder on the merges and texts of",
    ADAPTED: "adapted the encoder to the merges and texts of",
}
AUTOMATIC = (ADAPTED,)
BATCH = 2000
# A batch is indexed and joined in parts of this many items, each as soon as the helper has
# counted its terms (decision 0053): an item meets the items of its own part and before.
PART = 500
SIMILAR_K = 5
SIMILAR_MIN = 0.3  # below this cosine an item is not worth showing as similar


def queue(workspace: Workspace, feedback_ids: Sequence[int]) -> None:
    """Queue the processing of these feedback items, in batches, after the current
    transaction commits (at once outside one)."""
    ids = sorted({int(i) for i in feedback_ids})
    if not ids:
        return
    from ..tasks import process_feedback

    def enqueue() -> None:
        for start in range(0, len(ids), BATCH):
            process_feedback.enqueue(
                workspace_id=workspace.pk, feedback_ids=ids[start : start + BATCH]
            )

    transaction.on_commit(enqueue)


def settle_themes(workspace: Workspace) -> None:
    """Queue the automatic re-clustering (callers know it is due) unless the workspace's bulk
    work is still in flight: an import writing its batches, or processing or a re-clustering
    waiting in the queue. The last of them queues it instead, so an import re-clusters once,
    after its last batch, not each time the themes drift while it still feeds the worker
    (decision 0034)."""
    from ..tasks import process_feedback, recluster_themes
    from .imports import writing

    if writing(workspace) or background.waiting(
        [process_feedback, recluster_themes], workspace_id=workspace.pk
    ):
        return
    recluster_themes.enqueue(workspace_id=workspace.pk)


# --- the tier --------------------------------------------------------------------------------


def model_path() -> str | None:
    return django_settings.SEMANTIC_MODEL or None


def semantic_problem() -> str:
    """Why the semantic tier cannot be chosen here, or "" when it can."""
    return _semantic_problem(model_path())


@cache
def _semantic_problem(path: str | None) -> str:
    """Asked once per process and model folder: building the tier may load a model."""
    try:
        make_classifier(ISSUE_TYPE, SEMANTIC, model_path=path)
        make_similarity_index(SEMANTIC, model_path=path)
    except TierUnavailable as error:
        return error.reason
    return ""


def tier_of(workspace: Workspace) -> str:
    """The workspace's chosen tier, or lexical when the semantic one is chosen but cannot run
    on this server (the settings page says so)."""
    return usable_tier(similarity.settings_of(workspace))


def usable_tier(state: TextSettings) -> str:
    chosen = state.tier
    if chosen == SEMANTIC and semantic_problem():
        logger.warning("workspace %s: semantic tier unavailable, using lexical", state.workspace_id)
        return LEXICAL
    return chosen


def set_tier(access: Access, tier: str) -> TextSettings:
    """Switch the workspace's tier; its models and index are rebuilt for it, and every item
    is processed again."""
    access.require(MANAGE)
    if tier not in TIERS:
        raise Invalid(f"tier: expected one of {', '.join(TIERS)}, got {tier!r}")
    if tier == SEMANTIC and (problem := semantic_problem()):
        raise Invalid(f"tier: the semantic tier is not available on this server ({problem})")
    with transaction.atomic():
        state = TextSettings.objects.select_for_update().get(
            pk=similarity.settings_of(access.workspace).pk
        )
        if state.tier == tier:
            return state
        before = state.tier
        state.tier = tier
        state.token = new_token()
        state.snapshot, state.snapshot_seq = "", 0
        state.save()
        Feedback.objects.filter(workspace=access.workspace).update(indexed_digest="")
        activity.record(
            access.workspace, access.user, "processing.tier_changed", access.workspace,
            {"tier": [before, tier]},
        )  # fmt: skip
        reprocess_all(access.workspace)
    return state


def reprocess(access: Access) -> int:
    """Process every item again, on request (after the seed set or the engine improved)."""
    access.require(MANAGE)
    return reprocess_all(access.workspace)


def reprocess_all(workspace: Workspace) -> int:
    """Queue every item of the workspace again (after a tier change, or on request)."""
    ids = list(Feedback.objects.filter(workspace=workspace).values_list("pk", flat=True))
    queue(workspace, ids)
    return len(ids)


# --- one batch -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    processed: int
    indexed: int
    recluster: bool  # the automatic re-clustering is due


@cleaning_once()
def process(workspace: Workspace, feedback_ids: Sequence[int]) -> Outcome:
    """Classify, index and relate a batch of items; the heavy work runs outside the final
    transaction, which writes every result at once. Each text is cleaned once per way the
    stages clean it, not once per stage (`cleaning_once`, decision 0039).

    The stages that need neither the database nor the index run in the helper process on the
    second core (decisions 0043, 0052, 0053; lexical tier, when `PROCESSING_PROCESSES` is
    above 1): it counts the index's terms of each `PART` of the batch in turn, then computes
    type, sentiment, language and similar features. Meanwhile this process numbers the items,
    then indexes and joins each part as its counts arrive. The answers are the same either
    way."""
    rows = list(
        Feedback.objects.filter(workspace=workspace, pk__in=list(feedback_ids))
        .only(*LOADED_FIELDS)
        .order_by("pk")
    )
    if not rows:
        return Outcome(0, 0, False)
    tier, path = tier_of(workspace), model_path()
    texts = [similarity.item_text(f.title, f.text) for f in rows]
    kind_model = learning.classifier_for(workspace, "type", tier, path)[0]
    mood_model = learning.classifier_for(workspace, "sentiment", tier, path)[0]
    with beside(
        batch_parts, Kept(kind_model), Kept(mood_model), _features(workspace), texts, PART,
        helped=_helped(tier),
    ) as pending:  # fmt: skip
        indexed = _index(workspace, rows, texts)
        items = [(f.pk, f.indexed_seq, text) for f, text in zip(rows, texts, strict=True)]
        similar = similarity.similar_indexed(
            workspace, tier, items, SIMILAR_K, SIMILAR_MIN, pending.parts(), model_path=path
        )
        kinds, moods, languages, features = pending.result()
    now = timezone.now()
    with transaction.atomic():
        for f, kind, mood, language in zip(rows, kinds, moods, languages, strict=True):
            if not f.kind_by_team:
                f.kind, f.kind_confidence = kind
            if not f.sentiment_by_team:
                f.sentiment, f.sentiment_confidence = mood
            f.language, f.language_confidence = language.code, round(language.confidence, 4)
            f.processed_at = now
        update_feedback(rows, RESULT_FIELDS)
        _store_similar(workspace, rows, similar, features)
        recluster = themes.assign(workspace, rows, texts)
    state = similarity.settings_of(workspace)
    if similarity.snapshot_due(state):
        similarity.write_snapshot(workspace, tier, path)
    return Outcome(len(rows), indexed, recluster)


# What `process` reads of each item (the rest of the row is never looked at): its text, the
# corrections it must not overwrite, what the index holds of it, and what placing it in a
# theme asks.
LOADED_FIELDS = (
    "workspace_id", "title", "text", "kind_by_team", "sentiment_by_team", "indexed_digest",
    "indexed_seq", "theme_id", "status",
)  # fmt: skip


def _helped(tier: str) -> bool:
    """Whether a batch's stateless stages go to the helper process: on the lexical tier when
    more than one process is allowed. The semantic tier's cost is its encoder, which already
    uses every core through torch's threads."""
    return tier == LEXICAL and django_settings.PROCESSING_PROCESSES > 1


RESULT_FIELDS = (
    "kind", "kind_confidence", "sentiment", "sentiment_confidence", "language",
    "language_confidence", "processed_at",
)  # fmt: skip


def _index(workspace: Workspace, rows: list[Feedback], texts: list[str]) -> int:
    """Give the items whose text the index does not hold yet the next sequence numbers."""
    changed = [
        (f, digest)
        for f, text in zip(rows, texts, strict=True)
        if f.indexed_digest != (digest := similarity.digest(text))
    ]
    if not changed:
        return 0
    with transaction.atomic():
        similarity.settings_of(workspace)
        TextSettings.objects.filter(workspace=workspace).update(
            next_seq=F("next_seq") + len(changed)
        )
        last = TextSettings.objects.get(workspace=workspace).next_seq
        for offset, (f, digest) in enumerate(changed):
            f.indexed_digest, f.indexed_seq = digest, last - len(changed) + offset + 1
        update_rows([f for f, _ in changed], ("indexed_digest", "indexed_seq"))
    return len(changed)


def _features(workspace: Workspace) -> list[tuple[int, str]]:
    """The planning features an item may read like: (id, title and description), dropped ones
    left out; features are few (thousands at most), so they are matched afresh per batch."""
    return [
        (pk, similarity.item_text(title, description))
        for pk, title, description in Feature.objects.filter(workspace=workspace)
        .exclude(status=Feature.Status.DROPPED)
        .values_list("pk", "title", "description")
    ]


def _store_similar(
    workspace: Workspace,
    rows: list[Feedback],
    similar: list[list[tuple[int, float]]],
    features: list[list[tuple[int, float]]],
) -> None:
    """Replace the batch's similar items and features (a retried batch stores the same), in
    one INSERT per table sent with executemany."""
    ids = [f.pk for f in rows]
    SimilarFeedback.objects.filter(feedback_id__in=ids).delete()
    SimilarFeature.objects.filter(feedback_id__in=ids).delete()
    # The index still holds items deleted since they were indexed.
    known = existing(Feedback, {doc for hits in similar for doc, _ in hits}, workspace.pk)
    now = timezone.now()
    columns = ["workspace_id", "created_at", "updated_at", "feedback_id"]
    insert_rows(
        SimilarFeedback, [*columns, "other_id", "score"],
        [
            (workspace.pk, now, now, f.pk, doc, round(score, 4))
            for f, hits in zip(rows, similar, strict=True)
            for doc, score in hits
            if doc in known  # `similar_indexed` kept only scores of at least SIMILAR_MIN
        ],
    )  # fmt: skip
    insert_rows(
        SimilarFeature, [*columns, "feature_id", "score"],
        [
            (workspace.pk, now, now, f.pk, doc, round(score, 4))
            for f, hits in zip(rows, features, strict=True)
            for doc, score in hits
        ],
    )  # fmt: skip


# --- reading ---------------------------------------------------------------------------------

MAX_QUERY = 5000
MAX_K = 50


@dataclass(frozen=True)
class Similar:
    feedback: Feedback
    score: float
    duplicate: bool  # the score reaches the workspace's duplicate threshold


def related(access: Access, feedback: Feedback) -> tuple[list[Similar], list[SimilarFeature]]:
    """Items that read like this one (found when either was processed; pairs the team
    dismissed left out) and the similar planning features, best first."""
    threshold = similarity.settings_of(access.workspace).duplicate_threshold
    dismissed = set(
        DuplicateVerdict.objects.filter(feedback=feedback, duplicate=False).values_list(
            "other_id", flat=True
        )
    ) | set(
        DuplicateVerdict.objects.filter(other=feedback, duplicate=False).values_list(
            "feedback_id", flat=True
        )
    )
    best: dict[int, float] = {}
    for other, score in [
        *SimilarFeedback.objects.filter(feedback=feedback).values_list("other_id", "score"),
        *SimilarFeedback.objects.filter(other=feedback).values_list("feedback_id", "score"),
    ]:
        if other not in dismissed and other != feedback.pk:
            best[other] = max(score, best.get(other, 0.0))
    rows = Feedback.objects.in_bulk(list(best))
    similar = sorted(
        (Similar(rows[pk], score, score >= threshold) for pk, score in best.items() if pk in rows),
        key=lambda s: (-s.score, s.feedback.pk),
    )
    features = list(feedback.similar_features.select_related("feature"))
    return similar[: SIMILAR_K * 2], features


def similar_to_text(access: Access, text: object, k: object = SIMILAR_K) -> list[Similar]:
    """Open items that read like a text being written (a new idea, a support reply)."""
    clean = check.text(text, "text", MAX_QUERY, required=True)
    count = check.whole(k, "k", 1, MAX_K) or SIMILAR_K
    state = similarity.settings_of(access.workspace)
    hits = similarity.query(
        access.workspace, usable_tier(state), clean, count * 2, model_path=model_path(),
        state=state,
    )  # fmt: skip
    rows = (
        # By primary key alone (the index is the workspace's): a workspace condition here
        # leads SQLite to a workspace index and 0.6 s per request at a million items.
        Feedback.objects.filter(pk__in=[doc for doc, _ in hits])
        .exclude(status=Feedback.Status.ARCHIVED)
        .only("pk", "title", "text", "status", "workspace_id")
        .in_bulk()
    )
    for row in rows.values():  # its URL names the workspace: the one already loaded
        row.workspace = access.workspace
    found = [
        Similar(rows[doc], score, score >= state.duplicate_threshold)
        for doc, score in hits
        if doc in rows
    ]
    return found[:count]
