"""How a workspace's issue-type model learns from the team's labels (issue 3; decision 0048).

Each NLBSE'24 repository of ../shared/data plays a team: the workspace's retraining
(`learning.fit_with_seed`, what `retrain_classifier` runs) fits the shipped seed set plus N of
the repository's labelled issues (N/3 of each of bug, feature, question, drawn from the training
part of a shuffled 5-fold split), and predicts that repository's held-out fold. The reference
is the flat fit the app made before decision 0048 (the seed set and the team's labels as one
training set). Prints per N the mean macro-F1 over bug/feature/question (a prediction of a seed
label the repository does not use, such as praise, counts as wrong) of both, and their paired
difference over the same folds and draws. CV on the training file only, never a held-out split.

    .venv/bin/python bench/team_learning.py [--labels 30,90,240] [--folds 5] [--draw 100] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import time
from pathlib import Path

import django_bench
import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "feedback"
TYPES = {"bug": "bug", "feature": "feature_request", "question": "question"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", default="30,90,240", help="team labels per fit (comma list)")
    parser.add_argument("--folds", type=int, default=5, help="folds per repository (of 5)")
    parser.add_argument("--draw", type=int, default=100, help="seed of the labels drawn")
    parser.add_argument("--data", type=Path, default=DATA / "nlbse24_issues_train.csv")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    django_bench.start()
    from northline.insights.services import learning
    from northline.insights.text.classifier import ISSUE_TYPE, TextClassifier

    csv.field_size_limit(2**31 - 1)
    with args.data.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    seed_texts, seed_labels = learning.seed_examples("type")
    sizes = [int(n) for n in args.labels.split(",")]
    scores: dict[tuple[int, str], list[float]] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    for repo in sorted({r["repo"] for r in rows}):
        own = [r for r in rows if r["repo"] == repo]
        texts = np.array([f"{r['title']}\n{r['body']}" for r in own], dtype=object)
        labels = np.array([TYPES[r["label"]] for r in own], dtype=object)
        split = StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels)
        for fold, (train, test) in enumerate(split):
            if fold >= args.folds:
                break
            draw = np.random.default_rng(fold + args.draw)
            for n in sizes:
                picked = np.concatenate([
                    draw.choice(train[labels[train] == label], n // 3, replace=False)
                    for label in sorted(TYPES.values())
                ])  # fmt: skip
                team_texts, team_labels = list(texts[picked]), list(labels[picked])
                fitted = {
                    "app": learning.fit_with_seed("type", "lexical", team_texts, team_labels, None),
                    "flat": TextClassifier(ISSUE_TYPE).fit(
                        [*seed_texts, *team_texts], [*seed_labels, *team_labels]
                    ),
                }
                for name, model in fitted.items():
                    found = [p.label for p in model.predict(list(texts[test]))]
                    score = f1_score(
                        list(labels[test]), found, labels=sorted(TYPES.values()), average="macro"
                    )
                    scores.setdefault((n, name), []).append(float(score))
    summary: dict[int, dict[str, float]] = {}
    for n in sizes:
        app, flat = scores[n, "app"], scores[n, "flat"]
        gains = [a - f for a, f in zip(app, flat, strict=True)]
        summary[n] = {
            "app": round(statistics.mean(app), 4),
            "flat": round(statistics.mean(flat), 4),
            "gain": round(statistics.mean(gains), 4),
            "gain_se": round(statistics.stdev(gains) / len(gains) ** 0.5, 4),
            "better": sum(g > 0 for g in gains),
            "worse": sum(g < 0 for g in gains),
            "fits": len(gains),
        }
    report = {
        "labels": summary,
        "cpu_s": round(time.process_time() - cpu, 1),
        "wall_s": round(time.perf_counter() - wall, 1),
        "load": round(os.getloadavg()[0], 1),
    }
    if args.json:
        print(json.dumps(report))
        return
    for n, row in summary.items():
        print(
            f"{n:>4} team labels: app {row['app']:.4f}, flat {row['flat']:.4f}, "
            f"gain {row['gain']:+.4f} ± {row['gain_se']:.4f} "
            f"({row['better']} better, {row['worse']} worse of {row['fits']})"
        )
    print(f"{report['cpu_s']} s CPU, {report['wall_s']} s wall, load {report['load']}")


if __name__ == "__main__":
    main()
