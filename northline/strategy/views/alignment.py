"""The alignment page under /w/<slug>/alignment/: the map vision → objectives → initiatives →
features as a tree of nested, collapsible lists (no JavaScript), and the gaps report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from northline.core.pages import workspace_for

from ..services import alignment as service
from .common import chosen_period, page_context


@login_required
def alignment_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    wanted = request.GET.get("period", "")
    period, problem = chosen_period(wanted) if wanted != "all" else (None, None)
    label = "" if period is None else period.label
    context = page_context(
        access, "alignment", tree=service.alignment_map(access, label), gaps=service.gaps(access),
        period=period, problem=problem,
    )  # fmt: skip
    return render(request, "strategy/alignment.html", context)


urlpatterns = [path("w/<slug:slug>/alignment/", alignment_page, name="alignment")]
