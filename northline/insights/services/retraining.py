"""The team's corrections, and what they teach: a corrected type or sentiment (a new
category included) retrains the workspace's classifier; merged or dismissed duplicates set
the score from which similar items are called likely duplicates, and on the semantic tier
merges also retrain the workspace's encoder (`encoders`, decision 0038).

Corrections are counted; every `RETRAIN_AFTER` of them queue a retraining, and the team can
start one at any time. A retraining still waiting in the queue is not queued twice: it reads
the corrections when it starts, so it learns the newer ones too. Retraining stores a new model version and predicts again every item
the team has not labelled, in batches. Merges are counted the same way for the encoder: every
`encoders.RETRAIN_AFTER_MERGES` of them queue its retraining once the workspace can learn from
them (`encoder_problem`), and admins can start one at any time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max

from northline.accounts.models import User, Workspace
from northline.core import activity
from northline.core import tasks as background
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid
from northline.core.models import TaskProgress
from northline.core.roles import MANAGE, WRITE
from northline.insights.text.labels import predicted
from northline.insights.text.semantic import ADAPT_TEXTS, adapt_encoder
from northline.insights.text.thresholds import carried_threshold, duplicate_threshold
from northline.insights.text.tiers import SEMANTIC

from ..models import DuplicateVerdict, Feedback, SimilarFeedback, TextModel, TextSettings
from . import encoders, learning, processing, similarity
from .bulk_insert import update_feedback

RETRAIN_AFTER = 5
REPREDICT_BATCH = 2000
CLASSIFIER_TITLE = "Retrain the {task} model"
ENCODER_TITLE = "Retrain the encoder on the workspace's feedback and merges"
MAX_CATEGORIES = 30
_LABEL = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def label_value(value: Any, task: str) -> str:
    """A label as stored: "Billing issue" → "billing_issue"; sentiment is one of three."""
    field = "type" if task == "type" else "sentiment"
    if not isinstance(value, str):
        raise Invalid(f"{field}: must be text, got {value!r}")
    clean = "_".join(value.strip().lower().replace("-", " ").split())
    if task == "sentiment" and clean not in learning.SENTIMENTS:
        raise Invalid(f"sentiment: expected one of positive, neutral, negative, got {value!r}")
    if not _LABEL.match(clean):
        raise Invalid(
            f"type: must start with a letter and hold only letters, digits and spaces "
            f"(at most 40), got {value!r}"
        )
    return clean


def corrections(state: TextSettings) -> dict[str, int]:
    """Each task's corrections since its last training started."""
    return {task: getattr(state, _counter(task)) for task in learning.TASKS}


def _counter(task: str) -> str:
    """The TextSettings field counting a task's corrections since its last training."""
    return f"{task}_corrections"


def _locked(workspace: Workspace) -> TextSettings:
    similarity.settings_of(workspace)
    return TextSettings.objects.select_for_update().get(workspace=workspace)


def correct(access: Access, feedback: Feedback, task: str, value: Any) -> Feedback:
    """The team's label for an item; processing keeps it, and retraining learns from it."""
    access.require(WRITE)
    if task not in learning.TASKS:
        raise Invalid(f"task: expected type or sentiment, got {task!r}")
    label = label_value(value, task)
    field, by_team = learning.FIELDS[task]
    with transaction.atomic():
        state = _locked(access.workspace)
        if task == "type" and label not in learning.TYPES and label not in state.categories:
            if len(state.categories) >= MAX_CATEGORIES:
                raise Invalid(
                    f"type: at most {MAX_CATEGORIES} own categories; {label!r} is one too many"
                )
            state.categories = [*state.categories, label]
        before = getattr(feedback, field)
        setattr(feedback, field, label)
        setattr(feedback, f"{field}_confidence", 1.0)
        setattr(feedback, by_team, True)
        feedback.save(update_fields=[field, f"{field}_confidence", by_team, "updated_at"])
        counter = _counter(task)
        setattr(state, counter, getattr(state, counter) + 1)
        due = getattr(state, counter) >= RETRAIN_AFTER
        state.save(update_fields=["categories", counter, "updated_at"])
        activity.record(
            access.workspace, access.user, f"feedback.{task}_corrected", feedback,
            {task: [before or None, label]},
        )  # fmt: skip
        if due:
            transaction.on_commit(lambda: start_retraining(access, task))
    return feedback


