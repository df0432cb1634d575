"""Capacity-constrained portfolio selection as an integer program, solved with HiGHS.

Pure module: no Django, no database. Each candidate is assigned to at most one period
(binary x[f, p]) so as to maximise the total value of the selected candidates, subject to:

- capacity: the effort assigned to a period fits its capacity (person-weeks), and the effort of
  each team listed in a period's `team_capacity` fits that team's capacity;
- dependencies: a candidate is selected only if each prerequisite is selected in the same or an
  earlier period;
- mandatory candidates are selected, excluded ones are not;
- strategic balance: a group's share of the selected effort (or value) is at least `min_share`;
- risk: the total risk of the selected candidates is within the budget.

Bad input raises ValueError("<where>.<field>: ..."); a constraint set that no plan satisfies
raises ValueError("infeasible: ...") naming the constraint that cannot be met where it can.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse

from northline.planning.scoring import NON_NEGATIVE, POSITIVE, UNIT, format_number

Measure = Literal["effort", "value"]
_INF = math.inf
RESCHEDULE_SECONDS = 2.0  # at most this long spent moving valuable items into earlier periods


class _QuietHighs(highspy.Highs):
    """A HiGHS solver that prints nothing, not even its start-up banner.

    `highspy.Highs()` registers its callbacks inside the constructor, and that first log call
    prints the "Running HiGHS" banner once per process (on the demo load, in the worker),
    before a caller could set `output_flag`; so the option is set just before it."""

    def enableCallbacks(self) -> None:
        self.setOptionValue("output_flag", False)
        super().enableCallbacks()


@dataclass(frozen=True)
class Candidate:
    """A feature that may be planned.

    `value` is what selecting it is worth (an expected score or a chosen percentile), `effort`
    the person-weeks it takes within its period, `group` its strategic area (for `Balance`),
    `team` the team whose capacity it uses, `risk` any non-negative risk measure (summed against
    the risk budget), and `requires` the ids of its prerequisites.
    """

    id: str
    value: float
    effort: float
    group: str | None = None
    team: str | None = None
    risk: float = 0.0
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Period:
    """A planning period with its capacity in person-weeks.

    `team_capacity` caps the effort of the listed teams in this period; other teams are bound
    by `capacity` only.
    """

    name: str
    capacity: float
    team_capacity: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Balance:
    """Strategic balance: `group` gets at least `min_share` of the selected effort or value."""

    group: str
    min_share: float
    measure: Measure = "effort"


@dataclass(frozen=True)
class Plan:
    """The chosen portfolio.

    `selected` maps candidate id to period name, in candidate order; `reasons` says, for each
    candidate left out, why. `status` is "optimal" (within `gap`) or "time_limit" (the best plan
    found in time; `gap` bounds how far from optimal it may be).
    """

    status: Literal["optimal", "time_limit"]
    selected: dict[str, str]
    total_value: float
    capacity_used: dict[str, float]
    gap: float
    solve_seconds: float
    reasons: dict[str, str]


@dataclass(frozen=True)
class _Rows:
    """A family of constraint rows: lower <= matrix @ x <= upper."""

    label: str
    matrix: sparse.csr_array
    lower: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]


def select_portfolio(
    candidates: Sequence[Candidate],
    periods: Sequence[Period],
    *,
    mandatory: Iterable[str] = (),
    excluded: Iterable[str] = (),
    balance: Sequence[Balance] = (),
    risk_budget: float | None = None,
    time_limit: float = 10.0,
    mip_gap: float = 0.005,
) -> Plan:
    """Choose candidates and periods that maximise total value under the constraints.

    Stops at a relative optimality gap of `mip_gap` or after `time_limit` seconds.
    """
    problem = _Problem(
        list(candidates), list(periods), set(mandatory), set(excluded), balance, risk_budget
    )
    _validate(problem)
    POSITIVE.check("time_limit", time_limit)
    UNIT.check("mip_gap", mip_gap)
    _precheck(problem)
    model = _Model(problem)
    solver = model.solve(model.families, time_limit, mip_gap)
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        raise ValueError(model.diagnose(time_limit))
    if solver.getInfo().primal_solution_status != highspy.kSolutionStatusFeasible:
        raise ValueError(f"time_limit: no feasible plan found in {format_number(time_limit)} s")
    plan = model.plan(solver)
    return _earliest(problem, plan, time_limit) if len(problem.periods) > 1 else plan


def _earliest(problem: _Problem, plan: Plan, time_limit: float) -> Plan:
    """The same selection, rescheduled so that more valuable items come in earlier periods.

    Total value does not depend on the period, so the first solve places items in any period
    that fits. A second, smaller program keeps exactly the selected items (all mandatory, same
    constraints) and maximises value weighted by how early each period is, starting from the
    first schedule and stopping after `RESCHEDULE_SECONDS` (or what is left of the time limit)
    with the best schedule found by then.
    """
    chosen = [c for c in problem.candidates if c.id in plan.selected]
    if not chosen:
        return plan
    fixed = _Problem(
        chosen, problem.periods, {c.id for c in chosen}, set(), problem.balance,
        problem.risk_budget,
    )  # fmt: skip
    model = _Model(fixed)
    n, p = model.shape
    earliness = np.arange(p, 0, -1, dtype=float)  # the first period weighs most
    start = np.zeros((n, p))
    for i, c in enumerate(chosen):
        start[i, [q.name for q in problem.periods].index(plan.selected[c.id])] = 1.0
    budget = min(RESCHEDULE_SECONDS, max(time_limit - plan.solve_seconds, 0.1))
    solver = model.solve(
        model.families, budget, 0.001, cost=(model.value[:, None] * earliness).ravel(),
        start=start.ravel(),
    )  # fmt: skip
    if solver.getInfo().primal_solution_status != highspy.kSolutionStatusFeasible:
        return plan
    x = np.asarray(solver.getSolution().col_value).reshape(n, p) > 0.5
    selected = {c.id: problem.periods[int(x[i].argmax())].name for i, c in enumerate(chosen)}
    used = (x * model.effort[:, None]).sum(axis=0)
    return replace(
        plan,
        selected={c.id: selected[c.id] for c in problem.candidates if c.id in selected},
        capacity_used={q.name: float(u) for q, u in zip(problem.periods, used, strict=True)},
        solve_seconds=plan.solve_seconds + float(solver.getRunTime()),
    )


@dataclass(frozen=True)
class _Problem:
    """Everything `select_portfolio` was asked, as the validation and the model read it."""

    candidates: list[Candidate]
    periods: list[Period]
    mandatory: set[str]
    excluded: set[str]
    balance: Sequence[Balance]
    risk_budget: float | None


def _validate(problem: _Problem) -> None:
    candidates, periods = problem.candidates, problem.periods
    mandatory, excluded = problem.mandatory, problem.excluded
    balance, risk_budget = problem.balance, problem.risk_budget
    ids = _unique("candidates", "id", [c.id for c in candidates])
    for c in candidates:
        POSITIVE.check(f"{c.id}.effort", c.effort)
        NON_NEGATIVE.check(f"{c.id}.value", c.value)
        NON_NEGATIVE.check(f"{c.id}.risk", c.risk)
        _known(f"{c.id}.requires", c.requires, ids)
    _known("mandatory", mandatory, ids)
    _known("excluded", excluded, ids)
    overlap = sorted(mandatory & excluded)
    if overlap:
        raise ValueError(f"{overlap[0]}: both mandatory and excluded")
    _validate_periods(periods)
    _validate_balance(balance, {c.group for c in candidates})
    if risk_budget is not None:
        NON_NEGATIVE.check("risk_budget", risk_budget)
    cycle = _find_cycle({c.id: c.requires for c in candidates})
    if cycle:
        raise ValueError(f"dependencies: cycle {' → '.join(cycle)}")


def _unique(where: str, what: str, names: Sequence[str]) -> set[str]:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{where}: duplicate {what} {name!r}")
        seen.add(name)
    return seen


def _known(where: str, names: Iterable[str], ids: set[str]) -> None:
    for name in names:
        if name not in ids:
            raise ValueError(f"{where}: unknown candidate {name!r}")


def _validate_periods(periods: Sequence[Period]) -> None:
    if not periods:
        raise ValueError("periods: at least one period is required")
    _unique("periods", "period", [p.name for p in periods])
    for p in periods:
        POSITIVE.check(f"{p.name}.capacity", p.capacity)
        for team, capacity in p.team_capacity.items():
            NON_NEGATIVE.check(f"{p.name}.team_capacity.{team}", capacity)


def _validate_balance(balance: Sequence[Balance], groups: set[str | None]) -> None:
    for b in balance:
        UNIT.check(f"balance.{b.group}.min_share", b.min_share)
        if b.measure not in ("effort", "value"):
            raise ValueError(
                f"balance.{b.group}.measure: must be 'effort' or 'value', got {b.measure!r}"
            )
        if b.group not in groups:
            raise ValueError(f"balance.{b.group}: no candidate is in group {b.group!r}")


def _find_cycle(requires: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A dependency cycle as a path that ends where it starts, or None (iterative DFS)."""
    done: set[str] = set()
    for root in requires:
        path, pending = [root], [iter(requires[root])]
        while path:
            nxt = next(pending[-1], None)
            if nxt is None:
                done.add(path.pop())
                pending.pop()
            elif nxt in path:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in done:
                path.append(nxt)
                pending.append(iter(requires[nxt]))
    return None


