"""Pages of the shell: home, a workspace's overview, the area pages, activity, task progress,
health."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from northline.accounts.models import Membership
from northline.core import health
from northline.core.api import error_response
from northline.core.areas import BY_KEY
from northline.core.models import Activity, TaskProgress
from northline.core.pages import signed_in, workspace_for

ACTIVITY_PAGE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The last workspace used, else the first one, else the form to create one."""
    memberships = Membership.objects.filter(user=signed_in(request)).select_related("workspace")
    last = request.session.get("workspace")
    chosen = memberships.filter(workspace__slug=last).first() or memberships.first()
    if chosen is None:
        return redirect("accounts:workspace_new")
    return redirect(chosen.workspace)


@login_required
def workspace_home(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    recent = Activity.objects.filter(workspace=access.workspace).select_related("actor")[:8]
    members = access.workspace.memberships.count()
    context = {"access": access, "recent": recent, "member_count": members, "nav": "home"}
    return render(request, "core/workspace_home.html", context)


@login_required
def area_page(request: HttpRequest, slug: str, area: str) -> HttpResponse:
    access = workspace_for(request, slug)
    if area not in BY_KEY:
        raise Http404
    if BY_KEY[area].home:
        return redirect(BY_KEY[area].home, slug)
    return render(request, "core/area.html", {"access": access, "area": BY_KEY[area], "nav": area})


@login_required
def activity_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    rows = Activity.objects.filter(workspace=access.workspace).select_related("actor")
    before = request.GET.get("before", "")
    if before.isdigit():
        rows = rows.filter(id__lt=int(before))
    page = list(rows.order_by("-id")[: ACTIVITY_PAGE + 1])
    older = page[ACTIVITY_PAGE - 1].pk if len(page) > ACTIVITY_PAGE else None
    context = {"access": access, "rows": page[:ACTIVITY_PAGE], "older": older, "nav": "activity"}
    return render(request, "core/activity.html", context)


@login_required
def task_page(request: HttpRequest, slug: str, task_id: int) -> HttpResponse:
    access = workspace_for(request, slug)
    progress = access.get(TaskProgress, pk=task_id)
    return render(
        request, "core/task.html", {"access": access, "task": progress, "nav": "settings"}
    )


def healthz(request: HttpRequest) -> JsonResponse:
    database = health.database()
    ok = database.level == "ok"
    body: dict[str, object] = {"ok": ok, "vendor": connection.vendor}
    if not ok:
        body["error"] = database.detail
    return JsonResponse({"ok": ok, "database": body}, status=200 if ok else 503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(404, "Not found")
    return render(request, "error.html", {"error": {"status": 404, "message": "Page not found"}},
                  status=404)  # fmt: skip


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(500, "Internal error; it was logged")
    return render(request, "error.html", {"error": {"status": 500, "message": "Something broke; it was logged"}}, status=500)  # fmt: skip
