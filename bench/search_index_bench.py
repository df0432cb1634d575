"""What the inbox's text index (decision 0029) adds to a bulk insert of feedback on SQLite: the
import's own path (`rows.insert_rows`: one parameterised INSERT sent with executemany in
batches of 5,000) into a migrated database, with the FTS5 triggers of migration 0010 and with
them dropped (runs without, with, and without again, so that the order does not decide). The
tally's triggers (decision 0021) stay on in every run. Texts are those of processing_bench.

    python bench/search_index_bench.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import importlib
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

    from bench.processing_bench import texts
    from northline.accounts.models import User
    from northline.accounts.services import create_workspace
    from northline.insights.models import Feedback
    from northline.insights.services.rows import insert_rows

    call_command("migrate", verbosity=0)
    search = importlib.import_module("northline.insights.migrations.0010_feedback_search")
    triggers = [sql for sql in search.SQLITE if "CREATE TRIGGER" in sql]
    dropped = [sql for sql in search.SQLITE_DROP if "TRIGGER" in sql]
    owner = User.objects.create_user("bench@example.com", "x" * 12)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    body = texts(args.rows, 7)
    results = {}
    for label in ("without the search index", "with it", "without it, again"):
        ws = create_workspace(owner, label)
        rows = [
            (ws.pk, start, start, "", text, "import", start + timedelta(minutes=i), f"E-{i}",
             "new", owner.pk)
            for i, text in enumerate(body)
        ]  # fmt: skip
        names = ["workspace_id", "created_at", "updated_at", "title", "text", "source",
                 "received_at", "external_id", "status", "created_by_id"]  # fmt: skip
        with connection.cursor() as cursor:
            for sql in dropped if label.startswith("without") else triggers:
                cursor.execute(sql)
        cpu, started = time.process_time(), time.perf_counter()
        with transaction.atomic():
            insert_rows(Feedback, names, rows)
        seconds = time.perf_counter() - started
        results[label] = (seconds, time.process_time() - cpu)
        print(
            f"{label}: {args.rows:,} rows in {seconds:.2f} s wall, {results[label][1]:.2f} s CPU "
            f"({args.rows / seconds:,.0f} rows/s); load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    bare = min(results["without the search index"][1], results["without it, again"][1])
    extra = results["with it"][1] - bare
    print(
        f"the search index adds {extra / bare:.0%} CPU time to the bulk insert, "
        f"{extra / args.rows * 1e6:.0f} µs per row"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
