"""Processing benchmarks of insights (issue 3, "Speed and scale"; not part of the test suite).

Builds a throw-away SQLite data directory with generated feedback (template sentences over a
few hundred product words, so texts repeat needs in different words) and measures:

  throughput  items/s of `processing.process` for the lexical tier in batches of 2000 on
              --process items: type + sentiment + language, indexing, near-duplicates among
              everything indexed so far, similar features, storing (with its CPU per item);
              plus classification alone, and the CPU of one full re-cluster of every item;
              the batches' CPU per item by tenth of the run (what grows with the index)
  update      the results UPDATE of --process items as a statement per row through the tally's
              row trigger, as one staged statement (`update_feedback`, decision 0049), and a
              statement per row with temp_store=MEMORY (user and system CPU)
  similar     the "similar feedback" API (GET /api/v1/workspaces/<slug>/feedback/similar)
              at --similar items: p50/p95/p99 of complete Django requests (test client:
              routing, session, access check, queries, JSON; no network) after the index was
              built by a snapshot, as a worker would, and loaded once by the process; and the
              same queries on the engine's index alone (what is ours is the difference)
  inbox       the feedback list page with filters at --inbox items: p95 server time of
              GET /w/<slug>/insights/ with the type, sentiment, language and theme filters,
              and the text search ?q= (a rare word, a common one, two words, a prefix);
              on a local PostgreSQL also the server backend's CPU per request
  seed        how good the default (seed) models are before any correction, on public data
              (and how long fitting them takes: once per process, at first use)
              (--data: NLBSE'24 issues for type, Senti4SD for sentiment): macro-F1

    python bench/processing_bench.py [--part all|throughput|similar|inbox|seed|update]
        [--process 20000] [--similar 200000] [--inbox 1000000] [--requests 200] [--json FILE]
        [--repeat N] [--only NAME]   (inbox: requests per page; only the pages named so)
        [--data-dir DIR]
        [--data ../shared/data/feedback]
        [--profile N]   (throughput: cProfile of the last N batches, ms per 1,000 items)
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import resource
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import django_bench

ROOT = Path(__file__).resolve().parent.parent
WORDS = str.split(
    "app dashboard report export import csv excel pdf invoice billing payment card plan "
    "subscription login password sso okta google account team member invite role permission "
    "search filter sort tag label comment mention notification email slack webhook api token "
    "mobile android iphone tablet desktop browser safari firefox chrome offline sync upload "
    "download file image photo video calendar reminder deadline task project board column "
    "card timeline gantt chart graph widget theme dark mode font layout sidebar menu button "
    "page form field date time zone language translation currency tax refund discount trial "
    "onboarding tutorial documentation support ticket chat speed performance crash error bug "
    "freeze lag memory battery storage backup restore archive delete undo history audit log "
    "integration zapier jira github salesforce hubspot stripe paypal keyboard shortcut "
    "accessibility contrast screen reader print share link public private folder template"
)
TEMPLATES = (
    "The {a} crashes when I open the {b}",
    "Please add {a} support to the {b}",
    "How do I change the {a} of my {b}?",
    "Love the new {a}, the {b} is great",
    "The {a} is too slow and the {b} keeps failing, very frustrating",
    "It would be great to export the {a} from the {b}",
    "Error when saving the {a} in the {b}",
    "Can you integrate the {a} with the {b}?",
    "{a} {b} does not work since the update",
    "Thanks for the quick fix of the {a} {b}",
)
KINDS = ("bug", "feature_request", "question", "praise", "complaint", "other")
MOODS = ("positive", "neutral", "negative")
LANGS = ("en", "en", "en", "de", "fr", "es")


def texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
        out.append(rng.choice(TEMPLATES).format(a=a, b=b) + f", {c} {rng.choice(WORDS)}")
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    at = lambda q: round(samples[min(len(samples) - 1, int(q * len(samples)))], 1)  # noqa: E731
    return {"p50_ms": round(statistics.median(samples), 1), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "max_ms": round(samples[-1], 1)}  # fmt: skip


def workspace(name: str) -> tuple[Any, Any]:
    from northline.accounts import services as accounts
    from northline.accounts.models import User

    user = User.objects.create_user(f"{name}@example.com", "bench-password-123", name=name)
    return user, accounts.create_workspace(user, name)


def insert(ws: Any, n: int, seed: int, **fields: Any) -> None:
    """n feedback rows in chunks (bulk_create); `fields` are fixed or callables of the rng."""
    from northline.insights.models import Feedback

    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    chunk = 20_000
    for offset in range(0, n, chunk):
        batch = texts(min(chunk, n - offset), seed + offset)
        rows = []
        for i, text in enumerate(batch):
            extra = {k: (v(rng, offset + i) if callable(v) else v) for k, v in fields.items()}
            rows.append(Feedback(workspace=ws, text=text, source="import",
                                 received_at=start + timedelta(minutes=offset + i), **extra))  # fmt: skip
        Feedback.objects.bulk_create(rows, batch_size=2000)


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's ended children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_throughput(n: int, profile: int = 0) -> dict[str, Any]:
    from northline.core.access import Actor, load
    from northline.insights.models import Feedback
    from northline.insights.services import learning, processing, themes
    from northline.planning.services import features

    user, ws = workspace("throughput")
    access = load(Actor(user), ws.slug)
    for title in ("Dark mode", "Export to Excel", "SSO with Okta", "Offline mode", "Slack alerts"):
        features.create_feature(access, title)
    insert(ws, n, 1)
    ids = list(Feedback.objects.filter(workspace=ws).order_by("pk").values_list("pk", flat=True))
    sample = texts(n, 1)
    learning.seed_classifier("type", "lexical")
    learning.seed_classifier("sentiment", "lexical")
    started = time.perf_counter()
    learning.seed_classifier("type", "lexical").predict(sample)
    learning.seed_classifier("sentiment", "lexical").predict(sample)
    classify = time.perf_counter() - started
    started, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
    batches = range(0, len(ids), processing.BATCH)
    per_batch: list[float | None] = []  # CPU seconds of each batch: what grows with the index
    # With --profile N: the first N batches (after one to warm up) and the last N, apart.
    first, last = cProfile.Profile(time.process_time), cProfile.Profile(time.process_time)
    stages = timed_stages()
    next(stages)  # the stages wrapped
    for number, at in enumerate(batches):
        profiler = None
        if profile and 1 <= number <= profile:
            profiler = first
        elif profile and number >= max(len(batches) - profile, profile + 1):
            profiler = last
        batch_cpu = time.process_time()
        if profiler is not None:
            profiler.enable()
        processing.process(ws, ids[at : at + processing.BATCH])
        if profiler is not None:
            profiler.disable()
        # A profiled batch's CPU holds the profiler's: left out of the tenths.
        per_batch.append(None if profiler else time.process_time() - batch_cpu)
        stages.send(profiler is not None)
    stage_tenths = stages.send(None)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    children = children_cpu() - children  # the batches' forked children (decision 0043)
    assert Feedback.objects.filter(workspace=ws, processed_at__isnull=True).count() == 0
    recluster = time.process_time()
    themes.recluster(ws)  # what processing queues when the drift is due, once, on every item
    recluster = time.process_time() - recluster
    result = {"items": n, "seconds": round(seconds, 1), "items_per_s": round(n / seconds),
            "cpu_ms_per_item": round((cpu + children) / n * 1000, 3),
            "worker_cpu_s": round(cpu, 1), "children_cpu_s": round(children, 1),
            "children_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "full_recluster_cpu_s": round(recluster, 1), "load": round(os.getloadavg()[0], 1),
            "classify_only_items_per_s": round(n / classify),
            "batch_cpu_ms_per_item_by_tenth": tenths(per_batch, processing.BATCH),
            "stage_cpu_ms_per_item_first_last_tenth": {
                name: [cpu[0], cpu[-1]] for name, cpu in stage_tenths.items()}}  # fmt: skip
    if profile:
        result["profile_first_batches"] = profile_lines(first, profile * processing.BATCH)
        result["profile_last_batches"] = profile_lines(last, profile * processing.BATCH)
    return result


def timed_stages() -> Any:
    """A generator timing the stages of `processing.process` (CPU seconds per batch, each
    stage's function wrapped while it runs): send it False after each batch (True for a
    profiled one, left out), then None to restore the functions and get each stage's
    `tenths`. The join's figure holds the index catch-up it starts, shown apart too."""
    from northline.insights.services import processing, similarity, themes

    wrapped = {
        "numbering": (processing, "_index"),
        "labels (type, sentiment, language, features)": (processing, "_labels"),
        "join (with its catch-up)": (similarity, "similar_indexed"),
        "index catch-up": (similarity, "_catch_up"),
        "results UPDATE": (processing, "update_feedback"),
        "similar pairs stored": (processing, "_store_similar"),
        "themes placed": (themes, "assign"),
        "snapshot": (similarity, "write_snapshot"),
    }
    spent = dict.fromkeys(wrapped, 0.0)
    originals = {name: getattr(module, attribute) for name, (module, attribute) in wrapped.items()}

    def timed(name: str, function: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - started

        return run

    for name, (module, attribute) in wrapped.items():
        setattr(module, attribute, timed(name, originals[name]))
    per_batch: dict[str, list[float | None]] = {name: [] for name in wrapped}
    try:
        while (profiled := (yield)) is not None:
            for name in wrapped:
                per_batch[name].append(None if profiled else spent[name])
                spent[name] = 0.0
    finally:
        for name, (module, attribute) in wrapped.items():
            setattr(module, attribute, originals[name])
    yield {name: tenths(cpu, processing.BATCH) for name, cpu in per_batch.items()}


def tenths(per_batch: list[float | None], size: int) -> list[float]:
    """Mean CPU per item (ms) of the batches in each tenth of the run, first to last (flat
    when nothing grows with the index); batches without a figure (None) left out."""
    cut = max(1, len(per_batch) // 10)
    parts = [
        [c for c in per_batch[at : at + cut] if c is not None]
        for at in range(0, len(per_batch), cut)
    ]
    return [round(sum(part) / len(part) / size * 1000, 3) for part in parts if part]


def profile_lines(profiler: cProfile.Profile, items: int, top: int = 40) -> list[str]:
    """The profiled batches' functions by cumulative time, as ms per 1,000 items."""
    profiler.create_stats()
    if not profiler.stats:  # type: ignore[attr-defined]
        return []  # too few batches for this part
    stats = pstats.Stats(profiler)
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][3])[:top]  # type: ignore[attr-defined]
    return [
        f"{ct / items * 1e6:8.1f} cum {tt / items * 1e6:8.1f} own ms/1k  {Path(f).name}:{line} {name}"
        for (f, line, name), (_, _, tt, ct, _) in rows
    ]


