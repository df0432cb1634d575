"""Pages of file imports: upload a file, see its first rows, map its columns, run the dry run,
import with a progress bar (the page refreshes itself while it runs; no JS needed)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from northline.core.access import Access
from northline.core.errors import DomainError
from northline.core.pages import workspace_for
from northline.core.roles import READ, WRITE

from .models import Feedback, FeedbackImport
from .services import imports
from .services.mapping import DATE_FORMATS, TARGETS
from .services.presets import PRESETS
from .services.tables import ENCODINGS
from .views import page_context

OPTIONS = ("preset", "date_format", "source", "encoding", "tag_separator")


@login_required
def imports_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The upload form and the last imports; POST uploads a file."""
    access = workspace_for(request, slug, WRITE if request.method == "POST" else READ)
    problem = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            job = imports.create_import(
                access, (upload.name or "") if upload else "", upload or _Empty(),
                preset_name=request.POST.get("preset", ""),
            )  # fmt: skip
        except DomainError as error:
            problem = error
        else:
            return redirect(job.get_absolute_url())
    context = page_context(
        access, "imports", jobs=imports.imports(access), presets=PRESETS, problem=problem
    )
    return render(
        request, "insights/imports.html", context, status=problem.status if problem else 200
    )


class _Empty:
    """No upload: the service says which field is missing."""

    def read(self, size: int = -1) -> bytes:
        return b""


@login_required
def import_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One import: preview, mapping, options, dry run result or progress; POST saves the
    mapping and options."""
    access = workspace_for(request, slug, WRITE if request.method == "POST" else READ)
    job = access.get(FeedbackImport, pk=pk)
    problem = None
    if request.method == "POST":
        post = request.POST
        chosen_preset = post.get("preset", "")
        options: dict[str, Any] = {name: post.get(name) or None for name in OPTIONS}
        options["preset"] = chosen_preset if chosen_preset != job.preset else None
        if options["date_format"] == "custom":
            options["date_format"] = post.get("date_format_custom") or None
        options["skip_empty"] = post.get("skip_empty") == "on"
        mapping = None
        if not options["preset"]:
            mapping = {t: post.get(f"map_{t}", "") for t in TARGETS}
        try:
            imports.configure(access, job, mapping=mapping, **options)
        except DomainError as error:
            problem = error
        else:
            messages.success(request, "Mapping saved. Run the dry run to check every row.")
            return redirect(job.get_absolute_url())
    return _show(request, access, job, problem)


def _show(
    request: HttpRequest, access: Access, job: FeedbackImport, problem: DomainError | None
) -> HttpResponse:
    try:
        shown = imports.preview(job)
    except DomainError as error:
        shown, problem = None, problem or error
    running = job.status in (FeedbackImport.Status.QUEUED, FeedbackImport.Status.RUNNING)
    columns = list(dict.fromkeys(shown["header"])) if shown else []
    specs = {spec for spec in job.mapping.values() if spec not in columns}
    context = page_context(
        access, "imports", job=job, preview=shown, problem=problem, presets=PRESETS,
        targets=[(t, label, job.mapping.get(t, "")) for t, label in TARGETS.items()],
        columns=columns + sorted(specs), date_formats=DATE_FORMATS,
        custom_date=job.date_format not in DATE_FORMATS, sources=Feedback.Source.choices,
        encodings=ENCODINGS, running=running and not imports.resumable(job),
        resumable=imports.resumable(job), progress=job.progress,
    )  # fmt: skip
    return render(
        request, "insights/import.html", context, status=problem.status if problem else 200
    )


@login_required
@require_POST
def import_dry_run(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _run(request, slug, pk, write=False)


@login_required
@require_POST
def import_start(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _run(request, slug, pk, write=True)


def _run(request: HttpRequest, slug: str, pk: int, *, write: bool) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    job = access.get(FeedbackImport, pk=pk)
    try:
        imports.start(access, job, write=write)
    except DomainError as error:
        return _show(request, access, job, error)
    return redirect(job.get_absolute_url())
