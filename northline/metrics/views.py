"""Pages of metrics under /w/<slug>/metrics/: the KPI catalogue with open alerts, a KPI (chart
with target band and annotations, change, breakdown, data entry, CSV upload, targets, notes)
and the KPI form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from northline.core.access import Access
from northline.core.errors import DomainError
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import MANAGE, WRITE

from .forms import AnnotationForm, CsvForm, KpiForm, PointForm, SqlSourceForm, TargetForm
from .models import Alert, Annotation, Kpi, SqlSource, Target
from .services import alerts as alert_service
from .services import csv_import, kpis, points, readings, sql_sources
from .services.kpi_charts import WINDOWS, kpi_view
from .timeseries import GRANULARITIES


def page_context(access: Access, tab: str, **extra: Any) -> dict[str, Any]:
    return {"access": access, "nav": "metrics", "tab": tab, "can_write": access.can(WRITE)} | extra


def members(access: Access) -> list[tuple[str, str]]:
    rows = access.workspace.memberships.select_related("user").order_by("user__name", "user__email")
    return [(m.user.email, str(m.user)) for m in rows]


def kpi_choices(access: Access, exclude: Kpi | None = None) -> list[tuple[str, str]]:
    rows = Kpi.objects.filter(workspace=access.workspace).exclude(aggregation=Kpi.Aggregation.RATIO)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return [(k.key, k.name) for k in rows]


@login_required
def home(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    q, tag = request.GET.get("q", ""), request.GET.get("tag", "")
    rows = list(kpis.kpis(access, tag=tag, q=q))
    catalogue = [(kpi, readings.latest(kpi)) for kpi in rows]
    context = page_context(
        access, "kpis", catalogue=catalogue, q=q, tag=tag,
        alerts=alert_service.alerts(access)[:20],
    )  # fmt: skip
    return render(request, "metrics/home.html", context)


def kpi_form(request: HttpRequest, access: Access, kpi: Kpi | None) -> HttpResponse:
    initial = KpiForm.initial_of(kpi) if kpi else {}
    form = KpiForm(
        request.POST or None,
        initial=initial,
        kpis=kpi_choices(access, kpi),
        members=members(access),
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            if kpi is None:
                saved = kpis.create_kpi(access, **fields)
            else:
                saved = kpis.update_kpi(access, kpi, **fields)
        except DomainError as error:
            show_errors(form, error)
            if kpi is not None:
                kpi.refresh_from_db()
        else:
            messages.success(request, f"KPI {saved.name} saved.")
            return redirect(saved)
    status = 422 if form.errors else 200
    return render(
        request,
        "metrics/kpi_form.html",
        page_context(access, "kpis", form=form, kpi=kpi),
        status=status,
    )


@login_required
def kpi_new(request: HttpRequest, slug: str) -> HttpResponse:
    return kpi_form(request, workspace_for(request, slug, WRITE), None)


@login_required
def kpi_edit(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    return kpi_form(request, access, access.get(Kpi, key=key))


@login_required
@require_POST
def kpi_delete(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    kpi = access.get(Kpi, key=key)
    try:
        kpis.delete_kpi(access, kpi)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(kpi)
    messages.success(request, f"KPI {kpi.name} deleted.")
    return redirect("metrics:home", slug)


def detail(
    request: HttpRequest, access: Access, kpi: Kpi, status: int = 200, **forms: Any
) -> HttpResponse:
    get = request.GET
    granularity = get.get("granularity") if get.get("granularity") in GRANULARITIES else None
    view = kpi_view(access.workspace, kpi, get.get("window", ""), granularity)
    source = SqlSource.objects.filter(kpi=kpi).first() if access.can(MANAGE) else None
    context = page_context(
        access, "kpis", kpi=kpi, view=view, windows=list(WINDOWS), granularities=GRANULARITIES,
        chart=view.chart(), breakdown_charts=view.breakdown_charts(),
        recent=list(reversed(view.series.points[-12:])),
        targets=kpi.targets.all(), alerts=alert_service.alerts(access, kpi, "all")[:10],
        point_form=forms.get("point_form") or PointForm(),
        csv_form=forms.get("csv_form") or CsvForm(),
        target_form=forms.get("target_form") or TargetForm(),
        annotation_form=forms.get("annotation_form") or AnnotationForm(),
        csv_result=forms.get("csv_result"),
        can_manage=access.can(MANAGE), source=source,
        source_url=sql_sources.masked(source.url) if source else "",
        refreshes=source.refreshes.all()[:10] if source else [],
        source_form=forms.get("source_form") or SqlSourceForm(initial=source_initial(source)),
    )  # fmt: skip
    return render(request, "metrics/kpi.html", context, status=status)


def load(request: HttpRequest, slug: str, key: str, write: bool = False) -> tuple[Access, Kpi]:
    access = workspace_for(request, slug, WRITE) if write else workspace_for(request, slug)
    return access, access.get(Kpi, key=key)


@login_required
def kpi_page(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access, kpi = load(request, slug, key)
    return detail(request, access, kpi)


@login_required
@require_POST
def point_add(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access, kpi = load(request, slug, key, write=True)
    form = PointForm(request.POST)
    if form.is_valid():
        try:
            points.store(
                access, points.check_points(access, [form.point()], kpi, prefix="point"), via="form"
            )
        except DomainError as error:
            show_errors(form, unprefixed(error))
        else:
            messages.success(request, f"Value for {form.cleaned_data['date']} saved.")
            return redirect(kpi)
    return detail(request, access, kpi, 422, point_form=form)


def unprefixed(error: DomainError) -> DomainError:
    """ "point[0].value: ..." → "value: ...", to sit beside the form's field."""
    return type(error)(*(m.removeprefix("point[0].") for m in error.errors or [error.message]))