def in_flight(workspace: Workspace) -> list[TaskProgress]:
    """The workspace's retrainings queued or running (oldest first): until one ends, the
    models in use and the labels shown are those of before the newest corrections."""
    titles = [CLASSIFIER_TITLE.format(task=task) for task in learning.TASKS] + [ENCODER_TITLE]
    return list(
        TaskProgress.objects.filter(workspace=workspace, title__in=titles)
        .exclude(status__in=["succeeded", "failed"])
        .select_related("workspace")
        .order_by("created_at", "pk")
    )


def start_retraining(access: Access, task: str) -> TaskProgress:
    access.require(WRITE)
    if task not in learning.TASKS:
        raise Invalid(f"task: expected type or sentiment, got {task!r}")
    from ..tasks import retrain_classifier

    return background.start_once(
        access.workspace, access.user, CLASSIFIER_TITLE.format(task=task), retrain_classifier,
        ("workspace_id", "task_name"),
        workspace_id=access.workspace.pk, task_name=task, user_id=access.user.pk,
    )  # fmt: skip


def retrain(
    workspace: Workspace, task: str, user: User | None, report: Callable[[int, str], None]
) -> dict[str, Any]:
    """Train the next version, then predict again every item the team has not labelled. The
    task's corrections count again from here: the training reads every label made so far."""
    with transaction.atomic():
        state = _locked(workspace)
        setattr(state, _counter(task), 0)
        state.save(update_fields=[_counter(task), "updated_at"])
    tier, path = processing.tier_of(workspace), processing.model_path()
    model = learning.train(workspace, task, tier, user, path)
    report(20, f"Trained version {model.version} on {model.team_labels} team labels")
    classifier, _ = learning.classifier_for(workspace, task, tier, path)
    field, by_team = learning.FIELDS[task]
    pending = Feedback.objects.filter(workspace=workspace, **{by_team: False}).order_by("pk")
    total, done, last = pending.count(), 0, 0
    while True:
        rows = list(
            pending.filter(pk__gt=last).values_list("pk", "title", "text")[:REPREDICT_BATCH]
        )
        if not rows:
            break
        labels = predicted(classifier, [similarity.item_text(r[1], r[2]) for r in rows])
        updates = [
            Feedback(pk=row[0], **{field: label, f"{field}_confidence": confidence})
            for row, (label, confidence) in zip(rows, labels, strict=True)
        ]
        update_feedback(updates, [field, f"{field}_confidence"])
        done, last = done + len(rows), rows[-1][0]
        report(20 + int(80 * done / max(total, 1)), f"Predicted {done} of {total} items again")
    return {
        "version": model.version, "labels": model.labels, "team_labels": model.team_labels,
        "seed_labels": model.seed_labels, "repredicted": done,
    }  # fmt: skip


# --- duplicates ------------------------------------------------------------------------------


def _pair_score(feedback: Feedback, other: Feedback) -> float:
    row = SimilarFeedback.objects.filter(feedback=feedback, other=other).first() or (
        SimilarFeedback.objects.filter(feedback=other, other=feedback).first()
    )
    return row.score if row is not None else 0.0


def _verdict(access: Access, feedback: Feedback, other: Feedback, duplicate: bool) -> None:
    if feedback.pk == other.pk:
        raise Invalid(f"other: must differ from the feedback itself ({feedback.pk})")
    DuplicateVerdict.objects.update_or_create(
        feedback=feedback, other=other,
        defaults={"workspace": access.workspace, "duplicate": duplicate,
                  "score": _pair_score(feedback, other), "created_by": access.user},
    )  # fmt: skip
    verdicts = DuplicateVerdict.objects.filter(workspace=access.workspace, score__gt=0)
    threshold = duplicate_threshold(
        list(verdicts.filter(duplicate=True).values_list("score", flat=True)),
        list(verdicts.filter(duplicate=False).values_list("score", flat=True)),
    )
    TextSettings.objects.filter(workspace=access.workspace).update(duplicate_threshold=threshold)


