"""Planning benchmarks: Monte Carlo RICE and capacity-constrained portfolio selection.

Run from the repository root: `python bench/planning_bench.py [--repeat 3]`.

(a) Monte Carlo, 5,000 features x 10,000 samples, all four RICE inputs ranged, P10/P50/P90 and
    top-50 odds. Target: <= 2 s, and within 2x of a bare NumPy computation of the same scores.
    Two bare NumPy references run in the same process:
    - exact: NumPy's own beta / triangular samplers in float64, then R * I * C / E;
    - same method: the same number of 16-bit random draws gathered from per-feature
      1,024-point quantile tables (built outside the timer) and multiplied in float32, without
      validation, percentiles or top-n: the floor for the module's sampling method.
(b) Portfolio, 2,000 candidates, 4 periods, 200 dependencies, per-team capacity, two
    strategic-balance constraints, a risk budget. Target: optimal or gap <= 0.5 % in <= 10 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import highspy
import numpy as np

from northline.planning.portfolio import Balance, Candidate, Period, select_portfolio
from northline.planning.scoring import Estimate, pert_shape
from northline.planning.simulation import simulate

FEATURES, SAMPLES, TOP_N = 5_000, 10_000, 50
CANDIDATES, PERIODS, DEPENDENCIES = 2_000, 4, 200
DRIVERS = {"reach": (100, 10_000), "impact": (0.25, 3), "confidence": (0.3, 1), "effort": (0.5, 20)}


def cpu_model() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        names = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    return names[0] if names else platform.processor()


def timed(run: Callable[[], object], repeat: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each run; CPU sums all threads and ignores other processes."""
    seconds = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        seconds.append((time.perf_counter() - wall, time.process_time() - cpu))
    return seconds


def ranged_inputs(rng: np.random.Generator) -> dict[str, list[Estimate]]:
    """Every input ranged: sorted triples, one feature in five triangular, the rest PERT."""
    inputs = {}
    for name, (low, high) in DRIVERS.items():
        triples = np.sort(rng.uniform(low, high, (FEATURES, 3)), axis=1)
        kinds = np.where(rng.random(FEATURES) < 0.2, "triangular", "pert")
        inputs[name] = [Estimate(a, m, b, k) for (a, m, b), k in zip(triples, kinds, strict=True)]
    return inputs


