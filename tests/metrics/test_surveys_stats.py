"""Survey scores against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from northline.metrics.surveys_stats import score


def test_nps_by_hand() -> None:
    # 10 answers: promoters 9, 10, 10, 9 (4); passives 7, 8 (2); detractors 0, 3, 6, 6 (4)
    found = score("nps", [9, 10, 10, 9, 7, 8, 0, 3, 6, 6])
    assert found.n == 10 and found.score == pytest.approx(0.0)
    # var = p + d - (p - d)^2 = 0.4 + 0.4 - 0 = 0.8; se = sqrt(0.8 / 10); half = 1.959964 * se
    half = 1.959964 * math.sqrt(0.08) * 100
    assert found.low == pytest.approx(-half, abs=1e-3) and found.high == pytest.approx(
        half, abs=1e-3
    )
    assert found.counts == (1, 0, 0, 1, 0, 0, 2, 1, 1, 2, 2)


def test_nps_all_promoters_has_a_zero_width_interval() -> None:
    found = score("nps", [10, 9, 9])
    assert (found.score, found.low, found.high) == (100.0, 100.0, 100.0)


def test_csat_wilson_by_hand() -> None:
    # 8 of 10 satisfied: Wilson 95 % interval 0.4902 – 0.9433 (z = 1.96)
    found = score("csat", [5, 4, 4, 5, 5, 4, 4, 5, 2, 1])
    assert found.score == pytest.approx(80.0)
    assert found.low == pytest.approx(49.02, abs=0.01) and found.high == pytest.approx(
        94.33, abs=0.01
    )


def test_ces_student_t_by_hand() -> None:
    # 2, 4, 6: mean 4, sd 2, se 2 / sqrt(3); t(0.975, 2) = 4.302653
    found = score("ces", [2, 4, 6])
    half = 4.302653 * 2 / math.sqrt(3)
    assert found.score == 4.0
    assert found.low == pytest.approx(4 - half, abs=1e-4) and found.high == pytest.approx(
        4 + half, abs=1e-4
    )
    one = score("ces", [5])
    assert (one.score, one.low, one.high) == (5.0, None, None)


def test_no_answers() -> None:
    assert score("csat", []).score is None and score("csat", []).counts == (0, 0, 0, 0, 0)
