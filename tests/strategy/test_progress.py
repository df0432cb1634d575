"""The pure progress rule, checked against values worked out by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from northline.strategy import progress


def test_elapsed_share_of_the_window() -> None:
    start, due = date(2026, 10, 1), date(2026, 12, 31)  # 91 days
    assert progress.elapsed(start, due, date(2026, 9, 1)) == 0.0
    assert progress.elapsed(start, due, start) == 0.0
    assert progress.elapsed(start, due, date(2026, 11, 15)) == pytest.approx(45 / 91)
    assert progress.elapsed(start, due, due) == 1.0
    assert progress.elapsed(start, due, date(2027, 2, 1)) == 1.0
    assert progress.elapsed(due, due, due) == 1.0  # a zero-length window is over on its day


def test_progress_of_increases_and_decreases() -> None:
    start = np.array([100.0, 5.0, 100.0, 100.0])
    target = np.array([200.0, 2.0, 200.0, 200.0])
    current = np.array([150.0, 4.0, 260.0, 80.0])
    # 50/100; (4-5)/(2-5) = 1/3; above target → 1; below start → 0
    assert progress.progress(start, target, current).tolist() == pytest.approx(
        [0.5, 1 / 3, 1.0, 0.0]
    )


def test_target_equal_to_start_is_refused() -> None:
    with pytest.raises(ValueError, match=r"target must differ from start \(10\)"):
        progress.progress(np.array([1.0, 10.0]), np.array([2.0, 10.0]), np.array([1.5, 10.0]))


@pytest.mark.parametrize(
    ("done", "expected", "status"),
    [
        (0.50, 0.55, "on_track"),  # 5 points behind: within 10
        (0.45, 0.55, "on_track"),  # exactly 10 points behind
        (0.40, 0.55, "at_risk"),  # 15 behind
        (0.30, 0.55, "at_risk"),  # exactly 25 behind
        (0.29, 0.55, "off_track"),
        (1.00, 1.00, "on_track"),  # reached
        (0.80, 1.00, "at_risk"),  # period over, 20 points short
        (0.70, 1.00, "off_track"),  # period over, 30 points short
    ],
)
def test_status_bands(done: float, expected: float, status: str) -> None:
    assert progress.status(np.array([done]), np.array([expected]))[0] == status


def test_no_data_without_a_value() -> None:
    [a] = progress.assess(np.array([0.0]), np.array([10.0]), np.array([np.nan]), np.array([0.5]))
    assert (a.progress, a.status, a.label) == (None, "no_data", "No data")


def test_assess_many_at_once() -> None:
    found = progress.assess(
        np.array([120.0, 4.0]), np.array([200.0, 2.0]), np.array([160.0, 3.8]), np.array([0.5, 0.5])
    )
    assert [(a.progress, a.status) for a in found] == [
        (0.5, "on_track"),
        (pytest.approx(0.1), "off_track"),
    ]


def test_roll_up_is_the_mean_of_measured_results() -> None:
    rolled = progress.roll_up([0.5, None, 0.2], expected=0.6)
    assert rolled.progress == pytest.approx(0.35)
    assert rolled.status == "at_risk"  # 0.35 ≥ 0.6 − 0.25
    assert progress.roll_up([None], 0.3).status == "no_data"
