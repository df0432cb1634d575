"""What a processing batch computes from its texts and models alone: the index's term counts,
type, sentiment, language and the similar planning features. It reads no index and no
database, so the helper process can compute it beside the worker (decisions 0043, 0052, 0053).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

from northline.insights.text.duplicates import IndexCounts, index_counts
from northline.insights.text.language import LanguageGuess, detect_languages
from northline.insights.text.matching import best_matches
from northline.insights.text.tiers import Classifier

FEATURES_K = 3  # similar planning features kept per item
FEATURE_MIN = 0.15

Labels = tuple[
    list[tuple[str, float]],
    list[tuple[str, float]],
    list[LanguageGuess],
    list[list[tuple[int, float]]],
]


def predicted(classifier: Classifier, texts: Sequence[str]) -> list[tuple[str, float]]:
    """(label, confidence rounded as stored) of each text."""
    return [(p.label, round(p.confidence, 4)) for p in classifier.predict(texts)]


def batch_parts(
    kinds: Classifier, moods: Classifier, features: list[tuple[int, str]], texts: list[str],
    part: int,
) -> Generator[IndexCounts, None, Labels]:  # fmt: skip
    """The index counts of the batch's texts, `part` texts at a time, then (returned) their
    `batch_labels`: streamed from the helper (`parallel.beside`), the worker indexes
    and joins the first part while the helper counts the next ones."""
    for first in range(0, len(texts), part):
        yield index_counts(texts[first : first + part])
    return batch_labels(kinds, moods, features, texts)


def batch_labels(
    kinds: Classifier, moods: Classifier, features: list[tuple[int, str]], texts: list[str]
) -> Labels:
    """Type, sentiment, language and similar features (`similar_features`) of each text."""
    return (
        predicted(kinds, texts),
        predicted(moods, texts),
        detect_languages(texts),
        similar_features(features, texts),
    )


def similar_features(
    features: list[tuple[int, str]], texts: list[str]
) -> list[list[tuple[int, float]]]:
    """The features, (id, title and description), that read like each text, best first."""
    if not features:
        return [[] for _ in texts]
    found = best_matches(texts, [text for _, text in features], FEATURES_K, FEATURE_MIN)
    return [[(features[c][0], score) for c, score in hits] for hits in found]