def merge_duplicate(access: Access, feedback: Feedback, original: Feedback) -> Feedback:
    """`feedback` says what `original` says: it is archived as its duplicate."""
    access.require(WRITE)
    if original.duplicate_of_id == feedback.pk:
        raise Invalid(f"original: feedback {original.pk} is already a duplicate of this one")
    with transaction.atomic():
        state = _locked(access.workspace)
        _verdict(access, feedback, original, True)
        feedback.duplicate_of = original
        feedback.status = Feedback.Status.ARCHIVED
        feedback.save(update_fields=["duplicate_of", "status", "updated_at"])
        activity.record(
            access.workspace, access.user, "feedback.merged", feedback,
            {"duplicate_of": [None, original.pk]},
        )  # fmt: skip
        state.merges_since_training += 1
        due = state.merges_since_training >= encoders.RETRAIN_AFTER_MERGES
        if due and not encoder_problem(access.workspace, state):
            state.merges_since_training = 0
            workspace, user = access.workspace, access.user
            transaction.on_commit(lambda: _queue_encoder(workspace, user))
        state.save(update_fields=["merges_since_training", "updated_at"])
    return feedback


def dismiss_duplicate(access: Access, feedback: Feedback, other: Feedback) -> None:
    """The pair only looks alike: it is no longer offered as similar."""
    access.require(WRITE)
    with transaction.atomic():
        similarity.settings_of(access.workspace)
        _verdict(access, feedback, other, False)
        activity.record(
            access.workspace, access.user, "feedback.not_duplicate", feedback,
            {"not_duplicate_of": [None, other.pk]},
        )  # fmt: skip


# --- the encoder -----------------------------------------------------------------------------


def encoder_problem(workspace: Workspace, state: TextSettings | None = None) -> str:
    """Why the workspace's encoder cannot be retrained now, or "" when it can: it needs the
    semantic tier, running on this server, and something to learn from: `encoders.MIN_ITEMS`
    items (their own texts, decision 0057) or `encoders.MIN_CLUSTERS` merged clusters."""
    state = state or similarity.settings_of(workspace)
    if state.tier != SEMANTIC:
        return f"tier: only the semantic tier has an encoder to retrain; this workspace uses {state.tier}"
    if problem := processing.semantic_problem():
        return f"tier: the semantic tier is not available on this server ({problem})"
    items = Feedback.objects.filter(workspace=workspace).count()
    if items >= encoders.MIN_ITEMS:
        return ""
    clusters = encoders.merged_clusters(workspace)[2]
    if clusters < encoders.MIN_CLUSTERS:
        return (
            f"merges: the encoder learns from at least {encoders.MIN_ITEMS} items or "
            f"{encoders.MIN_CLUSTERS} merged clusters; this workspace has {items} items and "
            f"{clusters} merged clusters"
        )
    return ""


def settle_encoder(workspace: Workspace) -> None:
    """After a processing batch: queue the encoder's adaptation to the workspace's own texts
    when `encoders.adaptation_due`, once the workspace's bulk work is over (an import writing,
    processing waiting: the last batch asks again), so an import adapts it once, to all of it."""
    from ..tasks import process_feedback
    from .imports import writing

    state = TextSettings.objects.filter(workspace=workspace).first()
    if state is None or state.tier != SEMANTIC:
        return
    indexed = encoders.indexed_count(workspace)
    if not encoders.adaptation_due(state, indexed):
        return
    if writing(workspace) or background.waiting([process_feedback], workspace_id=workspace.pk):
        return
    if encoder_problem(workspace, state):
        return
    with transaction.atomic():
        state = _locked(workspace)
        if not encoders.adaptation_due(state, indexed):
            return  # another batch queued it meanwhile
        state.adapted_items = indexed  # not again until the workspace grows
        state.save(update_fields=["adapted_items", "updated_at"])
        transaction.on_commit(lambda: _queue_encoder(workspace, None))


