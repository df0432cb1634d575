"""The score above which a similar item counts as a likely duplicate, learnt from the team's
verdicts on pairs (merged: duplicates; dismissed: not), and carried over to a new encoder's
scale without any verdict."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFAULT = 0.5
LOWEST, HIGHEST = 0.2, 0.95


def duplicate_threshold(duplicates: Sequence[float], others: Sequence[float]) -> float:
    """The cut that classifies the verdicts best (highest F1 for "duplicate", ties to the
    higher cut), between LOWEST and HIGHEST; DEFAULT when no duplicate was confirmed."""
    positive = np.asarray(duplicates, dtype=np.float64)
    negative = np.asarray(others, dtype=np.float64)
    if positive.size == 0:
        return DEFAULT
    cuts = np.unique(np.clip(np.concatenate([positive, negative + 1e-4]), LOWEST, HIGHEST))
    true_pos = (positive[None, :] >= cuts[:, None]).sum(axis=1)
    false_pos = (negative[None, :] >= cuts[:, None]).sum(axis=1)
    f1 = 2 * true_pos / (2 * true_pos + false_pos + (positive.size - true_pos))
    best = np.flatnonzero(f1 == f1.max())[-1]
    return round(float(cuts[best]), 4)


def carried_threshold(threshold: float, before: np.ndarray, after: np.ndarray) -> float:
    """`threshold` on a new encoder's scale, label-free (decision 0057): `before` and `after` are
    the texts' best-neighbour scores under the old and the new encoder; the threshold's place
    among `before` (a linearly interpolated rank) is carried to the same place among `after`
    (quantile matching, so as many texts lie above it as before). The same scores give back
    the same threshold, and scores shifted by d give it shifted by d. Unchanged when either is
    empty or when the threshold lies outside `before`; kept between LOWEST and HIGHEST."""
    before = np.sort(np.asarray(before, dtype=np.float64))
    after = np.asarray(after, dtype=np.float64)
    if before.size == 0 or after.size == 0 or not before[0] <= threshold <= before[-1]:
        return threshold
    level = float(np.interp(threshold, before, np.linspace(0.0, 1.0, before.size)))
    return round(float(np.clip(np.quantile(after, level), LOWEST, HIGHEST)), 4)
