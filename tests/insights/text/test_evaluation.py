from __future__ import annotations

import pytest

from northline.insights.text.classifier import ISSUE_TYPE, SENTIMENT, ClassifierConfig
from northline.insights.text.evaluation import (
    _rank_metrics,
    cross_validate_classifier,
    evaluate_classifier,
    evaluate_duplicates,
)
from northline.insights.text.preprocess import issue_text
from tests.insights.text.text_data import read_csv

TRAIN = [
    *["app crashes on save", "crash at startup", "error when saving", "export crashes"],
    *["please add dark mode", "add csv export please", "add sso support", "add shortcuts please"],
]
LABELS = ["bug"] * 4 + ["feature"] * 4


def test_classifier_result_has_the_agreed_shape_and_values() -> None:
    result = evaluate_classifier(
        TRAIN, LABELS, ["crash when saving", "please add sso"], ["bug", "feature"]
    )
    assert set(result) == {"macro_f1", "per_class", "groups", "n_train", "n_test", "seconds"}
    assert result["macro_f1"] == 1.0
    assert result["per_class"] == {
        "bug": {"precision": 1.0, "recall": 1.0, "f1": 1.0},
        "feature": {"precision": 1.0, "recall": 1.0, "f1": 1.0},
    }
    assert (result["groups"], result["n_train"], result["n_test"]) == ({}, 8, 2)


def test_groups_get_one_model_each() -> None:
    # The same words mean opposite labels in the two groups: one pooled model cannot be right,
    # nor can a group's model that also learns from the other group's rows.
    texts = ["red apple", "ripe apple", "green pear", "fresh pear"] * 2
    labels = ["yes", "yes", "no", "no", "no", "no", "yes", "yes"]
    groups = ["x"] * 4 + ["y"] * 4
    result = evaluate_classifier(
        texts, labels, ["apple", "pear", "apple", "pear"], ["yes", "no", "no", "yes"],
        groups, ["x", "x", "y", "y"], pool_groups=False,
    )  # fmt: skip
    assert result["groups"] == {"x": {"macro_f1": 1.0}, "y": {"macro_f1": 1.0}}
    assert result["macro_f1"] == 1.0


# Group "a" never saw "crash" or "add": only the other group's rows teach those words.
POOL_TRAIN = [
    ("broken login page", "bug", "a"), ("wrong totals shown", "bug", "a"),
    ("dark mode wanted", "feature", "a"), ("calendar view wanted", "feature", "a"),
    *[(t, "bug", "b") for t in ["app crash on start", "crash when saving", "crash at login"]],
    *[(t, "feature", "b") for t in ["add pdf export", "add an api", "add dark themes"]],
]  # fmt: skip
POOL_TEST = [("it crashes", "bug", "a"), ("add tags", "feature", "a")]


@pytest.mark.parametrize(("pool_groups", "macro_f1"), [(True, 1.0), (False, 1 / 3)])
def test_pooled_lexical_groups_learn_from_the_other_groups(
    pool_groups: bool, macro_f1: float
) -> None:
    train, test = list(zip(*POOL_TRAIN, strict=True)), list(zip(*POOL_TEST, strict=True))
    result = evaluate_classifier(*train[:2], *test[:2], train[2], test[2], pool_groups=pool_groups)
    assert result["groups"] == {"a": {"macro_f1": pytest.approx(macro_f1)}}


@pytest.mark.parametrize(("config", "macro_f1"), [(ISSUE_TYPE, 1.0), (SENTIMENT, 1 / 3)])
def test_groups_pool_as_the_configuration_says_unless_told(
    config: ClassifierConfig, macro_f1: float
) -> None:
    train, test = list(zip(*POOL_TRAIN, strict=True)), list(zip(*POOL_TEST, strict=True))
    result = evaluate_classifier(*train[:2], *test[:2], train[2], test[2], config=config)
    assert result["groups"] == {"a": {"macro_f1": pytest.approx(macro_f1)}}


def test_pooling_groups_is_lexical_only() -> None:
    with pytest.raises(ValueError, match="pool_groups: the semantic tier trains on its own group"):
        evaluate_classifier(
            TRAIN, LABELS, ["x"], ["bug"], ["g"] * 8, ["g"], tier="semantic", pool_groups=True
        )


