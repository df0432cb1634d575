from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from northline.planning.scoring import (
    ANY,
    POSITIVE,
    UNIT,
    Driver,
    Estimate,
    format_number,
    ice,
    ice_scores,
    rice,
    rice_scores,
    sample_estimate,
    value_effort,
    value_effort_scores,
    weighted,
    weighted_formula,
    weighted_scores,
    wsjf,
    wsjf_scores,
)

reaches = st.floats(0, 1e6)
impacts = st.floats(0, 3)
confidences = st.floats(0, 1)
efforts = st.floats(0.01, 1e3)

IMPACT = Driver("impact", weight=2.0, minimum=0.0, maximum=10.0)
COST = Driver("cost", weight=1.0, minimum=1.0, maximum=5.0, direction="lower")


def test_rice_by_hand() -> None:
    result = rice(reach=1000, impact=2, confidence=0.8, effort=4)
    assert result.score == pytest.approx(400.0)
    assert result.mode == "log"
    assert result.contributions == pytest.approx(
        {
            "reach": math.log(1000),
            "impact": math.log(2),
            "confidence": math.log(0.8),
            "effort": -math.log(4),
        }
    )


def test_rice_zero_reach_scores_zero_with_minus_infinite_contribution() -> None:
    result = rice(reach=0, impact=1, confidence=1, effort=1)
    assert result.score == 0
    assert result.contributions["reach"] == -math.inf


def test_ice_by_hand() -> None:
    result = ice(impact=8, confidence=7, ease=5)
    assert result.score == pytest.approx(280.0)
    assert sum(result.contributions.values()) == pytest.approx(math.log(280))


def test_wsjf_by_hand() -> None:
    result = wsjf(business_value=8, time_criticality=5, risk_reduction=3, job_size=4)
    assert result.score == pytest.approx(4.0)
    assert result.mode == "sum"
    assert result.contributions == pytest.approx(
        {"business_value": 2.0, "time_criticality": 1.25, "risk_reduction": 0.75}
    )
    assert result.inputs["job_size"] == 4


def test_value_effort_by_hand() -> None:
    result = value_effort(value=30, effort=6)
    assert result.score == pytest.approx(5.0)
    assert result.contributions == pytest.approx({"value": math.log(30), "effort": -math.log(6)})


def test_weighted_by_hand() -> None:
    result = weighted([IMPACT, COST], {"impact": 7, "cost": 2})
    # 2 * 7/10 + 1 * (1 - (2 - 1)/(5 - 1)) = 1.4 + 0.75
    assert result.score == pytest.approx(2.15)
    assert result.contributions == pytest.approx({"impact": 1.4, "cost": 0.75})
    assert result.mode == "sum"


def test_weighted_ends_of_scales() -> None:
    assert weighted([IMPACT, COST], {"impact": 10, "cost": 1}).score == pytest.approx(3.0)
    assert weighted([IMPACT, COST], {"impact": 0, "cost": 5}).score == pytest.approx(0.0)


@given(reaches, impacts, confidences, efforts)
def test_log_contributions_add_up_to_log_score(reach, impact, confidence, effort) -> None:
    result = rice(reach, impact, confidence, effort)
    assume(result.score > 1e-300)  # subnormal products lose the precision the identity needs
    assert sum(result.contributions.values()) == pytest.approx(math.log(result.score))


@given(reaches, reaches, impacts, confidences, efforts)
def test_more_reach_never_lowers_rice(reach, more, impact, confidence, effort) -> None:
    low, high = sorted((reach, more))
    assert (
        rice(high, impact, confidence, effort).score >= rice(low, impact, confidence, effort).score
    )


@given(reaches, impacts, confidences, efforts, efforts)
def test_more_effort_never_raises_rice(reach, impact, confidence, effort, more) -> None:
    low, high = sorted((effort, more))
    assert rice(reach, impact, confidence, high).score <= rice(reach, impact, confidence, low).score


@given(
    st.lists(st.tuples(reaches, impacts, confidences, efforts), min_size=1, max_size=20),
    st.lists(st.tuples(reaches, impacts, confidences, efforts), max_size=20),
)
def test_scores_are_absolute(features, others) -> None:
    alone = rice_scores(*np.array(features).T)
    together = rice_scores(*np.array(features + others).T)
    assert np.array_equal(alone, together[: len(features)])
    assert alone == pytest.approx([rice(*f).score for f in features])


@given(st.lists(st.tuples(st.floats(0, 10), st.floats(1, 5)), min_size=1, max_size=20))
def test_weighted_scores_match_scalar_and_stay_in_range(rows) -> None:
    impact, cost = np.array(rows).T
    scores = weighted_scores([IMPACT, COST], {"impact": impact, "cost": cost})
    expected = [weighted([IMPACT, COST], {"impact": i, "cost": c}).score for i, c in rows]
    assert scores == pytest.approx(expected)
    assert np.all((scores >= -1e-12) & (scores <= 3 + 1e-12))


