"""SQL sources: a KPI fed by a query on a schedule. Admins set them up (the URL reaches another
database, perhaps with a password); `refresh` runs one, `refresh_due` runs every source whose
time has come (the `northline metrics refresh` command and the worker call it).

Each run is logged as a SqlRefresh with rows read, points stored, duration and error. A failure
schedules the next try after BASE_BACKOFF · 2^(failures−1), at most MAX_BACKOFF, and reports the
failure in the activity feed; the source keeps being retried until it succeeds or is disabled.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Invalid
from northline.core.roles import MANAGE
from northline.insights.services import fields as check
from northline.insights.services.fields import Errors

from .. import sql_runner
from ..models import Kpi, SqlRefresh, SqlSource
from .points import Clean, writable, write

BASE_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
MAX_TIMEOUT = 300.0
_PASSWORD = re.compile(r"(://[^:/@]+:)[^@]+@")


def masked(url: str) -> str:
    """The URL with its password replaced by ***."""
    return _PASSWORD.sub(r"\1***@", url)


def backoff(failures: int) -> timedelta:
    """The wait before the next try after `failures` failures in a row."""
    return min(BASE_BACKOFF * 2 ** max(failures - 1, 0), MAX_BACKOFF)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    errors = Errors()
    values: dict[str, Any] = {}
    if "url" in fields:
        url = errors.check(check.text, fields["url"], "url", 1000, required=True)
        if url and "://" not in url:
            errors.messages.append(f"url: not a database URL like duckdb:///data.duckdb ({url!r})")
        values["url"] = url
    if "query" in fields:
        try:
            values["query"] = sql_runner.check_statement(str(fields["query"] or ""))
        except sql_runner.SourceError as error:
            errors.messages.append(str(error))
    if "interval_minutes" in fields:
        values["interval_minutes"] = errors.check(
            check.whole, fields["interval_minutes"], "interval_minutes", 1, 60 * 24 * 31
        )
    if "timeout_seconds" in fields:
        timeout = fields["timeout_seconds"]
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float, str)):
            errors.messages.append(f"timeout_seconds: must be a number, got {timeout!r}")
        else:
            try:
                seconds = float(timeout)
            except ValueError:
                seconds = -1.0
            if not 0.1 <= seconds <= MAX_TIMEOUT:
                errors.messages.append(
                    f"timeout_seconds: must be between 0.1 and {MAX_TIMEOUT:g}, got {timeout!r}"
                )
            values["timeout_seconds"] = seconds
    if "enabled" in fields:
        values["enabled"] = bool(fields["enabled"])
    errors.raise_any()
    return {k: v for k, v in values.items() if v is not None}


def save_source(access: Access, kpi: Kpi, **fields: Any) -> SqlSource:
    """Create or change the KPI's SQL source; it runs next at once."""
    access.require(MANAGE)
    writable(kpi, "kpi")
    source = SqlSource.objects.filter(kpi=kpi).first()
    if source is None and not {"url", "query"} <= set(fields):
        raise Invalid(*(f"{f}: is required" for f in ("url", "query") if f not in fields))
    values = _clean(fields)
    with transaction.atomic():
        if source is None:
            source = SqlSource(workspace=access.workspace, kpi=kpi, created_by=access.user)
        for name, value in values.items():
            setattr(source, name, value)
        source.next_run_at = timezone.now()
        source.failures = 0
        source.save()
        changes = {k: (masked(v) if k == "url" else v) for k, v in values.items()}
        activity.record(access.workspace, access.user, "sql_source.saved", kpi, changes)
    return source


def delete_source(access: Access, source: SqlSource) -> None:
    access.require(MANAGE)
    with transaction.atomic():
        activity.record(access.workspace, access.user, "sql_source.deleted", source.kpi)
        source.delete()


def refresh(source: SqlSource, now: datetime | None = None) -> SqlRefresh:
    """Run the source once: store its rows (all or nothing), log the run, schedule the next."""
    started = now or timezone.now()
    attempt = source.failures + 1
    stored, rows_read, error, seconds = 0, 0, "", 0.0
    try:
        fetched = sql_runner.run(source.url, source.query, timeout=source.timeout_seconds)
        rows_read, seconds = fetched.rows_read, fetched.seconds
        points = _points(source, fetched.rows, timezone.localdate())
        stored = write(source.workspace, None, points, via="sql").points
    except (sql_runner.SourceError, Invalid) as problem:
        error = (
            str(problem)
            if isinstance(problem, sql_runner.SourceError)
            else "; ".join(problem.errors)
        )
        seconds = seconds or (timezone.now() - started).total_seconds()
    failed = bool(error)
    source.failures = source.failures + 1 if failed else 0
    wait = backoff(source.failures) if failed else timedelta(minutes=source.interval_minutes)
    source.next_run_at = started + wait
    with transaction.atomic():
        source.save(update_fields=["failures", "next_run_at", "updated_at"])
        run = SqlRefresh.objects.create(
            source=source, started_at=started, duration_ms=int(seconds * 1000),
            rows_read=rows_read, points_stored=stored, attempt=attempt,
            status=SqlRefresh.Status.FAILED if failed else SqlRefresh.Status.SUCCEEDED,
            error=error[:500], next_run_at=source.next_run_at,
        )  # fmt: skip
        if failed:
            activity.record(
                source.workspace, None, "sql_source.failed", source.kpi,
                {"error": error[:300], "attempt": attempt,
                 "next_try": source.next_run_at.isoformat()},
            )  # fmt: skip
    return run


def _points(
    source: SqlSource, rows: list[tuple[Any, float, str | None]], today: Any
) -> list[Clean]:
    """The rows as checked points: none in the future, each (date, dimension) once."""
    seen: dict[tuple[Any, str | None], int] = {}
    name = source.kpi.dimensions.values_list("name", flat=True).first() or "segment"
    clean: list[Clean] = []
    for number, (when, value, dimension) in enumerate(rows, start=1):
        if when > today:
            raise sql_runner.SourceError(
                f"row {number}: {when.isoformat()} is in the future (today is {today.isoformat()})"
            )
        key = (when, dimension)
        if key in seen:
            raise sql_runner.SourceError(
                f"row {number}: {when.isoformat()}{' ' + dimension if dimension else ''} is already in row {seen[key]}; "
                "return each date once (GROUP BY the date)"
            )
        seen[key] = number
        clean.append(Clean(source.kpi, when, value, (name, dimension) if dimension else None))
    return clean


def due(now: datetime | None = None) -> QuerySet[SqlSource]:
    moment = now or timezone.now()
    return (
        SqlSource.objects.filter(enabled=True)
        .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=moment))
        .select_related("kpi", "workspace")
        .order_by("next_run_at", "id")
    )


def refresh_due(now: datetime | None = None) -> list[SqlRefresh]:
    """Run every source that is due, oldest first."""
    return [refresh(source, now) for source in due(now)]


def sources(access: Access) -> QuerySet[SqlSource]:
    return SqlSource.objects.filter(workspace=access.workspace).select_related("kpi")
