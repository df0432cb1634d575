"""CSV upload of a KPI's points: `date,value` and optionally a third column named after a
dimension (`date,value,platform`). The whole file is checked before anything is stored, and a
dry run stops there. Dates may be in one of several formats, but in one format per file: a file
that mixes them (or whose dates fit two formats, 03/04/2026) is refused with the row named.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from django.utils import timezone

from northline.core.access import Access
from northline.core.errors import Invalid
from northline.core.roles import WRITE

from ..models import Kpi
from .points import Clean, Problems, Stored, dimension_of, number, store, writable

MAX_BYTES = 20 * 1024 * 1024
DATE_FORMATS = {
    "%Y-%m-%d": "YYYY-MM-DD",
    "%d/%m/%Y": "DD/MM/YYYY",
    "%m/%d/%Y": "MM/DD/YYYY",
    "%d.%m.%Y": "DD.MM.YYYY",
    "%Y/%m/%d": "YYYY/MM/DD",
}


def _fits(text: str, pattern: str) -> bool:
    try:
        datetime.strptime(text, pattern)
    except ValueError:
        return False
    return True


def date_format(cells: list[tuple[int, str]], chosen: str = "") -> str:
    """The one format all the date cells (row number, text) are written in."""
    if chosen:
        if chosen not in DATE_FORMATS.values():
            raise Invalid(
                f"date_format: {chosen!r} is not one of {', '.join(DATE_FORMATS.values())}"
            )
        pattern = next(p for p, name in DATE_FORMATS.items() if name == chosen)
        for row, text in cells:
            if not _fits(text, pattern):
                raise Invalid(f"row {row}: date {text!r} is not in the format {chosen}")
        return pattern
    candidates = list(DATE_FORMATS)
    first: tuple[int, str] | None = None
    for row, text in cells:
        fitting = [p for p in candidates if _fits(text, p)]
        if not fitting:
            if first is None or not any(_fits(text, p) for p in DATE_FORMATS):
                raise Invalid(f"row {row}: date {text!r} is not a date (use YYYY-MM-DD)")
            shown = " or ".join(DATE_FORMATS[p] for p in candidates)
            raise Invalid(
                f"row {row}: date {text!r} is in another format than row {first[0]} "
                f"({first[1]!r}, {shown}); use one date format in a file"
            )
        first = first or (row, text)
        candidates = fitting
    if len(candidates) > 1:
        shown = " and ".join(DATE_FORMATS[p] for p in candidates)
        raise Invalid(f"date_format: the dates fit both {shown}; choose the date format")
    return candidates[0]


def read(access: Access, kpi: Kpi, content: bytes, *, chosen_format: str = "") -> list[Clean]:
    """The file's points, checked; Invalid naming each bad row (header = row 1)."""
    writable(kpi, "kpi")
    if len(content) > MAX_BYTES:
        raise Invalid(f"file: larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Invalid(f"file: not UTF-8 text (byte {error.start})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["date", "value"]:
        raise Invalid(
            "file: the first row must be the header date,value (optionally a dimension column)"
        )
    header = [c.strip().lower() for c in rows[0]]
    if len(header) > 3:
        raise Invalid(f"file: at most one dimension column, got {', '.join(header[2:])}")
    dimension = header[2] if len(header) == 3 else ""
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        raise Invalid("file: no data rows below the header")
    problems = Problems()
    short = [n for n, r in body if len(r) < 2 or len(r) > len(header)]
    for n in short:
        problems.add(f"row {n}: expected {len(header)} columns, got {len(rows[n - 1])}")
    problems.raise_any("row")
    pattern = date_format([(n, r[0].strip()) for n, r in body], chosen_format)
    today = timezone.localdate()
    clean: list[Clean] = []
    seen: dict[tuple[date, tuple[str, str] | None], int] = {}
    for n, cells in body:
        when = datetime.strptime(cells[0].strip(), pattern).date()
        try:
            if when > today:
                raise Invalid(
                    f"row {n}: date {when.isoformat()} is in the future (today is {today.isoformat()})"
                )
            value = number(cells[1], f"row {n}: value")
            if value is None:
                raise Invalid(f"row {n}: value is empty")
            dim = (
                dimension_of({dimension: cells[2]}, f"row {n}: {dimension}")
                if dimension and len(cells) > 2 and cells[2].strip()
                else None
            )
        except Invalid as error:
            for message in error.errors:
                problems.add(message)
            continue
        key = (when, dim)
        if key in seen:
            problems.add(
                f"row {n}: date {when.isoformat()} is already in row {seen[key]}; each date once{' per ' + dimension if dim else ''}"
            )
            continue
        seen[key] = n
        clean.append(Clean(kpi, when, value, dim))
    problems.raise_any("row")
    return clean


def upload(
    access: Access, kpi: Kpi, content: bytes, *, dry_run: bool = False, chosen_format: str = ""
) -> Stored:
    access.require(WRITE)
    return store(
        access, read(access, kpi, content, chosen_format=chosen_format), dry_run=dry_run, via="csv"
    )
