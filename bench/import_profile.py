"""The import alone (no worker), optionally under cProfile: where its CPU goes per row.

    python bench/import_profile.py [--rows 100000] [--profile] [--top 40]
        [--sort cumulative|tottime] [--fingerprint] [--without-ids]

The import bench's CSV (the same rows as `import_bench.py` for the same --rows) is imported
through `imports.execute` into a fresh SQLite database, as `import_bench.py` does, but nothing
processes the rows, so the import process's own CPU is measured without the worker beside it.
Prints wall, CPU (user + system, and system alone) and the load average; with --profile, the
functions with the most cumulative (or own, --sort tottime) time (profiled seconds: inflated,
compare shares); with
--fingerprint, a digest of every table the import writes (feedback, its search index and
tally, customers, companies, tags, activity, the processing tasks queued), without the clock's
columns, to show that two versions of the import store the same (decision 0051).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import resource
import time

import django_bench
from import_bench import generate, prepared_import


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative")
    parser.add_argument("--fingerprint", action="store_true")
    parser.add_argument(
        "--without-ids", action="store_true",
        help="map no external id column: rows are known by their content's hash",
    )  # fmt: skip
    args = parser.parse_args()
    work = django_bench.start(prefix="northline-import-profile-")
    from northline.insights.services import imports

    csv_path = work / "feedback.csv"
    generate(csv_path, args.rows)
    access, job = prepared_import(csv_path)
    if args.without_ids:
        mapping = {k: v for k, v in job.mapping.items() if k != "external_id"}
        job = imports.configure(access, job, mapping=mapping)
    profile = cProfile.Profile() if args.profile else None
    wall, before = time.perf_counter(), os.times()
    if profile:
        profile.enable()
    job = imports.execute(access, job, write=True)
    if profile:
        profile.disable()
    seconds, after = time.perf_counter() - wall, os.times()
    user_s, system_s = after.user - before.user, after.system - before.system
    print(f"{job.created_count:,} rows imported in {seconds:.1f} s wall, "
          f"{user_s + system_s:.1f} s CPU ({system_s:.1f} s of it system) = "
          f"{(user_s + system_s) / args.rows * 1e6:.0f} µs CPU a row; "
          f"load average {os.getloadavg()[0]:.1f}{' (profiled)' if profile else ''}; peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GB")  # fmt: skip
    if args.fingerprint:
        for table, rows, digest in fingerprint():
            print(f"  {table}: {rows:,} rows, {digest}")
    if profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


# The tables an import writes, each read in its order, without the columns that differ between
# two runs of the same import: the clock's, and the random names (a task's id, the spool file).
WRITTEN = {
    "insights_feedback": "id", "insights_feedback_search": "rowid",
    "insights_feedbacktally": "id", "insights_customer": "id", "insights_company": "id",
    "insights_tag": "id", "insights_feedback_tags": "id", "core_activity": "id",
    "insights_feedbackimport": "id", "django_tasks_database_dbtaskresult": "args_kwargs",
}  # fmt: skip
VARYING = {"created_at", "updated_at", "enqueued_at", "run_after", "stored_name"}


def fingerprint() -> list[tuple[str, int, str]]:
    """(table, rows, SHA-256 of every value with its type) of each table in WRITTEN."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for table, order in WRITTEN.items():
            cursor.execute(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608 - our names
            names = [column[0] for column in cursor.description]
            varying = VARYING | ({"id"} if table.startswith("django_tasks") else set())
            kept = [i for i, name in enumerate(names) if name not in varying]
            digest, count = hashlib.sha256(), 0
            for row in cursor.fetchall():
                digest.update(repr([row[i] for i in kept]).encode())
                count += 1
            found.append((table, count, digest.hexdigest()[:16]))
    return found


if __name__ == "__main__":
    main()
