"""Reading KPIs: aggregation into weeks, months and quarters, totals combined from dimension
values, ratios with zero denominators, and the value of one period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from northline.metrics.models import TOTAL, DataPoint, Dimension, DimensionValue, Kpi
from northline.metrics.services import latest, series, value_at
from northline.metrics.services.readings import period_bounds
from tests.conftest import Team

pytestmark = pytest.mark.django_db


def kpi(team: Team, key: str, aggregation: str = "sum", **fields: object) -> Kpi:
    return Kpi.objects.create(
        workspace=team.workspace, name=key.title(), key=key, aggregation=aggregation, **fields
    )


def points(
    k: Kpi, start: date, values: list[float], dimension: DimensionValue | None = None
) -> None:
    DataPoint.objects.bulk_create(
        DataPoint(kpi=k, date=start + timedelta(days=i), value=v, dimension_value=dimension,
                  dimension_key=dimension.pk if dimension else TOTAL)
        for i, v in enumerate(values)
    )  # fmt: skip


def test_weekly_sum_mean_and_last(team: Team) -> None:
    monday = date(2026, 3, 2)
    for aggregation, expected in (("sum", [28.0, 7.0]), ("mean", [4.0, 7.0]), ("last", [7.0, 7.0])):
        k = kpi(team, f"k-{aggregation}", aggregation)
        points(k, monday, [1, 2, 3, 4, 5, 6, 7, 7])
        found = series(k, granularity="week")
        assert [tuple(p) for p in found] == [(monday, expected[0]), (date(2026, 3, 9), expected[1])]


def test_quarters_and_range(team: Team) -> None:
    k = kpi(team, "signups")
    points(k, date(2026, 1, 1), [1.0] * 181)  # 1 Jan … 30 Jun
    found = series(k, date(2026, 2, 1), date(2026, 6, 30), granularity="quarter")
    assert [tuple(p) for p in found] == [(date(2026, 1, 1), 59.0), (date(2026, 4, 1), 91.0)]


def test_total_combines_dimension_values_when_no_total_is_stored(team: Team) -> None:
    k = kpi(team, "visits")
    platform = Dimension.objects.create(workspace=team.workspace, kpi=k, name="platform")
    ios = DimensionValue.objects.create(workspace=team.workspace, dimension=platform, value="ios")
    web = DimensionValue.objects.create(workspace=team.workspace, dimension=platform, value="web")
    points(k, date(2026, 1, 5), [1, 2], ios)
    points(k, date(2026, 1, 5), [10, 20], web)
    assert series(k).values == [11.0, 22.0]
    assert series(k, dimension=web).values == [10.0, 20.0]


def test_ratio_names_zero_denominators(team: Team) -> None:
    orders, visits = kpi(team, "orders"), kpi(team, "visits")
    rate = kpi(team, "conversion", "ratio", numerator=orders, denominator=visits)
    points(orders, date(2026, 1, 5), [1, 0, 3])
    points(visits, date(2026, 1, 5), [10, 0, 30])
    found = series(rate)
    assert found.values == [0.1, None, 0.1]
    assert found.zero_denominators == [date(2026, 1, 6)]
    assert value_at(rate, date(2026, 1, 6)) is None
    assert value_at(rate, date(2026, 1, 5), "month") == pytest.approx(4 / 40)


def test_value_at_and_latest(team: Team) -> None:
    k = kpi(team, "arr", "last", granularity="month")
    points(k, date(2026, 1, 30), [100, 110, 120, 130])  # 30 Jan … 2 Feb
    assert value_at(k, date(2026, 1, 15)) == 110.0
    assert latest(k) == (date(2026, 2, 1), 130.0)
    assert latest(kpi(team, "empty")) is None
    assert value_at(k, date(2025, 12, 1)) is None


def test_period_bounds() -> None:
    assert period_bounds(date(2026, 5, 20), "quarter") == (date(2026, 4, 1), date(2026, 6, 30))
    assert period_bounds(date(2026, 2, 10), "month") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds(date(2026, 12, 3), "week") == (date(2026, 11, 30), date(2026, 12, 6))
    assert period_bounds(date(2026, 7, 3), "year") == (date(2026, 1, 1), date(2026, 12, 31))


def test_months_from_sql_sums_agree_with_the_daily_path(team: Team) -> None:
    mean = kpi(team, "latency", "mean")
    points(mean, date(2026, 1, 30), [10, 20, 30, 40])  # Jan 30, 31, Feb 1, 2
    assert series(mean, granularity="month").values == [15.0, 35.0]
    assert series(mean, granularity="year").values == [25.0]
    assert series(mean, granularity="week").values == [20.0, 40.0]  # weeks from Mon 26 Jan, 2 Feb
    visits = kpi(team, "visits")
    platform = Dimension.objects.create(workspace=team.workspace, kpi=visits, name="platform")
    ios = DimensionValue.objects.create(workspace=team.workspace, dimension=platform, value="ios")
    web = DimensionValue.objects.create(workspace=team.workspace, dimension=platform, value="web")
    points(visits, date(2026, 3, 31), [1, 2], ios)
    points(visits, date(2026, 3, 31), [10, 20], web)
    assert [tuple(p) for p in series(visits, granularity="quarter")] == [
        (date(2026, 1, 1), 11.0), (date(2026, 4, 1), 22.0),
    ]  # fmt: skip
    assert series(visits, granularity="month", dimension=web).values == [10.0, 20.0]
