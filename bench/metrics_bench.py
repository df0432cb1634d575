"""Metrics at scale (issue 5): KPI chart page server time on 10 years of daily data for
500 KPIs × 20 dimension values (≈ 36.5 million points), against the same aggregation done
directly in DuckDB in the same run; and push API ingest in batches.

    python bench/metrics_bench.py [--kpis 500] [--requests 20] [--push-batches 10]
                                  [--data-dir DIR] [--json out.json]

--kpis sets the size (50 = a tenth). With --data-dir the loaded SQLite database is kept and
reused by the next run with the same size (loading the full size takes minutes).

1. Load: workspace, KPIs (sum, daily) each with the dimension "segment" of 20 values, and
   10 years of daily points for every (KPI, value), written with one prepared INSERT in index
   order (bench only; the app writes through the push API). The value is an integer formula of
   (kpi, segment, day), so DuckDB can build the very same table with SQL.
2. Chart page: complete Django requests through the test client (routing, session, access
   check, queries, NumPy aggregation, SVG, template) of one KPI's page over all 10 years per
   week, month and quarter, and its default page (the last year per day). p50 / p95 / max.
3. DuckDB: the same KPI's two aggregations the page needs (the total per period, and per
   segment and period) as SQL on an in-memory DuckDB table of the same rows, and the ratio
   page time / DuckDB time.
4. Push: `POST /api/v1/workspaces/<slug>/points` with a bearer token, batches of 50,000 new
   points (20 KPIs × 20 segments × 125 days); points per second over all batches.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import date, timedelta
from itertools import repeat
from pathlib import Path
from typing import Any

import django_bench
import numpy as np

DAYS = 3650
SEGMENTS = 20
FIRST = date(2016, 1, 1)
PUSH_KPIS = 20
PUSH_DAYS = 125  # 20 KPIs × 20 segments × 125 days = 50,000 points a batch
GRANULARITIES = ("week", "month", "quarter")


def values_of(kpi: int, segment: int) -> np.ndarray:
    """The benchmark's value for each day: integers, so DuckDB's SQL gives the same."""
    day = np.arange(DAYS, dtype=np.int64)
    return (kpi % 17) + 3 * segment + (day * 7 + kpi * 13 + segment * 5) % 23 + 10 * (day % 7)


VALUE_SQL = "(k % 17) + 3 * s + (d * 7 + k * 13 + s * 5) % 23 + 10 * (d % 7)"


def build(kpis: int) -> tuple[Any, str, float]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from northline.accounts import services as accounts
    from northline.accounts.models import User
    from northline.metrics.models import Dimension, DimensionValue, Kpi

    call_command("migrate", verbosity=0)
    user = User.objects.filter(email="bench@example.com").first()
    if user is not None:
        return user, "bench", 0.0
    user = User.objects.create_user("bench@example.com", "bench-password-123", name="Bench")
    workspace = accounts.create_workspace(user, "Bench")
    started = time.perf_counter()
    Kpi.objects.bulk_create(
        Kpi(workspace=workspace, name=f"KPI {k}", key=f"kpi-{k}") for k in range(kpis)
    )
    by_key = dict(Kpi.objects.filter(workspace=workspace).values_list("key", "pk"))
    Dimension.objects.bulk_create(
        Dimension(workspace=workspace, kpi_id=by_key[f"kpi-{k}"], name="segment")
        for k in range(kpis)
    )
    dims = dict(Dimension.objects.filter(workspace=workspace).values_list("kpi_id", "pk"))
    DimensionValue.objects.bulk_create(
        DimensionValue(
            workspace=workspace, dimension_id=dims[by_key[f"kpi-{k}"]], value=f"s{s:02d}"
        )
        for k in range(kpis)
        for s in range(SEGMENTS)
    )
    ids = {
        (kpi_id, value): pk
        for kpi_id, value, pk in DimensionValue.objects.values_list(
            "dimension__kpi_id", "value", "pk"
        )
    }
    days = [(FIRST + timedelta(days=d)).isoformat() for d in range(DAYS)]
    sql = (
        "INSERT INTO metrics_datapoint (kpi_id, date, value, dimension_value_id, dimension_key) "
        "VALUES (%s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous = OFF")
        for k in range(kpis):
            kpi_id = by_key[f"kpi-{k}"]
            with transaction.atomic():
                for s in range(SEGMENTS):
                    dv = ids[(kpi_id, f"s{s:02d}")]
                    rows = zip(
                        repeat(kpi_id), days, values_of(k, s).tolist(), repeat(dv), repeat(dv)
                    )
                    cursor.executemany(sql, rows)
            if k % 50 == 49:
                print(f"  loaded {k + 1} KPIs ({(k + 1) * SEGMENTS * DAYS:,} points) "
                      f"in {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
        cursor.execute("ANALYZE")
    return user, workspace.slug, time.perf_counter() - started


def timed(client: Any, url: str, n: int) -> dict[str, float]:
    """Wall time and CPU time of this process (the server's work: Django, SQLite, NumPy run in
    it) per request. On a machine shared with other jobs the CPU time is the steadier figure."""
    assert client.get(url).status_code == 200, url  # warm: templates compiled, pages cached
    samples, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return summary(samples) | {f"cpu_{k}": v for k, v in summary(cpu).items()}


def summary(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
        "max_ms": round(samples[-1], 2),
    }


def duckdb_times(kpis: int, kpi: int, n: int) -> tuple[dict[str, dict[str, float]], float]:
    """The page's aggregations for KPI number `kpi` as DuckDB SQL on the same rows."""
    import duckdb

    db = duckdb.connect()
    started = time.perf_counter()
    db.execute(
        f"CREATE TABLE points AS SELECT k, s, DATE '{FIRST.isoformat()}' + CAST(d AS INTEGER) AS day, "  # noqa: S608 - constants of this script
        f"CAST({VALUE_SQL} AS DOUBLE) AS value "
        f"FROM range({kpis}) t1(k), range({SEGMENTS}) t2(s), range({DAYS}) t3(d) ORDER BY k, s, day"
    )
    load = time.perf_counter() - started
    results = {}
    for unit in GRANULARITIES:
        total = f"SELECT date_trunc('{unit}', day) p, sum(value) FROM points WHERE k = {kpi} GROUP BY p ORDER BY p"  # noqa: S608
        split = f"SELECT s, date_trunc('{unit}', day) p, sum(value) FROM points WHERE k = {kpi} GROUP BY s, p ORDER BY s, p"  # noqa: S608
        db.execute(total).fetchall()
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            db.execute(total).fetchall()
            db.execute(split).fetchall()
            samples.append((time.perf_counter() - start) * 1000)
        results[unit] = summary(samples)
    return results, load


