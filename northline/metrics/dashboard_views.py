"""Dashboard pages: the list, one dashboard (tiles, adding and arranging them, share links),
and the public read-only page a share link opens without an account."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from northline.accounts.views import client_address
from northline.core.access import Access
from northline.core.errors import DomainError
from northline.core.pages import error_page, show_errors, workspace_for
from northline.core.roles import WRITE

from .forms import DashboardForm, ShareForm, TileForm
from .models import Dashboard, DashboardShare, Kpi, Tile
from .services import dashboards as service
from .views import page_context


@login_required
def dashboard_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    form = DashboardForm(request.POST or None)
    if request.method == "POST":
        access.require(WRITE)
        if form.is_valid():
            try:
                dashboard = service.create_dashboard(access, **form.cleaned_data)
            except DomainError as error:
                show_errors(form, error)
            else:
                return redirect(dashboard)
    rows = Dashboard.objects.filter(workspace=access.workspace)
    context = page_context(access, "dashboards", dashboards=rows, form=form)
    return render(request, "metrics/dashboards.html", context, status=422 if form.errors else 200)


def detail(
    request: HttpRequest, access: Access, dashboard: Dashboard, status: int = 200, **extra: Any
) -> HttpResponse:
    kpis = [(k.key, k.name) for k in Kpi.objects.filter(workspace=access.workspace)]
    context = page_context(
        access, "dashboards", dashboard=dashboard, tiles=service.rendered(access.workspace, dashboard),
        tile_form=extra.get("tile_form") or TileForm(kpis=kpis),
        share_form=extra.get("share_form") or ShareForm(),
        rename_form=extra.get("rename_form") or DashboardForm(initial={"name": dashboard.name, "description": dashboard.description}),
        shares=dashboard.shares.all() if access.can(WRITE) else [], new_link=extra.get("new_link"),
    )  # fmt: skip
    return render(request, "metrics/dashboard.html", context, status=status)


def load(request: HttpRequest, slug: str, pk: int, write: bool = False) -> tuple[Access, Dashboard]:
    access = workspace_for(request, slug, WRITE) if write else workspace_for(request, slug)
    return access, access.get(Dashboard, pk=pk)


@login_required
def dashboard_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dashboard = load(request, slug, pk)
    return detail(request, access, dashboard)


@login_required
@require_POST
def dashboard_rename(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dashboard = load(request, slug, pk, write=True)
    form = DashboardForm(request.POST)
    if form.is_valid():
        try:
            service.rename_dashboard(access, dashboard, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
            dashboard.refresh_from_db()
        else:
            return redirect(dashboard)
    return detail(request, access, dashboard, 422, rename_form=form)


@login_required
@require_POST
def dashboard_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dashboard = load(request, slug, pk, write=True)
    service.delete_dashboard(access, dashboard)
    messages.success(request, f"Dashboard {dashboard.name} deleted.")
    return redirect("metrics:dashboards", slug)


@login_required
@require_POST
def tile_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dashboard = load(request, slug, pk, write=True)
    kpis = [(k.key, k.name) for k in Kpi.objects.filter(workspace=access.workspace)]
    form = TileForm(request.POST, kpis=kpis)
    if form.is_valid():
        try:
            service.add_tile(access, dashboard, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            return redirect(dashboard)
    return detail(request, access, dashboard, 422, tile_form=form)


@login_required
@require_POST
def tile_remove(request: HttpRequest, slug: str, pk: int, tile_id: int) -> HttpResponse:
    access, dashboard = load(request, slug, pk, write=True)
    service.remove_tile(access, access.get(Tile, pk=tile_id, dashboard=dashboard))
    return redirect(dashboard)


@login_required
@require_POST
def tile_move(
    request: HttpRequest, slug: str, pk: int, tile_id: int, direction: str
) -> HttpResponse:
    access, dashboard = load(request, slug, pk, write=True)
    service.move_tile(access, access.get(Tile, pk=tile_id, dashboard=dashboard), direction)
    return redirect(dashboard)


@login_required
@require_POST
def share_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, dashboard = load(request, slug, pk, write=True)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            _, secret = service.create_share(
                access, dashboard, form.cleaned_data["label"], form.cleaned_data["days"] or None
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            url = request.build_absolute_uri(reverse("metrics:dashboard_public", args=[secret]))
            return detail(request, access, dashboard, new_link=url)
    return detail(request, access, dashboard, 422, share_form=form)


@login_required
@require_POST
def share_revoke(request: HttpRequest, slug: str, pk: int, share_id: int) -> HttpResponse:
    access, dashboard = load(request, slug, pk, write=True)
    try:
        service.revoke_share(access, access.get(DashboardShare, pk=share_id, dashboard=dashboard))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The link is revoked; it no longer opens the dashboard.")
    return redirect(dashboard)


def dashboard_public(request: HttpRequest, secret: str) -> HttpResponse:
    """The dashboard for anyone holding the link: read-only, no account, no workspace menu."""
    try:
        share = service.open_share(secret, client_address(request))
    except DomainError as error:
        return error_page(request, error)
    dashboard = share.dashboard
    context = {
        "dashboard": dashboard,
        "tiles": service.rendered(share.workspace, dashboard),
        "public": True,
    }
    response = render(request, "metrics/dashboard_public.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
