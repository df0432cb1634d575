"""Kano survey evaluation: classify answer pairs and summarise a feature's answers.

Pure module: no Django, no database. Each respondent answers a functional question ("how do you
feel if the product has this feature?") and a dysfunctional one ("... if it does not?"), each
with one of `ANSWERS`. The pair maps to a category through the Kano evaluation table as published
by Berger et al. (1993), "Kano's methods for understanding customer-defined quality", Center for
Quality Management Journal 2(4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast

Answer = Literal["like", "expect", "neutral", "live_with", "dislike"]
Category = Literal["A", "O", "M", "I", "R", "Q"]

ANSWERS: tuple[Answer, ...] = ("like", "expect", "neutral", "live_with", "dislike")
CATEGORIES: tuple[Category, ...] = ("A", "O", "M", "I", "R", "Q")
CATEGORY_NAMES: dict[Category, str] = {
    "A": "attractive",
    "O": "one-dimensional",
    "M": "must-be",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}
# Ties for the dominant category go to the category that hurts most to get wrong: M > O > A > I
# (Berger et al.), then R and Q.
TIE_ORDER: tuple[Category, ...] = ("M", "O", "A", "I", "R", "Q")

# Rows: functional answer; columns: dysfunctional answer; both in ANSWERS order.
_TABLE: tuple[tuple[Category, ...], ...] = (
    ("Q", "A", "A", "A", "O"),  # like
    ("R", "I", "I", "I", "M"),  # expect (must-be)
    ("R", "I", "I", "I", "M"),  # neutral
    ("R", "I", "I", "I", "M"),  # live with
    ("R", "R", "R", "R", "Q"),  # dislike
)


def _answer(field: str, value: str) -> Answer:
    if value not in ANSWERS:
        raise ValueError(f"{field}: {value!r} is not one of {', '.join(ANSWERS)}")
    return cast(Answer, value)


def classify(functional: str, dysfunctional: str) -> Category:
    """Category of one respondent's (functional, dysfunctional) answer pair."""
    row = ANSWERS.index(_answer("functional", functional))
    column = ANSWERS.index(_answer("dysfunctional", dysfunctional))
    return _TABLE[row][column]


@dataclass(frozen=True)
class KanoSummary:
    """A feature's Kano result.

    `better` = (A + O) / (A + O + M + I) and `worse` = -(O + M) / (A + O + M + I) are the
    customer-satisfaction coefficients; both are None when no answer pair is A, O, M or I.
    `dominant` is the most frequent category (ties broken by TIE_ORDER), None without answers.
    """

    counts: dict[Category, int]
    dominant: Category | None
    better: float | None
    worse: float | None

    @property
    def responses(self) -> int:
        return sum(self.counts.values())


def summarize(pairs: Iterable[tuple[str, str]]) -> KanoSummary:
    """Count categories over (functional, dysfunctional) pairs and derive the coefficients."""
    tally = Counter(classify(functional, dysfunctional) for functional, dysfunctional in pairs)
    counts = {category: tally[category] for category in CATEGORIES}
    dominant = max(TIE_ORDER, key=counts.__getitem__) if tally else None
    relevant = counts["A"] + counts["O"] + counts["M"] + counts["I"]
    if relevant == 0:
        return KanoSummary(counts, dominant, None, None)
    better = (counts["A"] + counts["O"]) / relevant
    worse = -(counts["O"] + counts["M"]) / relevant
    return KanoSummary(counts, dominant, better, worse)
