"""Configuration and database sanity checks, shared by `northline check` and /healthz."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Result:
    name: str
    level: Level
    detail: str


def data_dir() -> Result:
    path = settings.DATA_DIR
    if not path.is_dir() or not os.access(path, os.W_OK):
        return Result("data directory", "fail", f"{path} is missing or not writable")
    return Result("data directory", "ok", str(path))


def database() -> Result:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return Result("database", "fail", f"{connection.vendor}: {error}")
    return Result("database", "ok", f"{connection.vendor} {connection.settings_dict['NAME']}")


def migrations() -> Result:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return Result("migrations", "fail", f"{len(plan)} not applied: run `northline migrate`")
    return Result("migrations", "ok", "all applied")


def sqlite_pragmas() -> Result:
    if connection.is_in_memory_db():  # type: ignore[attr-defined]
        return Result("sqlite pragmas", "ok", "in-memory database (tests)")
    with connection.cursor() as cursor:
        values = {}
        for pragma in ("journal_mode", "foreign_keys", "busy_timeout"):
            cursor.execute(f"PRAGMA {pragma}")
            values[pragma] = str(cursor.fetchone()[0])
    detail = ", ".join(f"{k}={v}" for k, v in values.items())
    good = values["journal_mode"] == "wal" and values["foreign_keys"] == "1"
    return Result("sqlite pragmas", "ok" if good else "fail", detail)


def task_queue() -> Result:
    from django_tasks_db.models import DBTaskResult

    stale = DBTaskResult.objects.filter(
        status="READY", enqueued_at__lt=timezone.now() - timedelta(minutes=10)
    ).count()
    if stale:
        return Result("task queue", "warn", f"{stale} tasks waiting >10 min: is a worker running?")
    return Result("task queue", "ok", "no stale tasks")


def security() -> Result:
    if settings.DEBUG:
        return Result("debug", "warn", "NORTHLINE_DEBUG is on: never in production")
    return Result("debug", "ok", "off")


def run_checks() -> list[Result]:
    results = [data_dir(), security(), database()]
    if results[-1].level == "fail":
        return results
    results.append(migrations())
    if connection.vendor == "sqlite":
        results.append(sqlite_pragmas())
    if results[3].level == "ok":
        results.append(task_queue())
    return results
