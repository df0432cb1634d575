"""Text cleaning for feedback and issue reports.

GitHub issues carry a lot of text that says nothing about what the issue *is*: fenced code,
stack traces, log dumps, URLs, HTML `<details>` blocks with system information, image links and
template placeholders such as ``_No response_``. Removing that noise (while keeping template
headings, which do carry signal) makes lexical models markedly better.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

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
# Each pattern with strings one of which is in any text it matches: a text holding none of them
# is not scanned (most feedback has no code, link or markup: with the checks in `_clean`, up to
# 12 of the 15 scans are skipped, about a third of the CPU). None: always scanned.
_BLOCKS = (
    (_FENCED_CODE, " codeblock ", ("```", "~~~")),
    (_DETAILS, " detailsblock ", ("<",)),
    (_HTML_COMMENT, " ", ("<!--",)),
    (_TABLE_ROW, " tablerow ", ("|",)),
    (_TRACE_LINE, " traceline ", None),
    (_IMAGE, " imagelink ", ("![",)),
)
_MARKUP_CHARACTERS = tuple("#*>_=|~")
_PLACEHOLDER_END = re.compile(r"n/?a\b")  # in lower case; a literal start makes the scan fast
_DIGIT = re.compile(r"\d")


_Cleaned = dict[tuple[str, int, bool], str]
_batch: ContextVar[_Cleaned | None] = ContextVar("cleaned_in_batch", default=None)


@contextmanager
def cleaning_once() -> Iterator[None]:
    """Within this block `clean_text` cleans each distinct (text, `max_chars`, `markers`) once
    and answers again from memory, with the same string.

    A processing batch cleans every text in several stages (type and sentiment classifiers,
    indexing, the similarity join, themes: about seven times an item), each stage through its
    own module; remembering the results for the batch's duration makes that one cleaning per
    variant without threading cleaned texts through every stage's signature. The memory held
    is the batch's distinct inputs and their results (at most `max_chars` each), released when
    the block ends; blocks nest (an inner block starts empty and the outer one resumes after).
    """
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def clean_text(text: str, *, max_chars: int = 4000, markers: bool = True) -> str:
    """Return `text` without code, traces, URLs, HTML and markdown markup, whitespace-collapsed.

    Numbers become ``0`` so that version strings do not explode the vocabulary. The result is cut
    to `max_chars`: the opening of a report says what it is about; the tail is usually logs.
    Inside `cleaning_once` a text already cleaned the same way is not cleaned again.
    """
    cleaned = _batch.get()
    if cleaned is None:
        return _clean(text, max_chars, markers)
    key = (text, max_chars, markers)
    if (known := cleaned.get(key)) is None:
        known = cleaned[key] = _clean(text, max_chars, markers)
    return known


def _clean(text: str, max_chars: int, markers: bool) -> str:
    for pattern, marker, needles in _BLOCKS:
        if needles is None or _holds(text, needles):
            text = pattern.sub(marker if markers else " ", text)
    if "](" in text:
        text = _LINK.sub(r"\1", text)
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" urllink " if markers else " ", text)
    if "`" in text:
        text = _INLINE_CODE.sub(" inlinecode " if markers else " ", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    lowered = text.lower()
    if "_no response_" in lowered or "- [" in text or _PLACEHOLDER_END.search(lowered):
        text = _PLACEHOLDER.sub(" ", text)
    text = _HEX.sub(" ", text)
    if _DIGIT.search(text):
        text = _NUMBER.sub("0", text)
    if _holds(text, _MARKUP_CHARACTERS):
        text = _MARKUP.sub(" ", text)
    return _SPACE.sub(" ", text).strip()[:max_chars]


def _holds(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


def issue_text(
    title: str, body: str, *, title_weight: int = 2, max_chars: int = 4000, markers: bool = True
) -> str:
    """Combine an issue's title and body into one cleaned text: the title line, then the body.

    The title is repeated `title_weight` times: it is the densest statement of what the report is,
    and repetition is the simplest way to weight it in bag-of-words models. It stays on a line of
    its own so that a classifier with a title block (`ClassifierConfig.title_weight`) can also
    read it apart from the body (`title_line`).
    """
    if title_weight < 1:
        raise ValueError(f"title_weight must be at least 1, got {title_weight}")
    cleaned_title = clean_text(title, max_chars=max_chars).strip(" .")
    cleaned_body = clean_text(body, max_chars=max_chars, markers=markers).strip(" .")
    if not cleaned_title:
        return cleaned_body
    return " . ".join([cleaned_title] * title_weight) + "\n" + cleaned_body


def titled_text(text: str, *, max_chars: int = 4000) -> str:
    """`clean_text` that keeps a multi-line text's first line (its title) as a line of its own.

    Feedback arrives as "title\\ntext" (`similarity.item_text`) and issues as `issue_text`
    builds them; the first line is cleaned on its own and the rest after it, so that `title_line`
    finds it again (also when the body cleans away to nothing). A one-line text has no title: it
    is cleaned as by `clean_text`.
    """
    first, newline, rest = text.partition("\n")
    if not newline or not first.strip():
        return clean_text(text, max_chars=max_chars)
    title = clean_text(first, max_chars=max_chars)
    body = clean_text(rest, max_chars=max_chars)
    return f"{title}\n{body}" if title else body


def title_line(text: str) -> str:
    """The lower-cased title line of a `titled_text` result; empty when it has none."""
    first, newline, _ = text.partition("\n")
    return first.lower() if newline else ""