def _with_prerequisites(ids: Iterable[str], by_id: Mapping[str, Candidate]) -> set[str]:
    """`ids` and everything they require, directly or not."""
    closure: set[str] = set()
    stack = list(ids)
    while stack:
        current = stack.pop()
        if current not in closure:
            closure.add(current)
            stack.extend(by_id[current].requires)
    return closure


def _precheck(problem: _Problem) -> None:
    """Raise the plain infeasibilities of the mandatory items (and what they require) early."""
    candidates, periods = problem.candidates, problem.periods
    mandatory, excluded, risk_budget = problem.mandatory, problem.excluded, problem.risk_budget
    by_id = {c.id: c for c in candidates}
    closure = _with_prerequisites(mandatory, by_id)
    blocked = sorted(closure & excluded)
    if blocked:
        raise ValueError(f"infeasible: {blocked[0]} is excluded but a mandatory item requires it")
    needed = [by_id[i] for i in sorted(closure)]
    effort = sum(c.effort for c in needed)
    capacity = sum(p.capacity for p in periods)
    if effort > capacity:
        raise ValueError(
            f"infeasible: mandatory items need {format_number(effort)} person-weeks"
            f" but capacity is {format_number(capacity)}"
        )
    for c in needed:
        room = max(_room(c, p) for p in periods)
        if c.effort > room:
            raise ValueError(
                f"infeasible: mandatory item {c.id} needs {format_number(c.effort)} person-weeks"
                f" but no period has more than {format_number(room)}"
            )
    risk = sum(c.risk for c in needed)
    if risk_budget is not None and risk > risk_budget:
        raise ValueError(
            f"infeasible: mandatory items carry risk {format_number(risk)}"
            f" but the risk budget is {format_number(risk_budget)}"
        )


