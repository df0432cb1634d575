"""Norms between refreshes: how far the stored neighbours drift from those of exact norms.

Processing adds a batch to the duplicate index, then searches the batch's neighbours
(`similar_indexed`, with the hubness learning on); the per-text norms are recomputed only when
the index has grown by `NORM_REFRESH_GROWTH`. This builds the same index in parts of `--part`
texts with the norms refreshed after every part (exact norms: the reference) and with each
growth of `--growth`, and prints, for the pairs stored (5 neighbours with a score >= 0.3, as
processing keeps them): how many, the recall of the reference's pairs, the share of texts with
the same best neighbour, how many raw scores exceed 1 (before `_cosine` caps them) and the
highest, and the CPU seconds in all and in the refreshes.

Run from the repository root:
`python bench/norm_refresh_bench.py [--part 50] [--growth 0.05,0.25]` (about a minute).
The texts are those of `bulk_similar_bench.py --corpus real` (about 7,000 real texts).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk_similar_bench import MIN_SCORE, K, real_texts

from northline.insights.text import duplicates

Pairs = dict[tuple[str, str], float]


def build(texts: list[str], part: int, growth: float) -> tuple[Pairs, float, float]:
    """The pairs stored, the CPU seconds in all and those of the norms' refreshes."""
    duplicates.NORM_REFRESH_GROWTH = growth
    index = duplicates.DuplicateIndex()
    refresh = 0.0
    plain = index._refresh_norms

    def timed() -> None:
        nonlocal refresh
        started = time.process_time()
        plain()
        refresh += time.process_time() - started

    index._refresh_norms = timed  # type: ignore[method-assign]
    pairs: Pairs = {}
    started = time.process_time()
    for first in range(0, len(texts), part):
        ids = [str(i) for i in range(first, min(first + part, len(texts)))]
        batch = texts[first : first + part]
        index.add(ids, batch)
        found = index.similar_indexed(ids, batch, K, min_score=MIN_SCORE, learn=True)
        for doc, hits in zip(ids, found, strict=True):
            pairs.update(((doc, other), score) for other, score in hits)
    return pairs, time.process_time() - started, refresh


def best(pairs: Pairs) -> dict[str, str]:
    top: dict[str, tuple[float, str]] = {}
    for (doc, other), score in pairs.items():
        top[doc] = max(top.get(doc, (-1.0, "")), (score, other))
    return {doc: other for doc, (_, other) in top.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", type=int, default=50)
    parser.add_argument("--growth", default="0.05,0.25")
    args = parser.parse_args()
    texts = real_texts()
    duplicates._cosine = lambda scores: scores.astype(np.float32)  # the raw scores
    exact, cpu, refresh = build(texts, args.part, 0.0)
    print(f"{len(texts)} texts in parts of {args.part}")
    print(f"exact norms: {len(exact)} pairs, CPU {cpu:.1f} s (refreshes {refresh:.1f} s)")
    exact_best = best(exact)
    for growth in (float(value) for value in args.growth.split(",")):
        pairs, cpu, refresh = build(texts, args.part, growth)
        over = [score for score in pairs.values() if score > 1.0 + 1e-6]
        recall = len(exact.keys() & pairs.keys()) / max(len(exact), 1)
        found = best(pairs)
        same = np.mean([found.get(doc) == other for doc, other in exact_best.items()])
        print(
            f"growth {growth}: {len(pairs)} pairs, recall {recall:.3f}, same best {same:.3f}, "
            f"{len(over)} above 1 (highest {max(over, default=1.0):.4f}), "
            f"CPU {cpu:.1f} s (refreshes {refresh:.1f} s)"
        )


if __name__ == "__main__":
    main()
