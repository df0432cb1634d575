from __future__ import annotations

import pytest

from northline.insights.text import preprocess
from northline.insights.text.preprocess import (
    clean_text,
    cleaning_once,
    issue_text,
    title_line,
    titled_text,
)


def test_clean_text_drops_code_urls_and_placeholders() -> None:
    body = (
        "### Steps\nClick **Save** see https://example.com/x?y=1\n"
        "```python\nraise ValueError('secret')\n```\n_No response_\n"
        "<details><summary>System</summary>CPU: 8 cores</details>"
    )
    cleaned = clean_text(body)
    assert cleaned == "Steps Click Save see urllink codeblock detailsblock"


def test_clean_text_without_markers_and_with_numbers() -> None:
    assert clean_text("Version 1.83.0 `npm i` crashed", markers=False) == "Version 0 crashed"


def test_clean_text_cuts_to_max_chars() -> None:
    assert clean_text("word " * 100, max_chars=9) == "word word"


def test_issue_text_repeats_the_title_on_its_own_line() -> None:
    assert issue_text("App crashes", "On start.", title_weight=2) == (
        "App crashes . App crashes\nOn start"
    )


def test_issue_text_without_a_title_or_a_body() -> None:
    assert issue_text("", "On start `x`", title_weight=3) == "On start inlinecode"
    assert issue_text("App crashes", "_No response_", title_weight=2) == (
        "App crashes . App crashes\n"
    )


def test_titled_text_cleans_the_first_line_apart() -> None:
    text = "Crash on **save** (1.2)\nSee https://example.com\n```\ntrace\n```"
    assert titled_text(text) == "Crash on save (0)\nSee urllink codeblock"
    assert title_line(titled_text(text)) == "crash on save (0)"


def test_a_one_line_text_has_no_title() -> None:
    assert titled_text("Crash on **save**") == "Crash on save"
    assert title_line(titled_text("Crash on **save**")) == ""
    assert titled_text("\nCrash on save") == "Crash on save"
    assert titled_text("  \nCrash on save") == "Crash on save"


def test_a_title_whose_body_cleans_away_stays_a_title() -> None:
    assert titled_text("Crash on save\n_No response_") == "Crash on save\n"
    assert title_line(titled_text("Crash on save\n_No response_")) == "crash on save"


def test_issue_text_rejects_a_zero_title_weight() -> None:
    with pytest.raises(ValueError, match="title_weight must be at least 1, got 0"):
        issue_text("t", "b", title_weight=0)


MESSY = [
    "Export **fails** (1.2.3)\nSee https://example.com/x\n```\ntrace\n```\n_No response_",
    "Dark mode please\n<details>CPU</details> `cfg` ![img](a.png) [docs](https://d.example)",
    "One line, no title: crash at 0xdeadbeef in app.py:12",
    "",
    "  \nBody only | a | b |",
]


def test_cleaning_once_answers_what_cleaning_answers() -> None:
    variants = [(m, k) for m in (True, False) for k in (4000, 12)]
    plain = [clean_text(t, max_chars=k, markers=m) for t in MESSY for m, k in variants]
    with cleaning_once():
        first = [clean_text(t, max_chars=k, markers=m) for t in MESSY for m, k in variants]
        again = [clean_text(t, max_chars=k, markers=m) for t in MESSY for m, k in variants]
        titled = [titled_text(t) for t in MESSY]
    assert first == again == plain
    assert titled == [titled_text(t) for t in MESSY]


def test_cleaning_once_cleans_each_variant_once(monkeypatch: pytest.MonkeyPatch) -> None:
    cleaned: list[tuple[str, int, bool]] = []
    real = preprocess._clean

    def counting(text: str, max_chars: int, markers: bool) -> str:
        cleaned.append((text, max_chars, markers))
        return real(text, max_chars, markers)

    monkeypatch.setattr(preprocess, "_clean", counting)
    with cleaning_once():
        for _ in range(3):
            clean_text(MESSY[0])
            clean_text(MESSY[0], markers=False)
            clean_text(MESSY[0], max_chars=12)
    assert cleaned == [(MESSY[0], 4000, True), (MESSY[0], 4000, False), (MESSY[0], 12, True)]
    clean_text(MESSY[0])  # outside the block nothing is remembered
    assert len(cleaned) == 4


def test_cleaning_once_blocks_nest_and_forget(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = preprocess._clean
    monkeypatch.setattr(preprocess, "_clean", lambda t, k, m: calls.append(t) or real(t, k, m))
    with cleaning_once():
        clean_text("outer")
        with cleaning_once():
            clean_text("outer")  # the inner block starts empty
        clean_text("outer")  # the outer one still remembers
    with cleaning_once():
        clean_text("outer")  # a new block starts empty
    assert calls == ["outer", "outer", "outer"]


def every_scan(text: str, markers: bool) -> str:
    """What cleaning gives when every pattern scans every text (no shortcut)."""
    for pattern, marker, _ in preprocess._BLOCKS:
        text = pattern.sub(marker if markers else " ", text)
    text = preprocess._LINK.sub(r"\1", text)
    text = preprocess._URL.sub(" urllink " if markers else " ", text)
    text = preprocess._INLINE_CODE.sub(" inlinecode " if markers else " ", text)
    for pattern, replacement in (
        (preprocess._HTML_TAG, " "), (preprocess._PLACEHOLDER, " "), (preprocess._HEX, " "),
        (preprocess._NUMBER, "0"), (preprocess._MARKUP, " "),
    ):  # fmt: skip
        text = pattern.sub(replacement, text)
    return preprocess._SPACE.sub(" ", text).strip()


@pytest.mark.parametrize(
    "text",
    [
        "Plain feedback without markup, links or numbers",
        "Visit WWW.Example.com or Www.x.org, HTTP://Y.Z/path",
        'at foo.bar(x)\n  at baz.qux\nFile "a.py", line 3, in f\nsrc/x.ts:12 boom',
        "a | b | c\n| x | y |\n|---|",
        "<!-- hidden --> <B>bold</B> <DETAILS>sys</DETAILS> <br/>",
        "![shot](u.png) [docs](http://x.org) `code` ```fenced``` ~~~tilde~~~",
        "N/A, n/a, NA, na, Na/ _NO RESPONSE_ - [x] done - [ ] todo",
        "0xDEADBEEF deadbeefcafe12 v3.4.5 12 apples",
        "#heading *bold* > quote _under_ = | ~ markup",
        "banana name analytics final",  # "na" inside words: no placeholder
    ],
)
@pytest.mark.parametrize("markers", [True, False])
def test_skipping_the_scans_a_text_cannot_match_changes_nothing(text: str, markers: bool) -> None:
    assert clean_text(text, markers=markers) == every_scan(text, markers)
