"""Importing a file as feedback: upload → preview → map columns → dry run → import.

How columns become fields, and the check of each row (the API's), is `mapping`; reading the
file is `tables` and `mail`. This module stores the upload, runs the dry run and the import as
a background task, and follows them.

An import is resumable (decisions/0008): it first checks the whole file and writes nothing if
any row is wrong; then it writes in batches, each one transaction that also moves the
checkpoint `rows_done`, and queues the batch for processing once committed. An interrupted
import resumes after its checkpoint. Rows are identified by (source, external id), else by a
hash of their content, so importing a file again creates nothing twice.

New rows are written in bulk (one INSERT per batch, customers and companies looked up once per
distinct reference, tags in bulk, one activity per import); a row that changes an existing item
goes through the per-item update, which keeps its highlights and feature links right.
"""

from __future__ import annotations

import gc
import hashlib
import pickle
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from northline.accounts.models import Workspace
from northline.core import activity, tasks
from northline.core.access import Access
from northline.core.errors import DomainError, Invalid
from northline.core.models import TaskProgress
from northline.core.roles import WRITE

from ..models import Feedback, FeedbackImport
from . import feedback as service
from . import fields as check
from . import processing, themes
from .bulk_insert import insert_feedback
from .fields import Errors
from .mapping import Plan, Row, Scan, checked_date_format, guessed, read_rows
from .presets import PRESETS, fitted, preset
from .rows import insert_rows
from .tables import ENCODINGS, Cell, Table, kind_of, open_table

Status = FeedbackImport.Status
COMPARED = ("text", "title", "rating", "external_url", "status", "received_at")
BATCH_ROWS = 20_000
# Rows per write transaction (and checkpoint): on SQLite a transaction holds the write lock, and
# the worker gets it between two of them. Parts of 2,000 let the worker in during an import, but
# the 1M run took 1,411 s with them against 1,272 s with one part a batch (decision 0039).
WRITE_ROWS = BATCH_ROWS
BATCH_TEXT = 32 << 20  # characters of text per batch at most, so 1 MB texts stay bounded
MAX_FILE = 1 << 30
PREVIEW_ROWS = 5
STALE_AFTER = 600  # seconds without a checkpoint after which a running import counts as stopped


class Readable(Protocol):
    """An uploaded file or an open one."""

    def read(self, size: int = -1, /) -> bytes: ...


# --- storing the file ------------------------------------------------------------------------


def import_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_path(job: FeedbackImport) -> Path:
    return import_dir() / job.stored_name


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, which tells an upload of the same file again."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def create_import(
    access: Access, file_name: str, content: Readable, *, preset_name: str = ""
) -> FeedbackImport:
    """Store an uploaded file and guess its mapping (or take the preset's); refuses a file
    that cannot be read as a table. Nothing is imported yet."""
    access.require(WRITE)
    name = Path(file_name or "").name[:200]
    if not name:
        raise Invalid("file: choose a file to import")
    kind = kind_of(name)
    if preset_name:
        preset(preset_name)
    stored = f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    path = import_dir() / stored
    with path.open("wb") as out:
        for chunk in iter(lambda: content.read(1 << 20), b""):
            out.write(chunk)
    size = path.stat().st_size
    if size == 0 or size > MAX_FILE:
        path.unlink()
        why = "is empty" if size == 0 else f"is larger than {MAX_FILE >> 20} MB"
        raise Invalid(f"file: {name!r} {why}")
    job = FeedbackImport(
        workspace=access.workspace, file_name=name, stored_name=stored, kind=kind, size=size,
        sha256=file_digest(path), created_by=access.user,
    )  # fmt: skip
    if kind in ("eml", "mbox") and not preset_name:
        preset_name = "email"
    try:
        header = _header(job)
    except DomainError:
        path.unlink()
        raise
    _choose(job, header, preset_name)
    job.save()
    return job


def _choose(job: FeedbackImport, header: list[str], preset_name: str) -> None:
    """A preset's mapping and options, or a mapping guessed from the column names."""
    job.preset = preset_name
    if preset_name:
        chosen = PRESETS[preset_name]
        job.mapping, job.notes = fitted(chosen, header)
        job.source, job.date_format = chosen.source, chosen.date_format
        job.tag_separator, job.skip_empty = chosen.tag_separator, chosen.skip_empty
        return
    job.mapping = guessed(header)
    job.notes = []


def _open(job: FeedbackImport) -> Table:
    return open_table(stored_path(job), job.kind, job.encoding)


