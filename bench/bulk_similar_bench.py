"""Bulk near-duplicates: `DuplicateIndex.similar_many` (the similarity join bulk processing
stores) against `query_many` (one ranked query per text, what processing used before), on the
same index and the same sample of texts, in one run.

Run from the repository root:
`python bench/bulk_similar_bench.py --corpus real|firefox-synthetic|import [--n N] [--sample S]`.

- `real`: every text of ../shared/data (Firefox duplicates, NLBSE'24 issues as title + body,
  Senti4SD), about 7,000 real texts; `--n` is ignored.
- `firefox-synthetic`: `--n` texts of Firefox titles with 25 random words of its vocabulary
  (`bench/text_bench.py`).
- `import`: `--n` rows of `bench/import_bench.py`'s CSV (title + text): 24 words in all, so
  every text reads like thousands of others.

The sample is the newest `--sample` texts (the batch being processed is the newest part of the
index). What is stored is a thresholded top-k (`processing.SIMILAR_K` = 5 neighbours with a
score >= `SIMILAR_MIN` = 0.3); the bench prints the recall of `query_many`'s stored pairs by
`similar_many`, the share of texts whose best neighbour is the same, how much of each top-5's
summed score `similar_many` keeps, and the CPU time per text of each (with the load average:
the machine is shared).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import WORDS
from text_bench import DATA, synthetic

from northline.insights.text.duplicates import DuplicateIndex

K, MIN_SCORE = 5, 0.3


def real_texts() -> list[str]:
    csv.field_size_limit(sys.maxsize)
    texts: list[str] = []
    for name, column in (("firefox_duplicates.csv", "text"), ("nlbse24_issues_train.csv", "")):
        with (DATA / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts.append(row[column] if column else f"{row['title']}\n{row['body']}")
    with (DATA / "senti4sd_train.csv").open(encoding="utf-8") as handle:
        texts.extend(row[2] for row in csv.reader(handle, delimiter=";") if len(row) > 2)
    return texts


def import_texts(n: int) -> list[str]:
    """The texts `import_bench.generate` writes (same generator, same seed)."""
    rng = random.Random(7)
    out = []
    for row in range(n):
        rng.randrange(10_000)
        words = " ".join(rng.choices(WORDS, k=rng.randrange(8, 30)))
        out.append(f"About {rng.choice(WORDS)}\nCustomer {row} says: {words}")
        rng.choice(WORDS), rng.randrange(1, 6), rng.choice(WORDS), rng.choice(WORDS)
    return out


def stored(hits: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return [hit for hit in hits if hit[1] >= MIN_SCORE][:K]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=("real", "firefox-synthetic", "import"), default="real")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--pool", type=int, default=None, help="bulk_pool (default: the index's)")
    parser.add_argument("--postings", type=int, default=None, help="bulk_postings")
    args = parser.parse_args()
    if args.corpus == "real":
        texts = real_texts()
    elif args.corpus == "import":
        texts = import_texts(args.n)
    else:
        texts = synthetic(args.n, 1)
    index = DuplicateIndex()
    if args.pool:
        index.bulk_pool = args.pool
    if args.postings:
        index.bulk_postings = args.postings
    cpu = time.process_time()
    index.add([str(i) for i in range(len(texts))], texts)
    print(f"{args.corpus}: {len(texts):,} texts indexed in {time.process_time() - cpu:.1f} s CPU")
    first = len(texts) - args.sample
    sample, excludes = texts[first:], [str(i) for i in range(first, len(texts))]
    cpu = time.process_time()
    reference = [stored(h) for h in index.query_many(sample, K * 2 + 1, excludes=excludes)]
    ranked = time.process_time() - cpu
    cpu = time.process_time()
    bulk = index.similar_many(sample, K, min_score=MIN_SCORE, excludes=excludes)
    joined = time.process_time() - cpu
    cpu = time.process_time()
    held = index.similar_indexed(excludes, sample, K, min_score=MIN_SCORE)
    indexed = time.process_time() - cpu
    same = sum(h == b for h, b in zip(held, bulk, strict=True)) / len(sample)
    pairs = sum(len(r) for r in reference)
    found = sum(
        len({d for d, _ in r} & {d for d, _ in b}) for r, b in zip(reference, bulk, strict=True)
    )
    with_any = [(r, b) for r, b in zip(reference, bulk, strict=True) if r]
    top1 = sum(bool(b) and b[0][0] == r[0][0] for r, b in with_any)
    kept = sum(sum(s for _, s in b) for b in bulk) / max(
        1e-9, sum(sum(s for _, s in r) for r in reference)
    )
    print(f"bulk_pool {index.bulk_pool}, bulk_postings {index.bulk_postings:,}; "
          f"sample {len(sample):,} newest texts, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"query_many: {ranked / len(sample) * 1000:.2f} ms CPU per text, {pairs:,} stored pairs, "
          f"{len(with_any):,} texts with one at least")  # fmt: skip
    print(f"similar_many: {joined / len(sample) * 1000:.3f} ms CPU per text, "
          f"{sum(len(b) for b in bulk):,} pairs")  # fmt: skip
    print(f"similar_indexed (the texts' counts read from the index): "
          f"{indexed / len(sample) * 1000:.3f} ms CPU per text, the same answers as "
          f"similar_many for {same:.1%} of the texts")  # fmt: skip
    print(f"recall of the stored pairs {found / max(1, pairs):.3f}, same top-1 "
          f"{top1 / max(1, len(with_any)):.3f}, summed score kept {kept:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
