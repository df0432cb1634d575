"""Key-result progress and status from measured values and the time elapsed.

Pure and vectorised: NumPy arrays of start, target and current values (NaN where a KPI has
no data yet) and of the elapsed share of each key result's time, so that a page of many key
results is one computation. The rule is stated in RULE and shown beside every status.

    progress = (current − start) / (target − start), held between 0 and 1
    expected = the share of the time from the period's start to the due date that has passed
    on track  when progress ≥ 1 or progress ≥ expected − ON_TRACK_GAP
    at risk   when progress ≥ expected − AT_RISK_GAP
    off track otherwise; no data while the KPI has no value yet
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

ON_TRACK_GAP = 0.10
AT_RISK_GAP = 0.25
EPSILON = 1e-9  # so that exactly on a band's edge (0.55 − 0.10) counts as inside it
STATUSES = ("on_track", "at_risk", "off_track", "no_data")
LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_data": "No data",
}
RULE = (
    "Progress = (current − start) ÷ (target − start), from 0% to 100%. Expected = the share of "
    "the time from the period's start to the due date that has passed. On track when progress "
    f"is at least expected − {ON_TRACK_GAP:.0%} (or the target is reached), at risk when it is "
    f"at least expected − {AT_RISK_GAP:.0%}, off track below that."
)

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Assessment:
    progress: float | None  # 0..1; None without data
    expected: float
    status: str

    @property
    def label(self) -> str:
        return LABELS[self.status]


def elapsed(start: date, due: date, today: date) -> float:
    """The share of [start, due] that has passed on `today`, between 0 and 1."""
    days = (due - start).days
    if days <= 0:
        return 1.0 if today >= due else 0.0
    return float(min(max((today - start).days / days, 0.0), 1.0))


def progress(start: Floats, target: Floats, current: Floats) -> Floats:
    """(current − start) / (target − start), clipped to [0, 1]; NaN where current is NaN."""
    span = target - start
    if np.any(span == 0):
        bad = float(start[np.flatnonzero(span == 0)[0]])
        raise ValueError(f"target must differ from start ({bad:g})")
    return np.clip((current - start) / span, 0.0, 1.0)


def status(done: Floats, expected: Floats) -> npt.NDArray[np.str_]:
    """One of STATUSES for each (progress, expected) pair."""
    return np.select(
        [np.isnan(done), (done >= 1.0) | (done >= expected - ON_TRACK_GAP - EPSILON),
         done >= expected - AT_RISK_GAP - EPSILON],
        ["no_data", "on_track", "at_risk"],
        default="off_track",
    )  # fmt: skip


def assess(start: Floats, target: Floats, current: Floats, expected: Floats) -> list[Assessment]:
    done = progress(start, target, current)
    states = status(done, expected)
    return [
        Assessment(None if np.isnan(p) else float(p), float(e), str(s))
        for p, e, s in zip(done, expected, states, strict=True)
    ]


def roll_up(done: list[float | None], expected: float) -> Assessment:
    """An objective's progress: the mean of its measured key results' progress."""
    measured = np.array([p for p in done if p is not None], dtype=np.float64)
    mean = float(measured.mean()) if measured.size else float("nan")
    state = str(status(np.array([mean]), np.array([expected]))[0])
    return Assessment(None if np.isnan(mean) else mean, expected, state)
