"""How a file's columns become feedback fields: the mapping (field → column), the date format,
and the reading of the rows into clean values with the checks of `feedback.CHECKS`, the one
check of feedback input that the form and the API use too: a chunk of rows at a time, a column
at a time, each distinct cell once (decision 0051). Messages name the row and the column
("row 5: rating: must be between 1 and 5, got 7 (column 'Star Rating')").

A column spec "A|B" takes the first non-empty of A and B (tags take all of them); a name that the
header repeats (Jira's several "Labels") means every column of that name.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from northline.core.errors import DomainError, Invalid

from ..models import Feedback, FeedbackImport
from . import customers as people
from . import feedback as service
from .fields import Errors
from .tables import Cell, Table

MAX_ERRORS = 100
CHUNK_ROWS = 5000  # rows checked together, a column at a time (decision 0051)
TARGETS: dict[str, str] = {
    "text": "Text", "title": "Title", "source": "Source", "customer_email": "Customer e-mail",
    "customer_name": "Customer name", "customer_external_id": "Customer external id",
    "company_name": "Company name", "company_domain": "Company domain",
    "received_at": "Created time", "rating": "Rating", "external_url": "External URL",
    "external_id": "External id", "tags": "Tags", "status": "Status",
}  # fmt: skip
PEOPLE = {
    "customer_email": ("customer", "email"), "customer_name": ("customer", "name"),
    "customer_external_id": ("customer", "external_id"), "company_name": ("company", "name"),
    "company_domain": ("company", "domain"),
}  # fmt: skip
DATE_FORMATS: dict[str, str] = {
    "auto": "ISO 8601 (2024-05-01 14:30), or the file's own dates",
    "%d/%m/%Y": "31/12/2024", "%m/%d/%Y": "12/31/2024", "%d.%m.%Y": "31.12.2024",
    "%d/%m/%Y %H:%M": "31/12/2024 14:30", "%m/%d/%Y %I:%M %p": "12/31/2024 2:30 PM",
    "%d/%b/%y %I:%M %p": "31/Dec/24 2:30 PM (Jira)",
}  # fmt: skip

GUESSES = {
    "text": ("text", "body", "description", "comment", "review text", "review", "feedback",
             "message", "content"),
    "title": ("title", "summary", "subject", "review title"),
    "customer_email": ("email", "e-mail", "customer email", "requester email", "from e-mail"),
    "customer_name": ("name", "customer", "customer name", "requester", "reporter", "from name"),
    "company_name": ("company", "organization", "organisation", "account"),
    "company_domain": ("domain", "company domain", "website"),
    "received_at": ("date", "created", "created at", "created_at", "submitted", "timestamp"),
    "rating": ("rating", "stars", "star rating", "score"),
    "external_url": ("url", "link", "review link"),
    "external_id": ("id", "external id", "issue key", "key", "message-id", "review id"),
    "tags": ("tags", "labels", "label"),
    "status": ("status",),
}  # fmt: skip


class _Missing:
    """An empty cell: the field is left out, so an existing item keeps what it has."""


MISSING = _Missing()


def guessed(header: list[str]) -> dict[str, str]:
    """A mapping from the column names alone: "Description" → text, "E-mail" → customer_email."""
    lower = {name.lower(): name for name in reversed(header)}
    return {
        target: lower[next(n for n in names if n in lower)]
        for target, names in GUESSES.items()
        if any(n in lower for n in names)
    }


def parse_mapping(text: str) -> dict[str, str]:
    """ "text=Body,title=Summary" → {"text": "Body", "title": "Summary"}; a column name may
    hold commas, since only ",name=" starts the next pair."""
    mapping: dict[str, str] = {}
    for pair in re.split(r",(?=\s*\w+\s*=)", text.strip()):
        if not pair.strip():
            continue
        target, sep, column = pair.partition("=")
        if not sep:
            raise Invalid(f"map: {pair.strip()!r} is not field=column")
        mapping[target.strip()] = column.strip()
    return mapping


def checked_date_format(value: str) -> str:
    if value in DATE_FORMATS or "%" in value:
        return value
    raise Invalid(f"date_format: {value!r} is not auto or a format like %d/%m/%Y")


@dataclass
class Plan:
    """The mapping compiled against a header: the column indices of each field."""

    job: FeedbackImport
    header: list[str]
    columns: dict[str, list[int]] = field(default_factory=dict)
    refs: dict[tuple[str, tuple[Any, ...]], tuple[dict[str, str] | None, list[str]]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        errors = Errors()
        mapping = self.job.mapping
        for target in mapping:
            if target not in TARGETS:
                errors.messages.append(
                    f"{target}: not a field to map to (one of {', '.join(TARGETS)})"
                )
        if not mapping.get("text"):
            errors.messages.append("text: map a column to the text of the feedback")
        found = ", ".join(dict.fromkeys(self.header))
        for target, spec in mapping.items():
            if target not in TARGETS:
                continue
            indices = []
            for name in spec.split("|"):
                hits = [i for i, column in enumerate(self.header) if column == name.strip()]
                if not hits:
                    errors.messages.append(
                        f"{target}: the file has no column {name.strip()!r} (columns: {found})"
                    )
                indices.extend(hits)
            self.columns[target] = indices
        errors.raise_any()

    def reference(
        self, record: str, fields: list[str], key: tuple[Any, ...]
    ) -> tuple[dict[str, str] | None, list[str]]:
        """A customer's or company's reference (`record`) from its mapped `fields`' values in
        one row (`key`, MISSING for an empty cell), with the messages of the check that
        `clean_fields` makes of it: each distinct one built and checked once for the file,
        which names the same few thousand customers over and over."""
        found = self.refs.get((record, key))
        if found is None:
            if len(self.refs) > 100_000:
                self.refs.clear()
            ref = {name: v for name, v in zip(fields, key, strict=True) if v is not MISSING}
            check_one = people.customer_ref if record == "customer" else people.company_ref
            messages: list[str] = []
            try:
                if ref:
                    check_one(ref)
            except Invalid as error:
                messages = error.errors or [error.message]
            found = self.refs[(record, key)] = (ref or None, messages)
        return found

    def column(self, target: str) -> str:
        return self.job.mapping.get(target, "")


# --- reading rows ----------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    source: str
    external_id: str
    digest: str


def _filled(cell: Cell) -> bool:
    return isinstance(cell, datetime) or bool(cell.strip())


def _moment(value: Cell, date_format: str) -> Any:
    if isinstance(value, datetime) or date_format == "auto":
        return value
    try:
        return datetime.strptime(value.strip(), date_format)
    except ValueError:
        raise Invalid(
            f"received_at: {value!r} does not match the date format {date_format}"
        ) from None


def _message(plan: Plan, unit: str, number: int, message: str) -> str:
    """ "rating: must be ..." → "row 5: rating: must be ... (column 'Stars')"."""
    name = message.partition(": ")[0]
    target = "_".join(name.split(".")[:2]) if "." in name else name.partition("[")[0]
    column = plan.column(target)
    return f"{unit} {number}: {message}" + (f" (column {column!r})" if column else "")


def _digest(values: Mapping[str, Any]) -> str:
    material = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(material.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Scan:
    """What a pass over the file found so far."""

    rows: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seen: dict[bytes, int] = field(default_factory=dict)
    new: int = 0
    changed: int = 0
    unchanged: int = 0


def read_rows(plan: Plan, table: Table, scan: Scan) -> Iterator[Row]:
    """The clean rows of the file; errors and notes collect in `scan`, which stops at
    MAX_ERRORS errors. A row that repeats an earlier one's identity is left out. Rows are
    checked CHUNK_ROWS at a time, column by column (`_checked`), and then taken in order."""
    cells = iter(table.rows)
    while True:
        chunk: list[tuple[int, list[Cell]]] = []
        failure: DomainError | None = None
        try:  # the file's own error (broken quoting, a bad byte) comes after the rows before it
            for entry in cells:
                chunk.append(entry)
                if len(chunk) >= CHUNK_ROWS:
                    break
        except DomainError as error:
            failure = error
        for (number, _), row in zip(chunk, _checked(plan, chunk), strict=True):
            scan.rows += 1
            if isinstance(row, list):
                for message in row:
                    scan.errors.append(_message(plan, table.unit, number, message))
            elif row is None:
                scan.skipped += 1
                continue
            else:
                key = hashlib.sha1(
                    f"{row.source}\0{row.external_id or row.digest}".encode(),
                    usedforsecurity=False,
                ).digest()
                first = scan.seen.setdefault(key, number)
                if first != number and row.external_id:
                    scan.errors.append(_message(
                        plan, table.unit, number,
                        f"external_id: {row.external_id!r} repeats {table.unit} {first}",
                    ))  # fmt: skip
                elif first != number:
                    scan.skipped += 1
                    if len(scan.notes) < MAX_ERRORS:
                        scan.notes.append(
                            f"{table.unit} {number}: the same as {table.unit} {first}; "
                            "imported once"
                        )
                elif not scan.errors:
                    yield row
            if len(scan.errors) >= MAX_ERRORS:
                scan.errors.append(
                    f"file: stopped after {MAX_ERRORS} errors at {table.unit} {number}"
                )
                return
        if failure is not None:
            scan.errors.extend(failure.errors or [failure.message])
            return
        if len(chunk) < CHUNK_ROWS:
            return


# --- checking rows, a column at a time -------------------------------------------------------


@dataclass(frozen=True)
class _Failed:
    """A cell's check failed with these messages. `unread`: the cell could not even be read
    (a date not in the chosen format), which is then the row's only message."""

    messages: list[str]
    unread: bool = False


