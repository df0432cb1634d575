"""The board's clean form and the text diff between versions (both pure)."""

from __future__ import annotations

import pytest

from northline.core.errors import Invalid
from northline.strategy import board, textdiff


def test_clean_fills_every_section_and_splits_lines() -> None:
    clean = board.clean({"purpose": "  Help teams  ", "problems": "Slow reports\n\n Guesswork "})
    assert clean["purpose"] == "Help teams"
    assert clean["problems"] == ["Slow reports", "Guesswork"]
    assert clean["audiences"] == [] and clean["north_star"] is None
    assert set(clean) == set(board.SECTIONS)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"mission": "x"}, "board.mission: not a field here"),
        ({"audiences": [{"goals": ["x"]}]}, "audiences[0].name: must not be empty"),
        ({"audiences": [{"name": "Ann", "age": 3}]}, "audiences[0].age: not a field here"),
        ({"competitors": [{"name": "Rival", "url": "javascript:alert(1)"}]},
         "competitors[0].url: 'javascript:alert(1)' is not an http(s) URL"),
        ({"problems": [1]}, "problems[0]: must be text, got 1"),
        ({"vision": "x" * 5001}, "vision: must be at most 5000 characters, got 5001"),
    ],
)  # fmt: skip
def test_bad_content_names_the_field(content: dict[str, object], message: str) -> None:
    with pytest.raises(Invalid) as caught:
        board.clean(content)
    assert caught.value.message == message


def test_side_by_side_pairs_changed_lines() -> None:
    rows = textdiff.side_by_side(["a", "b", "c"], ["a", "B", "c", "d"])
    assert [(r.tag, r.old, r.new) for r in rows] == [
        ("equal", "a", "a"), ("replace", "b", "B"), ("equal", "c", "c"), ("insert", None, "d"),
    ]  # fmt: skip
    assert [(r.old_number, r.new_number) for r in rows] == [(1, 1), (2, 2), (3, 3), (None, 4)]
    assert textdiff.changed(rows) == 2
    assert [(line.sign, line.text) for line in textdiff.inline(rows)] == [
        (" ", "a"), ("-", "b"), ("+", "B"), (" ", "c"), ("+", "d"),
    ]  # fmt: skip


def test_context_skips_long_unchanged_stretches() -> None:
    old = [str(n) for n in range(20)]
    new = [*old[:10], "changed", *old[11:]]
    kept = textdiff.context(textdiff.side_by_side(old, new), around=2)
    assert kept[0] is None and kept[-1] is None
    assert [r.new for r in kept if r is not None] == ["8", "9", "changed", "11", "12"]


def test_lines_show_personas_and_competitors() -> None:
    content = board.clean({
        "audiences": [{"name": "Pat PM", "goals": ["Ship"], "jobs": ["Plan the quarter"]}],
        "competitors": [{"name": "Rival", "url": "https://rival.example", "notes": "Cheap"}],
    })  # fmt: skip
    text = board.lines(content)
    assert (
        "### Pat PM" in text
        and "Goals: Ship" in text
        and "Jobs to be done: Plan the quarter" in text
    )
    assert "- Rival <https://rival.example>" in text and "  Cheap" in text