def test_vectorised_formulas_keep_float32() -> None:
    a = np.full(3, 2.0, dtype=np.float32)
    assert rice_scores(a, a, a, a).dtype == np.float32
    assert ice_scores(a, a, a).dtype == np.float32
    assert wsjf_scores(a, a, a, a).dtype == np.float32
    assert value_effort_scores(a, a).dtype == np.float32
    assert weighted_scores([IMPACT, COST], {"impact": a, "cost": a}).dtype == np.float32


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rice(100, 1, 0.5, -1), "effort: must be positive, got -1"),
        (lambda: rice(100, 1, 0.5, 0), "effort: must be positive, got 0"),
        (lambda: rice(-5, 1, 0.5, 1), "reach: must not be negative, got -5"),
        (lambda: rice(100, 1, 80, 1), "confidence: must be between 0 and 1, got 80"),
        (lambda: rice(math.nan, 1, 0.5, 1), "reach: must be a finite number, got nan"),
        (lambda: ice(11, 5, 5), "impact: must be between 1 and 10, got 11"),
        (lambda: ice(5, 0.5, 5), "confidence: must be between 1 and 10, got 0.5"),
        (lambda: wsjf(1, 1, 1, 0), "job_size: must be positive, got 0"),
        (lambda: wsjf(1, -2, 1, 3), "time_criticality: must not be negative, got -2"),
        (lambda: value_effort(10, -0.5), "effort: must be positive, got -0.5"),
        (
            lambda: weighted([IMPACT, COST], {"impact": 12, "cost": 2}),
            "impact: must be between 0 and 10, got 12",
        ),
        (lambda: weighted([IMPACT, COST], {"impact": 5}), "cost: a value is required"),
        (
            lambda: weighted([IMPACT, COST], {"impact": 5, "cost": 2, "speed": 1}),
            "speed: not a driver of this formula",
        ),
        (lambda: weighted([], {}), "drivers: at least one driver is required"),
        (lambda: weighted([IMPACT, IMPACT], {"impact": 1}), "drivers: duplicate driver 'impact'"),
        (
            lambda: weighted_formula([Driver("impact", -1, 0, 10)]),
            "impact.weight: must not be negative, got -1",
        ),
        (
            lambda: weighted_formula([Driver("impact", 1, 5, 1)]),
            "impact.scale: minimum (5) must be less than maximum (1)",
        ),
        (
            lambda: weighted_formula([Driver("impact", 1, 0, 10, "up")]),  # type: ignore[arg-type]
            "impact.direction: must be 'higher' or 'lower', got 'up'",
        ),
    ],
)
def test_bad_formula_inputs(call, message) -> None:
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("estimate", "domain", "message"),
    [
        (Estimate(5, 4, 3), POSITIVE, "effort: low (5) is greater than high (3)"),
        (Estimate(1, 7, 5), POSITIVE, "effort: likely (7) is not between low (1) and high (5)"),
        (Estimate(2, 1, 5), POSITIVE, "effort: likely (1) is not between low (2) and high (5)"),
        (Estimate(-1, 2, 3), POSITIVE, "effort: must be positive, got -1"),
        (Estimate(0, 2, 3), POSITIVE, "effort: must be positive, got 0"),
        (Estimate(0.5, 0.9, 1.5), UNIT, "effort: must be between 0 and 1, got 1.5"),
        (Estimate(1, math.inf, 3), ANY, "effort: must be a finite number, got inf"),
        (
            Estimate(1, 2, 3, "normal"),  # type: ignore[arg-type]
            ANY,
            "effort: distribution must be 'pert' or 'triangular', got 'normal'",
        ),
    ],
)
def test_bad_estimates(estimate, domain, message) -> None:
    with pytest.raises(ValueError) as error:
        estimate.validate("effort", domain)
    assert str(error.value) == message


def test_valid_estimates_pass() -> None:
    Estimate(1, 2, 3).validate("effort", POSITIVE)
    Estimate(1, 1, 1, "triangular").validate("effort", POSITIVE)
    Estimate.point(4).validate("effort", POSITIVE)


def test_pert_samples_follow_the_scaled_beta() -> None:
    estimate = Estimate(2, 3, 10)
    draws = sample_estimate(estimate, 20_000, np.random.default_rng(1))
    assert draws.min() >= 2 and draws.max() <= 10
    assert draws.mean() == pytest.approx((2 + 4 * 3 + 10) / 6, rel=0.01)
    pert = stats.beta(1 + 4 * 1 / 8, 1 + 4 * 7 / 8, loc=2, scale=8)
    assert stats.kstest(draws, pert.cdf).statistic < 0.015


def test_triangular_samples() -> None:
    draws = sample_estimate(Estimate(0, 1, 5, "triangular"), 20_000, np.random.default_rng(2))
    assert draws.mean() == pytest.approx(2.0, rel=0.01)
    law = stats.triang(c=0.2, loc=0, scale=5)
    assert stats.kstest(draws, law.cdf).statistic < 0.015


def test_point_estimate_samples_are_constant() -> None:
    draws = sample_estimate(Estimate.point(3), 5, np.random.default_rng(0))
    assert draws.tolist() == [3.0] * 5


def test_sampling_is_seeded() -> None:
    first = sample_estimate(Estimate(1, 2, 4), 100, np.random.default_rng(9))
    again = sample_estimate(Estimate(1, 2, 4), 100, np.random.default_rng(9))
    assert np.array_equal(first, again)


@pytest.mark.parametrize(
    ("value", "text"), [(5.0, "5"), (-1, "-1"), (0.25, "0.25"), (1e-7, "1e-07")]
)
def test_format_number(value, text) -> None:
    assert format_number(value) == text
