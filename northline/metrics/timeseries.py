"""Time-series arithmetic on NumPy arrays: periods (day … year), aggregation into periods, and
period-over-period change. Pure: no Django, no database; vectorised, no loops over points.

Dates are `datetime64[D]` arrays. A week starts on Monday, a quarter in January, April, July or
October.
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
import numpy.typing as npt

Granularity = Literal["day", "week", "month", "quarter", "year"]
How = Literal["sum", "mean", "last"]
GRANULARITIES: tuple[Granularity, ...] = ("day", "week", "month", "quarter", "year")
Dates = npt.NDArray[np.datetime64]
Floats = npt.NDArray[np.float64]

_THURSDAY = 3  # 1970-01-01, day 0 of datetime64[D], was a Thursday (Monday is 0)


def period_start(dates: Dates, granularity: Granularity) -> Dates:
    """The first day of the period holding each date."""
    days = dates.astype("datetime64[D]")
    if granularity == "day":
        return days
    if granularity == "week":
        ordinal = days.astype(np.int64)
        return (ordinal - (ordinal + _THURSDAY) % 7).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    if granularity == "quarter":
        index = months.astype(np.int64)
        months = (index - index % 3).astype("datetime64[M]")
    elif granularity == "year":
        months = days.astype("datetime64[Y]").astype("datetime64[M]")
    return months.astype("datetime64[D]")


def period_end(dates: Dates, granularity: Granularity) -> Dates:
    """The last day of the period holding each date."""
    starts = period_start(dates, granularity)
    if granularity in ("day", "week"):
        return starts + np.timedelta64(0 if granularity == "day" else 6, "D")
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    following = starts.astype("datetime64[M]") + np.timedelta64(months, "M")
    return cast(Dates, following.astype("datetime64[D]") - np.timedelta64(1, "D"))


def aggregate(
    dates: Dates, values: Floats, granularity: Granularity, how: How
) -> tuple[Dates, Floats]:
    """(period starts, one value per period) from points sorted by date.

    `sum` adds the period's points, `mean` averages them, `last` keeps the latest one.
    """
    if len(dates) == 0:
        return np.array([], dtype="datetime64[D]"), np.array([], dtype=np.float64)
    starts = period_start(dates, granularity)
    periods, first, inverse = np.unique(starts, return_index=True, return_inverse=True)
    if how == "last":
        last = np.r_[first[1:] - 1, len(starts) - 1]
        return periods, values[last].astype(np.float64)
    sums: Floats = np.bincount(inverse, weights=values, minlength=len(periods)).astype(np.float64)
    if how == "sum":
        return periods, sums
    return periods, sums / np.bincount(inverse, minlength=len(periods))


def fold(
    months: Dates, sums: Floats, counts: Floats, granularity: Granularity, how: How
) -> tuple[Dates, Floats]:
    """Monthly sums and counts (as the database adds them up) folded into months, quarters or
    years: the sum of the sums, or for `mean` the sums over the counts."""
    if granularity not in ("month", "quarter", "year") or how == "last":
        raise ValueError(
            f"granularity: fold makes months or coarser by sum or mean, not {granularity} by {how}"
        )
    if len(months) == 0:
        return np.array([], dtype="datetime64[D]"), np.array([], dtype=np.float64)
    starts = period_start(months.astype("datetime64[D]"), granularity)
    periods, inverse = np.unique(starts, return_inverse=True)
    total = np.bincount(inverse, weights=sums, minlength=len(periods)).astype(np.float64)
    if how == "sum":
        return periods, total
    return periods, total / np.bincount(inverse, weights=counts, minlength=len(periods))


def change(values: Floats) -> Floats:
    """Relative change of each period against the one before (NaN for the first and after a
    zero): 0.1 is +10 %."""
    result = np.full(len(values), np.nan)
    if len(values) > 1:
        before, after = values[:-1], values[1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            result[1:] = np.where(before != 0, (after - before) / np.abs(before), np.nan)
    return result


def divide(
    numerator: tuple[Dates, Floats], denominator: tuple[Dates, Floats]
) -> tuple[Dates, Floats, Dates]:
    """numerator / denominator on the periods both have: (periods, ratios with NaN where the
    denominator is zero, the periods whose denominator is zero)."""
    periods, left, right = np.intersect1d(numerator[0], denominator[0], return_indices=True)
    top, bottom = numerator[1][left], denominator[1][right]
    zero = bottom == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(zero, np.nan, top / np.where(zero, 1.0, bottom))
    return periods, ratios, periods[zero]
