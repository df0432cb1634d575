"""What a set of SQLite triggers on feedback adds to a bulk insert: the feedback tally's
(decision 0021) or the inbox search index's (decision 0029). The import's own path
(`rows.insert_rows`: one parameterised INSERT sent with executemany in batches of 5,000) into a
migrated database, with the chosen triggers and with them dropped, the other set on in every
run; runs without, with, with the batch staged and written by one statement as an import
does (decision 0049: `bulk_insert.insert_feedback`), and without again, so that the order does not decide. Texts are
those of processing_bench.

    python bench/trigger_bench.py --triggers tally|search [--rows 200000]
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from datetime import UTC, datetime, timedelta

import django_bench

MIGRATIONS = {"tally": "0006_feedback_tally", "search": "0010_feedback_search"}
COLUMNS = [
    "workspace_id", "created_at", "updated_at", "title", "text", "source", "received_at",
    "external_id", "status", "created_by_id", "kind", "sentiment", "language",
]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", choices=sorted(MIGRATIONS), required=True)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    django_bench.start()
    from django.core.management import call_command
    from django.db import connection, transaction

    from bench.processing_bench import texts
    from northline.accounts.models import User
    from northline.accounts.services import create_workspace
    from northline.insights.models import Feedback
    from northline.insights.services.bulk_insert import insert_feedback
    from northline.insights.services.rows import insert_rows

    call_command("migrate", verbosity=0)
    migration = importlib.import_module(
        f"northline.insights.migrations.{MIGRATIONS[args.triggers]}"
    )
    created = [sql for sql in migration.SQLITE if "CREATE TRIGGER" in sql]
    dropped = [sql for sql in migration.SQLITE_DROP if "TRIGGER" in sql]
    owner = User.objects.create_user("bench@example.com", "x" * 12)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    body = texts(args.rows, 7)
    kinds, moods = ("bug", "feature_request", "question"), ("positive", "neutral", "negative")
    results = {}
    labels = ("without them", "with them", "with them, one staged statement", "without them, again")
    for label in labels:
        ws = create_workspace(owner, label)
        rows = [
            (ws.pk, start, start, "", text, "import", start + timedelta(minutes=i), f"E-{i}",
             "new", owner.pk, kinds[i % 3], moods[i % 3], "en")
            for i, text in enumerate(body)
        ]  # fmt: skip
        with connection.cursor() as cursor:  # the staged run keeps "with them"'s triggers
            for sql in {labels[0]: dropped, labels[1]: created, labels[3]: dropped}.get(label, []):
                cursor.execute(sql)
        cpu, started = time.process_time(), time.perf_counter()
        with transaction.atomic():
            if label.endswith("staged statement"):
                insert_feedback(COLUMNS, rows)
            else:
                insert_rows(Feedback, COLUMNS, rows)
        seconds = time.perf_counter() - started
        results[label] = (seconds, time.process_time() - cpu)
        print(
            f"{args.triggers} triggers {label}: {args.rows:,} rows in {seconds:.2f} s wall, "
            f"{results[label][1]:.2f} s CPU ({args.rows / seconds:,.0f} rows/s); "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    bare = min(results["without them"][1], results["without them, again"][1])
    extra = results["with them"][1] - bare
    print(
        f"the {args.triggers} triggers add {extra / bare:.0%} CPU time to the bulk insert, "
        f"{extra / args.rows * 1e6:.0f} µs per row"
    )
    print(
        "an import's batch staged and written by one statement (decision 0049): "
        f"{results[labels[2]][1] / args.rows * 1e6:.0f} µs CPU per row, against "
        f"{results[labels[1]][1] / args.rows * 1e6:.0f} with the triggers"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
