"""Monte Carlo over ranged scoring inputs: score percentiles, top-N odds and what drives them.

Pure module: no Django, no database. Input: a formula and, per driver, one `Estimate` per
feature. Output: the (features x samples) score matrix in float32, P10/P50/P90 per feature, the
probability of each feature ranking in the top n, and a tornado sensitivity per feature.

Sampling. NumPy's exact beta draws cost about 85 ns each on the 2-core benchmark machine, so
4 drivers x 5,000 features x 10,000 samples would take about 17 s. Instead each ranged input is
drawn by inverse-transform sampling on `QUANTILE_POINTS` equal-probability strata: a uniform
10-bit random number picks a stratum and the draw is the estimate's quantile at the stratum's
midpoint. The sampled law's CDF is everywhere within 1/2048 of the exact PERT or triangular CDF,
an order of magnitude below the Monte Carlo noise of 10,000 samples (about 0.003 at P10).
Triangular quantiles are exact; PERT quantiles are interpolated between `_SHAPE_POINTS`
tabulated shapes (error below 1e-4 of the range). `scoring.sample_estimate` draws exactly.

Determinism. Results depend only on the inputs, `samples` and `seed`. A feature's draws depend
only on its position, so appending features leaves the earlier features' samples unchanged.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from northline.planning.scoring import (
    FORMULAS,
    Domain,
    Estimate,
    FloatArray,
    Formula,
    pert_shape,
)

QUANTILE_POINTS = 1024  # a power of two: masking a random 16-bit lane picks a stratum uniformly
PERCENTILES = (0.1, 0.5, 0.9)
_LEVELS = (np.arange(QUANTILE_POINTS) + 0.5) / QUANTILE_POINTS
_SHAPE_POINTS = 65  # PERT shapes tabulated for mode positions 0, 1/64, ..., 1
_CHUNK_ROWS = 64  # features per chunk, so that a chunk's working set stays in cache
_TOP_BLOCK = 256  # samples per block when finding each sample's top-n cut


@dataclass(frozen=True)
class SimulationResult:
    """Scores of every feature in every sample, and their summaries (rows follow `ids`)."""

    ids: tuple[str, ...]
    scores: npt.NDArray[np.float32]
    percentiles: FloatArray  # (features, 3): P10, P50, P90
    top_n: int
    p_top: FloatArray  # probability of ranking in the top `top_n`

    @property
    def p10(self) -> FloatArray:
        return self.percentiles[:, 0]

    @property
    def p50(self) -> FloatArray:
        return self.percentiles[:, 1]

    @property
    def p90(self) -> FloatArray:
        return self.percentiles[:, 2]


@dataclass(frozen=True)
class Sensitivity:
    """Tornado: each feature's score with one driver at its low or high, the others at likely.

    `at_low`, `at_high` and `swing` (= |at_high - at_low|) are (features, drivers) arrays in
    `drivers` order. `dominant[i]` is the driver with the widest swing for feature i, the input
    whose uncertainty moves its score and so its rank most; None when every input is certain.
    """

    drivers: tuple[str, ...]
    at_low: FloatArray
    at_high: FloatArray
    swing: FloatArray
    dominant: tuple[str | None, ...]


@dataclass(frozen=True)
class _Ranges:
    """One driver's estimates for all features as arrays."""

    low: FloatArray
    likely: FloatArray
    high: FloatArray
    pert: npt.NDArray[np.bool_]

    @property
    def width(self) -> FloatArray:
        return self.high - self.low

    @property
    def mode(self) -> FloatArray:
        """Position of `likely` within [low, high] as 0..1; 0.5 for a certain value."""
        width = self.width
        return np.divide(
            self.likely - self.low, width, out=np.full_like(width, 0.5), where=width > 0
        )


