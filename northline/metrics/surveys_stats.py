"""Scores of quality surveys with confidence intervals. Pure: NumPy and SciPy, no Django.

- NPS (answers 0–10): % promoters (9–10) − % detractors (0–6). Each answer counts +1, 0 or −1,
  so the score is 100 × their mean; its variance is p + d − (p − d)² (p, d the shares), and
  the interval is the normal one, NPS ± z · 100 · √(var / n).
- CSAT (answers 1–5): the share of satisfied answers (4 or 5), with a Wilson score interval
  (it stays inside 0–100 % and behaves for small samples and shares near 0 or 1).
- CES (answers 1–7): the mean effort, with a Student-t interval on the mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

Kind = Literal["nps", "csat", "ces"]
SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
UNITS = {"nps": "NPS", "csat": "% satisfied", "ces": "mean effort (1–7)"}


@dataclass(frozen=True)
class Score:
    kind: str
    n: int
    score: float | None  # None without answers
    low: float | None  # None when an interval cannot be given (n < 2 for CES, none at all)
    high: float | None
    counts: tuple[int, ...]  # answers per scale value, from the lowest


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def score(kind: Kind, answers: npt.ArrayLike, level: float = 0.95) -> Score:
    """The survey score of `answers` (whole numbers on the kind's scale) with its interval."""
    low_end, high_end = SCALES[kind]
    values = np.asarray(answers, dtype=np.int64)
    counts = np.bincount(values - low_end, minlength=high_end - low_end + 1)
    n = int(values.size)
    shown = tuple(int(c) for c in counts)
    if n == 0:
        return Score(kind, 0, None, None, None, shown)
    if kind == "nps":
        promoters = float(np.count_nonzero(values >= 9)) / n
        detractors = float(np.count_nonzero(values <= 6)) / n
        nps = promoters - detractors
        half = _z(level) * math.sqrt(max(promoters + detractors - nps**2, 0.0) / n)
        return Score(
            kind, n, 100 * nps, 100 * max(nps - half, -1.0), 100 * min(nps + half, 1.0), shown
        )
    if kind == "csat":
        share = float(np.count_nonzero(values >= 4)) / n
        z = _z(level)
        centre = (share + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return Score(kind, n, 100 * share, 100 * (centre - half), 100 * (centre + half), shown)
    mean = float(values.mean())
    if n < 2:
        return Score(kind, n, mean, None, None, shown)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(values.std(ddof=1)) / math.sqrt(n)
    return Score(kind, n, mean, mean - half, mean + half, shown)
