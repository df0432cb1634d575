from __future__ import annotations

import pytest

from northline.insights.text.preprocess import clean_text, issue_text


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


def test_issue_text_repeats_the_title() -> None:
    assert issue_text("App crashes", "On start.", title_weight=2) == (
        "App crashes . App crashes . On start"
    )


def test_issue_text_rejects_a_zero_title_weight() -> None:
    with pytest.raises(ValueError, match="title_weight must be at least 1, got 0"):
        issue_text("t", "b", title_weight=0)
