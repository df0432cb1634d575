"""How long another writer waits for SQLite's write lock while an import writes (decision 0039).

Run from the repository root: `python bench/import_lock_bench.py [--rows 30000]`.

The import bench's CSV (`import_bench.generate`) is imported through the real import while a
second process, standing in for the task worker, takes the write lock (`BEGIN IMMEDIATE`, one
row written, `COMMIT`) over and over with the worker's busy timeout, 50 ms apart. It prints
how often it had to wait and how long: a worker processing the committed rows needs the lock
about four times a batch (claim, index numbering, results, finish), so these waits bound how
much of the processing can run while the import is still writing. Load average and CPU time
are printed beside the wall time (other jobs may share the cores).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import django_bench
from import_bench import generate, prepared_import

PROBE = """
import os, sqlite3, statistics, sys, time
db, stop = sys.argv[1], sys.argv[2]
connection = sqlite3.connect(db, timeout=300, isolation_level=None)
connection.execute("CREATE TABLE IF NOT EXISTS lock_probe (n INTEGER)")
waits = []
while not os.path.exists(stop):
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    waits.append(time.perf_counter() - started)
    connection.execute("INSERT INTO lock_probe VALUES (1)")
    connection.execute("COMMIT")
    time.sleep(0.05)
slow = sorted(w for w in waits if w > 0.001) or [0.0]
print(f"other writer: {len(waits)} lock acquisitions, waited {len(slow)} times: mean "
      f"{statistics.mean(slow) * 1000:.0f} ms, median {statistics.median(slow) * 1000:.0f} ms, "
      f"max {slow[-1] * 1000:.0f} ms, {sum(slow):.1f} s in all", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    args = parser.parse_args()
    work = django_bench.start(prefix="northline-lock-bench-")
    from django.conf import settings

    from northline.insights.services import imports

    csv_path = work / "feedback.csv"
    generate(csv_path, args.rows)
    access, job = prepared_import(csv_path)
    stop = work / "stop"
    probe = subprocess.Popen(
        [sys.executable, "-c", PROBE, str(settings.DATABASES["default"]["NAME"]), str(stop)]
    )
    wall, cpu = time.perf_counter(), time.process_time()
    job = imports.execute(access, job, write=True)
    print(f"import of {args.rows:,} rows: {time.perf_counter() - wall:.1f} s wall, "
          f"{time.process_time() - cpu:.1f} s CPU, load average {os.getloadavg()[0]:.1f}, "
          f"{job.created_count:,} created")  # fmt: skip
    stop.touch()
    probe.wait()


if __name__ == "__main__":
    main()
