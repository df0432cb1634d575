"""How a file's columns become feedback fields: the mapping (field → column), the date format,
and the reading of each row into the values `feedback.clean_fields` checks, the one check of
feedback input that the form and the API use too. Messages name the row and the column
("row 5: rating: must be between 1 and 5, got 7 (column 'Star Rating')").

A column spec "A|B" takes the first non-empty of A and B (tags take all of them); a name that the
header repeats (Jira's several "Labels") means every column of that name.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from northline.core.errors import DomainError, Invalid

from ..models import Feedback, FeedbackImport
from . import customers as people
from . import feedback as service
from .fields import Errors
from .tables import Cell, Table

MAX_ERRORS = 100
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
    refs: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = field(default_factory=dict)

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

    def check_ref(self, name: str, ref: dict[str, str]) -> None:
        """The check `clean_fields` makes of a customer or company reference, done once per
        distinct reference: a file names the same few thousand customers over and over."""
        key = (name, tuple(sorted(ref.items())))
        if key not in self.refs:
            if len(self.refs) > 100_000:
                self.refs.clear()
            check_one = people.customer_ref if name == "customer" else people.company_ref
            try:
                check_one(ref)
                self.refs[key] = []
            except Invalid as error:
                self.refs[key] = error.errors or [error.message]
        if self.refs[key]:
            raise Invalid(*self.refs[key])

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


def _raw(plan: Plan, cells: list[Cell]) -> dict[str, Any]:
    """The feedback fields of one row, as the API would receive them."""
    job = plan.job
    fields: dict[str, Any] = {}
    people: dict[str, dict[str, str]] = {}
    for target, indices in plan.columns.items():
        if target == "tags":
            names: list[str] = []
            for i in indices:
                value = cells[i]
                if isinstance(value, str) and value.strip():
                    parts = (
                        value.split()
                        if job.tag_separator == " "
                        else value.split(job.tag_separator)
                    )
                    names.extend(p for p in parts if p.strip())
            fields["tags"] = names
            continue
        value = next((cells[i] for i in indices if _filled(cells[i])), "")
        if target in PEOPLE:
            record, name = PEOPLE[target]
            if value:
                people.setdefault(record, {})[name] = str(value)
        elif target == "received_at" and value != "":
            fields[target] = _moment(value, job.date_format)
        elif value != "" or target == "text":
            fields[target] = value
    return fields | people


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
    MAX_ERRORS errors. A row that repeats an earlier one's identity is left out."""
    try:
        for number, cells in table.rows:
            scan.rows += 1
            try:
                row = _row(plan, number, cells)
            except DomainError as error:
                for message in error.errors or [error.message]:
                    scan.errors.append(_message(plan, table.unit, number, message))
            else:
                if row is None:
                    scan.skipped += 1
                    continue
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
    except DomainError as error:
        scan.errors.extend(error.errors or [error.message])


def _row(plan: Plan, number: int, cells: list[Cell]) -> Row | None:
    fields = _raw(plan, cells)
    if plan.job.skip_empty and not str(fields.get("text") or "").strip():
        return None
    refs = {name: fields.pop(name) for name in ("customer", "company") if name in fields}
    errors = Errors()
    values = errors.check(service.clean_fields, fields) or {}
    for name, ref in refs.items():
        errors.check(plan.check_ref, name, ref)
    errors.raise_any()
    values |= refs
    if values.get("status") == Feedback.Status.LINKED:
        raise Invalid(service.NEEDS_LINK)
    source = values.get("source") or plan.job.source
    external_id = values.get("external_id") or ""
    return Row(number, values, source, external_id, "" if external_id else _digest(values))
