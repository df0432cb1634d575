"""What the feedback tally's triggers (decision 0021) add to a bulk insert, on SQLite: the
import's own path (`imports._insert_rows`: one parameterised INSERT run with executemany over
batches of 5,000) into a migrated database, with the triggers and with them dropped
(runs without, with, and without again, so that the order does not decide).

    python bench/tally_trigger_bench.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    os.environ.update(
        NORTHLINE_DATA_DIR=tempfile.mkdtemp(prefix="northline-bench-"),
        DJANGO_SETTINGS_MODULE="northline.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from northline.accounts.models import User
    from northline.accounts.services import create_workspace
    from northline.insights.migrations import __name__ as migrations
    from northline.insights.models import Feedback, FeedbackTally
    from northline.insights.services.imports import _insert_rows

    call_command("migrate", verbosity=0)
    tally = __import__(f"{migrations}.0006_feedback_tally", fromlist=["SQLITE"])
    owner = User.objects.create_user("bench@example.com", "x" * 12)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    kinds, moods = ("bug", "feature_request", "question"), ("positive", "neutral", "negative")
    results = {}
    for label in ("without triggers", "with triggers", "without triggers, again"):
        ws = create_workspace(owner, label)
        rows = [
            (ws.pk, start, start, "", f"Text {i} of {label}", "import", None, None,
             start + timedelta(minutes=i), None, "", f"E-{i}", "", "new", None, owner.pk,
             kinds[i % 3], moods[i % 3], "en")
            for i in range(args.rows)
        ]  # fmt: skip
        names = [
            "workspace_id",
            "created_at",
            "updated_at",
            "title",
            "text",
            "source",
            "customer_id",
            "company_id",
            "received_at",
            "rating",
            "external_url",
            "external_id",
            "content_hash",
            "status",
            "assignee_id",
            "created_by_id",
            "kind",
            "sentiment",
            "language",
        ]
        with connection.cursor() as cursor:
            for sql in tally.SQLITE_DROP if label.startswith("without") else tally.SQLITE:
                cursor.execute(sql)
        cpu, started = time.process_time(), time.perf_counter()
        with transaction.atomic():
            _insert_rows(Feedback, names, rows)
        seconds = time.perf_counter() - started
        results[label] = (seconds, time.process_time() - cpu)
        counted = FeedbackTally.objects.filter(workspace=ws).values_list("n", flat=True)
        print(
            f"{label}: {args.rows:,} rows in {seconds:.2f} s wall, "
            f"{results[label][1]:.2f} s CPU ({args.rows / seconds:,.0f} rows/s); "
            f"tally rows {len(counted)}, sum {sum(counted):,}; load average {os.getloadavg()[0]:.1f}"
        )
    bare = min(results["without triggers"][1], results["without triggers, again"][1])
    extra = results["with triggers"][1] / bare - 1
    print(f"triggers add {extra:.0%} CPU time to the bulk insert")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