def _header(job: FeedbackImport) -> list[str]:
    table = _open(job)
    table.close()
    return table.header


def preview(job: FeedbackImport, rows: int = PREVIEW_ROWS) -> dict[str, Any]:
    """The header, the first rows (as text) and the columns the mapping leaves out."""
    table = _open(job)
    first: list[tuple[int, list[str]]] = []
    problem = ""
    try:
        for number, cells in table.rows:
            first.append((number, [_shown(c) for c in cells]))
            if len(first) >= rows:
                break
    except DomainError as error:
        problem = error.message
    finally:
        table.close()
    used = {name for spec in job.mapping.values() for name in spec.split("|")}
    return {
        "header": table.header, "rows": first, "encoding": table.encoding, "unit": table.unit,
        "unmapped": [name for name in dict.fromkeys(table.header) if name not in used],
        "problem": problem,
    }  # fmt: skip


def _shown(cell: Cell) -> str:
    text = cell.isoformat(sep=" ") if isinstance(cell, datetime) else cell
    return text if len(text) <= 120 else text[:119] + "…"


# --- the mapping -----------------------------------------------------------------------------


def configure(access: Access, job: FeedbackImport, **options: Any) -> FeedbackImport:
    """Change the mapping and options (mapping, preset, date_format, source, encoding,
    tag_separator, skip_empty) of an import that has not started; the dry run is then due
    again. Every error at once."""
    access.require(WRITE)
    if job.status in (Status.QUEUED, Status.RUNNING) or job.rows_done:
        raise Invalid("import: has started; upload the file again to change its mapping")
    errors = Errors()
    if options.get("encoding") is not None:
        job.encoding = errors.check(_choice, options["encoding"], "encoding", ENCODINGS) or "auto"
    header = errors.check(_header, job) or []
    if options.get("preset") and errors.check(preset, options["preset"]) is not None:
        _choose(job, header, options["preset"])
    if options.get("mapping") is not None:
        job.mapping = {k: v for k, v in options["mapping"].items() if v}
    if options.get("date_format"):
        job.date_format = (
            errors.check(checked_date_format, options["date_format"]) or job.date_format
        )
    if options.get("source"):
        job.source = (
            errors.check(_choice, options["source"], "source", Feedback.Source.values) or job.source
        )
    separator = options.get("tag_separator")
    if separator:
        if len(separator) > 3:
            errors.messages.append(f"tag_separator: at most 3 characters, got {separator!r}")
        else:
            job.tag_separator = separator
    if options.get("skip_empty") is not None:
        job.skip_empty = bool(options["skip_empty"])
    if header:
        errors.check(Plan, job, header)
    errors.raise_any()
    job.status, job.checked, job.errors = Status.UPLOADED, False, []
    job.save()
    return job


def _choice(value: Any, field_name: str, options: Mapping[str, Any] | list[str]) -> str:
    return check.choice(value, field_name, list(options))


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    size = 0
    for row in rows:
        batch.append(row)
        size += len(row.values["text"])
        if len(batch) >= BATCH_ROWS or size >= BATCH_TEXT:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


# --- comparing with what is there ------------------------------------------------------------


@dataclass
class Sorted:
    """A batch split into rows to create, rows that change an item (with its id), and the
    number of rows whose item is already as the file says."""

    new: list[Row] = field(default_factory=list)
    changed: list[tuple[Row, int]] = field(default_factory=list)
    unchanged: int = 0


def _sort(job: FeedbackImport, batch: list[Row]) -> Sorted:
    result = Sorted()
    items = Feedback.objects.filter(workspace_id=job.workspace_id)
    by_id: dict[tuple[str, str], dict[str, Any]] = {}
    ids = [row.external_id for row in batch if row.external_id]
    if ids:
        for item in items.filter(external_id__in=ids).values(
            "id", "source", "external_id", *COMPARED
        ):
            by_id[(item["source"], item["external_id"])] = item
    digests = [row.digest for row in batch if row.digest]
    hashed = set(
        items.filter(content_hash__in=digests).values_list("source", "content_hash")
        if digests
        else []
    )
    tags = _tag_names([item["id"] for item in by_id.values()])
    for row in batch:
        if row.digest:
            if (row.source, row.digest) in hashed:
                result.unchanged += 1
            else:
                result.new.append(row)
            continue
        item = by_id.get((row.source, row.external_id))
        if item is None:
            result.new.append(row)
        elif _same(row.values, item, tags.get(item["id"], set())):
            result.unchanged += 1
        else:
            result.changed.append((row, item["id"]))
    return result


