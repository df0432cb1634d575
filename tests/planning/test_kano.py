from __future__ import annotations

import pytest

from northline.planning.kano import ANSWERS, CATEGORIES, classify, summarize

# The Kano evaluation table as published by Berger et al. (1993), written out pair by pair:
# functional answer (row) x dysfunctional answer (column).
PUBLISHED = {
    ("like", "like"): "Q",
    ("like", "expect"): "A",
    ("like", "neutral"): "A",
    ("like", "live_with"): "A",
    ("like", "dislike"): "O",
    ("expect", "like"): "R",
    ("expect", "expect"): "I",
    ("expect", "neutral"): "I",
    ("expect", "live_with"): "I",
    ("expect", "dislike"): "M",
    ("neutral", "like"): "R",
    ("neutral", "expect"): "I",
    ("neutral", "neutral"): "I",
    ("neutral", "live_with"): "I",
    ("neutral", "dislike"): "M",
    ("live_with", "like"): "R",
    ("live_with", "expect"): "I",
    ("live_with", "neutral"): "I",
    ("live_with", "live_with"): "I",
    ("live_with", "dislike"): "M",
    ("dislike", "like"): "R",
    ("dislike", "expect"): "R",
    ("dislike", "neutral"): "R",
    ("dislike", "live_with"): "R",
    ("dislike", "dislike"): "Q",
}


def test_the_published_table_covers_every_pair() -> None:
    assert set(PUBLISHED) == {(f, d) for f in ANSWERS for d in ANSWERS}


@pytest.mark.parametrize(("pair", "category"), sorted(PUBLISHED.items()))
def test_classify_follows_the_published_table(pair, category) -> None:
    assert classify(*pair) == category


def answers(**counts: int) -> list[tuple[str, str]]:
    """Answer pairs that classify as the given categories, `counts[category]` times each."""
    example = {"A": ("like", "neutral"), "O": ("like", "dislike"), "M": ("expect", "dislike")}
    example |= {"I": ("neutral", "neutral"), "R": ("dislike", "like"), "Q": ("like", "like")}
    return [example[category] for category, n in counts.items() for _ in range(n)]


def test_summary_by_hand() -> None:
    summary = summarize(answers(A=3, O=2, M=1, I=4, R=1, Q=1))
    assert summary.counts == {"A": 3, "O": 2, "M": 1, "I": 4, "R": 1, "Q": 1}
    assert summary.responses == 12
    assert summary.dominant == "I"
    assert summary.better == pytest.approx((3 + 2) / 10)
    assert summary.worse == pytest.approx(-(2 + 1) / 10)


@pytest.mark.parametrize(
    ("counts", "dominant"),
    [
        ({"A": 2, "O": 2, "M": 2, "I": 2}, "M"),
        ({"A": 2, "O": 2, "I": 2}, "O"),
        ({"A": 2, "I": 2}, "A"),
        ({"I": 1, "R": 1, "Q": 1}, "I"),
        ({"R": 1, "Q": 1}, "R"),
    ],
)
def test_ties_follow_m_o_a_i(counts, dominant) -> None:
    assert summarize(answers(**counts)).dominant == dominant


def test_no_answers() -> None:
    summary = summarize([])
    assert summary.counts == dict.fromkeys(CATEGORIES, 0)
    assert (summary.dominant, summary.better, summary.worse) == (None, None, None)


def test_only_reverse_and_questionable_answers_leave_coefficients_undefined() -> None:
    summary = summarize(answers(R=2, Q=1))
    assert summary.dominant == "R"
    assert (summary.better, summary.worse) == (None, None)


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (
            ("love", "dislike"),
            "functional: 'love' is not one of like, expect, neutral, live_with, dislike",
        ),
        (
            ("like", "must-be"),
            "dysfunctional: 'must-be' is not one of like, expect, neutral, live_with, dislike",
        ),
    ],
)
def test_unknown_answers(pair, message) -> None:
    with pytest.raises(ValueError) as error:
        classify(*pair)
    assert str(error.value) == message
