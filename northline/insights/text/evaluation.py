"""Pure evaluation of the text engine, called by ``northline eval classify|sentiment|duplicates``.

Plain lists in, plain dicts out; the management command reads the CSVs and prints the result.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import RepeatedStratifiedKFold

from northline.insights.text.classifier import ISSUE_TYPE, ClassifierConfig, TextClassifier
from northline.insights.text.duplicates import StrictWordIndex
from northline.insights.text.semantic import SemanticIndex, adapt_encoder, require_semantic
from northline.insights.text.tiers import (
    LEXICAL,
    SEMANTIC,
    check_tier,
    make_classifier,
    make_similarity_index,
)


def evaluate_classifier(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
    groups_train: Sequence[str] | None = None,
    groups_test: Sequence[str] | None = None,
    *,
    config: ClassifierConfig = ISSUE_TYPE,
    tier: str = LEXICAL,
    model_path: str | None = None,
    pool_groups: bool | None = None,
) -> dict[str, Any]:
    """Train on the training split, score on the test split, with a classifier of `tier`.

    With groups (e.g. repositories) one model is trained per group and tested on that group's
    test rows (the NLBSE'24 protocol); with `pool_groups` (lexical tier only; decision 0036)
    each group's model also learns from the other groups' training rows as background examples.
    `pool_groups` None follows `config.pool_groups` on the lexical tier (`ISSUE_TYPE` pools,
    decision 0044) and never pools on the semantic one.
    ``macro_f1`` is then the mean of the groups' macro-F1 and ``per_class`` is computed over all
    groups' predictions pooled. Returns
    ``{"macro_f1", "per_class": {label: {"precision", "recall", "f1"}}, "groups":
    {name: {"macro_f1"}}, "n_train", "n_test", "seconds"}``.
    """
    started = time.perf_counter()
    tiered = _Tiered(config, tier, model_path, _pooling(pool_groups, tier, config))
    _check_lengths(train_texts, train_labels, groups_train, "train")
    _check_lengths(test_texts, test_labels, groups_test, "test")
    if (groups_train is None) != (groups_test is None):
        raise ValueError("groups: give both groups_train and groups_test, or neither")
    groups: dict[str, dict[str, float]]
    if groups_train is None or groups_test is None:
        predicted = _fit_predict(train_texts, train_labels, test_texts, tiered)
        truth, groups = list(test_labels), {}
        macro = _macro_f1(truth, predicted)
    else:
        truth, predicted, groups = _per_group(
            train_texts, train_labels, test_texts, test_labels, groups_train, groups_test, tiered
        )
        macro = float(np.mean([g["macro_f1"] for g in groups.values()]))
    return {
        "macro_f1": macro,
        "per_class": _per_class(truth, predicted),
        "groups": groups,
        "n_train": len(train_texts),
        "n_test": len(test_texts),
        "seconds": time.perf_counter() - started,
    }


def cross_validate_classifier(
    texts: Sequence[str],
    labels: Sequence[str],
    groups: Sequence[str] | None = None,
    *,
    config: ClassifierConfig = ISSUE_TYPE,
    folds: int = 5,
    repeats: int = 1,
    seed: int = 0,
    tier: str = LEXICAL,
    model_path: str | None = None,
    pool_groups: bool | None = None,
) -> dict[str, Any]:
    """Stratified k-fold macro-F1 (per group when `groups` is given, one model per group; with
    `pool_groups`, as in `evaluate_classifier` and with the same default, each fold's model
    also learns from every row of the other groups).

    Returns ``{"macro_f1": mean over groups (or overall), "groups": {name: {"macro_f1"}},
    "folds", "repeats", "seconds"}``; each group's figure is the mean over its folds.
    """
    started = time.perf_counter()
    tiered = _Tiered(config, tier, model_path, _pooling(pool_groups, tier, config))
    _check_lengths(texts, labels, groups, "cv")
    names = list(groups) if groups is not None else ["all"] * len(texts)
    scores: dict[str, float] = {}
    for name in sorted(set(names)):
        rows = [i for i, g in enumerate(names) if g == name]
        others = [i for i, g in enumerate(names) if g != name]
        background = ([texts[i] for i in others], [labels[i] for i in others])
        scores[name] = _cv_group([texts[i] for i in rows], [labels[i] for i in rows], tiered,
                                 folds, repeats, seed, background)  # fmt: skip
    return {
        "macro_f1": float(np.mean(list(scores.values()))),
        "groups": {n: {"macro_f1": s} for n, s in scores.items()} if groups is not None else {},
        "folds": folds,
        "repeats": repeats,
        "seconds": time.perf_counter() - started,
    }


def _cv_group(
    texts: Sequence[str],
    labels: Sequence[str],
    tiered: _Tiered,
    folds: int,
    repeats: int,
    seed: int,
    background: tuple[list[str], list[str]],
) -> float:
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    scores = []
    for train, test in splitter.split(np.zeros(len(labels)), labels):
        predicted = _fit_predict(
            [texts[i] for i in train], [labels[i] for i in train], [texts[i] for i in test],
            tiered, background,
        )  # fmt: skip
        scores.append(_macro_f1([labels[i] for i in test], predicted))
    return float(np.mean(scores))


def _per_group(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
    groups_train: Sequence[str],
    groups_test: Sequence[str],
    tiered: _Tiered,
) -> tuple[list[str], list[str], dict[str, dict[str, float]]]:
    train_rows, test_rows = _rows_by_group(groups_train), _rows_by_group(groups_test)
    missing = sorted(set(test_rows) - set(train_rows))
    if missing:
        raise ValueError(f"groups_test: groups without training rows: {missing}")
    truth: list[str] = []
    predicted: list[str] = []
    groups: dict[str, dict[str, float]] = {}
    for name in sorted(test_rows):
        tr, te = train_rows[name], test_rows[name]
        others = [i for i, g in enumerate(groups_train) if str(g) != name]
        background = ([train_texts[i] for i in others], [train_labels[i] for i in others])
        group_truth = [test_labels[i] for i in te]
        group_predicted = _fit_predict(
            [train_texts[i] for i in tr], [train_labels[i] for i in tr],
            [test_texts[i] for i in te], tiered, background,
        )  # fmt: skip
        groups[name] = {"macro_f1": _macro_f1(group_truth, group_predicted)}
        truth += group_truth
        predicted += group_predicted
    return truth, predicted, groups


@dataclass(frozen=True)
class _Tiered:
    """Which classifier to train: settings, tier, (semantic) model folder, and whether a
    group's model also learns from the other groups' rows."""

    config: ClassifierConfig
    tier: str
    model_path: str | None
    pool_groups: bool = False


def _pooling(pool_groups: bool | None, tier: str, config: ClassifierConfig) -> bool:
    """Only the lexical tier learns from background examples: refuse asked-for pooling
    elsewhere; unasked (None), pool as `config` says on the lexical tier only."""
    lexical = check_tier(tier) == LEXICAL
    if pool_groups is None:
        return lexical and config.pool_groups
    if pool_groups and not lexical:
        raise ValueError(f"pool_groups: the {tier} tier trains on its own group only")
    return pool_groups


def _fit_predict(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    tiered: _Tiered,
    background: tuple[list[str], list[str]] = ([], []),
) -> list[str]:
    if tiered.pool_groups and background[0]:
        pooled = TextClassifier(tiered.config).fit(
            train_texts, train_labels, background_texts=background[0],
            background_labels=background[1],
        )  # fmt: skip
        return [p.label for p in pooled.predict(test_texts)]
    model = make_classifier(tiered.config, tiered.tier, model_path=tiered.model_path)
    model.fit(train_texts, train_labels)
    return [p.label for p in model.predict(test_texts)]


def _rows_by_group(groups: Sequence[str]) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(groups):
        rows[str(name)].append(i)
    return dict(rows)


def _macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-F1 over the labels present in the truth or the predictions."""
    return float(f1_score(truth, predicted, average="macro", zero_division=0))


def _per_class(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, float]]:
    labels = sorted(set(truth) | set(predicted))
    p, r, f, _ = precision_recall_fscore_support(
        truth, predicted, labels=labels, average=None, zero_division=0
    )
    return {
        label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i])}
        for i, label in enumerate(labels)
    }