def _room(candidate: Candidate, period: Period) -> float:
    """The most effort `period` can give `candidate`: its capacity, or its team's if capped."""
    return min(period.capacity, _team_cap(period, candidate.team))


def _team_cap(period: Period, team: str | None) -> float:
    return _INF if team is None else period.team_capacity.get(team, _INF)


class _Model:
    """The integer program over x[f, p] (column f * periods + p) and how to read its solution."""

    def __init__(self, problem: _Problem) -> None:
        candidates = problem.candidates
        self.candidates, self.periods = candidates, problem.periods
        self.mandatory, self.excluded = problem.mandatory, problem.excluded
        self.balance, self.risk_budget = problem.balance, problem.risk_budget
        self.index = {c.id: i for i, c in enumerate(candidates)}
        self.value = np.array([c.value for c in candidates], dtype=float)
        self.effort = np.array([c.effort for c in candidates], dtype=float)
        self.families = self._families()

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.candidates), len(self.periods)

    def solve(
        self,
        families: Sequence[_Rows],
        time_limit: float,
        mip_gap: float,
        cost: npt.NDArray[np.float64] | None = None,
        start: npt.NDArray[np.float64] | None = None,
    ) -> highspy.Highs:
        """Pass the model with the given row families to HiGHS and run it; the objective is
        each column's `cost` (default: the candidate's value, whatever the period); `start` is
        a feasible solution to begin from."""
        rows = sparse.vstack([f.matrix for f in families], format="csc")
        n_cols = rows.shape[1]
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n_cols, rows.shape[0]
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.repeat(self.value, len(self.periods)) if cost is None else cost
        lp.col_lower_ = np.zeros(n_cols)
        lp.col_upper_ = self._column_upper()
        lp.row_lower_ = np.concatenate([f.lower for f in families])
        lp.row_upper_ = np.concatenate([f.upper for f in families])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_cols, rows.shape[0]
        lp.a_matrix_.start_, lp.a_matrix_.index_ = rows.indptr, rows.indices
        lp.a_matrix_.value_ = rows.data
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cols
        solver = _QuietHighs()
        solver.setOptionValue("time_limit", float(time_limit))
        solver.setOptionValue("mip_rel_gap", float(mip_gap))
        solver.passModel(lp)
        if start is not None:
            initial = highspy.HighsSolution()
            initial.col_value = list(start)
            solver.setSolution(initial)
        solver.run()
        return solver

    def _column_upper(self) -> npt.NDArray[np.float64]:
        """1 where candidate f may go to period p: not excluded and not larger than the room."""
        room = np.array([[_room(c, p) for p in self.periods] for c in self.candidates])
        allowed = self.effort[:, None] <= room
        allowed[[self.index[i] for i in self.excluded]] = False
        return allowed.astype(float).ravel()

    def _families(self) -> list[_Rows]:
        families = [self._assignment(), self._capacity(), *self._team_capacity()]
        families += [self._dependencies(), *(self._balance(b) for b in self.balance)]
        if self.risk_budget is not None:
            families.append(self._risk(self.risk_budget))
        return [f for f in families if f.matrix.shape[0] > 0]

    def _rows(
        self,
        label: str,
        entries: tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike],
        lower: npt.ArrayLike,
        upper: npt.ArrayLike,
    ) -> _Rows:
        """Rows from (row, column, coefficient) triplets and their bounds."""
        low = np.atleast_1d(np.asarray(lower, dtype=float))
        high = np.atleast_1d(np.asarray(upper, dtype=float))
        row, col, coef = (np.asarray(e) for e in entries)
        shape = (len(low), math.prod(self.shape))
        matrix = sparse.csr_array((coef.astype(float), (row, col)), shape=shape)
        return _Rows(label, matrix, low, high)

    def _assignment(self) -> _Rows:
        """Each candidate at most once; mandatory ones exactly once."""
        n, p = self.shape
        mandatory = np.zeros(n)
        mandatory[[self.index[i] for i in self.mandatory]] = 1.0
        entries = (np.repeat(np.arange(n), p), np.arange(n * p), np.ones(n * p))
        return self._rows("assignment", entries, mandatory, np.ones(n))

    def _capacity(self) -> _Rows:
        n, p = self.shape
        entries = (np.tile(np.arange(p), n), np.arange(n * p), np.repeat(self.effort, p))
        capacity = [period.capacity for period in self.periods]
        return self._rows("capacity", entries, np.full(p, -_INF), capacity)

    def _team_capacity(self) -> list[_Rows]:
        """One family per capped team: a row for each period that caps it."""
        teams = dict.fromkeys(team for period in self.periods for team in period.team_capacity)
        return [self._team_rows(team) for team in teams]

    def _team_rows(self, team: str) -> _Rows:
        _, p = self.shape
        members = np.flatnonzero([c.team == team for c in self.candidates])
        caps = [
            (q, t.team_capacity[team])
            for q, t in enumerate(self.periods)
            if team in t.team_capacity
        ]
        rows = np.repeat(np.arange(len(caps)), len(members))
        cols = np.concatenate([members * p + q for q, _ in caps])
        coefs = np.tile(self.effort[members], len(caps))
        upper = [capacity for _, capacity in caps]
        return self._rows(f"team {team}", (rows, cols, coefs), np.full(len(caps), -_INF), upper)

    def _dependencies(self) -> _Rows:
        """x[f, p] <= sum of x[g, q] for q <= p, for each prerequisite g of f and period p."""
        _, p = self.shape
        rows: list[int] = []
        cols: list[int] = []
        coefs: list[float] = []
        pairs = [(self.index[c.id], self.index[g]) for c in self.candidates for g in c.requires]
        for k, (f, g) in enumerate(pairs):
            for q in range(p):
                row = k * p + q
                rows += [row] * (q + 2)
                cols += [f * p + q, *range(g * p, g * p + q + 1)]
                coefs += [1.0] + [-1.0] * (q + 1)
        count = len(pairs) * p
        return self._rows(
            "dependencies", (rows, cols, coefs), np.full(count, -_INF), np.zeros(count)
        )

    def measure(self, b: Balance) -> npt.NDArray[np.float64]:
        return self.effort if b.measure == "effort" else self.value

    def in_group(self, group: str) -> npt.NDArray[np.bool_]:
        return np.array([c.group == group for c in self.candidates])

    def _balance(self, b: Balance) -> _Rows:
        """sum over group of m * x >= share * sum of m * x, i.e. sum of (in - share) m x >= 0."""
        n, p = self.shape
        coef = np.repeat((self.in_group(b.group) - b.min_share) * self.measure(b), p)
        return self._rows(f"balance {b.group}", (np.zeros(n * p), np.arange(n * p), coef), 0, _INF)

    def _risk(self, budget: float) -> _Rows:
        n, p = self.shape
        coef = np.repeat([c.risk for c in self.candidates], p)
        return self._rows("risk", (np.zeros(n * p), np.arange(n * p), coef), -_INF, budget)

    def diagnose(self, time_limit: float) -> str:
        """Name the first constraint family whose removal makes the model feasible."""
        for family in self.families:
            if family.label in ("assignment", "capacity"):
                continue
            rest = [f for f in self.families if f is not family]
            relaxed = self.solve(rest, time_limit, 1.0)
            if relaxed.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
                return f"infeasible: {self._describe(family.label)}"
        return "infeasible: the mandatory items cannot be packed into the periods' capacity"

    def _describe(self, label: str) -> str:
        if label.startswith("balance "):
            b = next(b for b in self.balance if f"balance {b.group}" == label)
            share = format_number(round(100 * b.min_share, 2))
            return (
                f"the minimum share for group {b.group!r} ({share}% of {b.measure})"
                " cannot be met together with the other constraints"
            )
        if label.startswith("team "):
            return f"the capacity of team {label[5:]!r} cannot hold its mandatory items"
        if label == "risk":
            return "the risk budget cannot be met together with the other constraints"
        return "the dependencies cannot be scheduled within the periods' capacity"

    def plan(self, solver: highspy.Highs) -> Plan:
        """Read the solution: selections, capacity used, and a reason for each left-out item."""
        n, p = self.shape
        x = np.asarray(solver.getSolution().col_value).reshape(n, p) > 0.5
        chosen = np.flatnonzero(x.any(axis=1))
        period_of = {int(f): int(x[f].argmax()) for f in chosen}
        used = (x * self.effort[:, None]).sum(axis=0)
        info = solver.getInfo()
        optimal = solver.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return Plan(
            status="optimal" if optimal else "time_limit",
            selected={self.candidates[f].id: self.periods[q].name for f, q in period_of.items()},
            total_value=float(self.value[chosen].sum()),
            capacity_used={
                period.name: float(u) for period, u in zip(self.periods, used, strict=True)
            },
            gap=float(info.mip_gap),
            solve_seconds=float(solver.getRunTime()),
            reasons=_Reasons(self, period_of, used).explain(),
        )


