"""The score above which a similar item counts as a likely duplicate, learnt from the team's
verdicts on pairs (merged: duplicates; dismissed: not)."""

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