def _tag_names(ids: list[int]) -> dict[int, set[str]]:
    names: dict[int, set[str]] = {}
    through = Feedback.tags.through.objects.filter(feedback_id__in=ids)
    for feedback_id, name in through.values_list("feedback_id", "tag__name"):
        names.setdefault(feedback_id, set()).add(name)
    return names


def _same(values: Mapping[str, Any], item: Mapping[str, Any], tags: set[str]) -> bool:
    scalars = all(values[name] == item[name] for name in COMPARED if name in values)
    return scalars and ("tags" not in values or set(values["tags"]) == tags)


# --- running ---------------------------------------------------------------------------------


Report = Callable[[int, str], None]


def _quiet(percent: int, message: str) -> None:
    """No progress to show (a caller without a progress bar)."""


def execute(
    access: Access, job: FeedbackImport, *, write: bool, report: Report = _quiet
) -> FeedbackImport:
    """Check the whole file (the dry run) and, with `write` and no errors, import it after
    its checkpoint. Row errors are kept on the import, not raised: nothing is written then."""
    access.require(WRITE)
    resume = job.rows_done if write and job.status != Status.DONE else 0
    if write and not resume:
        job.created_count = job.updated_count = job.unchanged_count = job.skipped_count = 0
    job.status, job.errors = Status.RUNNING, []
    job.save()
    try:
        with tempfile.TemporaryFile(dir=import_dir()) as spool:
            checked = _check(job, report, 30 if write else 100, spool if write else None)
            if checked.errors or not write:
                _finish(job, checked)
                return job
            job.rows_total = checked.rows
            _write(access, job, report, spool, resume)
    except DomainError as error:
        job.status, job.errors = Status.FAILED, error.errors or [error.message]
        job.save()
        return job
    except BaseException as error:
        job.status, job.errors = (
            Status.FAILED,
            [f"import: stopped ({error or type(error).__name__})"],
        )
        job.save()
        raise
    job.skipped_count, job.notes = checked.skipped, checked.notes
    job.status, job.checked = Status.DONE, True
    job.save()
    changes = {
        "file": job.file_name, "created": job.created_count, "updated": job.updated_count,
        "unchanged": job.unchanged_count,
    }  # fmt: skip
    activity.record(job.workspace, access.user, "feedback.imported", job.workspace, changes)
    if job.created_count or job.updated_count:
        _settle(job)
    return job


def _settle(job: FeedbackImport) -> None:
    """The import's end may come after its last batch was processed (that batch then saw the
    import still writing and left the re-clustering to it): queue it now when due."""
    if themes.due(job.workspace):
        processing.settle_themes(job.workspace)


def writing(workspace: Workspace) -> bool:
    """Whether an import of this workspace is writing its batches: running past its first
    checkpoint and not stopped (a checkpoint within `STALE_AFTER`). Its coming batches will be
    processed after those queued now."""
    alive = timezone.now() - timedelta(seconds=STALE_AFTER)
    return FeedbackImport.objects.filter(
        workspace=workspace, status=Status.RUNNING, rows_done__gt=0, updated_at__gte=alive
    ).exists()


