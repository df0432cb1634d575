"""Import benchmark: feedback rows from a generated CSV through the real import (dry run and
write, as `northline import feedback` runs it), against a bare SQLite bulk insert of the same
rows measured in the same run.

Run from the repository root: `python bench/import_bench.py [--rows 1000000] [--process]
[--corpus import|processing]`.

With `--process` the rows are also fully processed, as in production: the real task worker
(`northline worker`, a second process, so the import and the processing use both cores) is
started before the import, takes each batch's processing tasks as soon as the import commits
them (type, sentiment, language, near-duplicates, similar features, themes, storing; theme
re-clustering when due), and the bench waits until every row is processed and no task is left.
It prints the import time, the processing tail after the import, the total, the peak memory of
each process and the CPU time of both, next to the load average (other jobs share the cores).

The CSV has an id, title, text, customer e-mail and name, company name and domain, a created
time, a rating and two tags per row; 10,000 customers in 1,000 companies. The texts are bags of
8 to 30 of 24 product words (`--corpus import`, the default) or `processing_bench`'s template
sentences over about 250 words, with no title (`--corpus processing`). The import checks
every row (the same check as the API), looks each customer and company up once, inserts in
batches with the tags, records one activity and queues processing once per batch. The bare
reference is `executemany` of the same rows (already parsed) into a plain table of the same
columns in one transaction: the floor for writing these rows to SQLite. Target: 1,000,000 rows
in <= 5 minutes on a 2-core machine, peak memory <= 4 GB.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import os
import platform
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import django_bench
from processing_bench import texts as processing_texts

HEADER = ["Id", "Title", "Body", "Email", "Name", "Company", "Domain", "Created", "Stars", "Tags"]
WORDS = [
    "export", "slow", "login", "sso", "dashboard", "invoice", "billing", "crash", "search",
    "filter", "mobile", "report", "api", "sync", "calendar", "dark", "mode", "onboarding",
    "permissions", "import", "integration", "slack", "email", "pdf",
]  # fmt: skip

MAPPING = {
    "external_id": "Id", "title": "Title", "text": "Body", "customer_email": "Email",
    "customer_name": "Name", "company_name": "Company", "company_domain": "Domain",
    "received_at": "Created", "rating": "Stars", "tags": "Tags",
}  # fmt: skip


def cpu_model() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        names = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    return names[0] if names else platform.processor()


def generate(path: Path, rows: int, corpus: str = "import") -> None:
    """Write the CSV (the bare reference reads it back). With `corpus` "processing" each
    row's title is empty and its text one of `processing_bench`'s template sentences over about
    250 product words, instead of a bag of 8 to 30 of 24 words (where every text shares words
    with nearly every other: the join's worst case)."""
    rng = random.Random(7)
    sentences = processing_texts(rows, 1) if corpus == "processing" else None
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for n in range(rows):
            c = rng.randrange(10_000)
            words = " ".join(rng.choices(WORDS, k=rng.randrange(8, 30)))
            title, text = f"About {rng.choice(WORDS)}", f"Customer {n} says: {words}"
            if sentences is not None:  # drawn all the same: the other columns stay as they were
                title, text = "", sentences[n]
            out.writerow([
                f"T-{n}", title, text,
                f"user{c}@company{c % 1000}.example", f"User {c}", f"Company {c % 1000}",
                f"company{c % 1000}.example", (start + timedelta(minutes=n)).isoformat(),
                str(rng.randrange(1, 6)), f"{rng.choice(WORDS)},{rng.choice(WORDS)}",
            ])  # fmt: skip


def bare_insert(path: Path, db: Path) -> tuple[float, float]:
    """The same rows, parsed from the same CSV outside the timer, by executemany."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = [tuple(r) for r in reader]
    connection = sqlite3.connect(db)
    connection.execute(f"CREATE TABLE feedback ({', '.join(f'c{i} TEXT' for i in range(10))})")
    wall, cpu = time.perf_counter(), time.process_time()
    with connection:
        connection.executemany("INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    seconds = time.perf_counter() - wall, time.process_time() - cpu
    connection.close()
    del rows
    return seconds


def prepared_import(csv_path: Path) -> tuple[Any, Any]:
    """(access, import job): a migrated database, a bench owner's workspace, and `csv_path`
    uploaded and mapped, ready to run (Django must be set up: `django_bench.start`)."""
    from django.core.management import call_command

    from northline.accounts.models import User
    from northline.accounts.services import create_workspace
    from northline.core.access import Actor, load
    from northline.core.roles import Role
    from northline.insights.services import imports

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench@example.com", "a long bench password", name="Bench")
    workspace = create_workspace(user, "Bench")
    access = load(Actor(user), workspace.slug, Role.OWNER)
    with csv_path.open("rb") as handle:
        job = imports.create_import(access, "feedback.csv", handle)
    return access, imports.configure(access, job, mapping=MAPPING)


def start_worker() -> subprocess.Popen[bytes]:
    """The real task worker, as `northline serve` starts it (same settings and data folder)."""
    command = [
        str(Path(sys.executable).with_name("northline")), "worker", "--no-startup-delay",
        "--interval", "0.2", "--no-reload", "--verbosity", "0",
    ]  # fmt: skip
    worker = subprocess.Popen(command, env=os.environ.copy())
    atexit.register(worker.kill)  # never left running, whatever ends the bench
    return worker


def proc_figures(pid: int) -> tuple[float, float, float]:
    """(peak RSS in GB, its CPU seconds, its children's CPU seconds) of a live process, from
    /proc. Its children: the helper process that computes a batch's labels (decision 0052),
    live until the worker ends, and any that ended already."""
    peak, own, _, ended = _proc(pid)
    return peak, own, ended + sum(_proc(child)[1] for child in _children(pid))


def _proc(pid: int) -> tuple[float, float, float, float]:
    """(peak RSS in GB, CPU seconds, current RSS in GB, CPU seconds of its ended children) of
    a live process; zeros once it ended."""
    try:
        with open(f"/proc/{pid}/status") as status:
            sizes = {line.split(":")[0]: int(line.split()[1]) for line in status
                     if line.startswith(("VmHWM", "VmRSS"))}  # fmt: skip
        with open(f"/proc/{pid}/stat") as stat:
            times = [int(n) for n in stat.read().rsplit(")", 1)[1].split()[11:15]]
    except (OSError, KeyError):
        return 0.0, 0.0, 0.0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    gb = {name: size / 2**20 for name, size in sizes.items()}
    return gb.get("VmHWM", 0.0), (times[0] + times[1]) / ticks, gb.get("VmRSS", 0.0), (
        times[2] + times[3]) / ticks  # fmt: skip


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


class MemorySampler(threading.Thread):
    """The largest sum of the resident memory of this process, the worker and the worker's
    children at the same moment, sampled every 0.2 s: the run's peak, where adding each
    process's own peak (reached at different times) overstates it."""

    def __init__(self, worker: int) -> None:
        super().__init__(daemon=True)
        self.worker, self.peak, self.children_peak = worker, 0.0, 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            children = [_proc(child)[2] for child in _children(self.worker)]
            together = _proc(os.getpid())[2] + _proc(self.worker)[2] + sum(children)
            self.peak = max(self.peak, together)
            self.children_peak = max([self.children_peak, *children])


def wait_processed(workspace: object, rows: int, worker: subprocess.Popen[bytes]) -> None:
    """Until every row is processed and no task is queued or running. The queue is asked
    every half second (a few rows); the feedback table, a full scan at a million rows, only for
    the progress line and once the queue is empty: scanning it twice a second took the bench
    about 580 s of CPU in the 1M run, beside the worker on the same two cores."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from northline.insights.models import Feedback

    pending = (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    unprocessed = Feedback.objects.filter(workspace=workspace, processed_at__isnull=True)
    shown = time.perf_counter()
    while True:
        tasks = DBTaskResult.objects.filter(status__in=pending).count()
        if not tasks and not unprocessed.exists():
            return
        if DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists():
            sys.exit("a processing task failed: see the worker's output")
        if worker.poll() is not None:
            sys.exit(f"the worker stopped (exit {worker.returncode})")
        if time.perf_counter() - shown > 30:
            shown = time.perf_counter()
            print(f"  processing: {rows - unprocessed.count():,} of {rows:,} rows done, {tasks} "
                  f"tasks left, load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        time.sleep(0.5)


def themes_figures(workspace: object) -> str:
    """How many themes the import ended with, and how many full re-clusterings ran."""
    from django_tasks_db.models import DBTaskResult

    from northline.insights.models import Theme
    from northline.insights.services.similarity import settings_of
    from northline.insights.tasks import recluster_themes

    state = settings_of(workspace)  # type: ignore[arg-type]
    queued = DBTaskResult.objects.filter(task_path=recluster_themes.module_path).count()
    return (f"themes: {Theme.objects.filter(workspace=workspace).count()}, last clustered "
            f"{state.themes_clustered:,} items; re-clusterings queued: {queued}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--process", action="store_true", help="also process every row")
    parser.add_argument("--corpus", choices=["import", "processing"], default="import",
                        help="the texts: bags of 24 words (default) or template sentences")  # fmt: skip
    args = parser.parse_args()
    work = django_bench.start(prefix="northline-import-bench-")
    from northline.insights.models import Feedback
    from northline.insights.services import imports

    csv_path = work / "feedback.csv"
    wall = time.perf_counter()
    generate(csv_path, args.rows, args.corpus)
    print(f"generated {args.rows:,} rows, {args.corpus} corpus "
          f"({csv_path.stat().st_size / 1e6:.0f} MB) in "
          f"{time.perf_counter() - wall:.0f} s")  # fmt: skip
    bare = bare_insert(csv_path, work / "bare.sqlite3")
    access, job = prepared_import(csv_path)
    workspace = access.workspace
    worker = start_worker() if args.process else None
    sampler = MemorySampler(worker.pid if worker is not None else 0)
    if worker is not None:
        sampler.start()
    last = [0]

    def report(percent: int, message: str) -> None:
        if percent >= last[0] + 10:
            last[0] = percent
            print(f"  {percent:3d}% {message} ({time.perf_counter() - wall:.0f} s)", flush=True)

    wall, cpu = time.perf_counter(), time.process_time()
    job = imports.execute(access, job, write=True, report=report)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    if job.errors:
        sys.exit(f"import failed: {job.errors[:3]}")
    assert Feedback.objects.filter(workspace=workspace).count() == args.rows
    import_load = os.getloadavg()[0]
    if worker is not None:
        wait_processed(workspace, args.rows, worker)
        total = time.perf_counter() - wall
        worker_peak, worker_cpu, children_cpu = proc_figures(worker.pid)
        sampler.stopped.set()
        worker.send_signal(signal.SIGTERM)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}")  # fmt: skip
    print(f"rows: {args.rows:,}, created {job.created_count:,}")
    print(f"import (check + write): {seconds:.1f} s wall, {cpu_seconds:.1f} s CPU = "
          f"{args.rows / seconds:,.0f} rows/s wall (target for 1,000,000: <= 300 s)")  # fmt: skip
    print(f"bare SQLite executemany: {bare[0]:.2f} s wall, {bare[1]:.2f} s CPU = "
          f"{args.rows / bare[0]:,.0f} rows/s")  # fmt: skip
    print(f"ratio import / bare insert: {seconds / bare[0]:.1f}x wall, "
          f"{cpu_seconds / bare[1]:.1f}x CPU")  # fmt: skip
    print(f"load average at the end of the import: {import_load:.1f} (other processes share "
          "the cores)")  # fmt: skip
    print(f"peak memory (max RSS): {peak:.2f} GB (target <= 4 GB)")
    if worker is not None:
        own_cpu = time.process_time() - cpu
        print(f"import and processing: {total:.1f} s wall in all ({total - seconds:.1f} s of "
              f"processing after the import ended) = {args.rows / total:,.0f} rows/s "
              "(target for 1,000,000: <= 300 s)")  # fmt: skip
        print(f"CPU: {own_cpu:.1f} s import process + {worker_cpu:.1f} s worker + "
              f"{children_cpu:.1f} s its helper process")  # fmt: skip
        print(f"ratio import and processing / bare insert: {total / bare[0]:.1f}x wall, "
              f"{(own_cpu + worker_cpu + children_cpu) / bare[1]:.1f}x CPU")  # fmt: skip
        print(f"peak memory of the worker: {worker_peak:.2f} GB; its helper at most "
              f"{sampler.children_peak:.2f} GB; the import's and the worker's own peaks added: "
              f"{peak + worker_peak:.2f} GB; all processes at the same moment at most "
              f"{sampler.peak:.2f} GB (sampled every 0.2 s; target <= 4 GB)")  # fmt: skip
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        print(themes_figures(workspace))


if __name__ == "__main__":
    main()
