"""What a KPI's chart shows, ready for northline.core.charts: the series over a window, the target
band, annotations, the change against the previous period and the breakdown by dimension.

The page and the public dashboard both build their charts here, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast

import numpy as np
from django.utils.safestring import SafeString

from northline.accounts.models import Workspace
from northline.core import charts

from .. import timeseries
from ..models import TOTAL, Alert, DataPoint, DimensionValue, Kpi
from ..timeseries import GRANULARITIES, Dates, Floats, Granularity
from .annotations import Note, annotations_for
from .readings import DAY_TEXT, Point, Series, in_range, last_date, monthly, raw_rows, series

TOP_VALUES = 7
MAX_BREAKDOWN_PERIODS = 120
PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 30.44, "quarter": 91.31, "year": 365.25}
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
    granularity: Granularity
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
                    y_label=f"{label} by {b.dimension}, per {b.granularity}",
                ),
                charts.bar_chart(b.latest, value_label=f"{label}, last {b.granularity}"),
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
    view.notes += anomaly_notes(kpi, start, end) if found.points else []
    view.notes.sort(key=lambda n: (n.date, n.kind, n.text))
    view.change = change_of(kpi, found)
    if with_breakdowns and not kpi.is_ratio:
        span = (found.points[-1].time - found.points[0].time).days if found.points else 0
        view.breakdowns = breakdowns(kpi, start, end, coarse_enough(found.granularity, span))
    return view


def anomaly_notes(kpi: Kpi, start: date | None, end: date | None) -> list[Note]:
    """Open and acknowledged alerts as marks on the chart."""
    rows = Alert.objects.filter(kpi=kpi).exclude(status=Alert.Status.RESOLVED)
    if start:
        rows = rows.filter(date__gte=start)
    if end:
        rows = rows.filter(date__lte=end)
    return [
        Note(a.date, f"Anomaly: {a.observed:g}, expected {a.low:.4g}–{a.high:.4g}", "anomaly")
        for a in rows[:50]
    ]


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


def coarse_enough(granularity: Granularity, span_days: int) -> Granularity:
    """The granularity, or a coarser one, that puts at most MAX_BREAKDOWN_PERIODS periods in
    `span_days`: eight lines of 500 weekly points each are unreadable (and slow to draw)."""
    coarser = GRANULARITIES[GRANULARITIES.index(granularity) :]
    return next(
        (g for g in coarser if span_days / PERIOD_DAYS[g] <= MAX_BREAKDOWN_PERIODS), coarser[-1]
    )


def breakdowns(
    kpi: Kpi, start: date | None, end: date | None, granularity: Granularity
) -> list[Breakdown]:
    """Per dimension, one line per value (its points aggregated per period in NumPy) and each
    value's latest period. Beyond TOP_VALUES values, the smaller ones are summed as "Other"
    (a chart has eight colours, and twenty lines read as noise)."""
    points = in_range(DataPoint.objects.filter(kpi=kpi).exclude(dimension_key=TOTAL), start, end)
    how = cast(
        timeseries.How, kpi.aggregation if kpi.aggregation != Kpi.Aggregation.RATIO else "sum"
    )
    names = {
        v.pk: (v.dimension.name, v.value)
        for v in DimensionValue.objects.filter(dimension__kpi=kpi).select_related("dimension")
    }
    grouped: dict[str, list[tuple[str, Dates, Floats]]] = {}
    if granularity in ("month", "quarter", "year") and how != "last":
        keys, months, sums, counts = monthly(points, by_dimension=True)
        for key, lo, hi in _runs(keys):
            periods, totals = timeseries.fold(
                months[lo:hi], sums[lo:hi], counts[lo:hi], granularity, how
            )
            dimension, value = names[key]
            grouped.setdefault(dimension, []).append((value, periods, totals))
    else:
        ordered = points.annotate(day=DAY_TEXT).order_by("dimension_key", "date")
        rows = raw_rows(ordered.values_list("dimension_key", "day", "value"))
        if rows:
            keys_list, dates_list, values_list = zip(*rows, strict=True)
            keys = np.array(keys_list, dtype=np.int64)
            dates = np.array(dates_list, dtype="datetime64[D]")
            values = np.array(values_list, dtype=np.float64)
            for key, lo, hi in _runs(keys):
                periods, totals = timeseries.aggregate(
                    dates[lo:hi], values[lo:hi], granularity, how
                )
                dimension, value = names[key]
                grouped.setdefault(dimension, []).append((value, periods, totals))
    return [
        _breakdown(dimension, granularity, lines, how)
        for dimension, lines in sorted(grouped.items())
    ]


def _runs(keys: np.ndarray) -> list[tuple[int, int, int]]:
    """(key, first, end) of each run of equal keys in sorted `keys`."""
    if len(keys) == 0:
        return []
    unique, first = np.unique(keys, return_index=True)
    ends = np.r_[first[1:], len(keys)]
    return list(zip(unique.tolist(), first.tolist(), ends.tolist(), strict=True))


def _breakdown(
    dimension: str, granularity: Granularity, lines: list[tuple[str, Dates, Floats]], how: str
) -> Breakdown:
    last_period = max(periods[-1] for _, periods, _ in lines)
    latest = sorted(
        (
            (name, float(totals[-1]))
            for name, periods, totals in lines
            if periods[-1] == last_period
        ),
        key=lambda item: (-item[1], item[0]),
    )
    rank = {name: i for i, (name, _) in enumerate(latest)}
    lines.sort(key=lambda line: (rank.get(line[0], len(rank)), line[0]))
    shown, rest = lines[:TOP_VALUES], lines[TOP_VALUES:]
    if rest and how != "mean":
        periods = np.unique(np.concatenate([p for _, p, _ in rest]))
        summed = np.zeros(len(periods))
        for _, p, totals in rest:
            summed[np.searchsorted(periods, p)] += totals
        shown.append((f"Other ({len(rest)})", periods, summed))
    charted = [
        (name, [Point(d, float(v)) for d, v in zip(p.tolist(), t.tolist(), strict=True)])
        for name, p, t in shown
    ]
    return Breakdown(dimension, granularity, charted, latest)