def _check_lengths(
    texts: Sequence[str], labels: Sequence[Any], groups: Sequence[str] | None, split: str
) -> None:
    if len(texts) != len(labels):
        raise ValueError(f"{split}: {len(texts)} texts but {len(labels)} labels")
    if groups is not None and len(groups) != len(texts):
        raise ValueError(f"{split}: {len(texts)} texts but {len(groups)} groups")


DUPLICATE_THRESHOLD = 0.35
"""Cosine at or above which `evaluate_duplicates` calls a pair a duplicate (see its docstring)."""
DUPLICATE_THRESHOLDS = {LEXICAL: DUPLICATE_THRESHOLD, SEMANTIC: 0.5}
"""The same per tier: the semantic score (mean of embedding and lexical cosine) runs higher; on
the Firefox duplicates its precision and recall cross near 0.5 (0.39 / 0.37 there)."""


def evaluate_duplicates(
    texts: Sequence[str],
    cluster_ids: Sequence[str],
    baseline: bool = True,
    *,
    threshold: float | None = None,
    k: int = 5,
    tier: str = LEXICAL,
    model_path: str | None = None,
    adapt: bool = True,
) -> dict[str, Any]:
    """Leave-one-out duplicate retrieval with the similarity index of `tier`.

    Rows sharing a cluster id are duplicates. Every row with at least one duplicate queries the
    index of all rows, itself excluded, ranked as the index ranks (hubness-corrected, with each
    text's density from an exact scan of its neighbours; decision 0031). ``recall_at_5``: share of queries with a duplicate in the
    top `k`; ``mrr``: mean reciprocal rank of the first duplicate (0 when none scores above 0).
    ``pairwise_precision`` / ``pairwise_recall``: ordered pairs (query, other) whose cosine is ≥
    `threshold` (by default the tier's, `DUPLICATE_THRESHOLDS`) against the true ordered pairs.
    The lexical default 0.35 sits just above the point where
    precision and recall cross on the Firefox duplicates (0.37 / 0.27 there; 0.27 / 0.37 at 0.3):
    it leans to precision, since a suggested duplicate costs a reader's attention.
    ``baseline`` scores `strict_word_match` the same way (recall and MRR only). On the semantic
    tier with `adapt`, the encoder first adapts to the texts themselves, as a workspace's does
    (`semantic.adapt_encoder`: random crops of the texts, no cluster id read; decision 0057);
    ``adapted`` says whether it did.
    """
    started = time.perf_counter()
    threshold = DUPLICATE_THRESHOLDS[check_tier(tier)] if threshold is None else threshold
    if len(texts) != len(cluster_ids):
        raise ValueError(f"cluster_ids: {len(texts)} texts but {len(cluster_ids)} cluster ids")
    clusters = np.asarray([str(c) for c in cluster_ids], dtype=object)
    adapted = adapt and tier == SEMANTIC
    encoder = None
    if adapted:
        path = str(require_semantic(model_path))
        encoder = adapt_encoder(path, texts)[0].encoder(path)
    index = make_similarity_index(tier, model_path=model_path, encoder=encoder)
    index.add([str(i) for i in range(len(texts))], texts)
    queries = [i for i in range(len(texts)) if np.count_nonzero(clusters == clusters[i]) > 1]
    everyone, ids = np.arange(len(texts)), [str(i) for i in range(len(texts))]
    for i, scores in enumerate(_query_scores(index, texts, everyone)):
        index.hubness.learn(ids, i, everyone, scores)  # each text's density, from a full scan
    ranks, predicted_pairs = [], 0
    true_pairs_found = 0
    for i, scores in zip(queries, _query_scores(index, texts, queries), strict=True):
        scores[i] = -np.inf
        ranking = index.hubness.corrected(everyone, scores)  # the order `query` gives
        ranks.append(_first_duplicate_rank(ranking, scores, clusters, i))
        above = np.flatnonzero(scores >= threshold)
        predicted_pairs += len(above)
        true_pairs_found += int(np.count_nonzero(clusters[above] == clusters[i]))
    true_pairs = sum(int(np.count_nonzero(clusters == clusters[i])) - 1 for i in queries)
    result: dict[str, Any] = {
        **_rank_metrics(ranks, k),
        "pairwise_precision": true_pairs_found / predicted_pairs if predicted_pairs else 0.0,
        "pairwise_recall": true_pairs_found / true_pairs if true_pairs else 0.0,
        "threshold": threshold,
        "n_queries": len(queries),
        "adapted": adapted,
    }
    result["baseline"] = _baseline_metrics(texts, clusters, queries, k) if baseline else {}
    result["seconds"] = time.perf_counter() - started
    return result