def _check(job: FeedbackImport, report: Report, share: int, spool: IO[bytes] | None) -> Scan:
    """The dry run: every row checked, and sorted into new, changed and unchanged. The clean
    rows go to `spool`, from which the import writes them without reading the file again."""
    table = _open(job)
    try:
        plan = Plan(job, table.header)
        scan = Scan()
        for batch in _built(_batches(read_rows(plan, table, scan))):
            if spool is not None:  # importing: the write sorts each batch as the database is then
                _spool(spool, batch)
            else:
                sorted_ = _sort(job, batch)
                scan.new += len(sorted_.new)
                scan.changed += len(sorted_.changed)
                scan.unchanged += sorted_.unchanged
            report(min(share - 1, share * scan.rows // max(job.rows_total or scan.rows * 2, 1)),
                   f"Checked {scan.rows:,} {table.unit}s")  # fmt: skip
    finally:
        table.close()
    job.rows_total = scan.rows
    return scan


def _finish(job: FeedbackImport, scan: Scan) -> None:
    """Keep what the dry run found: the errors, or what the import would do."""
    job.status, job.checked = Status.CHECKED, True
    job.errors, job.notes = scan.errors, scan.notes
    job.created_count, job.updated_count = scan.new, scan.changed
    job.unchanged_count, job.skipped_count = scan.unchanged, scan.skipped
    job.save()


def _spool(spool: IO[bytes], batch: list[Row]) -> None:
    """A checked batch kept for the write, as plain tuples: pickling the rows as objects of
    a class cost twice as much, out and back in (decision 0051)."""
    fields = [(r.number, r.values, r.source, r.external_id, r.digest) for r in batch]
    pickle.dump(fields, spool, protocol=pickle.HIGHEST_PROTOCOL)


def _spooled(spool: IO[bytes], after: int) -> Iterator[list[Row]]:
    """The batches `_check` spooled, without the rows up to the checkpoint `after`."""
    spool.seek(0)
    while True:
        try:
            fields = pickle.load(spool)  # noqa: S301 - our own file, written just now
        except EOFError:
            return
        batch = [Row(*row) for row in fields if row[0] > after]
        if batch:
            yield batch


def _write(
    access: Access, job: FeedbackImport, report: Report, spool: IO[bytes], resume: int
) -> None:
    known: service.People = {}
    tag_ids: dict[str, int] = {}
    done = 0
    unit = _unit(job)
    for part in (p for batch in _built(_spooled(spool, resume)) for p in _parts(batch)):
        last = _last_id(job)
        with _no_cycle_collection():
            sorted_ = _sort(job, part)  # reads, before the write lock: the worker's turn
        with _no_cycle_collection(), transaction.atomic():
            if (newest := _last_id(job)) != last:  # feedback added meanwhile: sort again
                sorted_ = _sort(job, part)
            created = _create(access, job, sorted_.new, known, tag_ids, newest)
            updated = [
                service.upsert(access, row.values | {"source": row.source}, job.source)[0].pk
                for row, _ in sorted_.changed
            ]
            job.rows_done = part[-1].number
            job.created_count += len(created)
            job.updated_count += len(updated)
            job.unchanged_count += sorted_.unchanged
            job.save(update_fields=[
                "rows_done", "created_count", "updated_count", "unchanged_count", "updated_at",
            ])  # fmt: skip
            fresh = created + updated
            if fresh:
                transaction.on_commit(partial(processing.queue, job.workspace, fresh))
        done = part[-1].number - 1
        report(30 + 70 * done // max(job.rows_total, 1),
               f"Imported {done:,} of {job.rows_total:,} {unit}s")  # fmt: skip


T = TypeVar("T")


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a batch's rows are built or written. A batch makes
    hundreds of thousands of containers (rows, their values, tuples), and each 700 of them start
    a collection that walks the objects alive: a third of the import's CPU (100,000 rows: 29.8
    s, 18.9 s without it). Rows hold no cycles, so nothing waits for the collector but what
    the batch's other code leaves, collected as usual once the batch is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _built(batches: Iterator[T]) -> Iterator[T]:
    """Each batch of `batches` read with the cycle collector paused."""
    while True:
        with _no_cycle_collection():
            batch = next(batches, None)
        if batch is None:
            return
        yield batch


def _parts(batch: list[Row]) -> Iterator[list[Row]]:
    """A spooled batch in write transactions of `WRITE_ROWS`."""
    for first in range(0, len(batch), WRITE_ROWS):
        yield batch[first : first + WRITE_ROWS]


def _last_id(job: FeedbackImport) -> int:
    """The workspace's newest feedback id (0 without any)."""
    rows = Feedback.objects.filter(workspace_id=job.workspace_id)
    return rows.aggregate(last=Max("id"))["last"] or 0


