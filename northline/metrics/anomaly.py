"""The expected band of a daily KPI, and the days that leave it. Pure: NumPy only.

Seasonality-aware and robust: a day is compared with the same weekday of the previous
`weeks` weeks. The expected value is their median; the band is median ± k·MAD·|median|, where
the MAD (median absolute deviation, scaled by 1.4826 so that it estimates a standard deviation
for normal data) is of the relative deviations of all days of those weeks, each from its own
weekday's median. A floor of `floor` keeps a perfectly flat history from flagging every wiggle;
where the median is 0, the band is k · the absolute MAD of the day's own weekdays. A day needs
at least `min_history` of its weekdays to get a band at all.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .timeseries import Dates, Floats

MAD_SCALE = 1.4826


@dataclass(frozen=True)
class Band:
    """Per day of the input: expected value, low and high (NaN where there is too little
    history), and whether the observed value lies outside."""

    dates: Dates
    observed: Floats
    expected: Floats
    low: Floats
    high: Floats

    @property
    def outside(self) -> npt.NDArray[np.bool_]:
        with np.errstate(invalid="ignore"):
            return (self.observed < self.low) | (self.observed > self.high)


def band(
    dates: Dates,
    values: Floats,
    *,
    weeks: int = 8,
    k: float = 4.0,
    floor: float = 0.02,
    min_history: int = 4,
) -> Band:
    """The band for each date (sorted, one value per date; gaps allowed)."""
    if len(dates) == 0:
        empty = np.array([], dtype=np.float64)
        return Band(dates, values, empty, empty, empty)
    days = dates.astype("datetime64[D]").astype(np.int64)
    first = days[0]
    grid = np.full(days[-1] - first + 1, np.nan)
    grid[days - first] = values
    span = 7 * weeks
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: days without history
        lags = 7 * np.arange(1, weeks + 1)
        positions = np.arange(len(grid))[:, None] - lags[None, :]
        history = np.where(positions >= 0, grid[np.clip(positions, 0, None)], np.nan)
        enough = np.sum(~np.isnan(history), axis=1) >= min_history
        median = np.where(enough, np.nanmedian(history, axis=1), np.nan)
        # The spread is pooled over every day of the previous `weeks` weeks, as a share of
        # each day's own weekday median: eight values per weekday alone are too few, and a
        # share keeps quiet weekends and busy weekdays on one scale.
        relative = np.abs(grid - median) / np.abs(median)
        padded = np.r_[np.full(span, np.nan), relative]
        recent = np.lib.stride_tricks.sliding_window_view(padded, span)[:-1]
        spread = MAD_SCALE * np.nanmedian(recent, axis=1)
        own = MAD_SCALE * np.nanmedian(np.abs(history - median[:, None]), axis=1)
    share = np.fmax(np.nan_to_num(spread, nan=0.0), floor)
    width = k * np.where(median != 0, share * np.abs(median), np.nan_to_num(own, nan=0.0))
    at = days - first
    expected = median[at]
    return Band(dates, values, expected, expected - width[at], expected + width[at])