def resolve_formula(formula: str | Formula) -> Formula:
    """A Formula from itself or from its name in scoring.FORMULAS."""
    if isinstance(formula, Formula):
        return formula
    if formula not in FORMULAS:
        known = ", ".join(sorted(FORMULAS))
        raise ValueError(f"formula: unknown formula {formula!r}; expected one of {known}")
    return FORMULAS[formula]


def simulate(
    formula: str | Formula,
    ids: Sequence[str],
    inputs: Mapping[str, Sequence[Estimate]],
    *,
    samples: int = 10_000,
    top_n: int = 10,
    seed: int = 0,
    workers: int | None = None,
) -> SimulationResult:
    """Draw `samples` values of every ranged input and score each feature in each sample.

    `inputs` maps each of the formula's drivers to one Estimate per feature, in `ids` order.
    Chunks of features run on `workers` threads (default: one per CPU); NumPy releases the GIL,
    and the result does not depend on the number of workers.
    Raises ValueError("<id>.<driver>: ...") on the first bad estimate, and for unknown or
    missing drivers, a wrong number of estimates, or samples / top_n below 1.
    """
    spec = resolve_formula(formula)
    ranges = _validated_ranges(spec, ids, inputs)
    _check_count("samples", samples)
    _check_count("top_n", top_n)
    scores = np.empty((len(ids), samples), dtype=np.float32)
    percentiles = np.empty((len(ids), len(PERCENTILES)))
    starts = range(0, len(ids), _CHUNK_ROWS)
    chunk_seeds = np.random.SeedSequence(seed).spawn(len(starts))

    def fill(start: int, chunk_seed: np.random.SeedSequence) -> None:
        rows = slice(start, min(start + _CHUNK_ROWS, len(ids)))
        scores[rows] = _chunk_scores(spec, ranges, rows, samples, chunk_seed)
        percentiles[rows] = _percentiles(scores[rows])

    with ThreadPoolExecutor(workers or os.cpu_count()) as pool:
        list(pool.map(fill, starts, chunk_seeds))
    p_top = top_probability(scores, top_n, workers=workers)
    return SimulationResult(tuple(ids), scores, percentiles, top_n, p_top)


def top_probability(scores: FloatArray, n: int, *, workers: int | None = None) -> FloatArray:
    """Share of samples (columns) in which each feature (row) is among the n highest scores.

    Features tied at a sample's cut share the places left equally, so identical features get
    identical odds and the probabilities sum to min(n, features). Blocks of samples run on
    `workers` threads (default: one per CPU).
    """
    features, samples = scores.shape
    n = min(n, features)
    rows = _contenders(scores, n)

    def hits(start: int) -> FloatArray:
        block = scores[rows, start : start + _TOP_BLOCK]
        return _top_hits(np.ascontiguousarray(block.T), n)

    with ThreadPoolExecutor(workers or os.cpu_count()) as pool:
        total = sum(pool.map(hits, range(0, samples, _TOP_BLOCK)), np.zeros(len(rows)))
    share = np.zeros(features)
    share[rows] = total / samples
    return share


def _contenders(scores: FloatArray, n: int) -> npt.NDArray[np.intp]:
    """Rows that may make some sample's top n; the others never do and need no ranking.

    In every sample the n-th best score overall is at least the n-th best within any subset of
    rows, so a row below that bound in every sample never makes the top n. A probe of 4n rows
    that look strong on the first block of samples gives a tight bound cheaply.
    """
    size = min(4 * n, len(scores))
    probe = np.argpartition(scores[:, :_TOP_BLOCK].mean(axis=1), -size)[-size:]
    bound = np.partition(scores[probe], size - n, axis=0)[size - n]
    return np.flatnonzero((scores >= bound).any(axis=1))


