"""The workspace's type and sentiment classifiers: where the first ones come from, and how the
team's corrections retrain them (decision 0012).

A workspace starts with no labels. Its first classifiers are trained, at first use in each
process, on the seed set that ships with the package (`fixtures/seed_feedback.csv`: 120
short feedback texts written for Northline, each with a type and a sentiment), nothing is
downloaded. Sentiment adds the lexicon features of `text/lexicon.py` (the SENTIMENT config),
so words outside the seed set still count. Retraining fits the workspace's own classifier on
the seed set plus every item the team labelled, so a category the team adds ("billing")
becomes one more label; each fit is stored as a new TextModel version (who, when, on how
many labels) and the newest one of the workspace's tier is used.

On the lexical tier the issue type learns the team's labels as its own domain and the seed set
as background (`ClassifierConfig.pool_groups`, decision 0048): the team's rows also get a copy
of the features of their own, so where the team labels differently from the seed set ("crash"
reports it files as complaints), its labels win sooner. Sentiment keeps one flat training set.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from django.db.models import Max

from northline.accounts.models import User, Workspace
from northline.insights.text.classifier import (
    ISSUE_TYPE,
    SENTIMENT,
    ClassifierConfig,
    TextClassifier,
)
from northline.insights.text.tiers import (
    LEXICAL,
    Classifier,
    load_classifier,
    make_classifier,
)

from ..models import Feedback, TextModel, label_name

SEED_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "seed_feedback.csv"
TASKS = ("type", "sentiment")
CONFIGS: dict[str, ClassifierConfig] = {"type": ISSUE_TYPE, "sentiment": SENTIMENT}
TYPES = {
    "bug": "Bug", "feature_request": "Feature request", "question": "Question",
    "praise": "Praise", "complaint": "Complaint", "other": "Other",
}  # fmt: skip
SENTIMENTS = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative"}
# The field on Feedback that holds each task's label, and the one that marks a correction.
FIELDS = {"type": ("kind", "kind_by_team"), "sentiment": ("sentiment", "sentiment_by_team")}


@cache
def seed() -> tuple[tuple[str, str, str], ...]:
    """(text, type, sentiment) rows of the shipped seed set."""
    with SEED_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple((r["text"], r["type"], r["sentiment"]) for r in csv.DictReader(handle))


def seed_examples(task: str) -> tuple[list[str], list[str]]:
    column = 1 if task == "type" else 2
    rows = seed()
    return [r[0] for r in rows], [r[column] for r in rows]


_seed_models: dict[tuple[str, str], Classifier] = {}
_workspace_models: dict[tuple[int, str, str], tuple[int, Classifier]] = {}
_lock = threading.Lock()


def seed_classifier(task: str, tier: str, model_path: str | None = None) -> Classifier:
    """The default classifier of a task, trained on the seed set once per process."""
    with _lock:
        if (task, tier) not in _seed_models:
            texts, labels = seed_examples(task)
            classifier = make_classifier(CONFIGS[task], tier, model_path=model_path)
            _seed_models[task, tier] = classifier.fit(texts, labels)
        return _seed_models[task, tier]


def current_model(workspace: Workspace, task: str, tier: str) -> TextModel | None:
    return TextModel.objects.filter(workspace=workspace, task=task, tier=tier).first()


def classifier_for(
    workspace: Workspace, task: str, tier: str, model_path: str | None = None
) -> tuple[Classifier, int]:
    """The classifier in use and its version (0: the seed model); loaded once per version."""
    version = (
        TextModel.objects.filter(workspace=workspace, task=task, tier=tier).aggregate(
            v=Max("version")
        )["v"]
        or 0
    )
    if version == 0:
        return seed_classifier(task, tier, model_path), 0
    key = (workspace.pk, task, tier)
    with _lock:
        held = _workspace_models.get(key)
        if held is None or held[0] != version:
            row = TextModel.objects.get(workspace=workspace, task=task, tier=tier, version=version)
            held = (version, load_classifier(bytes(row.data)))
            _workspace_models[key] = held
        return held[1], version


def team_examples(workspace: Workspace, task: str) -> tuple[list[str], list[str]]:
    """Texts the team labelled for `task`, with their labels."""
    label, by_team = FIELDS[task]
    rows = Feedback.objects.filter(workspace=workspace, **{by_team: True}).values_list(
        "title", "text", label
    )
    texts = [f"{title}\n{text}" if title else text for title, text, _ in rows]
    return texts, [row[2] for row in rows]


def train(
    workspace: Workspace, task: str, tier: str, user: User | None, model_path: str | None = None
) -> TextModel:
    """Fit the task's classifier on the seed set plus the team's labels and store it as the
    next version."""
    texts, labels = team_examples(workspace, task)
    classifier = fit_with_seed(task, tier, texts, labels, model_path)
    latest = TextModel.objects.filter(workspace=workspace, task=task).aggregate(v=Max("version"))
    return TextModel.objects.create(
        workspace=workspace, task=task, tier=tier, version=(latest["v"] or 0) + 1,
        data=classifier.to_bytes(), labels=list(classifier.labels), team_labels=len(texts),
        seed_labels=len(seed()), trained_by=user,
    )  # fmt: skip


def fit_with_seed(
    task: str, tier: str, texts: Sequence[str], labels: Sequence[str], model_path: str | None
) -> Classifier:
    """The task's classifier fitted on the seed set and the team's (texts, labels): on the
    lexical tier, when the task's config pools (issue type), the team's rows are its own domain
    and the seed set background; otherwise one flat training set."""
    seed_texts, seed_labels = seed_examples(task)
    config = CONFIGS[task]
    if config.pool_groups and tier == LEXICAL:
        return TextClassifier(config).fit(
            texts, labels, background_texts=seed_texts, background_labels=seed_labels
        )
    classifier = make_classifier(config, tier, model_path=model_path)
    return classifier.fit([*seed_texts, *texts], [*seed_labels, *labels])


def labels_of(categories: Sequence[str], task: str) -> dict[str, str]:
    """Known labels of a task, value → name: the built-in ones, then the team's own."""
    builtin = TYPES if task == "type" else SENTIMENTS
    return builtin | {value: label_name(value) for value in categories if value not in builtin}