def _query_scores(
    index: Any, texts: Sequence[str], queries: Sequence[int] | np.ndarray
) -> Iterator[np.ndarray]:
    """Each query's similarities to every indexed text. The semantic index already holds the
    queries' vectors (they are indexed texts), so it is not asked to encode them one by one."""
    for i in queries:
        if isinstance(index, SemanticIndex):
            yield index.similarities(texts[i], vector=index.vectors[i])
        else:
            yield index.similarities(texts[i])


def _first_duplicate_rank(
    ranking: np.ndarray, scores: np.ndarray, clusters: np.ndarray, query: int
) -> int | None:
    """1-based rank, by `ranking`, of the best-ranked duplicate among the texts scoring above
    0 (as `query` returns them); None when no duplicate scores above 0."""
    found = np.flatnonzero(scores > 0)
    order = found[np.argsort(-ranking[found], kind="stable")]
    hits = np.flatnonzero(clusters[order] == clusters[query])
    return int(hits[0]) + 1 if len(hits) else None


def _rank_metrics(ranks: Sequence[int | None], k: int) -> dict[str, float]:
    if not ranks:
        return {"recall_at_5": 0.0, "mrr": 0.0}
    return {
        "recall_at_5": sum(1 for r in ranks if r is not None and r <= k) / len(ranks),
        "mrr": sum(1.0 / r for r in ranks if r is not None) / len(ranks),
    }


def _baseline_metrics(
    texts: Sequence[str], clusters: np.ndarray, queries: Sequence[int], k: int
) -> dict[str, float]:
    """Strict word matching; the candidates it returns are ranked, the rest are not found."""
    index = StrictWordIndex()
    index.add([str(i) for i in range(len(texts))], texts)
    ranks: list[int | None] = []
    for i in queries:
        matches = index.query(texts[i], len(texts), exclude=str(i))
        hits = [r for r, (doc, _) in enumerate(matches, 1) if clusters[int(doc)] == clusters[i]]
        ranks.append(hits[0] if hits else None)
    return _rank_metrics(ranks, k)
