"""The import alone (no worker), optionally under cProfile: where its CPU goes per row.

    python bench/import_profile.py [--rows 100000] [--profile] [--top 40]

The import bench's CSV (the same rows as `import_bench.py` for the same --rows) is imported
through `imports.execute` into a fresh SQLite database, as `import_bench.py` does, but nothing
processes the rows, so the import process's own CPU is measured without the worker beside it.
Prints wall, CPU (user + system, and system alone) and the load average; with --profile, the
functions with the most cumulative time (profiled seconds: inflated, compare shares).
"""

from __future__ import annotations

import argparse
import cProfile
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
    args = parser.parse_args()
    work = django_bench.start(prefix="northline-import-profile-")
    from northline.insights.services import imports

    csv_path = work / "feedback.csv"
    generate(csv_path, args.rows)
    access, job = prepared_import(csv_path)
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
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