Outcome = Any  # a clean value, MISSING, or _Failed
Checked = Row | list[str] | None  # a clean row, its messages, or None for a row skipped


def _outcome(check: Callable[[Any], Any], value: Any) -> Outcome:
    try:
        return check(value)
    except Invalid as error:
        return _Failed(error.errors or [error.message])


def _cell_reader(plan: Plan, target: str) -> Callable[[Any], Outcome]:
    """What the cells of `target` in one row (the cell, or a tuple of the cells when its spec
    names several) become: the field's clean value as `feedback.clean_fields` checks it (the
    check of the form and the API), a customer's or company's field as text, or MISSING."""
    several = len(plan.columns[target]) > 1
    job = plan.job

    def chosen(key: Any) -> Cell:  # the first non-empty of the target's cells
        return next((c for c in (key if several else (key,)) if _filled(c)), "")

    if target == "tags":

        def tags(key: Any) -> Outcome:
            names: list[str] = []
            for value in key if several else (key,):
                if isinstance(value, str) and value.strip():
                    separator = job.tag_separator
                    parts = value.split() if separator == " " else value.split(separator)
                    names.extend(p for p in parts if p.strip())
            return _outcome(service.CHECKS["tags"], names)

        return tags
    if target in PEOPLE:
        return lambda key: str(value) if (value := chosen(key)) else MISSING
    if target == "received_at":

        def moment(key: Any) -> Outcome:
            value = chosen(key)
            if value == "":
                return MISSING
            try:
                read = _moment(value, job.date_format)
            except Invalid as error:
                return _Failed(error.errors or [error.message], unread=True)
            return _outcome(service.CHECKS["received_at"], read)

        return moment
    check = service.CHECKS[target]
    if target == "text":  # always given: an empty text is an error, not a field left out
        return lambda key: _outcome(check, chosen(key))
    return lambda key: MISSING if (value := chosen(key)) == "" else _outcome(check, value)


