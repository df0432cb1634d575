"""Absolute scoring formulas (RICE, ICE, WSJF, value/effort, weighted drivers) and estimates.

Pure module: no Django, no database. A score depends only on the feature's own inputs, never on
other features, so a score stays put when the backlog around it changes.

Every scalar formula returns a `Breakdown` that says how each driver shaped the score, so the UI
can explain every number. Each formula also has a vectorised twin (`*_scores`) over NumPy arrays,
used by the Monte Carlo simulation; the twins do not validate (callers validate once, up front).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating[Any]]
Real = float | FloatArray
Distribution = Literal["pert", "triangular"]
Direction = Literal["higher", "lower"]

DISTRIBUTIONS: tuple[Distribution, ...] = ("pert", "triangular")
PERT_LAMBDA = 4.0


def format_number(value: float) -> str:
    """Render a number for an error message: whole numbers without a decimal point."""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


@dataclass(frozen=True)
class Domain:
    """The values a driver accepts. `positive` means strictly above zero."""

    minimum: float = -math.inf
    maximum: float = math.inf
    positive: bool = False

    def check(self, field: str, value: float) -> None:
        """Raise ValueError("<field>: <rule>, got <value>") unless value is in the domain."""
        if not math.isfinite(value):
            raise ValueError(f"{field}: must be a finite number, got {value}")
        if (self.positive and value <= 0) or not self.minimum <= value <= self.maximum:
            raise ValueError(f"{field}: {self._rule()}, got {format_number(value)}")

    def _rule(self) -> str:
        if self.positive:
            return "must be positive"
        if self.minimum == 0 and self.maximum == math.inf:
            return "must not be negative"
        return f"must be between {format_number(self.minimum)} and {format_number(self.maximum)}"


ANY = Domain()
NON_NEGATIVE = Domain(minimum=0.0)
POSITIVE = Domain(minimum=0.0, positive=True)
UNIT = Domain(minimum=0.0, maximum=1.0)
ONE_TO_TEN = Domain(minimum=1.0, maximum=10.0)


@dataclass(frozen=True)
class Estimate:
    """A three-point estimate low ≤ likely ≤ high, read as a PERT (lambda = 4) or triangular law.

    Construction does not validate, because only the caller knows the field name the message
    must carry; call `validate(field, domain)` before use.
    """

    low: float
    likely: float
    high: float
    distribution: Distribution = "pert"

    @classmethod
    def point(cls, value: float) -> Estimate:
        """A certain value: low = likely = high."""
        return cls(value, value, value)

    def validate(self, field: str, domain: Domain = ANY) -> None:
        """Raise ValueError naming `field` if the estimate is malformed or leaves `domain`."""
        if self.distribution not in DISTRIBUTIONS:
            raise ValueError(
                f"{field}: distribution must be 'pert' or 'triangular', got {self.distribution!r}"
            )
        for value in (self.low, self.likely, self.high):
            domain.check(field, value)
        if not self.low <= self.likely <= self.high:
            raise ValueError(f"{field}: {self._disorder()}")

    def _disorder(self) -> str:
        low, likely, high = (format_number(v) for v in (self.low, self.likely, self.high))
        if self.low > self.high:
            return f"low ({low}) is greater than high ({high})"
        return f"likely ({likely}) is not between low ({low}) and high ({high})"


def pert_shape(low: Real, likely: Real, high: Real) -> tuple[Real, Real]:
    """Beta parameters (alpha, beta) of the PERT law on [low, high] with mode `likely` (low < high).

    Elementwise for arrays.
    """
    position = (likely - low) / (high - low)
    return 1.0 + PERT_LAMBDA * position, 1.0 + PERT_LAMBDA * (1.0 - position)


def sample_estimate(estimate: Estimate, n: int, rng: np.random.Generator) -> FloatArray:
    """Draw n values of a validated estimate: PERT through a scaled beta, triangular via NumPy."""
    low, likely, high = estimate.low, estimate.likely, estimate.high
    if low == high:
        return np.full(n, float(low))
    if estimate.distribution == "triangular":
        return rng.triangular(low, likely, high, n)
    alpha, beta = pert_shape(low, likely, high)
    return low + (high - low) * rng.beta(alpha, beta, n)


@dataclass(frozen=True)
class Breakdown:
    """A score and the part each driver played in it.

    mode "sum": `score == sum(contributions.values())`.
    mode "log": `math.log(score) == sum(contributions.values())`; a driver's contribution is the
    natural log of the factor it multiplies the score by: positive when it raises the score,
    negative when it lowers it (a divisor above 1, a fraction below 1), -inf when it zeroes it.
    """

    formula: str
    score: float
    inputs: dict[str, float]
    contributions: dict[str, float]
    mode: Literal["sum", "log"]


@dataclass(frozen=True)
class Formula:
    """A formula as the simulation sees it: driver domains (in order) and a vectorised scorer."""

    name: str
    domains: Mapping[str, Domain]
    evaluate: Callable[[Mapping[str, Real]], FloatArray]


def _checked(formula: Formula, values: Mapping[str, float]) -> dict[str, float]:
    for name, domain in formula.domains.items():
        domain.check(name, values[name])
    return {name: float(values[name]) for name in formula.domains}


def _product_breakdown(
    formula: Formula, values: Mapping[str, float], divisor: str | None = None
) -> Breakdown:
    """Log-mode breakdown of a product of drivers, optionally divided by one of them."""
    inputs = _checked(formula, values)
    contributions = {name: _log(value) for name, value in inputs.items()}
    if divisor is not None:
        contributions[divisor] = -contributions[divisor]
    score = float(formula.evaluate(inputs))
    return Breakdown(formula.name, score, inputs, contributions, "log")


def _log(value: float) -> float:
    return math.log(value) if value > 0 else -math.inf


def rice_scores(reach: Real, impact: Real, confidence: Real, effort: Real) -> FloatArray:
    """Reach * Impact * Confidence / Effort, elementwise (broadcasts; float32 stays float32)."""
    return np.asarray(reach) * impact * confidence / effort


def ice_scores(impact: Real, confidence: Real, ease: Real) -> FloatArray:
    """Impact * Confidence * Ease, elementwise."""
    return np.asarray(impact) * confidence * ease


def wsjf_scores(
    business_value: Real,
    time_criticality: Real,
    risk_reduction: Real,
    job_size: Real,
) -> FloatArray:
    """Cost of delay (business value + time criticality + risk reduction) / job size."""
    return (np.asarray(business_value) + time_criticality + risk_reduction) / job_size


def value_effort_scores(value: Real, effort: Real) -> FloatArray:
    """Value / Effort, elementwise."""
    return np.asarray(value) / effort


RICE = Formula(
    "rice",
    {"reach": NON_NEGATIVE, "impact": NON_NEGATIVE, "confidence": UNIT, "effort": POSITIVE},
    lambda v: rice_scores(v["reach"], v["impact"], v["confidence"], v["effort"]),
)
ICE = Formula(
    "ice",
    {"impact": ONE_TO_TEN, "confidence": ONE_TO_TEN, "ease": ONE_TO_TEN},
    lambda v: ice_scores(v["impact"], v["confidence"], v["ease"]),
)
WSJF = Formula(
    "wsjf",
    {
        "business_value": NON_NEGATIVE,
        "time_criticality": NON_NEGATIVE,
        "risk_reduction": NON_NEGATIVE,
        "job_size": POSITIVE,
    },
    lambda v: wsjf_scores(
        v["business_value"], v["time_criticality"], v["risk_reduction"], v["job_size"]
    ),
)
VALUE_EFFORT = Formula(
    "value_effort",
    {"value": NON_NEGATIVE, "effort": POSITIVE},
    lambda v: value_effort_scores(v["value"], v["effort"]),
)
FORMULAS: dict[str, Formula] = {f.name: f for f in (RICE, ICE, WSJF, VALUE_EFFORT)}


def rice(reach: float, impact: float, confidence: float, effort: float) -> Breakdown:
    """Intercom's RICE: reach (people per period) * impact * confidence (0..1) / effort (> 0).

    Log-mode breakdown: ln(reach) + ln(impact) + ln(confidence) - ln(effort) = ln(score).
    """
    values = {"reach": reach, "impact": impact, "confidence": confidence, "effort": effort}
    return _product_breakdown(RICE, values, divisor="effort")


def ice(impact: float, confidence: float, ease: float) -> Breakdown:
    """ICE as impact * confidence * ease, each rated 1..10. Log-mode breakdown, no divisor."""
    return _product_breakdown(ICE, {"impact": impact, "confidence": confidence, "ease": ease})


def wsjf(
    business_value: float, time_criticality: float, risk_reduction: float, job_size: float
) -> Breakdown:
    """SAFe's WSJF: cost of delay / job size.

    Sum-mode breakdown over the three cost-of-delay components, each divided by the job size
    (business_value / job_size + ...). The job size divides every term, so it has no term of its
    own; it is in `inputs`.
    """
    values = {
        "business_value": business_value,
        "time_criticality": time_criticality,
        "risk_reduction": risk_reduction,
        "job_size": job_size,
    }
    inputs = _checked(WSJF, values)
    size = inputs["job_size"]
    terms = {name: value / size for name, value in inputs.items() if name != "job_size"}
    return Breakdown("wsjf", float(WSJF.evaluate(inputs)), inputs, terms, "sum")


def value_effort(value: float, effort: float) -> Breakdown:
    """Value / effort. Log-mode breakdown: ln(value) - ln(effort) = ln(score)."""
    return _product_breakdown(VALUE_EFFORT, {"value": value, "effort": effort}, divisor="effort")


@dataclass(frozen=True)
class Driver:
    """A driver of a weighted formula: its weight and the scale its values are read on."""

    name: str
    weight: float
    minimum: float
    maximum: float
    direction: Direction = "higher"

    def validate(self) -> None:
        """Raise ValueError("<name>.<field>: ...") if the driver definition is malformed."""
        NON_NEGATIVE.check(f"{self.name}.weight", self.weight)
        ANY.check(f"{self.name}.minimum", self.minimum)
        ANY.check(f"{self.name}.maximum", self.maximum)
        if self.minimum >= self.maximum:
            low, high = format_number(self.minimum), format_number(self.maximum)
            raise ValueError(
                f"{self.name}.scale: minimum ({low}) must be less than maximum ({high})"
            )
        if self.direction not in ("higher", "lower"):
            raise ValueError(
                f"{self.name}.direction: must be 'higher' or 'lower', got {self.direction!r}"
            )

    @property
    def domain(self) -> Domain:
        return Domain(self.minimum, self.maximum)

    def normalise(self, values: Real) -> FloatArray:
        """Map the scale onto 0..1 with 1 the best end (the maximum unless lower is better)."""
        unit = (np.asarray(values) - self.minimum) / (self.maximum - self.minimum)
        return unit if self.direction == "higher" else 1.0 - unit


def weighted_scores(drivers: Sequence[Driver], values: Mapping[str, Real]) -> FloatArray:
    """Sum of weight * normalised value, elementwise; ranges from 0 to the sum of the weights."""
    first, *rest = drivers
    total = first.weight * first.normalise(values[first.name])
    for driver in rest:
        total = total + driver.weight * driver.normalise(values[driver.name])
    return total


def weighted_formula(drivers: Sequence[Driver]) -> Formula:
    """Validate a custom driver set and wrap it as a Formula for the simulation."""
    names = [d.name for d in drivers]
    if not drivers:
        raise ValueError("drivers: at least one driver is required")
    for driver in drivers:
        driver.validate()
        if names.count(driver.name) > 1:
            raise ValueError(f"drivers: duplicate driver {driver.name!r}")
    fixed = tuple(drivers)
    return Formula(
        "weighted", {d.name: d.domain for d in fixed}, lambda v: weighted_scores(fixed, v)
    )


def weighted(drivers: Sequence[Driver], values: Mapping[str, float]) -> Breakdown:
    """Custom weighted score. Sum-mode breakdown: each driver adds weight * normalised value."""
    formula = weighted_formula(drivers)
    missing = [name for name in formula.domains if name not in values]
    unknown = [name for name in values if name not in formula.domains]
    if missing:
        raise ValueError(f"{missing[0]}: a value is required")
    if unknown:
        raise ValueError(f"{unknown[0]}: not a driver of this formula")
    inputs = _checked(formula, values)
    terms = {d.name: d.weight * float(d.normalise(inputs[d.name])) for d in drivers}
    return Breakdown("weighted", sum(terms.values()), inputs, terms, "sum")