@login_required
@require_POST
def csv_upload(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access, kpi = load(request, slug, key, write=True)
    form = CsvForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload is None:
            form.add_error("file", "choose a CSV file")
        else:
            try:
                result = csv_import.upload(
                    access, kpi, upload.read(csv_import.MAX_BYTES + 1),
                    dry_run=form.cleaned_data["dry_run"],
                    chosen_format=form.cleaned_data["date_format"],
                )  # fmt: skip
            except DomainError as error:
                for message in error.errors or [error.message]:
                    form.add_error("file", message)
            else:
                if result.dry_run:
                    return detail(request, access, kpi, csv_form=form, csv_result=result)
                messages.success(request, f"{result.points} values imported.")
                return redirect(kpi)
    return detail(request, access, kpi, 422, csv_form=form)


@login_required
@require_POST
def target_add(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access, kpi = load(request, slug, key, write=True)
    form = TargetForm(request.POST)
    if form.is_valid():
        try:
            kpis.add_target(access, kpi, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Target set.")
            return redirect(kpi)
    return detail(request, access, kpi, 422, target_form=form)


@login_required
@require_POST
def target_remove(request: HttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    access, kpi = load(request, slug, key, write=True)
    kpis.delete_target(access, access.get(Target, pk=pk, kpi=kpi))
    return redirect(kpi)


@login_required
@require_POST
def annotation_add(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access, kpi = load(request, slug, key, write=True)
    form = AnnotationForm(request.POST)
    if form.is_valid():
        try:
            kpis.add_annotation(
                access, kpi, day=form.cleaned_data["date"], text=form.cleaned_data["text"]
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "Note added to the chart.")
            return redirect(kpi)
    return detail(request, access, kpi, 422, annotation_form=form)


@login_required
@require_POST
def annotation_remove(request: HttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    access, kpi = load(request, slug, key, write=True)
    kpis.delete_annotation(access, access.get(Annotation, pk=pk, kpi=kpi))
    return redirect(kpi)


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    alert = alert_service.acknowledge(access, access.get(Alert, pk=pk))
    messages.success(request, f"Alert on {alert.kpi.name} ({alert.date}) acknowledged.")
    if request.POST.get("back") == "kpi":
        return redirect(alert.kpi)
    return redirect("metrics:home", slug)


# --- SQL source ------------------------------------------------------------------------------


def source_initial(source: SqlSource | None) -> dict[str, Any]:
    if source is None:
        return {}
    return {
        "url": sql_sources.masked(source.url), "query": source.query,
        "interval_minutes": source.interval_minutes, "timeout_seconds": source.timeout_seconds,
        "enabled": source.enabled,
    }  # fmt: skip


@login_required
@require_POST
def sql_source_save(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access = workspace_for(request, slug, MANAGE)
    kpi = access.get(Kpi, key=key)
    form = SqlSourceForm(request.POST)
    if form.is_valid():
        fields = form.fields_for_service()
        existing = SqlSource.objects.filter(kpi=kpi).first()
        if existing and fields.get("url") == sql_sources.masked(existing.url):
            fields.pop("url")  # the masked URL came back unchanged: keep the stored one
        try:
            sql_sources.save_source(access, kpi, **fields)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, "SQL source saved; it runs at the next refresh.")
            return redirect(kpi)
    return detail(request, access, kpi, 422, source_form=form)


@login_required
@require_POST
def sql_source_refresh(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access = workspace_for(request, slug, MANAGE)
    source = access.get(SqlSource, kpi=access.get(Kpi, key=key))
    run = sql_sources.refresh(source)
    if run.error:
        messages.error(request, f"Refresh failed: {run.error}")
    else:
        messages.success(
            request, f"Refreshed: {run.rows_read} rows read, {run.points_stored} values stored."
        )
    return redirect(source.kpi)


@login_required
@require_POST
def sql_source_delete(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access = workspace_for(request, slug, MANAGE)
    source = access.get(SqlSource, kpi=access.get(Kpi, key=key))
    sql_sources.delete_source(access, source)
    messages.success(request, "SQL source removed; the data stays.")
    return redirect(source.kpi)
