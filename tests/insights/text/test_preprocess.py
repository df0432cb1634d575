from __future__ import annotations

import pytest

from northline.insights.text.preprocess import clean_text, issue_text, title_line, titled_text


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
