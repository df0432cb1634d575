"""Data in: points pushed through the API (one or a batch), typed on the KPI page, or read from a
CSV file. Every path ends in `store`, which is all-or-nothing and idempotent: a point is keyed by
(KPI, dimension value, date), so sending it again replaces its value instead of adding a row.

Input is checked item by item before anything is written, and each message names the item,
the field and the bad value ("points[3].value: must be a number, got 'abc'").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from northline.accounts.models import User, Workspace
from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Invalid
from northline.core.roles import WRITE

from ..models import TOTAL, DataPoint, Dimension, DimensionValue, Kpi

MAX_BATCH = 100_000
MAX_ERRORS = 20  # more problems than this: the first ones are named, then a count
CHUNK = 2_000  # rows per INSERT statement (SQLite allows 32,766 parameters)
ITEM_FIELDS = {"kpi", "date", "value", "dimension"}


class Clean(NamedTuple):
    """A checked point, its dimension still by name: (KPI, date, value, (name, value) or None).
    A NamedTuple, not a dataclass: a batch makes 100,000 of them."""

    kpi: Kpi
    date: date
    value: float
    dimension: tuple[str, str] | None


@dataclass(frozen=True)
class Stored:
    points: int
    kpis: list[str]
    dry_run: bool = False
    dates: tuple[date, date] | None = None  # first and last date written


def number(value: Any, field: str) -> float | None:
    """A finite number from a JSON number or numeric text; None for empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Invalid(f"{field}: must be a number, got {value!r}")
    if isinstance(value, str):
        try:
            parsed = float(value.strip().replace(",", "").replace("_", ""))
        except ValueError:
            raise Invalid(f"{field}: must be a number, got {value!r}") from None
    else:
        parsed = float(value)
    if not math.isfinite(parsed) or abs(parsed) > 1e300:
        raise Invalid(f"{field}: must be a finite number, got {value!r}")
    return parsed


def day(value: Any, field: str, today: date) -> date:
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(f"{field}: must be a date like 2026-01-31, got {value!r}") from None
    else:
        raise Invalid(f"{field}: must be a date like 2026-01-31, got {value!r}")
    if parsed > today:
        raise Invalid(
            f"{field}: {parsed.isoformat()} is in the future (today is {today.isoformat()})"
        )
    return parsed


def dimension_of(value: Any, field: str) -> tuple[str, str] | None:
    """{"platform": "ios"}: one dimension name and its value; None or {} for the total."""
    if value is None or value == {}:
        return None
    if not isinstance(value, Mapping) or len(value) != 1:
        raise Invalid(
            f'{field}: must be one name and value like {{"platform": "ios"}}, got {value!r}'
        )
    ((name, item),) = value.items()
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 80:
        raise Invalid(f"{field}: the name must be text of 1 to 80 characters, got {name!r}")
    if not isinstance(item, (str, int)) or isinstance(item, bool) or not str(item).strip():
        raise Invalid(f"{field}.{name}: must be text, got {item!r}")
    if len(str(item).strip()) > 120:
        raise Invalid(f"{field}.{name}: must be at most 120 characters, got {len(str(item))}")
    return name.strip().lower(), str(item).strip()


