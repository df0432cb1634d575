"""Themes against known groups: does `cluster_themes` put texts about the same need together?

Two labelled sets, neither used to fit anything:
- `demo`: the demo's 261 feedback items (northline/insights/fixtures/demo_feedback.csv), each
  written for one of 20 needs (`need`: dark mode, Salesforce, pricing, praise, ...);
- `firefox`: the Firefox bug reports of ../shared/data that belong to a group of at least 5
  duplicates (`cluster`): 34 groups, 223 reports, each group one problem.

For each it prints the number of themes the silhouette chose, the adjusted mutual information
with the groups (AMI: 0 is chance, 1 the groups exactly), purity (the share of texts in their
theme's most common group), and the largest theme's size and purity, for each seed (k-means
depends on it). A catch-all theme shows as a large theme with a low purity.

Run from the repository root: `python bench/theme_quality.py [--seeds 0,1,2]`.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_bench import DATA

from northline.insights.text.clustering import cluster_themes

DEMO = Path(__file__).resolve().parents[1] / "northline/insights/fixtures/demo_feedback.csv"
MIN_GROUP = 5


def demo() -> tuple[list[str], list[str]]:
    with DEMO.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [f"{r['title']}\n{r['text']}".strip() for r in rows], [r["need"] for r in rows]


def firefox() -> tuple[list[str], list[str]]:
    csv.field_size_limit(sys.maxsize)
    with (DATA / "firefox_duplicates.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sizes = Counter(r["cluster"] for r in rows)
    kept = [r for r in rows if sizes[r["cluster"]] >= MIN_GROUP]
    return [r["text"] for r in kept], [r["cluster"] for r in kept]


def purity(groups: list[str], members: list[int]) -> int:
    return Counter(groups[i] for i in members).most_common(1)[0][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    for name, (texts, groups) in (("demo", demo()), ("firefox", firefox())):
        print(f"{name}: {len(texts)} texts in {len(set(groups))} groups")
        scores = []
        for seed in (int(s) for s in args.seeds.split(",")):
            started = time.process_time()
            model = cluster_themes(texts, seed=seed)
            seconds = time.process_time() - started
            labels = np.empty(len(texts), dtype=np.int64)
            for number, theme in enumerate(model.themes):
                labels[theme.members] = number
            ami = adjusted_mutual_info_score(groups, labels)
            pure = sum(purity(groups, t.members) for t in model.themes) / len(texts)
            largest = model.themes[0]
            scores.append(ami)
            print(
                f"  seed {seed}: {len(model.themes)} themes, AMI {ami:.3f}, purity {pure:.3f}, "
                f"largest {largest.size} ({purity(groups, largest.members) / largest.size:.2f} "
                f"pure, '{largest.label}'), {seconds:.1f} s CPU"
            )
        print(f"  mean AMI {np.mean(scores):.3f}")


if __name__ == "__main__":
    main()
