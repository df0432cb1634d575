"""Would a compiled kernel make the join's exact pair scores cheaper? An experiment, not a
dependency: numba is not one of Northline's (install it beside the bench: `pip install numba`).

    python bench/pair_kernel_bench.py --corpus import|processing --n 100000

Indexes the corpus's first N - 2,000 texts, then the last 2,000 as processing does, takes the
join's candidate pairs of those 2,000 (`_bulk_candidates`), and scores the same pairs twice:
with `DuplicateIndex._pair_scores` (scipy's sparse element-wise product, what runs), and with
a numba loop that merges each pair's query terms with the candidate's packed postings read in
place (no CSR copies of the candidates). Prints the CPU of each (best of 5), the largest
difference of the scores, and the CPU of each step of the kernel's path per feature space.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# after PYTHONPATH, so that another checkout's code can be measured with this script
sys.path.append(str(Path(__file__).resolve().parent.parent))

import numba
import numpy as np
from join_bench import corpus

from northline.insights.text import duplicates

BATCH = 2000


@numba.njit(cache=False)
def pair_dots(
    q_indptr: Any, q_terms: Any, q_weights: Any, rows: Any, starts: Any, ends: Any,
    packed: Any, tf: Any, out: Any,
) -> None:  # fmt: skip
    for pair in range(rows.shape[0]):
        i, i_end = q_indptr[rows[pair]], q_indptr[rows[pair] + 1]
        j, j_end = starts[pair], ends[pair]
        total = 0.0
        while i < i_end and j < j_end:
            term = packed[j] >> 8
            if q_terms[i] == term:
                total += q_weights[i] * tf[packed[j] & 255]
                i += 1
                j += 1
            elif q_terms[i] < term:
                i += 1
            else:
                j += 1
        out[pair] = total


def flat(block: Any) -> tuple[np.ndarray, np.ndarray]:
    """A feature space's chunks as one packed array and its row pointers (built once)."""
    sizes = np.cumsum([0] + [chunk.packed.shape[0] for chunk in block.chunks])
    packed = np.concatenate([chunk.packed for chunk in block.chunks])
    pointers = [chunk.indptr[:-1] + sizes[n] for n, chunk in enumerate(block.chunks)]
    return packed, np.concatenate([*pointers, [sizes[-1]]])


def kernel_scores(
    index: Any, flats: list[Any], positions: np.ndarray, rows: np.ndarray, docs: np.ndarray,
    steps: dict[str, float],
) -> np.ndarray:  # fmt: skip
    total = np.zeros(rows.shape[0], dtype=np.float64)
    tf_table = duplicates._TF.astype(np.float64)
    for block, (packed, pointers) in zip((index._word, index._char), flats, strict=True):
        name = "word" if block is index._word else "char"
        start = time.process_time()
        held, back = np.unique(positions, return_inverse=True)
        weights, query_norms = block.batch_weights(
            block.tf_rows(held)[back], len(index._ids), index.max_query_terms
        )
        middle = time.process_time()
        dots = np.zeros(rows.shape[0], dtype=np.float64)
        pair_dots(
            weights.indptr.astype(np.int64), weights.indices.astype(np.int64), weights.data,
            rows, pointers[docs], pointers[docs + 1], packed, tf_table, dots,
        )  # fmt: skip
        end = time.process_time()
        steps[f"{name}: query weights"] = middle - start
        steps[f"{name}: kernel"] = end - middle
        norms = block.norms[docs].astype(np.float64) * query_norms[rows]
        total += np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)
    return (total / 2).astype(np.float32)


def best_cpu(function: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    spent, out = [], np.zeros(0)
    for _ in range(5):
        start = time.process_time()
        out = function()
        spent.append(time.process_time() - start)
    return min(spent), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["import", "processing"], default="import")
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    texts = corpus(args.corpus, args.n)
    index = duplicates.DuplicateIndex()
    for first in range(0, args.n, BATCH):
        part = range(first, min(first + BATCH, args.n))
        index.add([str(i) for i in part], texts[part.start : part.stop])
    positions = np.arange(args.n - BATCH, args.n)
    prepared = [duplicates.index_text(text) for text in texts[-BATCH:]]
    divisors = np.where(index._char.norms > 0, index._char.norms, np.inf)
    stems = index._postings.recent_rows(positions)
    rows, docs = index._bulk_candidates(BATCH, prepared, stems, divisors)
    flats = [flat(index._word), flat(index._char)]
    steps: dict[str, float] = {}
    kernel_scores(index, flats, positions, rows, docs, steps)  # compiles the kernel
    now, reference = best_cpu(lambda: index._pair_scores(BATCH, prepared, positions, rows, docs))
    kernel, scores = best_cpu(lambda: kernel_scores(index, flats, positions, rows, docs, steps))
    print(f"{args.corpus} corpus, {args.n:,} texts indexed, {rows.shape[0]:,} pairs of {BATCH:,} "
          f"texts; numba {numba.__version__}")  # fmt: skip
    print(f"scipy (what runs): {now * 1000:.1f} ms CPU; numba kernel: {kernel * 1000:.1f} ms "
          f"CPU; largest difference {np.abs(scores - reference).max():.1e}")  # fmt: skip
    print("kernel path, last run: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in steps.items()))


if __name__ == "__main__":
    main()