def bare_exact(inputs: dict[str, list[Estimate]], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    drawn = {}
    for name, estimates in inputs.items():
        low, likely, high = (
            np.array([getattr(e, f) for e in estimates]) for f in ("low", "likely", "high")
        )
        pert = np.array([e.distribution == "pert" for e in estimates])
        tri = ~pert
        alpha, beta = pert_shape(low[pert, None], likely[pert, None], high[pert, None])
        values = np.empty((len(estimates), SAMPLES))
        unit = rng.beta(alpha, beta, (pert.sum(), SAMPLES))
        values[pert] = low[pert, None] + (high - low)[pert, None] * unit
        shape = (tri.sum(), SAMPLES)
        values[tri] = rng.triangular(low[tri, None], likely[tri, None], high[tri, None], shape)
        drawn[name] = values
    return drawn["reach"] * drawn["impact"] * drawn["confidence"] / drawn["effort"]


def bare_same_method(tables: dict[str, np.ndarray], seed: int) -> np.ndarray:
    bits = np.random.SFC64(seed).random_raw((FEATURES, SAMPLES))
    lanes = bits.view(np.uint16).reshape(FEATURES, 4, SAMPLES)
    offsets = np.arange(0, FEATURES * 1024, 1024, dtype=np.intp)[:, None]
    drawn = {
        name: np.take(table.ravel(), np.bitwise_and(lanes[:, d], 1023) + offsets)
        for d, (name, table) in enumerate(tables.items())
    }
    return drawn["reach"] * drawn["impact"] * drawn["confidence"] / drawn["effort"]


def bench_monte_carlo(repeat: int) -> None:
    rng = np.random.default_rng(2026)
    inputs = ranged_inputs(rng)
    ids = [f"f{i}" for i in range(FEATURES)]
    tables = {
        name: np.sort(rng.random((FEATURES, 1024), dtype=np.float32), axis=1) for name in DRIVERS
    }

    def module() -> object:
        return simulate("rice", ids, inputs, samples=SAMPLES, top_n=TOP_N, seed=1)

    cold = timed(module, 1)[0]
    warm = timed(module, repeat)
    same = timed(lambda: bare_same_method(tables, 1), repeat)
    exact = timed(lambda: bare_exact(inputs, 1), 1)[0]
    best, best_same = min(warm), min(same)
    print(f"(a) Monte Carlo RICE {FEATURES} x {SAMPLES}, all 4 inputs ranged, top-{TOP_N}")
    print("    seconds as wall (CPU, all threads)")
    print(f"    module simulate, percentiles + top-n: first call {cold[0]:.2f} ({cold[1]:.2f}),")
    print(f"      which includes the one-off PERT table; then best {best[0]:.2f} ({best[1]:.2f}),")
    print(f"      median {statistics.median(w for w, _ in warm):.2f}")
    print(f"    bare NumPy, same method, scores only: best {best_same[0]:.2f} ({best_same[1]:.2f})")
    print(
        f"    bare NumPy, exact beta/triangular float64, scores only: {exact[0]:.2f} ({exact[1]:.2f})"
    )
    print(f"    ratio module / bare same method: {best[0] / best_same[0]:.2f} wall")
    print(f"    ratio module / bare exact: {best[0] / exact[0]:.2f} wall")


def portfolio_case(rng: np.random.Generator) -> tuple[list[Candidate], list[Period], list[Balance]]:
    effort = np.round(rng.lognormal(1.0, 0.7, CANDIDATES), 1) + 0.5
    value = np.round(effort * rng.lognormal(0.0, 0.6, CANDIDATES) * 10, 1)
    requires: dict[int, list[str]] = {i: [] for i in range(CANDIDATES)}
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < DEPENDENCIES:
        first, second = sorted(int(i) for i in rng.choice(CANDIDATES, 2, replace=False))
        pairs.add((second, first))
    for feature, prerequisite in pairs:
        requires[feature].append(f"c{prerequisite}")
    groups, teams = ("growth", "retention", "platform", "quality"), ("web", "mobile", "core")
    candidates = [
        Candidate(
            f"c{i}",
            float(value[i]),
            float(effort[i]),
            group=groups[i % 4],
            team=teams[i % 3],
            risk=float(rng.uniform(0, 3)),
            requires=tuple(requires[i]),
        )
        for i in range(CANDIDATES)
    ]
    capacity = float(round(effort.sum() * 0.08))
    periods = [
        Period(f"Q{q + 1}", capacity, {"web": round(capacity * 0.35)}) for q in range(PERIODS)
    ]
    return candidates, periods, [Balance("platform", 0.2), Balance("quality", 0.15, "value")]


def bench_portfolio() -> None:
    candidates, periods, balance = portfolio_case(np.random.default_rng(7))
    start = time.perf_counter()
    plan = select_portfolio(
        candidates,
        periods,
        mandatory=["c1", "c2"],
        excluded=["c3"],
        balance=balance,
        risk_budget=600,
    )
    wall = time.perf_counter() - start
    print(
        f"(b) Portfolio {CANDIDATES} candidates x {PERIODS} periods, {DEPENDENCIES} dependencies,"
    )
    print("    team capacity, 2 balance constraints, risk budget, mip_gap 0.5 %, time limit 10 s")
    print(f"    status {plan.status}, gap {plan.gap:.3%}, solver {plan.solve_seconds:.2f} s,")
    print(f"    wall incl. validation, model and reasons {wall:.2f} s")
    print(f"    selected {len(plan.selected)}, total value {plan.total_value:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  {os.cpu_count()} CPUs  {cpu_model()}")
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, HiGHS {highspy.Highs().version()}"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bench_monte_carlo(args.repeat)
    bench_portfolio()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
