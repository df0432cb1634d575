"""OKR periods: a quarter ("2026-Q4"), a half ("2026-H2") or a year ("2026"), with the dates
they span. Pure: no Django."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from northline.core.errors import Invalid

Kind = Literal["quarter", "half", "year"]
PATTERN = re.compile(r"^(\d{4})(?:-?(Q[1-4]|H[12]))?$")


@dataclass(frozen=True)
class Period:
    label: str
    kind: Kind
    start: date
    end: date  # the last day, inclusive

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _last_day(year: int, month: int) -> date:
    """The last day of `month` (1-12) of `year`."""
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def parse(value: str, field: str = "period") -> Period:
    """ "2026-Q4", "2026q4", "2026-H2" or "2026" → the period; Invalid names the bad value."""
    text = (value or "").strip().upper().replace(" ", "-")
    match = PATTERN.match(text)
    if match is None or not 1900 <= int(match.group(1)) <= 2999:
        raise Invalid(f"{field}: {value!r} is not a period like 2026-Q4, 2026-H2 or 2026")
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        return Period(str(year), "year", date(year, 1, 1), date(year, 12, 31))
    number = int(part[1])
    months = 3 if part[0] == "Q" else 6
    first = (number - 1) * months + 1
    kind: Kind = "quarter" if part[0] == "Q" else "half"
    return Period(f"{year}-{part}", kind, date(year, first, 1), _last_day(year, first + months - 1))


def quarter_of(day: date) -> Period:
    return parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def previous(period: Period) -> Period:
    """The period of the same kind just before `period`."""
    return around(period, period.start - timedelta(days=1))


def following(period: Period) -> Period:
    """The period of the same kind just after `period`."""
    return around(period, period.end + timedelta(days=1))


def around(period: Period, day: date) -> Period:
    """The period of `period`'s kind that holds `day`."""
    if period.kind == "year":
        return parse(str(day.year))
    if period.kind == "half":
        return parse(f"{day.year}-H{1 if day.month <= 6 else 2}")
    return quarter_of(day)
