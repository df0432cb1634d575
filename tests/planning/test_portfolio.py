from __future__ import annotations

import itertools
import random

import pytest

from northline.planning.portfolio import Balance, Candidate, Period, Plan, select_portfolio


def make(id: str, value: float = 1, effort: float = 1, **fields) -> Candidate:
    return Candidate(id, value, effort, **fields)


def quarter(capacity: float, name: str = "Q1", **team_capacity: float) -> Period:
    return Period(name, capacity, team_capacity)


def test_knapsack_by_hand() -> None:
    a, b, c = make("a", 10, 6), make("b", 7, 5), make("c", 6, 4)
    plan = select_portfolio([a, b, c], [quarter(10)])
    assert plan.selected == {"a": "Q1", "c": "Q1"}
    assert plan.total_value == 16
    assert plan.capacity_used == {"Q1": 10}
    assert plan.status == "optimal"
    assert plan.gap <= 0.005
    assert plan.solve_seconds >= 0
    assert plan.reasons == {
        "b": "lower value per person-week (1.4) than the selected items (1.6 on average)"
    }


def test_prerequisite_goes_in_an_earlier_period() -> None:
    base, feature = make("base", 1, 5), make("feature", 10, 5, requires=("base",))
    plan = select_portfolio([feature, base], [quarter(5, "Q1"), quarter(5, "Q2")])
    assert plan.selected == {"feature": "Q2", "base": "Q1"}


def test_prerequisite_may_share_the_period() -> None:
    base, feature = make("base", 1, 5), make("feature", 10, 5, requires=("base",))
    plan = select_portfolio([feature, base], [quarter(10)])
    assert plan.selected == {"feature": "Q1", "base": "Q1"}


def test_mandatory_beats_value() -> None:
    plan = select_portfolio([make("a", 10, 5), make("b", 1, 5)], [quarter(5)], mandatory=["b"])
    assert plan.selected == {"b": "Q1"}


def test_reasons_excluded_and_missing_prerequisite() -> None:
    candidates = [make("a", 5, 1), make("b", 5, 1, requires=("a",)), make("c", 1, 1)]
    plan = select_portfolio(candidates, [quarter(10)], excluded=["a"])
    assert plan.reasons == {"a": "excluded by user", "b": "prerequisite a not selected"}


def test_reason_too_big_for_any_period() -> None:
    plan = select_portfolio([make("a", 5, 30), make("b")], [quarter(20), quarter(10, "Q2")])
    assert plan.reasons == {
        "a": "does not fit capacity: needs 30 person-weeks, no period has more than 20"
    }


def test_reason_packing() -> None:
    candidates = [make("a", 10, 6), make("b", 8, 4), make("c", 9.5, 5)]
    plan = select_portfolio(candidates, [quarter(10)])
    assert plan.selected == {"a": "Q1", "b": "Q1"}
    assert plan.reasons == {
        "c": "does not fit the capacity left: needs 5 person-weeks, at most 0 free"
    }


def test_reason_team_capacity() -> None:
    candidates = [make("a", 5, 2, team="web"), make("b", 4, 2, team="web"), make("c", 1, 5)]
    plan = select_portfolio(candidates, [quarter(10, web=3)])
    assert plan.selected == {"a": "Q1", "c": "Q1"}
    assert plan.reasons == {
        "b": "does not fit the capacity left: needs 2 person-weeks, at most 1 free"
    }


def test_reason_risk_budget() -> None:
    candidates = [make("a", 5, 2, risk=3), make("b", 4, 2, risk=3)]
    plan = select_portfolio(candidates, [quarter(10)], risk_budget=4)
    assert plan.selected == {"a": "Q1"}
    assert plan.reasons == {"b": "would exceed the risk budget: 3 of 4 used, it adds 3"}


def test_reason_balance() -> None:
    candidates = [
        make("a", 1, 2, group="x"),
        make("b", 10, 2, group="y"),
        make("c", 9, 2, group="y"),
    ]
    plan = select_portfolio(candidates, [quarter(10)], balance=[Balance("x", 0.5)])
    assert plan.selected == {"a": "Q1", "b": "Q1"}
    assert plan.reasons == {"c": "would break the strategic balance for group 'x'"}


