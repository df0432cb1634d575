from __future__ import annotations

import csv
import json
import sys
from argparse import ArgumentParser, BooleanOptionalAction
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from northline.insights.text import ISSUE_TYPE, SENTIMENT
from northline.insights.text.evaluation import evaluate_classifier, evaluate_duplicates
from northline.insights.text.preprocess import issue_text
from northline.insights.text.tiers import LEXICAL, SEMANTIC, TIERS, semantic_available

csv.field_size_limit(sys.maxsize)


def read_rows(
    path: Path, columns: list[str], names: list[str] | None = None
) -> list[dict[str, str]]:
    """The rows of a CSV file, separated by whichever of `,` `;` or tab its header line uses;
    names the missing column if any."""
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = handle.readline()
        handle.seek(0)
        delimiter = max(",;\t", key=header.count)
        reader = csv.DictReader(handle, fieldnames=names, delimiter=delimiter)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            found = ", ".join(reader.fieldnames or [])
            raise CommandError(f"{path}: no column {missing[0]!r} (columns: {found})")
        return list(reader)


def texts_of(rows: list[dict[str, str]], text_cols: list[str]) -> list[str]:
    """One text per row; with two columns (title, body) the title counts three times."""
    if len(text_cols) == 2:
        return [
            issue_text(r[text_cols[0]] or "", r[text_cols[1]] or "", title_weight=3) for r in rows
        ]
    return [" ".join(r[c] or "" for c in text_cols) for r in rows]


def tier_options(options: dict[str, Any]) -> dict[str, Any]:
    """The evaluation functions' tier and model folder (the configured one for semantic)."""
    if options["tier"] == SEMANTIC:
        return {"tier": SEMANTIC, "model_path": settings.SEMANTIC_MODEL}
    return {"tier": LEXICAL}


class Command(BaseCommand):
    help = (
        "Measure the text engine on labelled CSV files: `eval classify` and `eval sentiment` "
        "train on --train and score --test (one model per --group-col value, as NLBSE'24 does; "
        "a lexical classify model also learns from the other groups' rows unless "
        "--no-pool-groups); "
        "`eval duplicates` measures duplicate retrieval on --data. --tier semantic reads the "
        "model folder NORTHLINE_SEMANTIC_MODEL names."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        tasks = parser.add_subparsers(dest="task", required=True)
        for name in ("classify", "sentiment"):
            sub = tasks.add_parser(name, help=f"{name}: per-class precision/recall/F1, macro-F1")
            sub.add_argument("--train", type=Path, required=True)
            sub.add_argument("--test", type=Path, required=True)
            sub.add_argument("--text-col", required=True, help="a column, or title,body")
            sub.add_argument("--label-col", required=True)
            sub.add_argument("--group-col", help="train and score one model per group")
            sub.add_argument(
                "--pool-groups",
                action=BooleanOptionalAction,
                default=None,
                help="each group's model also learns from the other groups' rows as "
                "background (lexical tier; decisions 0036, 0044; default: on for classify, "
                "off for sentiment)",
            )
            sub.add_argument(
                "--tier",
                choices=list(TIERS),
                default=LEXICAL,
                help="semantic: the model folder NORTHLINE_SEMANTIC_MODEL names",
            )
            sub.add_argument("--json", action="store_true", help="print one JSON object")
            sub.add_argument(
                "--columns", help="column names, comma-separated, for files with no header row"
            )
        dup = tasks.add_parser("duplicates", help="Recall@5, MRR, pairwise precision/recall")
        dup.add_argument("--data", type=Path, required=True)
        dup.add_argument("--text-col", required=True, help="a column, or title,body")
        dup.add_argument("--cluster-col", required=True)
        dup.add_argument("--baseline", action="store_true", help="also strict word matching")
        dup.add_argument("--tier", choices=list(TIERS), default=LEXICAL)
        dup.add_argument(
            "--adapt",
            action=BooleanOptionalAction,
            default=True,
            help="semantic tier: the encoder first adapts to the file's texts (random crops, "
            "no cluster id read), as a workspace's does (decision 0057); default on",
        )
        dup.add_argument("--json", action="store_true", help="print one JSON object")
        dup.add_argument(
            "--columns", help="column names, comma-separated, for files with no header row"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tier = options.get("tier") or LEXICAL
        if tier == SEMANTIC:
            reason = semantic_available(settings.SEMANTIC_MODEL)
            if reason is not None:
                raise CommandError(f"--tier semantic: {reason}")
        text_cols = [c.strip() for c in options["text_col"].split(",") if c.strip()]
        try:
            if options["task"] == "duplicates":
                result = self.duplicates(options, text_cols)
            else:
                result = self.classify(options, text_cols)
        except ValueError as error:
            raise CommandError(str(error)[:500]) from None
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.print_table(result)

    def classify(self, options: dict[str, Any], text_cols: list[str]) -> dict[str, Any]:
        group = options["group_col"]
        columns = [*text_cols, options["label_col"], *([group] if group else [])]
        names = options["columns"].split(",") if options["columns"] else None
        train = read_rows(options["train"], columns, names)
        test = read_rows(options["test"], columns, names)
        label = options["label_col"]
        return evaluate_classifier(
            texts_of(train, text_cols), [r[label] for r in train],
            texts_of(test, text_cols), [r[label] for r in test],
            [r[group] for r in train] if group else None,
            [r[group] for r in test] if group else None,
            config=SENTIMENT if options["task"] == "sentiment" else ISSUE_TYPE,
            pool_groups=options["pool_groups"],
            **tier_options(options),
        )  # fmt: skip

    def duplicates(self, options: dict[str, Any], text_cols: list[str]) -> dict[str, Any]:
        names = options["columns"].split(",") if options["columns"] else None
        rows = read_rows(options["data"], [*text_cols, options["cluster_col"]], names)
        clusters = [r[options["cluster_col"]] for r in rows]
        return evaluate_duplicates(
            texts_of(rows, text_cols), clusters, options["baseline"],
            adapt=options["adapt"], **tier_options(options),
        )  # fmt: skip

    def print_table(self, result: dict[str, Any]) -> None:
        console = Console(file=self.stdout, width=100)  # type: ignore[arg-type]
        table = Table("measure", "value")
        for key, value in result.items():
            if key == "per_class":
                for label, scores in value.items():
                    cells = ", ".join(f"{k} {v:.3f}" for k, v in scores.items())
                    table.add_row(f"class {label}", cells)
            elif key in ("groups", "baseline"):
                for name, scores in value.items():
                    cells = (
                        ", ".join(f"{k} {v:.3f}" for k, v in scores.items())
                        if isinstance(scores, dict)
                        else f"{scores:.3f}"
                    )
                    table.add_row(f"{key} {name}", cells)
            else:
                table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
        console.print(table)
