"""JSON API of file imports, the twin of the import pages: upload a file (with a preset),
read its preview, set the mapping, start the dry run or the import, follow its progress."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from northline.accounts.api import TaskOut, task_out
from northline.core.api import workspace_access
from northline.core.roles import WRITE

from .models import FeedbackImport
from .services import imports

router = Router(tags=["imports"])
W = "/workspaces/{slug}/imports"


class ImportPatch(Schema):
    """`mapping`: feedback field → column ("A|B": the first non-empty of A and B)."""

    mapping: dict[str, str] | None = None
    preset: str | None = None
    date_format: str | None = None
    source: str | None = None
    encoding: str | None = None
    tag_separator: str | None = None
    skip_empty: bool | None = None


class PreviewOut(Schema):
    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str
    unit: str
    unmapped: list[str]
    problem: str


class ImportOut(Schema):
    id: int
    file: str
    kind: str
    size: int
    status: str
    checked: bool
    preset: str
    mapping: dict[str, str]
    date_format: str
    source: str
    encoding: str
    tag_separator: str
    skip_empty: bool
    rows: int
    checkpoint_row: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    errors: list[str]
    notes: list[str]
    resumable: bool
    percent: int
    message: str


def import_out(job: FeedbackImport) -> ImportOut:
    progress = job.progress
    return ImportOut(
        **imports.summary(job), kind=job.kind, size=job.size, preset=job.preset,
        mapping=job.mapping, date_format=job.date_format, source=job.source,
        encoding=job.encoding, tag_separator=job.tag_separator, skip_empty=job.skip_empty,
        percent=progress.percent if progress else 0, message=progress.message if progress else "",
    )  # fmt: skip


@router.get(W, response=list[ImportOut], summary="The last 20 imports")
def list_imports(request: HttpRequest, slug: str) -> list[ImportOut]:
    access = workspace_access(request, slug)
    return [import_out(job) for job in imports.imports(access)]


@router.post(W, response={201: ImportOut},
             summary="Upload a CSV, XLSX, .eml or .mbox file (multipart `file`, optional `preset`)")  # fmt: skip
def create_import(
    request: HttpRequest, slug: str, file: File[UploadedFile], preset: Form[str] = ""
) -> Status[ImportOut]:
    access = workspace_access(request, slug, WRITE)
    job = imports.create_import(access, file.name or "", file, preset_name=preset)
    return Status(201, import_out(job))


@router.get(W + "/{import_id}", response=ImportOut, summary="An import: mapping, dry run, progress")
def get_import(request: HttpRequest, slug: str, import_id: int) -> ImportOut:
    access = workspace_access(request, slug)
    return import_out(access.get(FeedbackImport, pk=import_id))


@router.get(W + "/{import_id}/preview", response=PreviewOut, summary="Header and first rows")
def preview_import(request: HttpRequest, slug: str, import_id: int) -> Any:
    access = workspace_access(request, slug)
    return imports.preview(access.get(FeedbackImport, pk=import_id))


@router.patch(W + "/{import_id}", response=ImportOut, summary="Set the mapping and options")
def configure_import(
    request: HttpRequest, slug: str, import_id: int, payload: ImportPatch
) -> ImportOut:
    access = workspace_access(request, slug, WRITE)
    job = access.get(FeedbackImport, pk=import_id)
    options = payload.dict(exclude_unset=True)
    return import_out(imports.configure(access, job, **options))


@router.post(W + "/{import_id}/dry-run", response={202: TaskOut},
             summary="Check every row (errors by row number); writes nothing")  # fmt: skip
def dry_run(request: HttpRequest, slug: str, import_id: int) -> Any:
    access = workspace_access(request, slug, WRITE)
    job = access.get(FeedbackImport, pk=import_id)
    return Status(202, task_out(imports.start(access, job, write=False), request))


@router.post(W + "/{import_id}/start", response={202: TaskOut},
             summary="Import (or resume) the file; poll GET .../imports/{id} or the task")  # fmt: skip
def start_import(request: HttpRequest, slug: str, import_id: int) -> Any:
    access = workspace_access(request, slug, WRITE)
    job = access.get(FeedbackImport, pk=import_id)
    return Status(202, task_out(imports.start(access, job, write=True), request))
