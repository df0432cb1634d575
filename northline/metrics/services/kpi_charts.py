"""What a KPI's chart shows, ready for northline.core.charts: the series over a window, the target
band, annotations, the change against the previous period and the breakdown by dimension.

The page and the public dashboard both build their charts here, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.utils.safestring import SafeString

from northline.accounts.models import Workspace
from northline.core import charts

from .. import timeseries
from ..models import TOTAL, DataPoint, DimensionValue, Kpi
from ..timeseries import Granularity
from .annotations import Note, annotations_for
from .readings import Point, Series, in_range, last_date, series

WINDOWS = {"90d": 90, "1y": 365, "2y": 730, "5y": 1826, "all": 0}
DEFAULT_WINDOW = "1y"


@dataclass(frozen=True)
class Change:
    """The last period against the one before: values and relative change (None after a zero)."""

    period: date
    value: float | None
    previous: date | None
    previous_value: float | None
    relative: float | None
    higher_is_better: bool = True

    @property
    def better(self) -> bool | None:
        """Whether the change goes the KPI's good way (None when flat or unknown)."""
        if self.relative is None or self.relative == 0:
            return None
        return (self.relative > 0) == self.higher_is_better


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    lines: list[tuple[str, list[Point]]]
    latest: list[tuple[str, float]]  # each value's last period, largest first


@dataclass
class KpiView:
    kpi: Kpi
    window: str
    start: date | None
    end: date | None
    series: Series
    notes: list[Note] = field(default_factory=list)
    change: Change | None = None
    breakdowns: list[Breakdown] = field(default_factory=list)

    def chart(self) -> SafeString:
        label = self.kpi.name + (f" ({self.kpi.unit})" if self.kpi.unit else "")
        band = target_band(self.kpi, self.series)
        return charts.line_chart(
            [(self.kpi.name, [(p.time, p.value) for p in self.series])],
            y_label=label,
            band=band,
            band_label="Target",
            annotations=[(n.date, n.text) for n in self.notes],
        )

    def breakdown_charts(self) -> list[tuple[str, SafeString, SafeString]]:
        label = self.kpi.name + (f" ({self.kpi.unit})" if self.kpi.unit else "")
        return [
            (
                b.dimension,
                charts.line_chart(
                    [(name, [(p.time, p.value) for p in points]) for name, points in b.lines],
                    y_label=f"{label} by {b.dimension}",
                ),
                charts.bar_chart(b.latest, value_label=f"{label}, last {self.series.granularity}"),
            )
            for b in self.breakdowns
        ]


def window_bounds(kpi: Kpi, window: str) -> tuple[str, date | None, date | None]:
    """The window's name (the default when unknown) and its first and last day, ending on the
    KPI's last day with data."""
    chosen = window if window in WINDOWS else DEFAULT_WINDOW
    end = last_date(kpi)
    if end is None or WINDOWS[chosen] == 0:
        return chosen, None, end
    return chosen, end - timedelta(days=WINDOWS[chosen] - 1), end


def kpi_view(
    workspace: Workspace, kpi: Kpi, window: str = DEFAULT_WINDOW, granularity: str | None = None,
    *, with_breakdowns: bool = True,
) -> KpiView:  # fmt: skip
    chosen, start, end = window_bounds(kpi, window)
    found = series(kpi, start, end, granularity)
    view = KpiView(kpi, chosen, start, end, found)
    view.notes = annotations_for(workspace, kpi, start, end) if found.points else []
    view.change = change_of(kpi, found)
    if with_breakdowns and not kpi.is_ratio:
        view.breakdowns = breakdowns(kpi, start, end, found.granularity)
    return view


def change_of(kpi: Kpi, found: Series) -> Change | None:
    points = [p for p in found if p.value is not None]
    if not points:
        return None
    last = points[-1]
    before = points[-2] if len(points) > 1 else None
    relative = None
    if before is not None and before.value:
        relative = (last.value - before.value) / abs(before.value)  # type: ignore[operator]
    return Change(
        last.time, last.value, before.time if before else None,
        before.value if before else None, relative, kpi.direction == Kpi.Direction.HIGHER,
    )  # fmt: skip


def target_band(kpi: Kpi, found: Series) -> list[tuple[date, float, float]]:
    """(period, low, high) for each charted period that lies in a target's period."""
    targets = list(kpi.targets.all())
    if not targets or not found.points:
        return []
    periods = np.array([p.time for p in found], dtype="datetime64[D]")
    band: list[tuple[date, float, float]] = []
    for target in targets:
        inside = (periods >= np.datetime64(target.start)) & (periods <= np.datetime64(target.end))
        low, high = target.value - target.tolerance, target.value + target.tolerance
        band += [(d.item(), low, high) for d in periods[inside]]
    return sorted(band)


def breakdowns(
    kpi: Kpi, start: date | None, end: date | None, granularity: Granularity
) -> list[Breakdown]:
    """Per dimension, one line per value (its points aggregated per period in NumPy) and each
    value's latest period."""
    rows = list(
        in_range(DataPoint.objects.filter(kpi=kpi).exclude(dimension_key=TOTAL), start, end)
        .order_by("dimension_key", "date")
        .values_list("dimension_key", "date", "value")
    )
    if not rows:
        return []
    keys_list, dates_list, values_list = zip(*rows, strict=True)
    keys = np.array(keys_list, dtype=np.int64)
    dates = np.array(dates_list, dtype="datetime64[D]")
    values = np.array(values_list, dtype=np.float64)
    how = kpi.aggregation if kpi.aggregation != Kpi.Aggregation.RATIO else "sum"
    names = {
        v.pk: (v.dimension.name, v.value)
        for v in DimensionValue.objects.filter(dimension__kpi=kpi).select_related("dimension")
    }
    unique, first = np.unique(keys, return_index=True)
    bounds = np.r_[first, len(keys)]
    grouped: dict[str, list[tuple[str, list[Point]]]] = {}
    for i, key in enumerate(unique.tolist()):
        lo, hi = bounds[i], bounds[i + 1]
        periods, totals = timeseries.aggregate(dates[lo:hi], values[lo:hi], granularity, how)  # type: ignore[arg-type]
        dimension, value = names[key]
        line = [Point(d, float(v)) for d, v in zip(periods.tolist(), totals.tolist(), strict=True)]
        grouped.setdefault(dimension, []).append((value, line))
    result = []
    for dimension, lines in sorted(grouped.items()):
        last_period = max(line[-1].time for _, line in lines)
        latest = sorted(
            ((name, line[-1].value or 0.0) for name, line in lines if line[-1].time == last_period),
            key=lambda item: -item[1],
        )
        result.append(Breakdown(dimension, sorted(lines), latest))
    return result
