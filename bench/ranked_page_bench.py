"""Server time of the planning ranked list at 10,000 features (issue 4 target: p95 ≤ 200 ms).

Builds a throw-away SQLite data directory with one workspace, a RICE model and N features
whose four inputs are ranges (rows written with bulk_create, then the stored scores computed by
the same `scores.rescore` the app uses), and times complete Django requests through the test
client (URL routing, session, access check, queries, template rendering; no network) for:

  first     GET /w/<slug>/planning/                      page 1 of the ranking
  deep      GET /w/<slug>/planning/?page=100             a page deep in the ranking
  filtered  GET /w/<slug>/planning/?status=planned&q=report   filters + text search
  api       GET /api/v1/workspaces/<slug>/ranking        the JSON twin, page 1

    python bench/ranked_page_bench.py [--features 10000] [--requests 60] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from pathlib import Path
from typing import Any

import django_bench

STATUSES = ("idea", "discovery", "planned", "in_progress")
WORDS = ("report", "export", "sync", "billing", "alerts", "sso", "chart", "api", "onboarding")


def build(n: int) -> tuple[Any, str]:
    from django.core.management import call_command

    from northline.accounts import services as accounts
    from northline.accounts.models import User
    from northline.core.access import Actor, load
    from northline.planning.models import Feature, ScoreInput
    from northline.planning.services import scores

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench@example.com", "bench-password-123", name="Bench")
    workspace = accounts.create_workspace(user, "Bench")
    access = load(Actor(user), workspace.slug)
    model = scores.create_model(access, "RICE", "rice")
    rng = random.Random(7)
    Feature.objects.bulk_create(
        Feature(
            workspace=workspace,
            number=i + 1,
            status=rng.choice(STATUSES),
            title=f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {i + 1}",
        )
        for i in range(n)
    )
    rows = []
    for fid in Feature.objects.filter(workspace=workspace).values_list("pk", flat=True):
        for driver, (low, high) in {
            "reach": (10, 5000), "impact": (0.25, 3), "confidence": (0.3, 1), "effort": (0.5, 20)
        }.items():  # fmt: skip
            a, b = sorted(rng.uniform(low, high) for _ in range(2))
            rows.append(ScoreInput(workspace=workspace, feature_id=fid, model=model, driver=driver,
                                   low=a, likely=(a + b) / 2, high=b))  # fmt: skip
    ScoreInput.objects.bulk_create(rows, batch_size=2000)
    scores.rescore(access, model, None, reason="benchmark load")
    return user, workspace.slug


def timed(client: Any, url: str, n: int) -> dict[str, float]:
    client.get(url)  # warm: templates compiled, caches filled
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
        "max_ms": round(samples[-1], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    django_bench.start()
    from django.test import Client

    started = time.perf_counter()
    user, slug = build(args.features)
    load_seconds = time.perf_counter() - started
    client = Client()
    client.force_login(user)
    urls = {
        "first": f"/w/{slug}/planning/",
        "deep": f"/w/{slug}/planning/?page=100",
        "filtered": f"/w/{slug}/planning/?status=planned&q=report",
        "api": f"/api/v1/workspaces/{slug}/ranking",
    }
    results = {name: timed(client, url, args.requests) for name, url in urls.items()}
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "features": args.features,
        "load_seconds": round(load_seconds, 1),
        "requests_each": args.requests,
        "results": results,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
