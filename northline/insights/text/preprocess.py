"""Text cleaning for feedback and issue reports.

GitHub issues carry a lot of text that says nothing about what the issue *is*: fenced code,
stack traces, log dumps, URLs, HTML `<details>` blocks with system information, image links and
template placeholders such as ``_No response_``. Removing that noise (while keeping template
headings, which do carry signal) makes lexical models markedly better.
"""

from __future__ import annotations

import re

_FENCED_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)", re.S)
_DETAILS = re.compile(r"<details>.*?(?:</details>|\Z)", re.S | re.I)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>\n]{0,200}>")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.I)
_INLINE_CODE = re.compile(r"`[^`\n]{1,200}`")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.M)
_TRACE_LINE = re.compile(
    r"^\s*(?:at\s+\S+.*|File \".*\", line \d+.*|#\d+\s+0x[0-9a-f]+.*|\S+\.(?:py|js|ts|cpp|h):\d+.*)$",
    re.M,
)
_PLACEHOLDER = re.compile(r"_No response_|\bN/?A\b|- \[[ xX]\]", re.I)
_HEX = re.compile(r"\b0x[0-9a-fA-F]+\b|\b[0-9a-f]{12,}\b")
_NUMBER = re.compile(r"\b\d+(?:[.\-]\d+)*\b")
_MARKUP = re.compile(r"[#*>_=|~]+")
_SPACE = re.compile(r"\s+")
_BLOCKS = (
    (_FENCED_CODE, " codeblock "),
    (_DETAILS, " detailsblock "),
    (_HTML_COMMENT, " "),
    (_TABLE_ROW, " tablerow "),
    (_TRACE_LINE, " traceline "),
    (_IMAGE, " imagelink "),
)


def clean_text(text: str, *, max_chars: int = 4000, markers: bool = True) -> str:
    """Return `text` without code, traces, URLs, HTML and markdown markup, whitespace-collapsed.

    Numbers become ``0`` so that version strings do not explode the vocabulary. The result is cut
    to `max_chars`: the opening of a report says what it is about; the tail is usually logs.
    """
    for pattern, marker in _BLOCKS:
        text = pattern.sub(marker if markers else " ", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" urllink " if markers else " ", text)
    text = _INLINE_CODE.sub(" inlinecode " if markers else " ", text)
    text = _HTML_TAG.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    text = _HEX.sub(" ", text)
    text = _NUMBER.sub("0", text)
    text = _MARKUP.sub(" ", text)
    return _SPACE.sub(" ", text).strip()[:max_chars]


def issue_text(
    title: str, body: str, *, title_weight: int = 2, max_chars: int = 4000, markers: bool = True
) -> str:
    """Combine an issue's title and body into one cleaned text.

    The title is repeated `title_weight` times: it is the densest statement of what the report is,
    and repetition is the simplest way to weight it in bag-of-words models.
    """
    if title_weight < 1:
        raise ValueError(f"title_weight must be at least 1, got {title_weight}")
    cleaned_title = clean_text(title, max_chars=max_chars)
    cleaned_body = clean_text(body, max_chars=max_chars, markers=markers)
    return " . ".join([cleaned_title] * title_weight + [cleaned_body]).strip(" .")