def sample_ranks(scores: FloatArray) -> npt.NDArray[np.int32]:
    """Rank (1 = highest score) of every feature (row) in every sample (column).

    Ties rank in feature order. A full sort per sample: seconds for 5,000 x 10,000, so prefer
    `top_probability` for top-n odds and rank a shortlist when the rank distribution is needed.
    """
    order = np.argsort(-scores, axis=0, kind="stable")
    ranks = np.empty(scores.shape, dtype=np.int32)
    positions = np.arange(1, scores.shape[0] + 1, dtype=np.int32)[:, None]
    np.put_along_axis(ranks, order, np.broadcast_to(positions, scores.shape), axis=0)
    return ranks


def tornado(
    formula: str | Formula, ids: Sequence[str], inputs: Mapping[str, Sequence[Estimate]]
) -> Sensitivity:
    """Score each feature with one driver at its low and high estimate, the others at likely."""
    spec = resolve_formula(formula)
    ranges = _validated_ranges(spec, ids, inputs)
    likely = {name: r.likely for name, r in ranges.items()}
    at_low = np.column_stack([spec.evaluate({**likely, n: r.low}) for n, r in ranges.items()])
    at_high = np.column_stack([spec.evaluate({**likely, n: r.high}) for n, r in ranges.items()])
    swing = np.abs(at_high - at_low)
    names = tuple(ranges)
    widest = swing.argmax(axis=1)
    dominant = tuple(names[i] if s[i] > 0 else None for i, s in zip(widest, swing, strict=True))
    return Sensitivity(names, at_low, at_high, swing, dominant)


def _check_count(field: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"{field}: must be at least 1, got {value}")


def _validated_ranges(
    formula: Formula, ids: Sequence[str], inputs: Mapping[str, Sequence[Estimate]]
) -> dict[str, _Ranges]:
    if not ids:
        raise ValueError("ids: at least one feature is required")
    for name in formula.domains:
        if name not in inputs:
            raise ValueError(f"inputs: missing driver {name!r} for {formula.name}")
    for name in inputs:
        if name not in formula.domains:
            raise ValueError(f"inputs: unknown driver {name!r} for {formula.name}")
    return {
        name: _ranges(name, domain, ids, inputs[name]) for name, domain in formula.domains.items()
    }


def _ranges(
    name: str, domain: Domain, ids: Sequence[str], estimates: Sequence[Estimate]
) -> _Ranges:
    if len(estimates) != len(ids):
        raise ValueError(
            f"inputs.{name}: expected {len(ids)} estimates (one per feature), got {len(estimates)}"
        )
    for feature_id, estimate in zip(ids, estimates, strict=True):
        estimate.validate(f"{feature_id}.{name}", domain)
    return _Ranges(
        low=np.array([e.low for e in estimates], dtype=float),
        likely=np.array([e.likely for e in estimates], dtype=float),
        high=np.array([e.high for e in estimates], dtype=float),
        pert=np.array([e.distribution == "pert" for e in estimates]),
    )


def _chunk_scores(
    formula: Formula,
    ranges: Mapping[str, _Ranges],
    rows: slice,
    samples: int,
    seed: np.random.SeedSequence,
) -> FloatArray:
    """Scores of the features in `rows` (a slice with start and stop) in every sample."""
    lanes = _random_lanes(seed, rows.stop - rows.start, samples, len(ranges))
    values = {name: _draw(r, rows, lanes[:, d]) for d, (name, r) in enumerate(ranges.items())}
    return formula.evaluate(values)