def _create(
    access: Access, job: FeedbackImport, rows: list[Row], known: service.People,
    tag_ids: dict[str, int], newest: int,
) -> list[int]:  # fmt: skip
    """Insert new feedback in bulk, with its customers, companies and tags (`newest`: the
    workspace's newest feedback id before)."""
    now = timezone.now()
    workspace_id, user_id, new = job.workspace_id, access.user.pk, Feedback.Status.NEW
    items = []
    people = service.people_of(access, [row.values for row in rows], known)
    for row, pair in zip(rows, people, strict=True):
        values = row.values
        try:
            customer, company = pair or service.named_people(access, values, known)
        except DomainError as error:
            unit = _unit(job)
            raise Invalid(*(f"{unit} {row.number}: {m}" for m in error.errors or [error.message])) from None  # fmt: skip
        items.append((
            workspace_id, now, now, values.get("title") or "", values["text"], row.source,
            customer.id if customer else None, company.id if company else None,
            values.get("received_at") or now, values.get("rating"),
            values.get("external_url") or "", row.external_id, row.digest,
            values.get("status") or new, None, user_id,
        ))  # fmt: skip
    ids = _insert(job, items, newest)
    names = {name for row in rows for name in row.values.get("tags", [])}
    missing = sorted(names - set(tag_ids))
    if missing:
        tag_ids.update((t.name, t.pk) for t in service.tags_named(access, missing))
    through = Feedback.tags.through
    insert_rows(
        through, ["feedback_id", "tag_id"],
        [
            (pk, tag_ids[name])
            for pk, row in zip(ids, rows, strict=True)
            for name in row.values.get("tags", [])
        ],
    )  # fmt: skip
    return ids


INSERTED = (
    "workspace_id", "created_at", "updated_at", "title", "text", "source", "customer_id",
    "company_id", "received_at", "rating", "external_url", "external_id", "content_hash",
    "status", "assignee_id", "created_by_id",
)  # fmt: skip


def _insert(job: FeedbackImport, items: list[tuple[Any, ...]], before: int) -> list[int]:
    """Insert new feedback (tuples of INSERTED) with one parameterised INSERT run over the
    batch, then read the ids back by their identities (source and external id, or content
    hash: every new row has one) among the rows added after the last id `before`. A third of
    the time of `bulk_create`, which compiles the SQL of each value; the same SQL on SQLite
    and PostgreSQL."""
    rows = Feedback.objects.filter(workspace_id=job.workspace_id)
    insert_feedback(list(INSERTED), items)
    added: dict[tuple[str, str, str], int] = {}
    fresh = rows.filter(id__gt=before).values_list("source", "external_id", "content_hash", "id")
    for source, external_id, digest, pk in fresh.iterator(chunk_size=5000):
        added[(source, external_id, digest)] = pk
    at = [INSERTED.index(n) for n in ("source", "external_id", "content_hash")]
    return [added[(i[at[0]], i[at[1]], i[at[2]])] for i in items]


def _unit(job: FeedbackImport) -> str:
    return "message" if job.kind in ("eml", "mbox") else "row"


# --- starting and following ------------------------------------------------------------------


def resumable(job: FeedbackImport) -> bool:
    """Stopped part-way: failed after a checkpoint, or running with no checkpoint for a while
    (its worker died)."""
    stale = (timezone.now() - job.updated_at).total_seconds() > STALE_AFTER
    return job.rows_done > 0 and (
        job.status == Status.FAILED or (job.status == Status.RUNNING and stale)
    )


def start(access: Access, job: FeedbackImport, *, write: bool) -> TaskProgress:
    """Queue the dry run (write=False) or the import as a background task."""
    from ..tasks import run_import

    access.require(WRITE)
    busy = job.status == Status.QUEUED or (job.status == Status.RUNNING and not resumable(job))
    if busy:
        raise Invalid("import: is already running; wait for it to finish")
    if not write and job.rows_done and job.status != Status.DONE:
        raise Invalid("import: has started; resume it instead of a dry run")
    if write and job.status == Status.DONE:
        job.rows_done = 0  # importing the file again: every row is looked at anew
    Plan(job, _header(job))
    verb = "Import" if write else "Dry run of"
    progress = tasks.start(
        access.workspace, access.user, f"{verb} {job.file_name}", run_import,
        import_id=job.pk, write=write, user_id=access.user.pk,
    )  # fmt: skip
    if not resumable(job):
        job.status = Status.QUEUED
    job.progress = progress
    job.save(update_fields=["status", "progress", "rows_done", "updated_at"])
    return progress


def imports(access: Access) -> list[FeedbackImport]:
    rows = FeedbackImport.objects.filter(workspace=access.workspace)
    return list(rows.select_related("progress", "created_by")[:20])


def summary(job: FeedbackImport) -> dict[str, Any]:
    """Where an import stands, as the API and the task result give it."""
    return {
        "id": job.pk, "file": job.file_name, "status": str(job.status), "checked": job.checked,
        "rows": job.rows_total, "checkpoint_row": job.rows_done, "created": job.created_count,
        "updated": job.updated_count, "unchanged": job.unchanged_count,
        "skipped": job.skipped_count, "errors": job.errors, "notes": job.notes,
        "resumable": resumable(job),
    }  # fmt: skip
