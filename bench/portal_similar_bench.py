"""Similar ideas on a portal while a customer types: the cost of (re)building the workspace's
index after an idea changes, and of a query against the cached index, through the JSON endpoint
(in-process Django test client: server time, no network), and of the first query after one
new idea was published (the cached index grows instead of being rebuilt).

    python bench/portal_similar_bench.py [--sizes 1000,10000] [--queries 200]

Ideas are the titles of ../shared/data/feedback/firefox_duplicates.csv (repeated with a number
to reach the larger sizes), queries the first lines of other reports of the same file.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import tempfile
import time
from pathlib import Path

DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "feedback" / "firefox_duplicates.csv"
)


def titles() -> list[str]:
    with DATA.open(newline="", encoding="utf-8") as handle:
        return [row["text"].strip().split("\n")[0][:200] for row in csv.DictReader(handle)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    os.environ["NORTHLINE_DATA_DIR"] = tempfile.mkdtemp(prefix="northline-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "northline.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from northline.accounts.models import User
    from northline.accounts.services import create_workspace
    from northline.core.access import Actor, load
    from northline.portal.models import Idea
    from northline.portal.services import similar
    from northline.portal.services.portal import update_portal

    call_command("migrate", verbosity=0)
    texts = titles()
    owner = User.objects.create_user("bench@example.com", "x" * 12)
    client = Client(HTTP_HOST="127.0.0.1")
    print(
        f"{'ideas':>7} {'cold build ms':>14} {'after a new idea ms':>20} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        workspace = create_workspace(owner, f"Bench {size}")
        update_portal(load(Actor(owner), workspace.slug), {"enabled": True, "title": "Bench"})
        Idea.objects.bulk_create(
            Idea(
                workspace=workspace,
                title=f"{texts[i % len(texts)]} {i // len(texts) or ''}".strip(),
            )
            for i in range(size)
        )
        url = f"/p/{workspace.slug}/ideas/similar.json"
        queries = [texts[-(n % len(texts)) - 1][:80] for n in range(args.queries)]
        similar._cache.clear()
        start = time.perf_counter()
        assert (
            client.get(url, {"q": queries[0]}, REMOTE_ADDR=f"10.{size % 250}.0.1").status_code
            == 200
        )
        rebuild = (time.perf_counter() - start) * 1000
        times = []
        for n, query in enumerate(queries):
            start = time.perf_counter()
            client.get(url, {"q": query}, REMOTE_ADDR=f"10.{size % 250}.{n % 250}.2")
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        Idea.objects.create(workspace=workspace, title="Tab groups that sync across devices")
        start = time.perf_counter()
        client.get(url, {"q": "sync tab groups"}, REMOTE_ADDR="10.250.0.3")
        grown = (time.perf_counter() - start) * 1000
        print(
            f"{size:>7} {rebuild:>14.0f} {grown:>20.1f} {statistics.median(times):>7.1f} {p99:>7.1f}"
        )


if __name__ == "__main__":
    main()
