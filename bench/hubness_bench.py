"""What learning densities as processing does costs against exact densities (decision 0031).

    .venv/bin/python bench/hubness_bench.py [--batch 100] [--order file|shuffled]

The 2,355 Firefox reports are indexed `--batch` at a time, each batch then searched the way
processing searches it (`query_many(..., excludes=its ids, learn=True)`): a report's density is
set by its own search, over the reports before it, and raised by the later ones that find it.
Then every report queries the index through `query` (the two-stage path, itself excluded), and
Recall@5 / MRR are printed three ways: ranked by cosine (no densities), with the densities learnt
incrementally, and with exact ones (each report's own full scan over the final index, as
`northline eval duplicates` computes them). Also: how far the learnt penalties (½ mean + ½ std
of each row, decision 0035) are from the exact ones, and the CPU time of the learning searches; load average printed (a shared VM).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from northline.insights.text.duplicates import DuplicateIndex
from northline.insights.text.hubness import Densities

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "feedback"


def recall(index: DuplicateIndex, texts: list[str], clusters: np.ndarray) -> dict[str, float]:
    """Recall@5 and MRR over the top 5 of every report with a duplicate, through `query`."""
    found, reciprocal, queries = 0, 0.0, 0
    for i, text in enumerate(texts):
        if np.count_nonzero(clusters == clusters[i]) < 2:
            continue
        queries += 1
        hits = index.query(text, 5, exclude=str(i))
        ranks = [r for r, (doc, _) in enumerate(hits, 1) if clusters[int(doc)] == clusters[i]]
        found += bool(ranks)
        reciprocal += 1 / ranks[0] if ranks else 0.0
    return {"recall_at_5": round(found / queries, 4), "mrr_at_5": round(reciprocal / queries, 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--order", choices=["file", "shuffled"], default="file")
    args = parser.parse_args()
    csv.field_size_limit(sys.maxsize)
    with (DATA / "firefox_duplicates.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if args.order == "shuffled":
        rows = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]
    texts, clusters = [r["text"] for r in rows], np.array([r["cluster"] for r in rows])
    ids = [str(i) for i in range(len(texts))]
    load = [round(os.getloadavg()[0], 1)]
    index = DuplicateIndex()
    cpu = time.process_time()
    for first in range(0, len(texts), args.batch):
        batch = slice(first, first + args.batch)
        index.add(ids[batch], texts[batch])
        index.query_many(texts[batch], 11, excludes=ids[batch], learn=True)
    indexing_cpu = time.process_time() - cpu
    learnt = index.hubness
    everyone = np.arange(len(texts))
    exact = Densities()
    exact.extend(len(texts))
    for i, text in enumerate(texts):
        exact.learn(ids, i, everyone, index.similarities(text))
    gap = learnt.penalty(everyone) - exact.penalty(everyone)
    result: dict[str, object] = {"batch": args.batch, "order": args.order}
    unlearnt = Densities()
    unlearnt.extend(len(texts))
    for name, densities in (("cosine", unlearnt), ("learnt", learnt), ("exact", exact)):
        index.hubness = densities
        result[name] = recall(index, texts, clusters)
    load.append(round(os.getloadavg()[0], 1))
    result |= {
        "penalty_gap_mean": round(float(np.mean(gap)), 4),
        "penalty_gap_abs_p95": round(float(np.percentile(np.abs(gap), 95)), 4),
        "indexing_and_learning_cpu_s": round(indexing_cpu, 1),
        "load_avg": load,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
