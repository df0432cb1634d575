"""Similar ideas on a portal while a customer types, through the JSON endpoint (in-process
Django test client: server time, no network): the worker's full build of the stored index (the
`warm` task's work, off the request path), its stored size, the first request of a new process
(it loads the stored index), queries against the cached index, the first request after one
new idea was published (the cached index grows), and the first request after a published idea
was merged away (the cached copy keeps serving, filtered, while the worker rebuilds).

    python bench/portal_similar_bench.py [--sizes 1000,10000] [--queries 200]

Runs with NORTHLINE_TASKS=immediate unset: the tasks that publishing and merging queue stay in
the queue (no worker runs), so every figure is the request path alone.

Ideas are the titles of ../shared/data/feedback/firefox_duplicates.csv (repeated with a number
to reach the larger sizes), queries the first lines of other reports of the same file.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

import django_bench

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
    django_bench.start()
    from django.core.management import call_command
    from django.test import Client

    from northline.accounts.models import User
    from northline.accounts.services import create_workspace
    from northline.core.access import Actor, load
    from northline.portal.models import Idea, SimilarIndex
    from northline.portal.services import moderation, similar
    from northline.portal.services.portal import update_portal

    call_command("migrate", verbosity=0)
    texts = titles()
    owner = User.objects.create_user("bench@example.com", "x" * 12)
    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/p/none/ideas/similar.json", {"q": "warm up"})  # Django's first-request costs
    print(
        f"{'ideas':>7} {'worker build ms':>15} {'stored MB':>9} {'new process ms':>14} "
        f"{'after a new idea ms':>19} {'after a merge ms':>16} {'p50 ms':>7} {'p99 ms':>7}"
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

        def ask(query: str, n: int, url: str = url, size: int = size) -> float:
            start = time.perf_counter()
            response = client.get(url, {"q": query}, REMOTE_ADDR=f"10.{size % 250}.{n % 250}.2")
            assert response.status_code == 200
            return (time.perf_counter() - start) * 1000

        start = time.perf_counter()
        assert similar.warm(workspace) in ("rebuilt", "small")
        build = (time.perf_counter() - start) * 1000
        stored = SimilarIndex.objects.filter(workspace=workspace).first()
        megabytes = len(stored.data) / 2**20 if stored else 0.0
        similar._cache.clear()  # a new app-server process
        cold = ask(queries[0], 0)
        times = sorted(ask(query, n) for n, query in enumerate(queries))
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        tabs = Idea.objects.create(workspace=workspace, title="Tab groups that sync across devices")
        grown = ask("sync tab groups", 1)
        duplicate = Idea.objects.create(workspace=workspace, title="Sync my tab groups please")
        ask("sync tab groups", 2)
        moderation.merge_idea(load(Actor(owner), workspace.slug), duplicate, tabs)
        merged = ask("sync tab groups", 3)
        print(
            f"{size:>7} {build:>15.0f} {megabytes:>9.1f} {cold:>14.0f} {grown:>19.1f} "
            f"{merged:>16.1f} {statistics.median(times):>7.1f} {p99:>7.1f}"
        )


if __name__ == "__main__":
    main()