def _column(plan: Plan, target: str, rows: list[list[Cell]]) -> list[Outcome]:
    """The outcome of every row's cells of `target`, each distinct cell (or tuple of cells)
    read and checked once: a file repeats its dates, ratings, titles and tags. A text or an
    ISO time in one cell is checked by column (`feedback.clean_column`)."""
    indices = plan.columns[target]
    keys = list(map(itemgetter(*indices), rows))
    distinct = list(dict.fromkeys(keys))
    by_column = target in service.TEXTS or (
        target == "received_at" and plan.job.date_format == "auto"
    )
    if by_column and len(indices) == 1:
        outcomes = _checked_column(target, distinct)
    elif target in PEOPLE and len(indices) == 1:  # a customer's or company's field, as text
        outcomes = [
            c
            if c.__class__ is str and c.strip()
            else str(c)
            if isinstance(c, datetime)
            else MISSING
            for c in distinct
        ]
    else:
        read = _cell_reader(plan, target)
        outcomes = [read(key) for key in distinct]
    seen = dict(zip(distinct, outcomes, strict=True))
    return list(map(seen.__getitem__, keys))


def _checked_column(target: str, cells: list[Cell]) -> list[Outcome]:
    """`_cell_reader`'s outcomes for cells of one column each, checked by column."""
    values = [c if isinstance(c, datetime) or c.strip() else "" for c in cells]  # `_filled`
    given = values if target == "text" else [v for v in values if v != ""]
    checked = iter(service.clean_column(target, given))
    outcomes: list[Outcome] = []
    for value in values:
        if value == "" and target != "text":
            outcomes.append(MISSING)
            continue
        outcome = next(checked)
        if isinstance(outcome, Invalid):
            outcome = _Failed(outcome.errors or [outcome.message])
        outcomes.append(outcome)
    return outcomes