def bench_update(n: int) -> dict[str, Any]:
    """The results UPDATE of processing (type, sentiment, language of batches of 2000) on n
    items, three ways, each on its own n items: a statement per row through the tally's row
    trigger (a statement journal per row), one statement per batch from a staging table
    (`update_feedback`, decision 0049), and a statement per row with `PRAGMA
    temp_store=MEMORY` (the journal kept in memory). User and system CPU seconds of each
    (getrusage: SQLite runs in this process)."""
    from django.db import connection, transaction

    from northline.insights.models import Feedback
    from northline.insights.services import processing
    from northline.insights.services.bulk_insert import update_feedback
    from northline.insights.services.rows import update_rows

    # name: (how the batch is written, the temp_store of the connection meanwhile)
    ways = {"row trigger": (update_rows, "DEFAULT"),
            "one staged statement": (update_feedback, "DEFAULT"),
            "row trigger, temp_store=MEMORY": (update_rows, "MEMORY")}  # fmt: skip
    results: dict[str, Any] = {"items": n, "batch": processing.BATCH}
    rng = random.Random(5)
    for name, (way, temp_store) in ways.items():
        _, ws = workspace(f"update{len(results)}")
        insert(ws, n, 7)
        rows = list(Feedback.objects.filter(workspace=ws).order_by("pk").only(
            "workspace_id", *processing.RESULT_FIELDS))  # fmt: skip
        for row in rows:
            row.kind, row.sentiment = rng.choice(KINDS), rng.choice(MOODS)
            row.language, row.processed_at = rng.choice(LANGS), datetime.now(UTC)
        with connection.cursor() as cursor:  # not settable inside a transaction
            cursor.execute(f"PRAGMA temp_store = {temp_store}")
        before = resource.getrusage(resource.RUSAGE_SELF)
        for at in range(0, n, processing.BATCH):
            with transaction.atomic():
                way(rows[at : at + processing.BATCH], processing.RESULT_FIELDS)
        after = resource.getrusage(resource.RUSAGE_SELF)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA temp_store = DEFAULT")
        results[name] = {"user_s": round(after.ru_utime - before.ru_utime, 2),
                         "system_s": round(after.ru_stime - before.ru_stime, 2),
                         "load": round(os.getloadavg()[0], 1)}  # fmt: skip
    return results


