"""E-mail as feedback: a .eml file (one message) or an .mbox (many) read as a table whose
columns the "email" preset maps: the sender becomes the customer, the subject the title, the
body the text, the Message-ID the external id (so importing a mailbox again is safe) and the
Date the received time.

The body is what the customer wrote now: the plain-text part (else the HTML one as text) without
the quoted earlier mail ("On ... wrote:", "> " lines, a forwarded "Original Message") and
without the signature after "-- ".
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from northline.core.errors import Invalid

from .tables import Cell, Table

COLUMNS = ["From name", "From e-mail", "Subject", "Body", "Message-ID", "Date"]
ATTRIBUTION = re.compile(r"^\s*On\b.{0,300}?\bwrote:\s*$", re.MULTILINE | re.DOTALL)
FORWARDED = re.compile(r"^\s*(-{2,}\s*Original Message\s*-{2,}|_{10,})\s*$", re.MULTILINE)
BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table"}


def messages(path: Path, kind: str) -> Table:
    """The messages of an .eml or .mbox file as rows of COLUMNS, numbered from 1."""
    return Table(list(COLUMNS), _eml(path) if kind == "eml" else _mbox(path), "", "message")


def _eml(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    yield 1, _row(_parse(path.read_bytes()), 1)


def _mbox(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    with path.open("rb") as handle:
        start = handle.read(5)
    if start != b"From ":
        raise Invalid("file: is not an mbox file: it must begin with a 'From ' line (message 1)")
    box = mailbox.mbox(path, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            yield number, _row(_parse(box.get_bytes(key)), number)
    finally:
        box.close()


def _parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def _row(message: EmailMessage, number: int) -> list[Cell]:
    if not any(message.get(name) for name in ("From", "Subject", "Date", "Message-ID")):
        raise Invalid(
            f"message {number}: has no e-mail headers (From, Subject, Date); is a 'From ' "
            "line that separates messages broken?"
        )
    name, address = _sender(message)
    moment: Cell = ""
    if message.get("Date"):
        try:
            moment = parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            raise Invalid(
                f"message {number}: Date {str(message['Date'])!r} is not an e-mail date"
            ) from None
    message_id = str(message.get("Message-ID") or "").strip().strip("<>")
    return [name, address, str(message.get("Subject") or ""), body(message), message_id, moment]


def _sender(message: EmailMessage) -> tuple[str, str]:
    pairs = getaddresses([str(message.get("From") or "")])
    name, address = pairs[0] if pairs else ("", "")
    return name.strip(), address.strip() if "@" in address else ""


def body(message: EmailMessage) -> str:
    """What the sender wrote in this message: its text without quotes and signature."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    text = html_text(content) if part.get_content_subtype() == "html" else content
    return own_words(text)


def own_words(text: str) -> str:
    """The text before the quoted earlier mail and the signature, without "> " lines."""
    text = text.replace("\r\n", "\n")
    for pattern in (ATTRIBUTION, FORWARDED):
        found = pattern.search(text)
        if found:
            text = text[: found.start()]
    lines = []
    for line in text.split("\n"):
        if line.rstrip() == "--":
            break
        if not line.lstrip().startswith(">"):
            lines.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.quoting = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skipping += 1
        if tag == "blockquote":
            self.quoting += 1
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self.skipping = max(0, self.skipping - 1)
        if tag == "blockquote":
            self.quoting = max(0, self.quoting - 1)
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping and not self.quoting:
            self.parts.append(data)


def html_text(html: str) -> str:
    """An HTML mail as plain text: blocks become lines; scripts, styles and quotes go."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in unescape("".join(parser.parts)).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