class _Reasons:
    """Why each candidate was left out, checked in order from the plainest cause."""

    def __init__(
        self, model: _Model, period_of: Mapping[int, int], used: npt.NDArray[np.float64]
    ) -> None:
        self.model, self.period_of = model, period_of
        self.free = np.array([p.capacity for p in model.periods]) - used
        self.risk_used = sum(model.candidates[f].risk for f in period_of)
        self.chosen = np.zeros(len(model.candidates), dtype=bool)
        self.chosen[list(period_of)] = True
        self.team_used: dict[tuple[int, str | None], float] = defaultdict(float)
        for f, q in period_of.items():
            self.team_used[q, model.candidates[f].team] += model.candidates[f].effort

    def explain(self) -> dict[str, str]:
        model = self.model
        left_out = [c for i, c in enumerate(model.candidates) if i not in self.period_of]
        return {c.id: self.reason(c) for c in left_out}

    def reason(self, c: Candidate) -> str:
        model = self.model
        if c.id in model.excluded:
            return "excluded by user"
        missing = [g for g in c.requires if model.index[g] not in self.period_of]
        if missing:
            return f"prerequisite {missing[0]} not selected"
        earliest = max((self.period_of[model.index[g]] for g in c.requires), default=0)
        periods = model.periods[earliest:]
        room = max(_room(c, p) for p in periods)
        if c.effort > room:
            return (
                f"does not fit capacity: needs {format_number(c.effort)} person-weeks,"
                f" no period has more than {format_number(room)}"
            )
        if c.effort <= self._free(c, earliest).max():
            return self._other_constraint(c)
        return self._crowded_out(c, earliest)

    def _free(self, c: Candidate, earliest: int) -> npt.NDArray[np.float64]:
        """Free person-weeks for `c` in each period from `earliest` on, team caps included."""
        periods = range(earliest, len(self.model.periods))
        return np.array([min(self.free[q], self._team_free(c.team, q)) for q in periods])

    def _team_free(self, team: str | None, q: int) -> float:
        return _team_cap(self.model.periods[q], team) - self.team_used[q, team]

    def _other_constraint(self, c: Candidate) -> str:
        """`c` fits the capacity left, so the risk budget or the balance kept it out."""
        budget = self.model.risk_budget
        if budget is not None and self.risk_used + c.risk > budget:
            return (
                f"would exceed the risk budget: {_round(self.risk_used)} of"
                f" {_round(budget)} used, it adds {_round(c.risk)}"
            )
        for b in self.model.balance:
            if not self._balanced_with(b, c):
                return f"would break the strategic balance for group {b.group!r}"
        return "fits the capacity left but was not needed to get within the optimality gap"

    def _balanced_with(self, b: Balance, c: Candidate) -> bool:
        """Whether group b would keep its minimum share if `c` were added."""
        measure, in_group = self.model.measure(b), self.model.in_group(b.group)
        i = self.model.index[c.id]
        total = measure[self.chosen].sum() + measure[i]
        group = measure[self.chosen & in_group].sum() + measure[i] * in_group[i]
        return bool(group >= b.min_share * total - 1e-9)

    def _crowded_out(self, c: Candidate, earliest: int) -> str:
        """`c` does not fit the capacity left: compare its value per person-week."""
        model = self.model
        rivals = [f for f, q in self.period_of.items() if q >= earliest]
        rival_value = sum(model.candidates[f].value for f in rivals)
        rival_effort = sum(model.candidates[f].effort for f in rivals)
        density, rival_density = c.value / c.effort, rival_value / rival_effort
        if density < rival_density:
            return (
                f"lower value per person-week ({_round(density)}) than the selected items"
                f" ({_round(rival_density)} on average)"
            )
        free = self._free(c, earliest).max()
        return (
            f"does not fit the capacity left: needs {format_number(c.effort)} person-weeks,"
            f" at most {format_number(round(free, 2))} free"
        )


def _round(value: float) -> str:
    return format_number(round(value, 2))