def check_same_numbers(kpi_number: int) -> None:
    """The app's quarterly totals equal DuckDB's: both measure the same aggregation."""
    import duckdb

    from northline.metrics.models import Kpi
    from northline.metrics.services import series

    kpi = Kpi.objects.get(key=f"kpi-{kpi_number}")
    ours = [(p.time, p.value) for p in series(kpi, granularity="quarter")]
    db = duckdb.connect()
    theirs = db.execute(
        f"SELECT CAST(date_trunc('quarter', DATE '{FIRST.isoformat()}' + CAST(d AS INTEGER)) AS DATE) p, "  # noqa: S608
        f"sum(CAST({VALUE_SQL} AS DOUBLE)) FROM (SELECT {kpi_number} AS k) t0, range({SEGMENTS}) t2(s), "
        f"range({DAYS}) t3(d) GROUP BY p ORDER BY p"
    ).fetchall()
    assert ours == [(p, v) for p, v in theirs], "the app and DuckDB disagree"


def push(slug: str, secret: str, batches: int) -> dict[str, Any]:
    from django.test import Client

    from northline.accounts.models import Workspace
    from northline.core.access import Actor, load
    from northline.metrics.models import Kpi
    from northline.metrics.services import kpis

    workspace = Workspace.objects.get(slug=slug)
    owner = workspace.memberships.get().user
    access = load(Actor(owner), slug)
    for k in range(PUSH_KPIS):
        if not Kpi.objects.filter(workspace=workspace, key=f"push-{k}").exists():
            kpis.create_kpi(access, name=f"Push {k}", key=f"push-{k}")
    client, auth = Client(), {"Authorization": f"Bearer {secret}"}
    start_day = date(1990, 1, 1)
    bodies = []
    for b in range(batches):
        first = start_day + timedelta(days=b * PUSH_DAYS)
        points = [
            {"kpi": f"push-{k}", "date": (first + timedelta(days=d)).isoformat(),
             "value": (k * 7 + s * 3 + d) % 97, "dimension": {"segment": f"s{s:02d}"}}
            for k in range(PUSH_KPIS) for s in range(SEGMENTS) for d in range(PUSH_DAYS)
        ]  # fmt: skip
        bodies.append(json.dumps({"points": points}))
    per_batch, total = [], 0
    started, started_cpu = time.perf_counter(), time.process_time()
    for body in bodies:
        t = time.perf_counter()
        response = client.post(
            f"/api/v1/workspaces/{slug}/points", body, content_type="application/json", headers=auth
        )
        per_batch.append(time.perf_counter() - t)
        assert response.status_code == 200, response.content[:300]
        total += response.json()["stored"]
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return {
        "points_per_cpu_second": round(total / cpu),
        "batches": batches, "points_per_batch": PUSH_KPIS * SEGMENTS * PUSH_DAYS, "points": total,
        "seconds": round(seconds, 2), "points_per_second": round(total / seconds),
        "best_batch_points_per_second": round(PUSH_KPIS * SEGMENTS * PUSH_DAYS / min(per_batch)),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kpis", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--push-batches", type=int, default=10)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    django_bench.start(args.data_dir, prefix="northline-metrics-bench-")
    from django.test import Client

    from northline.accounts import services as accounts
    from northline.core.access import Actor, load
    from northline.metrics.models import DataPoint

    user, slug, load_seconds = build(args.kpis)
    points = DataPoint.objects.filter(
        kpi__workspace__slug=slug, kpi__key__startswith="kpi-"
    ).count()
    middle = args.kpis // 2
    check_same_numbers(middle)
    client = Client()
    client.force_login(user)
    page = f"/w/{slug}/metrics/kpis/kpi-{middle}/"
    pages = {
        unit: timed(client, f"{page}?window=all&granularity={unit}", args.requests)
        for unit in GRANULARITIES
    }
    pages["default (last year per day)"] = timed(client, page, args.requests)
    duck, duck_load = duckdb_times(args.kpis, middle, args.requests)
    ratios = {u: round(pages[u]["p50_ms"] / duck[u]["p50_ms"], 1) for u in GRANULARITIES}
    _, secret = accounts.create_token(load(Actor(user), slug), f"bench {time.time()}", "editor")
    ingest = push(slug, secret, args.push_batches) if args.push_batches else {}
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "date": date.today().isoformat(),
        "kpis": args.kpis, "segments": SEGMENTS, "days": DAYS, "points": points,
        "load_seconds": round(load_seconds, 1), "duckdb_load_seconds": round(duck_load, 1),
        "page_ms": pages, "duckdb_ms": duck, "page_to_duckdb_p50": ratios, "push": ingest,
    }  # fmt: skip
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