def _random_lanes(
    seed: np.random.SeedSequence, rows: int, samples: int, count: int
) -> npt.NDArray[np.uint16]:
    """(rows, >= count lanes, samples) uniform 16-bit values; one 64-bit word feeds four.

    A lane is contiguous in memory, and row r's values come from the same words whatever
    `rows` is, so a feature's draws depend on its position only.
    """
    words = -(-count // 4)
    bits = np.random.SFC64(seed).random_raw((rows, words * samples))
    return bits.view(np.uint16).reshape(rows, 4 * words, samples)


def _draw(r: _Ranges, rows: slice, lanes: npt.NDArray[np.uint16]) -> FloatArray:
    """One driver's draws for the features in `rows`: a stratum per lane, read off its table."""
    if not r.width[rows].any():
        return r.low[rows, None].astype(np.float32)
    table = _quantile_table(r, rows)
    offsets = np.arange(0, table.size, QUANTILE_POINTS, dtype=np.intp)[:, None]
    strata = np.bitwise_and(lanes, QUANTILE_POINTS - 1)
    return np.take(table.ravel(), strata + offsets)  # intp indices: take's fast path


def _quantile_table(r: _Ranges, rows: slice) -> npt.NDArray[np.float32]:
    """(features, QUANTILE_POINTS): each feature's quantiles at the stratum midpoints."""
    mode, pert = r.mode[rows], r.pert[rows]
    unit = np.empty((len(mode), QUANTILE_POINTS), dtype=np.float32)
    unit[pert] = _pert_unit_quantiles(mode[pert])
    unit[~pert] = _triangular_unit_quantiles(mode[~pert])
    unit *= r.width[rows, None].astype(np.float32)
    unit += r.low[rows, None].astype(np.float32)
    return unit


def _pert_unit_quantiles(mode: FloatArray) -> FloatArray:
    """PERT quantiles on [0, 1], interpolated linearly between the tabulated mode positions."""
    grid = _pert_grid()
    position = mode * (_SHAPE_POINTS - 1)
    below = np.minimum(position.astype(np.intp), _SHAPE_POINTS - 2)
    weight = (position - below)[:, None].astype(np.float32)
    return grid[below] + weight * (grid[below + 1] - grid[below])


def _triangular_unit_quantiles(mode: FloatArray) -> FloatArray:
    """Triangular quantiles on [0, 1] with the given mode positions (closed form)."""
    c = mode[:, None]
    left = np.sqrt(_LEVELS * c)
    right = 1.0 - np.sqrt((1.0 - _LEVELS) * (1.0 - c))
    return np.where(c > _LEVELS, left, right)


@functools.cache
def _pert_grid() -> npt.NDArray[np.float32]:
    """(_SHAPE_POINTS, QUANTILE_POINTS) PERT quantiles on [0, 1] for evenly spaced modes.

    Computed once per process; half by the incomplete-beta inverse, half by the mirror symmetry
    Q(1 - m, u) = 1 - Q(m, 1 - u), since the stratum midpoints are symmetric.
    """
    mode = np.linspace(0.0, 0.5, _SHAPE_POINTS // 2 + 1)[:, None]
    alpha, beta = pert_shape(0.0, mode, 1.0)
    half = special.betaincinv(alpha, beta, _LEVELS)
    mirrored = 1.0 - half[-2::-1, ::-1]
    return np.vstack([half, mirrored]).astype(np.float32)


def _percentiles(block: FloatArray) -> FloatArray:
    """P10/P50/P90 of each row, interpolating between order statistics as np.quantile does."""
    ordered = np.sort(block, axis=1)
    position = np.array(PERCENTILES) * (block.shape[1] - 1)
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, block.shape[1] - 1)
    weight = position - below
    return ordered[:, below] * (1.0 - weight) + ordered[:, above] * weight


def _top_hits(block: FloatArray, n: int) -> FloatArray:
    """For (samples, features) `block`: per feature, its share of top-n places over the samples.

    Counts every score at or above the sample's cut as a place, then, in the rare samples where
    several features share the cut value, gives each of them only its share of the places left.
    """
    cut = np.partition(block, block.shape[1] - n, axis=1)[:, -n, None]
    hits = np.count_nonzero(block >= cut, axis=0).astype(float)
    tied = block == cut
    ties = np.count_nonzero(tied, axis=1)
    crowded = ties > 1
    places_left = n - np.count_nonzero(block[crowded] > cut[crowded], axis=1)
    hits -= (1.0 - places_left / ties[crowded]) @ tied[crowded]
    return hits