def start_encoder_retraining(access: Access) -> TaskProgress:
    """An admin's "retrain now": the workspace's encoder is tuned on its merges at once."""
    access.require(MANAGE)
    if problem := encoder_problem(access.workspace):
        raise Invalid(problem)
    return _queue_encoder(access.workspace, access.user)


def _queue_encoder(workspace: Workspace, user: User | None) -> TaskProgress:
    from ..tasks import retrain_encoder as task

    return background.start_once(
        workspace, user, ENCODER_TITLE, task, ("workspace_id",),
        workspace_id=workspace.pk, user_id=user.pk if user else None,
    )  # fmt: skip


def retrain_encoder(
    workspace: Workspace, user: User | None, report: Callable[[int, str], None]
) -> dict[str, Any]:
    """Tune the encoder on the merged clusters and on crops of a sample of the workspace's own
    texts (decision 0057), re-encode the workspace's index with it, then store both as the next
    encoder version in one transaction. Until that commit the old encoder and index serve; a
    failure (or a tier change meanwhile) installs nothing."""
    if problem := encoder_problem(workspace):
        raise Invalid(problem)
    path = processing.model_path()
    texts, clusters, count = encoders.merged_clusters(workspace)
    corpus = encoders.own_texts(workspace, ADAPT_TEXTS)
    report(
        5, f"Fine-tuning the encoder on {count} merged clusters ({len(texts)} items) "
        f"and {len(corpus)} items' own texts",
    )  # fmt: skip
    weights, adapted = adapt_encoder(str(path), corpus, texts, clusters)
    encoder = weights.encoder(str(path))
    # each item's best-neighbour score under the encoder in use, to carry the threshold over
    best_before = similarity.index_for(workspace, SEMANTIC, str(path)).hubness.best()
    latest = TextModel.objects.filter(workspace=workspace, task=encoders.TASK).aggregate(
        v=Max("version")
    )["v"]
    version = (latest or 0) + 1
    report(40, "Encoding every item again")
    copy = similarity.rebuild(
        workspace, encoder, version, path,
        lambda done, total: report(40 + int(55 * done / total), f"Encoded {done} of {total} items"),
    )  # fmt: skip
    with transaction.atomic():
        state = _locked(workspace)
        if state.token != copy.token or state.tier != SEMANTIC:
            raise Conflict("tier: changed while the encoder was retrained; nothing was installed")
        version_before = state.encoder_version
        TextModel.objects.create(
            workspace=workspace, task=encoders.TASK, tier=SEMANTIC, version=version,
            data=weights.to_bytes(), labels=[], team_labels=len(texts), seed_labels=0,
            clusters=count, adapted=adapted, trained_by=user,
        )  # fmt: skip
        similarity.install(state, copy)
        old_threshold = state.duplicate_threshold
        state.duplicate_threshold = carried_threshold(
            old_threshold, best_before, copy.index.hubness.best()
        )
        state.adapted_items = len(copy.index)
        state.save(update_fields=["adapted_items", "duplicate_threshold", "updated_at"])
        activity.record(
            workspace, user, processing.ADAPTED if user is None else processing.RETRAINED,
            workspace,
            {"encoder_version": [version_before, version],
             "duplicate_threshold": [old_threshold, state.duplicate_threshold]},
        )  # fmt: skip
        transaction.on_commit(lambda: encoders.hold(workspace.pk, version, encoder))
    return {
        "version": version, "clusters": count, "items": len(texts), "adapted": adapted,
        "indexed": len(copy.index), "duplicate_threshold": state.duplicate_threshold,
    }  # fmt: skip
