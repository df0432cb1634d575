"""Line diffs of two texts for people: side-by-side rows and an inline list, from difflib.

Pure: lists of strings in, rows out. The page escapes the text (Django templates do), so the
rows carry plain text, never markup.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

Tag = Literal["equal", "replace", "delete", "insert"]


@dataclass(frozen=True)
class Row:
    """One line of a side-by-side diff; a side is None where that text has no line."""

    tag: Tag
    old_number: int | None
    old: str | None
    new_number: int | None
    new: str | None


@dataclass(frozen=True)
class Line:
    """One line of an inline diff: sign "-" removed, "+" added, " " unchanged."""

    sign: Literal["-", "+", " "]
    text: str


def side_by_side(old: list[str], new: list[str]) -> list[Row]:
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        for k in range(max(a1 - a0, b1 - b0)):
            i, j = a0 + k, b0 + k
            rows.append(
                Row(
                    tag,
                    i + 1 if i < a1 else None,
                    old[i] if i < a1 else None,
                    j + 1 if j < b1 else None,
                    new[j] if j < b1 else None,
                )
            )
    return rows


def inline(rows: list[Row]) -> list[Line]:
    """The same change as one column: removed lines before the added ones of each change."""
    removed: list[Line] = []
    added: list[Line] = []
    out: list[Line] = []
    for row in rows:
        if row.tag == "equal":
            out += removed + added
            removed, added = [], []
            out.append(Line(" ", row.old or ""))
            continue
        if row.old is not None:
            removed.append(Line("-", row.old))
        if row.new is not None:
            added.append(Line("+", row.new))
    return out + removed + added


def changed(rows: list[Row]) -> int:
    """How many rows differ."""
    return sum(row.tag != "equal" for row in rows)


def context(rows: list[Row], around: int = 3) -> list[Row | None]:
    """The changed rows with `around` unchanged rows each side; None marks a skipped stretch."""
    keep = [False] * len(rows)
    for n, row in enumerate(rows):
        if row.tag != "equal":
            for k in range(max(0, n - around), min(len(rows), n + around + 1)):
                keep[k] = True
    out: list[Row | None] = []
    for n, row in enumerate(rows):
        if keep[n]:
            out.append(row)
        elif not out or out[-1] is not None:
            out.append(None)
    return out