def bench_similar(n: int, requests: int) -> dict[str, Any]:
    from django.test import Client

    from northline.accounts.models import User, Workspace
    from northline.insights.models import TextSettings
    from northline.insights.services import similarity

    reused = Workspace.objects.filter(slug="similar").first()  # --data-dir of an earlier run
    build = None
    if reused is None:
        user, ws = workspace("similar")
        insert(ws, n, 2, indexed_seq=lambda rng, i: i + 1, processed_at=datetime.now(UTC))
        TextSettings.objects.update_or_create(workspace=ws, defaults={"next_seq": n})
        started = time.perf_counter()
        similarity.write_snapshot(ws, "lexical")
        build = round(time.perf_counter() - started, 1)
    else:
        ws, user = reused, User.objects.get(email="similar@example.com")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    similarity.forget(ws)
    client = Client()
    client.force_login(user)
    url = f"/api/v1/workspaces/{ws.slug}/feedback/similar"
    started = time.perf_counter()
    assert client.get(url, {"text": "warm up"}).status_code == 200
    first = time.perf_counter() - started
    samples = []
    cpu = time.process_time()
    for query in texts(requests, 99):
        started = time.perf_counter()
        response = client.get(url, {"text": query, "k": 5})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response.json(), response.content
    api_cpu_ms = (time.process_time() - cpu) * 1000 / requests
    api_load = os.getloadavg()[0]
    index = similarity.index_for(ws, "lexical")
    engine = []
    for query in texts(requests, 99):
        started = time.perf_counter()
        index.query(query, 11)
        engine.append((time.perf_counter() - started) * 1000)
    return {"items": n, "snapshot_build_s": build, "first_request_s": round(first, 2),
            "peak_rss_mb": round(peak_mb),
            "api": percentiles(samples) | {"cpu_ms_per_request": round(api_cpu_ms, 1),
                                           "load_avg_1min": api_load},
            "engine_query_only": percentiles(engine)}  # fmt: skip


