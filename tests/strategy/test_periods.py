"""OKR periods: parsing, bounds and neighbours."""

from __future__ import annotations

from datetime import date

import pytest

from northline.core.errors import Invalid
from northline.strategy import periods


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026-Q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026q1", "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2024 Q1", "2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2026-H1", "2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-H2", "2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2027", "2027", date(2027, 1, 1), date(2027, 12, 31)),
    ],
)
def test_parse(text: str, label: str, start: date, end: date) -> None:
    period = periods.parse(text)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize("text", ["", "Q4", "2026-Q5", "2026-H3", "26-Q1", "next quarter"])
def test_bad_periods_name_the_value(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        periods.parse(text)
    assert caught.value.message == f"period: {text!r} is not a period like 2026-Q4, 2026-H2 or 2026"


def test_neighbours() -> None:
    q1 = periods.parse("2026-Q1")
    assert periods.previous(q1).label == "2025-Q4"
    assert periods.following(q1).label == "2026-Q2"
    assert periods.following(periods.parse("2026-H2")).label == "2027-H1"
    assert periods.previous(periods.parse("2026")).label == "2025"
    assert periods.quarter_of(date(2026, 12, 1)).label == "2026-Q4"