def test_balance_of_value() -> None:
    candidates = [
        make("a", 2, 1, group="x"),
        make("b", 10, 1, group="y"),
        make("c", 3, 1, group="y"),
    ]
    plan = select_portfolio(candidates, [quarter(10)], balance=[Balance("x", 0.2, "value")])
    # all three: x holds 2 of 15 (13%); dropping c: 2 of 12 (17%); dropping b: 2 of 5 (40%)
    assert plan.selected == {"a": "Q1", "c": "Q1"}


# Brute force: every assignment of each candidate to no period or one period.


def satisfies(plan: dict[str, int], case: dict) -> bool:
    by_id = {c.id: c for c in case["candidates"]}
    chosen = [by_id[i] for i in plan]
    for q, period in enumerate(case["periods"]):
        in_period = [c for c in chosen if plan[c.id] == q]
        if sum(c.effort for c in in_period) > period.capacity:
            return False
        for team, capacity in period.team_capacity.items():
            if sum(c.effort for c in in_period if c.team == team) > capacity:
                return False
    if any(g not in plan or plan[g] > plan[c.id] for c in chosen for g in c.requires):
        return False
    if not set(case["mandatory"]) <= set(plan) or set(case["excluded"]) & set(plan):
        return False
    for b in case["balance"]:
        total = sum(getattr(c, b.measure) for c in chosen)
        share = sum(getattr(c, b.measure) for c in chosen if c.group == b.group)
        if share < b.min_share * total - 1e-9:
            return False
    budget = case["risk_budget"]
    return budget is None or sum(c.risk for c in chosen) <= budget + 1e-9


def best_value(case: dict) -> float | None:
    candidates, periods = case["candidates"], case["periods"]
    best = None
    for slots in itertools.product(range(-1, len(periods)), repeat=len(candidates)):
        plan = {c.id: q for c, q in zip(candidates, slots, strict=True) if q >= 0}
        if satisfies(plan, case):
            value = sum(c.value for c in candidates if c.id in plan)
            best = value if best is None else max(best, value)
    return best


def random_case(seed: int) -> dict:
    rng = random.Random(seed)
    n_periods = rng.randint(1, 3)
    n = rng.randint(3, 5 if n_periods == 3 else 6)
    candidates = [
        Candidate(
            f"c{i}",
            value=rng.randint(0, 20),
            effort=rng.randint(1, 8),
            group="x" if i == 0 else rng.choice("xy"),
            team=rng.choice("uv"),
            risk=rng.randint(0, 4),
            requires=tuple(f"c{j}" for j in range(i) if rng.random() < 0.2),
        )
        for i in range(n)
    ]
    periods = [
        Period(f"P{q}", rng.randint(4, 15), {"u": rng.randint(2, 8)} if rng.random() < 0.3 else {})
        for q in range(n_periods)
    ]
    ids = [c.id for c in candidates]
    picked = rng.sample(ids, 2)
    return {
        "candidates": candidates,
        "periods": periods,
        "mandatory": picked[:1] if rng.random() < 0.3 else [],
        "excluded": picked[1:] if rng.random() < 0.3 else [],
        "balance": [Balance("x", rng.choice([0.2, 0.4, 0.6]), rng.choice(["effort", "value"]))]
        if rng.random() < 0.4
        else [],
        "risk_budget": rng.randint(3, 10) if rng.random() < 0.4 else None,
    }


def solve(case: dict) -> Plan:
    return select_portfolio(
        case["candidates"],
        case["periods"],
        mandatory=case["mandatory"],
        excluded=case["excluded"],
        balance=case["balance"],
        risk_budget=case["risk_budget"],
        mip_gap=0.0,
    )