def rare_word(ws: Any) -> None:
    """A word in 100 titles spread over the million (the generated texts have only common
    words), for the search of a rare word; a plain UPDATE, which the text index follows."""
    from django.db.models import Max, Min

    from northline.insights.models import Feedback

    rows = Feedback.objects.filter(workspace=ws)
    if not rows.filter(title="Kubernetes rollout").exists():
        span = rows.aggregate(first=Min("pk"), last=Max("pk"))
        step = max(1, (span["last"] - span["first"]) // 100)
        rows.filter(pk__in=range(span["first"], span["last"] + 1, step)[:100]).update(
            title="Kubernetes rollout"
        )


def server_cpu() -> float | None:
    """CPU seconds of the PostgreSQL backend serving this connection, when the server runs on
    this machine (its /proc entry is readable); parallel workers are not included. None on
    SQLite, whose queries run in the bench's own process (its CPU time counts them)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def bench_inbox(n: int, requests: int, only: str = "") -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from northline.accounts.models import User, Workspace
    from northline.insights.models import Theme

    reused = Workspace.objects.filter(slug="inbox").first()  # --data-dir of an earlier run
    if reused is None:
        user, ws = workspace("inbox")
        themes = [
            Theme.objects.create(workspace=ws, label=f"theme {i}", size=n // 40) for i in range(40)
        ]
        started = time.perf_counter()
        insert(
            ws, n, 3,
            kind=lambda rng, i: rng.choice(KINDS), kind_confidence=0.8,
            sentiment=lambda rng, i: rng.choice(MOODS), sentiment_confidence=0.7,
            language=lambda rng, i: rng.choice(LANGS), language_confidence=0.9,
            theme_id=lambda rng, i: themes[rng.randrange(40)].pk,
            status=lambda rng, i: "archived" if rng.random() < 0.1 else "new",
        )  # fmt: skip
        load = round(time.perf_counter() - started, 1)
    else:
        ws, load = reused, None
        user = User.objects.get(email="inbox@example.com")
        themes = list(Theme.objects.filter(workspace=ws).order_by("pk"))
    rare_word(ws)
    with connection.cursor() as cursor:  # statistics for every index, new ones included
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(user)
    base = f"/w/{ws.slug}/insights/"
    urls = {
        "type": f"{base}?type=bug",
        "type+sentiment": f"{base}?type=feature_request&sentiment=negative",
        "type+sentiment+language": f"{base}?type=bug&sentiment=negative&language=de",
        "language": f"{base}?language=de",
        "source+type, archived tab": f"{base}?source=import&type=bug&status=archived",
        "theme": f"{base}?theme={themes[7].pk}",
        "theme+type, page 20": f"{base}?theme={themes[3].pk}&type=question&page=20",
        "no filter": base,
        "no filter, page 200": f"{base}?page=200",
        "assignee=me": f"{base}?assignee=me",
        "source=sales (rare)": f"{base}?source=sales",
        "search q, no match": f"{base}?q=zzz-not-there",
        "search q, rare word (100 items)": f"{base}?q=kubernetes",
        "search q, common word (~12%)": f"{base}?q=export",
        "search q, two words": f"{base}?q=export+csv",
        "search q, prefix": f"{base}?q=expor",
        "search q + type": f"{base}?q=export&type=bug",
        "search q, every item": f"{base}?q=the",
        "search q, no match + type": f"{base}?q=zzz-not-there&type=bug",
        "search q, rare word + type": f"{base}?q=kubernetes&type=bug",
        "search q, two words + type": f"{base}?q=export+csv&type=bug",
        "search q, prefix + type": f"{base}?q=expor&type=bug",
        "search q, every item + type": f"{base}?q=the&type=bug",
        "search q + theme": f"{base}?q=export&theme={themes[7].pk}",
        "search q, every item + theme": f"{base}?q=the&theme={themes[7].pk}",
        "search q, every item, archived tab": f"{base}?q=the&status=archived",
        "search q, every item, page 300": f"{base}?q=the&page=300",
    }
    results = {}
    for name, url in urls.items():
        if only and only not in name:
            continue
        client.get(url)
        samples = []
        cpu, server = time.process_time(), server_cpu()
        repeat = requests
        for _ in range(repeat):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            samples.append((time.perf_counter() - started) * 1000)
        cpu_ms = (time.process_time() - cpu) * 1000 / repeat
        results[name] = percentiles(samples) | {
            "cpu_ms_per_request": round(cpu_ms, 1), "load_avg_1min": os.getloadavg()[0],
        }  # fmt: skip
        if server is not None:
            used = server_cpu()
            results[name]["server_cpu_ms_per_request"] = round((used - server) * 1000 / repeat, 1)
    return {"items": n, "load_s": load, "pages": results}


def bench_seed(data: Path) -> dict[str, Any]:
    """The seed models on data nobody wrote for them (labels outside the data's set count as
    errors: a bug called a complaint is wrong here)."""
    import csv

    from sklearn.metrics import f1_score

    from northline.insights.services import learning
    from northline.insights.text.preprocess import issue_text

    csv.field_size_limit(2**31 - 1)
    fits: dict[str, dict[str, float]] = {}
    for task in learning.TASKS:  # the start-up cost: each process fits both once
        wall, cpu = time.perf_counter(), time.process_time()
        learning.seed_classifier(task, "lexical")
        fits[task] = {"wall_s": round(time.perf_counter() - wall, 2),
                      "cpu_s": round(time.process_time() - cpu, 2)}  # fmt: skip
    with (data / "nlbse24_issues_train.csv").open(encoding="utf-8", newline="") as handle:
        issues = list(csv.DictReader(handle))
    names = {"bug": "bug", "feature": "feature_request", "question": "question"}
    truth = [names[r["label"]] for r in issues]
    typed = learning.seed_classifier("type", "lexical").predict(
        [issue_text(r["title"], r["body"]) for r in issues]
    )
    with (data / "senti4sd_train.csv").open(encoding="utf-8", newline="") as handle:
        posts = list(csv.reader(handle, delimiter=";"))
    moods = learning.seed_classifier("sentiment", "lexical").predict([p[2] for p in posts])
    return {
        "type_macro_f1_nlbse": round(float(f1_score(truth, [p.label for p in typed],
                                                    labels=list(names.values()), average="macro")), 3),
        "type_items": len(issues),
        "sentiment_macro_f1_senti4sd": round(float(f1_score([p[1] for p in posts], [p.label for p in moods],
                                                            labels=list(learning.SENTIMENTS), average="macro")), 3),
        "sentiment_items": len(posts),
        "seed_items": len(learning.seed()), "fit": fits, "load_average": os.getloadavg(),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part",
        default="all",
        choices=("all", "throughput", "similar", "inbox", "seed", "update"),
    )
    parser.add_argument("--process", type=int, default=20_000)
    parser.add_argument("--similar", type=int, default=200_000)
    parser.add_argument("--inbox", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--profile", type=int, default=0, help="throughput: cProfile the last N batches"
    )
    parser.add_argument(
        "--repeat", type=int, help="inbox: requests per page (default requests / 5, at least 20)"
    )
    parser.add_argument("--only", default="", help="inbox: only the pages whose name holds this")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the database here; a second run reuses its inbox"
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "feedback")
    args = parser.parse_args()
    django_bench.start(args.data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    report: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    if args.part in ("all", "throughput"):
        report["throughput"] = bench_throughput(args.process, args.profile)
        print(json.dumps(report["throughput"]), flush=True)
        for part in ("profile_first_batches", "profile_last_batches"):
            print(part, *report["throughput"].get(part, []), sep="\n", flush=True)
    if args.part == "update":
        report["update"] = bench_update(args.process)
        print(json.dumps(report["update"]), flush=True)
    if args.part in ("all", "similar"):
        report["similar"] = bench_similar(args.similar, args.requests)
        print(json.dumps(report["similar"]), flush=True)
    if args.part in ("all", "inbox"):
        repeat = args.repeat or max(20, args.requests // 5)
        report["inbox"] = bench_inbox(args.inbox, repeat, args.only)
        print(json.dumps(report["inbox"]), flush=True)
    if args.part in ("all", "seed"):
        report["seed"] = bench_seed(args.data)
        print(json.dumps(report["seed"]), flush=True)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
