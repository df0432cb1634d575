"""Web writes while bulk writes run (decision 0049): does a single add or status change through
the service fail while another process writes feedback batches?

This process loops `bulk_insert.insert_feedback` (an import's batches of 2,000 rows) or
`bulk_insert.update_feedback` (processing's results UPDATE of 3,000 rows) for --seconds on a
file SQLite database; a second process meanwhile adds feedback one item at a time and changes
its status (`feedback.add_feedback`, `feedback.set_status`, as the web form and the API do),
and counts what failed and why. Decisions 0042 and 0047 dropped and recreated the table's
triggers per batch: then some of those writes failed with "no such table: insights_feedback".

    python bench/concurrent_writes.py [--part insert|update] [--seconds 25]

It exits 1 if any of the second process's writes failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import django_bench

OWNER = "bench@example.com"


def bulk(folder: Path, part: str, seconds: float) -> int:
    """Batches in a loop until `seconds` have passed; returns how many."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from northline.accounts.models import User
    from northline.accounts.services import create_workspace
    from northline.core.access import Actor, load
    from northline.core.roles import Role
    from northline.insights.models import Feedback
    from northline.insights.services import bulk_insert
    from northline.insights.services import feedback as service

    call_command("migrate", verbosity=0)
    user = User.objects.create_user(OWNER, "a long bench password", name="Bench")
    workspace = create_workspace(user, "Bench")
    access = load(Actor(user), workspace.slug, Role.OWNER)
    for i in range(3000):
        service.add_feedback(access, {"text": f"Seed item {i} about exports"})
    (folder / "ready").write_text(workspace.slug)
    names = ["workspace_id", "created_at", "updated_at", "received_at", "title", "text",
             "source", "status", "external_id"]  # fmt: skip
    items = list(Feedback.objects.filter(workspace=workspace))
    rounds, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        rounds += 1
        with transaction.atomic():
            if part == "insert":
                now = timezone.now()
                bulk_insert.insert_feedback(names, [
                    (workspace.pk, now, now, now, "", f"Bulk row {rounds}-{j}", "import", "new",
                     f"B-{rounds}-{j}")
                    for j in range(2000)
                ])  # fmt: skip
            else:
                for item in items:
                    item.kind = ("bug", "question")[rounds % 2]
                bulk_insert.update_feedback(items, ["kind"])
    (folder / "done").write_text(str(rounds))
    return rounds


def single(folder: Path) -> int:
    """Adds and status changes until the bulk process is done; prints the outcome and returns
    1 if any failed."""
    from northline.accounts.models import User
    from northline.core.access import Actor, load
    from northline.core.roles import Role
    from northline.insights.services import feedback as service

    while not (folder / "ready").exists():
        time.sleep(0.1)
    user = User.objects.get(email=OWNER)
    slug = (folder / "ready").read_text()
    done, failed = 0, Counter[str]()
    while not (folder / "done").exists():
        try:
            access = load(Actor(user), slug, Role.OWNER)
            item, _ = service.add_feedback(access, {"text": f"Web item {done} crashes"})
            service.set_status(access, item, "triaged")
            done += 1
        except Exception as error:  # counted and shown: what the bench measures
            failed[f"{type(error).__name__}: {error}"] += 1
    print(f"single writes (add + status change): {done} done, {sum(failed.values())} failed")
    for message, n in failed.most_common():
        print(f"  {n} x {message}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("insert", "update"), default="insert")
    parser.add_argument("--seconds", type=float, default=25)
    parser.add_argument("--single", metavar="DIR", help=argparse.SUPPRESS)  # the second process
    args = parser.parse_args()
    if args.single:
        django_bench.start(args.single)
        return single(Path(args.single))
    folder = django_bench.start(prefix="northline-concurrent-")
    second = subprocess.Popen([sys.executable, __file__, "--single", str(folder)])
    rounds = bulk(folder, args.part, args.seconds)
    second.wait()
    print(f"bulk {args.part} batches: {rounds} in {args.seconds:.0f} s")
    return second.returncode


if __name__ == "__main__":
    raise SystemExit(main())
