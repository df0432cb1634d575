from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from northline.planning.scoring import Driver, Estimate, weighted_formula
from northline.planning.simulation import (
    sample_ranks,
    simulate,
    top_probability,
    tornado,
)

point = Estimate.point


def ranged_rice(n: int, seed: int = 0) -> tuple[list[str], dict[str, list[Estimate]]]:
    """n features with every RICE input ranged; mixed PERT and triangular."""
    rng = np.random.default_rng(seed)

    def estimates(low: float, high: float) -> list[Estimate]:
        values = np.sort(rng.uniform(low, high, (n, 3)), axis=1)
        kinds = rng.choice(["pert", "triangular"], n)
        return [Estimate(a, m, b, k) for (a, m, b), k in zip(values, kinds, strict=True)]

    inputs = {
        "reach": estimates(100, 5000),
        "impact": estimates(0.25, 3),
        "confidence": estimates(0.2, 1),
        "effort": estimates(0.5, 20),
    }
    return [f"f{i}" for i in range(n)], inputs


def certain_rice(reaches: list[float]) -> dict[str, list[Estimate]]:
    return {
        "reach": [point(r) for r in reaches],
        "impact": [point(1)] * len(reaches),
        "confidence": [point(1)] * len(reaches),
        "effort": [point(2)] * len(reaches),
    }


def test_result_shapes_and_types() -> None:
    ids, inputs = ranged_rice(30)
    result = simulate("rice", ids, inputs, samples=500, top_n=5)
    assert result.ids == tuple(ids)
    assert result.scores.shape == (30, 500)
    assert result.scores.dtype == np.float32
    assert result.percentiles.shape == (30, 3)
    assert np.all(result.p10 <= result.p50) and np.all(result.p50 <= result.p90)
    assert result.p_top.sum() == pytest.approx(5)


def test_same_seed_same_result_other_seed_other_result() -> None:
    ids, inputs = ranged_rice(20)
    first = simulate("rice", ids, inputs, samples=300, seed=7)
    again = simulate("rice", ids, inputs, samples=300, seed=7)
    other = simulate("rice", ids, inputs, samples=300, seed=8)
    assert np.array_equal(first.scores, again.scores)
    assert np.array_equal(first.p_top, again.p_top)
    assert not np.array_equal(first.scores, other.scores)


def test_workers_do_not_change_the_result() -> None:
    ids, inputs = ranged_rice(150)
    one = simulate("rice", ids, inputs, samples=700, top_n=10, workers=1)
    two = simulate("rice", ids, inputs, samples=700, top_n=10, workers=2)
    assert np.array_equal(one.scores, two.scores)
    assert np.array_equal(one.percentiles, two.percentiles)
    assert np.array_equal(one.p_top, two.p_top)


def test_adding_features_leaves_the_earlier_features_draws_unchanged() -> None:
    ids, inputs = ranged_rice(130)
    fewer = simulate("rice", ids[:70], {k: v[:70] for k, v in inputs.items()}, samples=400)
    more = simulate("rice", ids, inputs, samples=400)
    assert np.array_equal(fewer.scores, more.scores[:70])


def test_certain_inputs_give_the_exact_score_and_certain_ranks() -> None:
    result = simulate(
        "rice", list("abcde"), certain_rice([10, 50, 30, 20, 40]), samples=50, top_n=2
    )
    assert np.all(result.scores == np.array([5, 25, 15, 10, 20])[:, None])
    assert result.p50 == pytest.approx([5, 25, 15, 10, 20])
    assert result.p_top.tolist() == [0, 1, 0, 0, 1]


def test_tied_features_share_the_places_left() -> None:
    result = simulate("rice", list("abcd"), certain_rice([50, 10, 10, 10]), samples=20, top_n=2)
    assert result.p_top == pytest.approx([1, 1 / 3, 1 / 3, 1 / 3])


def test_top_n_larger_than_the_backlog() -> None:
    result = simulate("rice", list("ab"), certain_rice([1, 2]), samples=10, top_n=5)
    assert result.p_top.tolist() == [1, 1]


def test_percentiles_match_numpy() -> None:
    ids, inputs = ranged_rice(10)
    result = simulate("rice", ids, inputs, samples=1001)
    expected = np.quantile(result.scores.astype(float), [0.1, 0.5, 0.9], axis=1).T
    assert result.percentiles == pytest.approx(expected, rel=1e-6)


def test_top_probability_matches_ranks_counted_one_by_one() -> None:
    scores = np.random.default_rng(3).random((40, 600), dtype=np.float32)
    ranks = sample_ranks(scores)
    for n in (1, 7, 40):
        assert top_probability(scores, n) == pytest.approx((ranks <= n).mean(axis=1))


