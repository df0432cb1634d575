"""The worker's CPU per item in the near-duplicate join and the labels, engine only (no Django,
no database), on an index of N texts saved once (decision 0050; not part of the test suite).

    python bench/join_bench.py build --corpus processing|import --n 100000 --index FILE
    python bench/join_bench.py join --corpus ... --n 100000 --index FILE [--batches 5]
    python bench/join_bench.py labels --corpus ... --n 100000 [--batches 5]
        [--profile N] [--sort tottime|cumulative]   (cProfile of the batches, N lines)

- `build` indexes the corpus's first N texts in batches of 2,000 as processing does (the
  index's catch-up `add`, then `similar_indexed(..., learn=True)`) and saves the index.
- `join` loads it and indexes and joins `--batches` more batches of 2,000: CPU per item of the
  catch-up and of the join, and of the join's stages (pool, exact pair scores, densities).
- `labels` runs type and sentiment (the seed models), language and the similar features of the
  same batches: CPU per item of each.

Both print a digest of everything they computed: for `join` the answers, the densities, the
penalties and the prior; for `labels` every prediction. Run the same command on two
checkouts (`PYTHONPATH=<other checkout> python <other checkout>/bench/join_bench.py ...`): an
equal digest means the same results. The corpora are the processing bench's generated texts
(`processing`) and the import bench's rows (`import`, what the 1M run processes). The load
average is printed beside the figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import hashlib
import os
import pstats
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

# after PYTHONPATH, so that another checkout's code can be measured with this script
sys.path.append(str(Path(__file__).resolve().parent.parent))

import numpy as np
from bulk_similar_bench import import_texts
from processing_bench import texts as processing_texts

from northline.insights.text.classifier import ISSUE_TYPE, SENTIMENT, TextClassifier
from northline.insights.text.duplicates import DuplicateIndex
from northline.insights.text.language import detect_languages
from northline.insights.text.matching import best_matches
from northline.insights.text.preprocess import cleaning_once

BATCH = 2000  # processing.BATCH
K, MIN_SCORE = 5 * 2 + 1, 0.3  # what similarity.similar_indexed asks the index for
FEATURES = ["Dark mode", "Export to Excel", "SSO with Okta", "Offline mode", "Slack alerts"]
SEED = Path(__file__).resolve().parent.parent / "northline/insights/fixtures/seed_feedback.csv"
STAGES = ("_bulk_candidates", "_pair_scores", "_learn_pairs")


def corpus(name: str, n: int) -> list[str]:
    return import_texts(n) if name == "import" else processing_texts(n, 1)


def seed_models() -> tuple[TextClassifier, TextClassifier]:
    """The seed type and sentiment models, as `learning.seed_classifier` fits them."""
    with SEED.open(encoding="utf-8", newline="") as handle:
        rows = [(r["text"], r["type"], r["sentiment"]) for r in csv.DictReader(handle)]
    texts = [r[0] for r in rows]
    kinds = TextClassifier(ISSUE_TYPE).fit(texts, [r[1] for r in rows])
    return kinds, TextClassifier(SENTIMENT).fit(texts, [r[2] for r in rows])


def timed_stages(spent: dict[str, float]) -> None:
    """Wrap the join's stages so that `spent` collects their CPU seconds."""
    for name in STAGES:
        original = getattr(DuplicateIndex, name)

        def run(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_name] = spent.get(_name, 0.0) + time.process_time() - started

        setattr(DuplicateIndex, name, run)


def per_item(spent: dict[str, float], items: int) -> dict[str, float]:
    return {name: round(cpu / items * 1000, 4) for name, cpu in spent.items()}


def build(texts: list[str], n: int, path: str) -> None:
    index = DuplicateIndex()
    cpu = time.process_time()
    for first in range(0, n, BATCH):
        ids, batch = [str(i) for i in range(first, first + BATCH)], texts[first : first + BATCH]
        with cleaning_once():
            index.add(ids, batch)
            index.similar_indexed(ids, batch, K, min_score=MIN_SCORE, learn=True)
    print(f"built {len(index):,} texts in {time.process_time() - cpu:.1f} s CPU")
    index.save(path)


def join(texts: list[str], n: int, batches: int, path: str, digest: Any) -> dict[str, Any]:
    index = DuplicateIndex.load(path)
    spent = {"catch-up (add)": 0.0, "join": 0.0}
    stages: dict[str, float] = {}
    timed_stages(stages)
    for number in range(batches):
        first = n + number * BATCH
        ids, batch = [str(i) for i in range(first, first + BATCH)], texts[first : first + BATCH]
        with cleaning_once():
            cpu = time.process_time()
            index.add(ids, batch)
            spent["catch-up (add)"] += time.process_time() - cpu
            cpu = time.process_time()
            found = index.similar_indexed(ids, batch, K, min_score=MIN_SCORE, learn=True)
            spent["join"] += time.process_time() - cpu
        digest.update(repr(found).encode())
    hubs = index.hubness
    for array in (hubs.top, hubs.seen, hubs.penalty(np.arange(len(hubs))), np.float64(hubs.prior)):
        digest.update(np.ascontiguousarray(array).tobytes())
    items = batches * BATCH
    return {"cpu_ms_per_item": per_item(spent, items), "join_stages": per_item(stages, items)}


def labels(texts: list[str], n: int, batches: int, digest: Any) -> dict[str, Any]:
    kinds, moods = seed_models()
    spent = dict.fromkeys(("type", "sentiment", "language", "features"), 0.0)
    for number in range(batches):
        batch = texts[n + number * BATCH : n + (number + 1) * BATCH]
        stages: dict[str, Callable[[], object]] = {
            "type": partial(kinds.predict, batch),
            "sentiment": partial(moods.predict, batch),
            "language": partial(detect_languages, batch),
            "features": partial(best_matches, batch, FEATURES, 3, 0.15),
        }
        with cleaning_once():  # as processing runs its stages (decision 0039)
            for name, stage in stages.items():
                cpu = time.process_time()
                answer = stage()
                spent[name] += time.process_time() - cpu
                digest.update(repr(answer).encode())
    return {"cpu_ms_per_item": per_item(spent, batches * BATCH)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("build", "join", "labels"))
    parser.add_argument("--corpus", choices=("processing", "import"), default="import")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--index", default="", help="the saved index (build writes it)")
    parser.add_argument("--profile", type=int, default=0, help="cProfile: print N lines")
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args()
    if args.part != "labels" and not args.index:
        parser.error(f"{args.part}: --index FILE is needed")
    texts = corpus(args.corpus, args.n + args.batches * BATCH)
    if args.part == "build":
        build(texts, args.n, args.index)
        return
    digest = hashlib.sha256()
    profiler = cProfile.Profile(time.process_time)
    if args.profile:
        profiler.enable()
    if args.part == "join":
        result = join(texts, args.n, args.batches, args.index, digest)
    else:
        result = labels(texts, args.n, args.batches, digest)
    if args.profile:
        profiler.disable()
    result |= {"load": round(os.getloadavg()[0], 1), "digest": digest.hexdigest()[:16]}
    print(result)
    if args.profile:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)


if __name__ == "__main__":
    main()
