from __future__ import annotations

from northline.insights.text.lexicon import FEATURE_NAMES, lexicon_counts, mark_negation


def counts(text: str) -> dict[str, float]:
    return {k: v for k, v in zip(FEATURE_NAMES, lexicon_counts(text), strict=True) if v}


def test_mark_negation_scopes_to_the_clause() -> None:
    assert mark_negation("This does not work well. It is fine") == (
        "this does not work_neg well_neg . it is fine"
    )


def test_negated_positive_words_are_counted_apart() -> None:
    assert counts("this is not good, but the docs are great") == {
        "positive": 1.0,
        "negated_positive": 1.0,
    }


def test_emoticons_need_to_stand_alone() -> None:
    assert counts("thanks :) see http://host:port/path") == {
        "positive": 1.0,
        "positive_emoticon": 1.0,
    }
    assert counts("Expected: nothing :( WHY!!") == {
        "negative_emoticon": 1.0,
        "exclamations": 2.0,
        "shouting": 1.0,
    }


def test_technical_words_are_not_sentiment() -> None:
    assert counts("fatal error: kill the process and block the thread") == {}