@pytest.mark.parametrize("seed", range(80))
def test_optimum_matches_brute_force(seed) -> None:
    case = random_case(seed)
    expected = best_value(case)
    if expected is None:
        with pytest.raises(ValueError, match=r"^infeasible: "):
            solve(case)
        return
    plan = solve(case)
    names = [p.name for p in case["periods"]]
    assert plan.total_value == pytest.approx(expected)
    assert satisfies({i: names.index(p) for i, p in plan.selected.items()}, case)
    assert set(plan.reasons) | set(plan.selected) == {c.id for c in case["candidates"]}


def test_random_cases_cover_the_constraints() -> None:
    cases = [random_case(seed) for seed in range(80)]
    assert sum(best_value(c) is None for c in cases) >= 3
    assert sum(bool(c["balance"]) for c in cases) >= 20
    assert sum(any(p.team_capacity for p in c["periods"]) for c in cases) >= 15
    assert sum(any(c.requires for c in case["candidates"]) for case in cases) >= 40


@pytest.mark.parametrize(
    ("candidates", "periods", "options", "message"),
    [
        (
            [make("a", requires=("b",)), make("b", requires=("a",))],
            [quarter(5)],
            {},
            "dependencies: cycle a → b → a",
        ),
        ([make("a", requires=("a",))], [quarter(5)], {}, "dependencies: cycle a → a"),
        (
            [make("a", requires=("b",)), make("b", requires=("c",)), make("c", requires=("a",))],
            [quarter(5)],
            {},
            "dependencies: cycle a → b → c → a",
        ),
        ([make("a")], [quarter(0)], {}, "Q1.capacity: must be positive, got 0"),
        ([make("a")], [quarter(-5)], {}, "Q1.capacity: must be positive, got -5"),
        (
            [make("a")],
            [quarter(5, web=-1)],
            {},
            "Q1.team_capacity.web: must not be negative, got -1",
        ),
        ([make("a")], [], {}, "periods: at least one period is required"),
        ([make("a")], [quarter(5), quarter(5)], {}, "periods: duplicate period 'Q1'"),
        ([make("a"), make("a")], [quarter(5)], {}, "candidates: duplicate id 'a'"),
        ([make("a", requires=("zz",))], [quarter(5)], {}, "a.requires: unknown candidate 'zz'"),
        ([make("a")], [quarter(5)], {"mandatory": ["zz"]}, "mandatory: unknown candidate 'zz'"),
        ([make("a")], [quarter(5)], {"excluded": ["zz"]}, "excluded: unknown candidate 'zz'"),
        (
            [make("a")],
            [quarter(5)],
            {"mandatory": ["a"], "excluded": ["a"]},
            "a: both mandatory and excluded",
        ),
        ([make("a", effort=0)], [quarter(5)], {}, "a.effort: must be positive, got 0"),
        ([make("a", value=-1)], [quarter(5)], {}, "a.value: must not be negative, got -1"),
        ([make("a", risk=-2)], [quarter(5)], {}, "a.risk: must not be negative, got -2"),
        (
            [make("a", group="x")],
            [quarter(5)],
            {"balance": [Balance("x", 1.5)]},
            "balance.x.min_share: must be between 0 and 1, got 1.5",
        ),
        (
            [make("a", group="x")],
            [quarter(5)],
            {"balance": [Balance("zz", 0.5)]},
            "balance.zz: no candidate is in group 'zz'",
        ),
        (
            [make("a", group="x")],
            [quarter(5)],
            {"balance": [Balance("x", 0.5, "cost")]},  # type: ignore[arg-type]
            "balance.x.measure: must be 'effort' or 'value', got 'cost'",
        ),
        (
            [make("a")],
            [quarter(5)],
            {"risk_budget": -1},
            "risk_budget: must not be negative, got -1",
        ),
        ([make("a")], [quarter(5)], {"time_limit": 0}, "time_limit: must be positive, got 0"),
        ([make("a")], [quarter(5)], {"mip_gap": 2}, "mip_gap: must be between 0 and 1, got 2"),
    ],
)
def test_bad_input(candidates, periods, options, message) -> None:
    with pytest.raises(ValueError) as error:
        select_portfolio(candidates, periods, **options)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("candidates", "periods", "options", "message"),
    [
        (
            [make("a", effort=15), make("b", effort=15)],
            [quarter(20)],
            {"mandatory": ["a", "b"]},
            "infeasible: mandatory items need 30 person-weeks but capacity is 20",
        ),
        (
            [make("a", effort=10, requires=("b",)), make("b", effort=15)],
            [quarter(20)],
            {"mandatory": ["a"]},
            "infeasible: mandatory items need 25 person-weeks but capacity is 20",
        ),
        (
            [make("a", effort=25)],
            [quarter(20), quarter(20, "Q2")],
            {"mandatory": ["a"]},
            "infeasible: mandatory item a needs 25 person-weeks but no period has more than 20",
        ),
        (
            [make("a", effort=5, team="web")],
            [quarter(20, web=3)],
            {"mandatory": ["a"]},
            "infeasible: mandatory item a needs 5 person-weeks but no period has more than 3",
        ),
        (
            [make("a", risk=5)],
            [quarter(20)],
            {"mandatory": ["a"], "risk_budget": 4},
            "infeasible: mandatory items carry risk 5 but the risk budget is 4",
        ),
        (
            [make("a", requires=("b",)), make("b")],
            [quarter(20)],
            {"mandatory": ["a"], "excluded": ["b"]},
            "infeasible: b is excluded but a mandatory item requires it",
        ),
        (
            [make("a", effort=5, group="y"), make("c", effort=1, group="x")],
            [quarter(10)],
            {"mandatory": ["a"], "balance": [Balance("x", 0.5)]},
            "infeasible: the minimum share for group 'x' (50% of effort)"
            " cannot be met together with the other constraints",
        ),
        (
            [make(i, effort=3, team="web") for i in "abc"],
            [quarter(10, web=4), quarter(10, "Q2", web=4)],
            {"mandatory": ["a", "b", "c"]},
            "infeasible: the capacity of team 'web' cannot hold its mandatory items",
        ),
        (
            [make("a", effort=15), make("b", effort=8, requires=("a",))],
            [quarter(10), quarter(20, "Q2")],
            {"mandatory": ["b"]},
            "infeasible: the dependencies cannot be scheduled within the periods' capacity",
        ),
        (
            [make("a", effort=12), make("b", effort=12), make("c", effort=12)],
            [quarter(20), quarter(20, "Q2")],
            {"mandatory": ["a", "b", "c"]},
            "infeasible: the mandatory items cannot be packed into the periods' capacity",
        ),
    ],
)
def test_infeasible(candidates, periods, options, message) -> None:
    with pytest.raises(ValueError) as error:
        select_portfolio(candidates, periods, **options)
    assert str(error.value) == message


def test_more_valuable_items_come_first() -> None:
    """Total value ignores the period; the schedule still puts the most valuable items first."""
    candidates = [Candidate("low", value=1, effort=5), Candidate("high", value=9, effort=5),
                  Candidate("mid", value=4, effort=5), Candidate("after", value=8, effort=5,
                                                               requires=("low",))]  # fmt: skip
    periods = [Period("Q1", 10), Period("Q2", 10)]
    plan = select_portfolio(candidates, periods)
    assert plan.total_value == 22
    assert plan.selected == {"high": "Q1", "mid": "Q1", "low": "Q2", "after": "Q2"}
    assert plan.capacity_used == {"Q1": 10, "Q2": 10}


def test_solving_prints_nothing_not_even_the_highs_banner() -> None:
    """HiGHS prints its banner once per process, so a fresh process is the only fair check."""
    import subprocess
    import sys

    script = (
        "from northline.planning.portfolio import Candidate, Period, select_portfolio\n"
        "plan = select_portfolio([Candidate('a', 3, 2), Candidate('b', 2, 2)], "
        "[Period('Q1', 2, {})])\n"
        "print(sorted(plan.selected))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout == "['a']\n"
    assert "HiGHS" not in done.stderr
