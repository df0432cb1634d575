"""Bulk writes of feedback, a statement per row against one staged statement per batch
(decision 0049), on the database of NORTHLINE_DATABASE_URL (a throw-away SQLite file when it is
not set; for PostgreSQL a throw-away database on this machine, which the bench migrates and
leaves its rows in, so that its backend's CPU can be read).

Rounds of --rows rows in batches of 2,000: the import's insert (`rows.insert_rows` against
`bulk_insert.insert_feedback`) and processing's results UPDATE of type and sentiment
(`rows.update_rows` against `bulk_insert.update_feedback`, which on PostgreSQL is the per-row
path itself). Prints wall, this process's CPU and, on PostgreSQL, the server backend's CPU of
each, and checks the tally against the rows.

    NORTHLINE_DATABASE_URL=postgres://... python bench/bulk_writes_bench.py [--rows 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django_bench

BATCH = 2000
NAMES = ["workspace_id", "created_at", "updated_at", "received_at", "title", "text", "source",
         "status", "kind", "sentiment", "external_id"]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    django_bench.start(prefix="northline-bulk-writes-")
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.processing_bench import texts
    from northline.accounts.models import User
    from northline.accounts.services import create_workspace
    from northline.insights.models import Feedback
    from northline.insights.services import bulk_insert, rows

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user(f"bench{random.random()}@example.com", "x" * 12)
    workspace = create_workspace(owner, "Bulk writes")
    server = _server_cpu(connection)
    body = texts(args.rows, 7)

    def measured(label: str, write: Callable[[int], None]) -> None:
        wall, cpu, backend = time.perf_counter(), time.process_time(), server()
        for at in range(0, args.rows, BATCH):
            with transaction.atomic():
                write(at)
        figures = f"{time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU"
        if connection.vendor == "postgresql":
            figures += f", server {server() - backend:.2f} s CPU"
        print(f"{label}: {args.rows:,} rows, {figures}; load {os.getloadavg()[0]:.1f}", flush=True)

    for round_ in range(args.rounds):
        for way, insert in (("a statement per row", rows.insert_rows), ("staged", None)):
            now = timezone.now()
            batch = [
                (workspace.pk, now, now, now, "", text, "import", "new", "", "", f"{way}-{round_}-{i}")
                for i, text in enumerate(body)
            ]  # fmt: skip

            def inserted(at: int, insert: Any = insert, batch: Any = batch) -> None:
                part = batch[at : at + BATCH]
                if insert is None:
                    bulk_insert.insert_feedback(NAMES, part)
                else:
                    insert(Feedback, NAMES, part)

            measured(f"insert, {way}", inserted)
        items = list(Feedback.objects.filter(workspace=workspace).order_by("-pk")[: args.rows])
        staged = "staged" if connection.vendor == "sqlite" else "update_feedback (per row here)"
        for way, update in (("a statement per row", rows.update_rows),
                            (staged, bulk_insert.update_feedback)):  # fmt: skip
            for item in items:
                item.kind = random.choice(("bug", "question", "praise"))
                item.sentiment = random.choice(("positive", "negative"))

            def updated(at: int, update: Any = update, items: Any = items) -> None:
                update(items[at : at + BATCH], ["kind", "sentiment"])

            measured(f"results UPDATE, {way}", updated)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n), 0) FROM insights_feedbacktally WHERE workspace_id = %s"
            " AND kind = 'bug'",
            [workspace.pk],
        )
        (tallied,) = cursor.fetchone()
    counted = Feedback.objects.filter(workspace=workspace, kind="bug").count()
    print(
        f"tally of bugs {int(tallied):,}, rows {counted:,}: {'equal' if tallied == counted else 'WRONG'}"
    )
    return 0 if tallied == counted else 1


def _server_cpu(connection: Any) -> Callable[[], float]:
    """Seconds of CPU of this connection's PostgreSQL backend so far (0 on SQLite, whose work is
    in this process's CPU)."""
    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    stat, ticks = Path(f"/proc/{pid}/stat"), os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return seconds


if __name__ == "__main__":
    raise SystemExit(main())
