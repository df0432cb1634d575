"""Reading the files an import brings, as a header and numbered rows of cells.

CSV comes in whatever encoding its exporter chose: UTF-8 with or without a byte-order mark,
UTF-16 (Google Play), Windows-1252 (older Excel); "auto" picks by the BOM, else UTF-8 when the
whole file decodes, else Windows-1252. XLSX is read through openpyxl, e-mail through `mail`.
Rows are numbered as a spreadsheet shows them (the header is row 1; e-mails count as messages
1, 2, ...) so that every message can name the row. Streams: a million rows never sit in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from northline.core.errors import Invalid

Cell = str | datetime
KINDS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".eml": "eml",
    ".mbox": "mbox",
}
ENCODINGS = {
    "auto": "detect",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
}
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
CHUNK = 1 << 20


@dataclass
class Table:
    """A file's header and its rows as (row number, cells); `unit` is what a row is called."""

    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    encoding: str = ""
    unit: str = "row"
    release: Callable[[], None] | None = None

    def close(self) -> None:
        """Let go of the file when the rows are not read to the end."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
        if self.release is not None:
            self.release()


def kind_of(file_name: str) -> str:
    """The kind of file its name says (csv, xlsx, eml, mbox)."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in KINDS:
        raise Invalid(f"file: {file_name!r} is not a .csv, .xlsx, .eml or .mbox file")
    return KINDS[suffix]


def open_table(path: Path, kind: str, encoding: str = "auto") -> Table:
    """The header and a stream of rows of the file at `path`."""
    if kind == "xlsx":
        return _xlsx(path)
    if kind in ("eml", "mbox"):
        from .mail import messages

        return messages(path, kind)
    return _csv(path, encoding)


# --- CSV -------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """The codec of a CSV file: by its BOM, else UTF-8 if every byte decodes, else cp1252."""
    with path.open("rb") as handle:
        start = handle.read(4)
        for bom, codec in BOMS:
            if start.startswith(bom):
                return codec
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _codec(path: Path, encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise Invalid(f"encoding: {encoding!r} is not one of {', '.join(ENCODINGS)}")
    if encoding == "auto":
        return detect_encoding(path)
    if encoding == "utf-8":
        with path.open("rb") as handle:
            return "utf-8-sig" if handle.read(3) == codecs.BOM_UTF8 else "utf-8"
    return encoding


def _label(codec: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}[
        codec
    ]


def _csv(path: Path, encoding: str) -> Table:
    codec = _codec(path, encoding)
    csv.field_size_limit(sys.maxsize)  # a feedback text may be long; its check says how long
    handle = path.open(encoding=codec, newline="")
    try:
        first = handle.readline()
    except UnicodeDecodeError:
        handle.close()
        raise _decode_error(path, codec, ",") from None
    if not first.strip():
        handle.close()
        raise Invalid("file: is empty (no header row)")
    delimiter = max(",;\t", key=first.count)
    handle.seek(0)
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    try:
        names = next(reader)
    except (csv.Error, UnicodeDecodeError) as error:
        handle.close()
        raise _row_error(error, path, codec, delimiter, 1) from None
    header = [name.strip() or f"column {i}" for i, name in enumerate(names, start=1)]
    rows = _rows(reader, handle, path, codec, delimiter, len(header))
    return Table(header, rows, _label(codec), release=handle.close)


def _rows(
    reader: Iterator[list[str]], handle: io.TextIOBase, path: Path, codec: str, delimiter: str,
    width: int,
) -> Iterator[tuple[int, list[Cell]]]:  # fmt: skip
    number = 1
    try:
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as error:
                raise _row_error(error, path, codec, delimiter, number + 1) from None
            number += 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > width and any(cell.strip() for cell in record[width:]):
                raise Invalid(
                    f"row {number}: has {len(record)} cells but the header has {width} columns "
                    f"(a {_delimiter_name(delimiter)} inside a value that is not quoted?)"
                )
            yield number, [*record[:width], *[""] * (width - len(record))]
    finally:
        handle.close()


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter]


def _row_error(error: Exception, path: Path, codec: str, delimiter: str, number: int) -> Invalid:
    if isinstance(error, UnicodeDecodeError):
        return _decode_error(path, codec, delimiter)
    return Invalid(f"row {number}: broken CSV quoting ({error}); is a closing quote missing?")


def _decode_error(path: Path, codec: str, delimiter: str) -> Invalid:
    """Which row holds the first byte that `codec` cannot decode: the text before it is
    parsed as CSV, and the bad byte sits in the record after the complete ones."""
    data = path.read_bytes()
    try:
        data.decode(codec)
        return Invalid(f"file: is not {_label(codec)} text")
    except UnicodeDecodeError as error:
        bad = error.start
    text = data[:bad].decode(codec, errors="replace")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    row = len(records) + (1 if not records or text.endswith(("\n", "\r")) else 0)
    other = "choose another encoding" if codec != "cp1252" else "save it as UTF-8"
    return Invalid(
        f"row {row}: byte 0x{data[bad]:02x} is not {_label(codec)} text; {other} "
        "(UTF-8, UTF-16 or Windows-1252)"
    )


# --- XLSX ------------------------------------------------------------------------------------


def _xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise Invalid(f"file: is not an Excel .xlsx workbook ({error})") from None
    rows = book.worksheets[0].iter_rows(values_only=True)
    first = next(rows, None)
    if first is None or not any(cell is not None for cell in first):
        book.close()
        raise Invalid("file: is empty (no header row)")
    header = [str(c).strip() if c is not None else "" for c in first]
    header = [name or f"column {i}" for i, name in enumerate(header, start=1)]

    def stream() -> Iterator[tuple[int, list[Cell]]]:
        try:
            for number, values in enumerate(rows, start=2):
                cells = [_cell(v) for v in values[: len(header)]]
                if any(c for c in cells):
                    yield number, cells + [""] * (len(header) - len(cells))
        finally:
            book.close()

    return Table(header, stream(), "", release=book.close)


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