class Problems:
    """The first MAX_ERRORS problems of an input, then how many more there were."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.more = 0

    def add(self, message: str) -> None:
        if len(self.messages) < MAX_ERRORS:
            self.messages.append(message)
        else:
            self.more += 1

    def raise_any(self, noun: str = "point") -> None:
        if self.messages:
            extra = [f"… and {self.more} more problems; nothing was stored"] if self.more else []
            raise Invalid(*self.messages, *extra, message=self._summary(noun))

    def _summary(self, noun: str) -> str:
        count = len(self.messages) + self.more
        if count == 1:
            return self.messages[0]
        return f"{count} problems in the {noun}s; nothing was stored"


def writable(kpi: Kpi, field: str) -> None:
    if kpi.is_ratio:
        parts = f"{kpi.numerator.key if kpi.numerator else '?'} / {kpi.denominator.key if kpi.denominator else '?'}"
        raise Invalid(f"{field}: {kpi.key!r} is a ratio ({parts}); send points to its parts")


def check_points(
    access: Access, items: Sequence[Any], kpi: Kpi | None = None, prefix: str = "points"
) -> list[Clean]:
    """Every item checked, or Invalid naming the bad items; duplicates inside the input (same
    KPI, dimension value and date) are refused, since which one should win is unclear."""
    if len(items) > MAX_BATCH:
        raise Invalid(f"{prefix}: at most {MAX_BATCH} points in one request, got {len(items)}")
    if not items:
        raise Invalid(f"{prefix}: send at least one point")
    today = timezone.localdate()
    by_key = (
        {k.key: k for k in Kpi.objects.filter(workspace=access.workspace)} if kpi is None else {}
    )
    problems = Problems()
    clean: list[Clean] = []
    seen: dict[tuple[int, tuple[str, str] | None, date], int] = {}
    # A batch repeats the same few dates and dimension values many times: each distinct text
    # is checked once (the cache keeps only good values, so every bad item is still named).
    dates: dict[str, date] = {}
    dimensions: dict[tuple[Any, Any], tuple[str, str]] = {}
    for index, item in enumerate(items):
        # The fast path takes good items whose KPI, date and dimension were seen before;
        # anything else goes through the full checks, which name the item and field.
        if type(item) is dict and len(item.keys() - ITEM_FIELDS) == 0:
            target = kpi or by_key.get(item.get("kpi"))  # type: ignore[arg-type]
            when = dates.get(item.get("date"))  # type: ignore[arg-type]
            raw = item.get("value")
            dim = item.get("dimension")
            dim_key = None if dim is None else _dim_key(dim)
            dimension = None if dim_key is None else dimensions.get(dim_key)
            if (
                target is not None and not target.is_ratio and when is not None
                and type(raw) in (int, float) and math.isfinite(raw)  # type: ignore[arg-type]
                and (dim is None or dimension is not None)
            ):  # fmt: skip
                key = (target.pk, dimension, when)
                if key not in seen:
                    seen[key] = index
                    clean.append(Clean(target, when, float(raw), dimension))  # type: ignore[arg-type]
                    continue
        found = _checked(
            item, f"{prefix}[{index}]", kpi, by_key, today, problems, dates, dimensions
        )
        if found is None:
            continue
        key = (found.kpi.pk, found.dimension, found.date)
        if key in seen:
            problems.add(
                f"{prefix}[{index}].date: {found.date.isoformat()} is already in {prefix}[{seen[key]}] "
                f"for the same KPI{' and dimension' if found.dimension else ''}; send each date once"
            )
            continue
        seen[key] = index
        clean.append(found)
    problems.raise_any()
    return clean


def _dim_key(value: Any) -> tuple[Any, Any] | None:
    """{"platform": "ios"} → ("platform", "ios"), the cache key of a dimension as sent."""
    if type(value) is dict and len(value) == 1:
        ((name, item),) = value.items()
        if type(name) is str and type(item) in (str, int):
            return name, item
    return None


def _checked(
    item: Any, where: str, kpi: Kpi | None, by_key: dict[str, Kpi], today: date,
    problems: Problems, dates: dict[str, date], dimensions: dict[tuple[Any, Any], tuple[str, str]],
) -> Clean | None:  # fmt: skip
    """One item through every check (its problems added), remembering good dates and
    dimensions for the fast path."""
    if not isinstance(item, Mapping):
        problems.add(f"{where}: must be an object with date and value, got {item!r}")
        return None
    extra = set(item) - ITEM_FIELDS
    if extra:
        problems.add(f"{where}: unknown field {', '.join(sorted(map(str, extra)))}")
        return None
    try:
        target = kpi or _kpi_of(by_key, item.get("kpi"), f"{where}.kpi")
        when = day(item.get("date"), f"{where}.date", today)
        value = number(item.get("value"), f"{where}.value")
        if value is None:
            raise Invalid(f"{where}.value: is required")
        dimension = dimension_of(item.get("dimension"), f"{where}.dimension")
    except Invalid as error:
        for message in error.errors:
            problems.add(message)
        return None
    if isinstance(item.get("date"), str):
        dates[item["date"]] = when
    cache_key = _dim_key(item.get("dimension"))
    if cache_key is not None and dimension is not None:
        dimensions[cache_key] = dimension
    return Clean(target, when, value, dimension)


def _kpi_of(by_key: dict[str, Kpi], key: Any, field: str) -> Kpi:
    if not isinstance(key, str) or not key:
        raise Invalid(f"{field}: is required (a KPI key), got {key!r}")
    found = by_key.get(key)
    if found is None:
        raise Invalid(f"{field}: no KPI with the key {key!r}")
    writable(found, field)
    return found


def store(
    access: Access, points: Sequence[Clean], *, dry_run: bool = False, via: str = "api"
) -> Stored:
    """Write checked points in one transaction (upsert by KPI, dimension value and date)."""
    access.require(WRITE)
    return write(access.workspace, access.user, points, dry_run=dry_run, via=via)


def write(
    workspace: Workspace, user: User | None, points: Sequence[Clean], *, dry_run: bool = False,
    via: str = "api",
) -> Stored:  # fmt: skip
    """`store` for a caller already allowed to write: a person, or a scheduled SQL refresh
    (`user` None). Queues the anomaly check of the KPIs once the data is committed."""
    kpis = {p.kpi.pk: p.kpi for p in points}
    for kpi in kpis.values():
        writable(kpi, "kpi")
    dates = (min(p.date for p in points), max(p.date for p in points)) if points else None
    names = sorted(k.key for k in kpis.values())
    if dry_run or not points:
        return Stored(len(points), names, dry_run, dates)
    with transaction.atomic():
        values = _dimension_values(workspace, points)
        upsert(points, values)
        counts = Counter(p.kpi.pk for p in points)
        for kpi in kpis.values():
            activity.record(
                workspace, user, "kpi.points_stored", kpi, {"points": counts[kpi.pk], "via": via}
            )
    from ..tasks import after_ingest

    transaction.on_commit(lambda: after_ingest(list(kpis)))
    return Stored(len(points), names, False, dates)


UPSERT = (
    "INSERT INTO {table} (kpi_id, date, value, dimension_value_id, dimension_key) "
    "VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (kpi_id, dimension_key, date) DO UPDATE SET value = excluded.value"
)


def upsert(points: Sequence[Clean], values: Mapping[tuple[int, str, str], int]) -> None:
    """The rows written with one prepared INSERT … ON CONFLICT (SQLite ≥ 3.24 and PostgreSQL
    both speak it) run over all rows: the ORM's bulk_create spends ~100 µs per row building
    model objects and SQL, which kept the push API under 10,000 points/s."""
    adapt = connection.ops.adapt_datefield_value
    days = {d: adapt(d) for d in {p.date for p in points}}
    rows = []
    for p in points:
        dim = values[(p.kpi.pk, *p.dimension)] if p.dimension else None
        rows.append((p.kpi.pk, days[p.date], p.value, dim, dim or TOTAL))
    sql = UPSERT.format(table=connection.ops.quote_name(DataPoint._meta.db_table))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[start : start + CHUNK])


def _dimension_values(
    workspace: Workspace, points: Iterable[Clean]
) -> dict[tuple[int, str, str], int]:
    """The ids of the (KPI, name, value) dimension values the points use, made when new."""
    wanted = {(p.kpi.pk, *p.dimension) for p in points if p.dimension}
    if not wanted:
        return {}
    kpi_ids = {kpi_id for kpi_id, _, _ in wanted}
    names = {(kpi_id, name) for kpi_id, name, _ in wanted}
    Dimension.objects.bulk_create(
        [Dimension(workspace=workspace, kpi_id=k, name=n) for k, n in sorted(names)],
        ignore_conflicts=True,
    )
    dimensions = {(d.kpi_id, d.name): d.pk for d in Dimension.objects.filter(kpi_id__in=kpi_ids)}
    DimensionValue.objects.bulk_create(
        [
            DimensionValue(workspace=workspace, dimension_id=dimensions[(k, n)], value=v)
            for k, n, v in sorted(wanted)
        ],
        ignore_conflicts=True,
    )
    found = DimensionValue.objects.filter(dimension_id__in=dimensions.values()).values_list(
        "dimension__kpi_id", "dimension__name", "value", "pk"
    )
    return {(k, n, v): pk for k, n, v, pk in found}


def push(
    access: Access,
    items: Sequence[Any],
    kpi: Kpi | None = None,
    *,
    dry_run: bool = False,
    via: str = "api",
) -> Stored:
    """Check then store: the push API (`kpi` given for one KPI's endpoint) and manual entry."""
    access.require(WRITE)
    if kpi is not None:
        writable(kpi, "kpi")
    return store(access, check_points(access, items, kpi), dry_run=dry_run, via=via)