def test_groups_must_be_given_for_both_splits() -> None:
    with pytest.raises(ValueError, match="groups: give both groups_train and groups_test"):
        evaluate_classifier(TRAIN, LABELS, ["x"], ["bug"], groups_train=["g"] * 8)


def test_cross_validation_reports_per_group() -> None:
    result = cross_validate_classifier(TRAIN * 2, LABELS * 2, ["a"] * 8 + ["b"] * 8, folds=2)
    assert set(result["groups"]) == {"a", "b"}
    assert result["macro_f1"] == pytest.approx(1.0)


# In each group, a test fold's words are in the other group's rows only.
CV_GROUPS = [
    *[(t, "bug", "a") for t in ["it crashes", "freezes often", "hangs forever", "totally broken"]],
    *[(t, "feature", "a") for t in ["add tags", "wish for colours", "want reports", "support teams"]],
    *[(t, "bug", "b") for t in ["app crashes on start", "window freezes", "sync hangs", "export broken"]],
    *[(t, "feature", "b") for t in ["add pdf export", "i wish for themes", "we want an api", "support sso"]],
]  # fmt: skip


def test_cross_validation_pools_the_other_groups() -> None:
    texts, labels, groups = (list(column) for column in zip(*CV_GROUPS, strict=True))
    pooled = cross_validate_classifier(texts, labels, groups, folds=2, pool_groups=True)
    alone = cross_validate_classifier(texts, labels, groups, folds=2, pool_groups=False)
    by_default = cross_validate_classifier(texts, labels, groups, folds=2)  # ISSUE_TYPE pools
    assert pooled["groups"] == {"a": {"macro_f1": 1.0}, "b": {"macro_f1": 1.0}}
    assert alone["groups"]["a"]["macro_f1"] < 0.7 and alone["groups"]["b"]["macro_f1"] < 0.7
    assert by_default["groups"] == pooled["groups"]


DUPLICATES = [
    ("printer driver crashes on startup", "a"),
    ("the printer driver crash at startup", "a"),
    ("add dark mode to settings", "b"),
    ("please add dark mode to settings", "b"),
    ("export invoices as pdf", "c"),
]


def test_duplicates_on_a_hand_made_example() -> None:
    texts, clusters = zip(*DUPLICATES, strict=True)
    result = evaluate_duplicates(list(texts), list(clusters), baseline=True, threshold=-1.0)
    assert (result["recall_at_5"], result["mrr"]) == (1.0, 1.0)
    # Every other row is "predicted" at threshold -1: 4 true of 4 queries by 4 others.
    assert (result["pairwise_precision"], result["pairwise_recall"]) == (0.25, 1.0)
    # Strict words: only "add dark mode to settings" finds its duplicate (the one with "please").
    assert result["baseline"] == {"recall_at_5": 0.25, "mrr": 0.25}
    strict = evaluate_duplicates(list(texts), list(clusters), baseline=False, threshold=1.01)
    assert (strict["pairwise_precision"], strict["pairwise_recall"], strict["baseline"]) == (
        0.0,
        0.0,
        {},
    )


def test_rank_metrics_by_hand() -> None:
    assert _rank_metrics([1, 2, None, 6], k=5) == {
        "recall_at_5": 0.5,
        "mrr": pytest.approx((1 + 1 / 2 + 1 / 6) / 4),
    }


def test_duplicates_on_firefox_sample() -> None:
    rows = read_csv("firefox_duplicates.csv")[:600]
    result = evaluate_duplicates([r["text"] for r in rows], [r["cluster"] for r in rows])
    # Full file: recall@5 0.72 against 0.07 for strict words.
    assert result["recall_at_5"] > 0.6
    assert result["recall_at_5"] > 3 * result["baseline"]["recall_at_5"]


def test_issue_types_on_one_nlbse_repository() -> None:
    rows = [r for r in read_csv("nlbse24_issues_train.csv") if r["repo"] == "facebook/react"]
    texts = [issue_text(r["title"], r["body"], title_weight=3) for r in rows]
    labels = [r["label"] for r in rows]
    result = evaluate_classifier(texts[::3] + texts[1::3], labels[::3] + labels[1::3],
                                 texts[2::3], labels[2::3])  # fmt: skip
    # 5-fold CV on this repository gives 0.81.
    assert result["macro_f1"] > 0.7