def _references(
    plan: Plan, record: str, columns: dict[str, list[Outcome]], size: int
) -> list[tuple[dict[str, str] | None, list[str]]]:
    """Each row's reference to a customer or company (`record`), with its check's messages."""
    targets = [t for t in plan.columns if PEOPLE.get(t, ("",))[0] == record]
    if not targets:
        return [(None, [])] * size
    fields = [PEOPLE[t][1] for t in targets]
    keys = zip(*(columns[t] for t in targets), strict=True)
    return [plan.reference(record, fields, key) for key in keys]


def _checked(plan: Plan, chunk: list[tuple[int, list[Cell]]]) -> list[Checked]:
    """The rows of `chunk`, checked column by column (decision 0051): each clean, or the
    messages of every check that failed, in the order of the mapping, then the customer's and
    the company's; the same as one row at a time, with each distinct value checked once."""
    rows = [cells for _, cells in chunk]
    columns = {target: _column(plan, target, rows) for target in plan.columns}
    targets = [t for t in plan.columns if t not in PEOPLE]
    customers = _references(plan, "customer", columns, len(rows))
    companies = _references(plan, "company", columns, len(rows))
    dates = columns.get("received_at") or [MISSING] * len(rows)
    skip = plan.job.skip_empty
    text_at = plan.columns["text"]
    result: list[Checked] = []
    for (number, cells), values, customer, company, date in zip(
        chunk, zip(*(columns[t] for t in targets), strict=True), customers, companies, dates,
        strict=True,
    ):  # fmt: skip
        if date.__class__ is _Failed and date.unread:
            result.append(date.messages)
            continue
        if skip and not any(_filled(cells[i]) for i in text_at):
            result.append(None)
            continue
        clean = {t: v for t, v in zip(targets, values, strict=True) if v is not MISSING}
        messages = [m for v in clean.values() if v.__class__ is _Failed for m in v.messages]
        if customer[1] or company[1]:
            messages += customer[1] + company[1]
        if not messages and clean.get("status") == Feedback.Status.LINKED:
            messages = [service.NEEDS_LINK]
        if messages:
            result.append(messages)
            continue
        if "tags" in clean:
            clean["tags"] = list(clean["tags"])  # each row its own list
        if customer[0] is not None:
            clean["customer"] = dict(customer[0])
        if company[0] is not None:
            clean["company"] = dict(company[0])
        external_id = clean.get("external_id") or ""
        result.append(Row(
            number, clean, clean.get("source") or plan.job.source, external_id,
            "" if external_id else _digest(clean),
        ))  # fmt: skip
    return result