def test_top_probability_with_features_that_never_contend() -> None:
    rng = np.random.default_rng(4)
    scores = (rng.random((60, 500)) + np.repeat([5.0, 0.0], 30)[:, None]).astype(np.float32)
    scores[3] += 5  # a standout
    scores[40, ::7] += 20  # a weak row that sometimes breaks through
    ranks = sample_ranks(scores)
    for n in (1, 5, 30, 31):
        assert top_probability(scores, n) == pytest.approx((ranks <= n).mean(axis=1))


def test_sample_ranks_by_hand() -> None:
    scores = np.array([[3.0, 1.0], [5.0, 2.0], [4.0, 3.0]])
    assert sample_ranks(scores).tolist() == [[3, 3], [1, 2], [2, 1]]


@pytest.mark.parametrize(
    "estimate",
    [Estimate(2, 3, 10), Estimate(2, 2, 10), Estimate(2, 10, 10), Estimate(0, 6, 10, "triangular")],
)
def test_sampled_law_matches_the_exact_law(estimate) -> None:
    ids = ["f"]
    inputs = {"value": [estimate], "effort": [point(1)]}
    draws = simulate("value_effort", ids, inputs, samples=40_000, seed=5).scores[0]
    low, width = estimate.low, estimate.high - estimate.low
    mode = (estimate.likely - low) / width
    if estimate.distribution == "pert":
        law = stats.beta(1 + 4 * mode, 1 + 4 * (1 - mode), loc=low, scale=width)
    else:
        law = stats.triang(c=mode, loc=low, scale=width)
    assert stats.kstest(draws, law.cdf).statistic < 0.01
    assert np.quantile(draws, [0.1, 0.5, 0.9]) == pytest.approx(law.ppf([0.1, 0.5, 0.9]), rel=0.02)


def test_weighted_formula_simulates() -> None:
    drivers = [Driver("impact", 2, 0, 10), Driver("cost", 1, 1, 5, "lower")]
    inputs = {"impact": [Estimate(6, 7, 8), point(2)], "cost": [point(2), point(5)]}
    result = simulate(weighted_formula(drivers), ["a", "b"], inputs, samples=2000, top_n=1)
    assert result.p50[0] == pytest.approx(2.15, abs=0.02)
    assert result.p50[1] == pytest.approx(0.4)
    assert result.p_top.tolist() == [1, 0]


def test_tornado_by_hand() -> None:
    inputs = certain_rice([100, 100])
    inputs["reach"] = [Estimate(100, 200, 300), point(100)]
    inputs["effort"] = [Estimate(1, 2, 5), point(2)]
    sensitivity = tornado("rice", ["a", "b"], inputs)
    assert sensitivity.drivers == ("reach", "impact", "confidence", "effort")
    # a at likely: 200 * 1 * 1 / 2 = 100; reach 100..300 gives 50..150; effort 1..5 gives 200..40
    assert sensitivity.at_low[0] == pytest.approx([50, 100, 100, 200])
    assert sensitivity.at_high[0] == pytest.approx([150, 100, 100, 40])
    assert sensitivity.swing[0] == pytest.approx([100, 0, 0, 160])
    assert sensitivity.dominant == ("effort", None)


def two_features(**drivers: list[Estimate]) -> dict[str, list[Estimate]]:
    return certain_rice([1, 2]) | drivers


WITHOUT_EFFORT = {k: v for k, v in two_features().items() if k != "effort"}
UNKNOWN = "formula: unknown formula 'moscow'; expected one of ice, rice, value_effort, wsjf"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"formula": "moscow"}, UNKNOWN),
        ({"ids": []}, "ids: at least one feature is required"),
        ({"inputs": WITHOUT_EFFORT}, "inputs: missing driver 'effort' for rice"),
        ({"inputs": two_features(ease=[point(1)] * 2)}, "inputs: unknown driver 'ease' for rice"),
        (
            {"inputs": two_features(effort=[point(1)])},
            "inputs.effort: expected 2 estimates (one per feature), got 1",
        ),
        (
            {"inputs": two_features(effort=[point(1), Estimate(5, 4, 3)])},
            "b.effort: low (5) is greater than high (3)",
        ),
        (
            {"inputs": two_features(effort=[Estimate(-1, 1, 2), point(1)])},
            "a.effort: must be positive, got -1",
        ),
        (
            {"inputs": two_features(confidence=[point(1), Estimate(0.5, 0.8, 1.2)])},
            "b.confidence: must be between 0 and 1, got 1.2",
        ),
        ({"samples": 0}, "samples: must be at least 1, got 0"),
        ({"top_n": 0}, "top_n: must be at least 1, got 0"),
    ],
)
def test_bad_simulation_inputs(change, message) -> None:
    arguments = {"formula": "rice", "ids": ["a", "b"], "inputs": two_features(), "samples": 10}
    with pytest.raises(ValueError) as error:
        simulate(**(arguments | change))
    assert str(error.value) == message
